#!/bin/bash
# Installs consolehub into ./.venv and runs API, compute agent and noVNC
# proxy in one process on the embedded defaults: SQLite and the libvirt
# root under ./state, the in-process RPC transport, guests under QEMU.
# The default guest image is built (once) and registered as the public
# image "consolehub-default".
# API: http://127.0.0.1:8774  noVNC proxy: http://127.0.0.1:6080
# Dashboard: http://127.0.0.1:8774/dashboard/ (sign in with a token from
# "consolehub-manage token create").
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
# The default guest image; cached, so only the first run builds it.
mkdir -p .cache/images
tools/build-default-image.sh .cache/images/default.qcow2
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .

mkdir -p state
if [ ! -f state/consolehub.conf ]; then
    cat > state/consolehub.conf <<CONF
[DEFAULT]
state_path = $PWD/state

# The serial console too (a terminal page on port 6083), shared through
# each guest's serial hub.
[serial_console]
enabled = true
CONF
fi
.venv/bin/consolehub-manage --config-file state/consolehub.conf db sync
# Registers the default image as the public image "consolehub-default";
# a no-op when it is registered with this content already, and a rebuilt
# image replaces the older one.
.venv/bin/consolehub-manage --config-file state/consolehub.conf \
    image import --name consolehub-default --min-ram 128 --replace \
    .cache/images/default.qcow2
exec .venv/bin/consolehub-all --config-file state/consolehub.conf "$@"
