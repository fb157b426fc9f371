#!/bin/bash
# Installs everything the test suite needs on a Debian machine and runs it
# through tox: Debian packages (QEMU, libvirt, noVNC, Chromium), the
# libvirt-qemu account, and the database and broker services when they are
# installed but stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh --test
tools/start-services.sh

if [ ! -x .venv/bin/tox ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q 'tox>=4'
fi
exec .venv/bin/tox -e py3,functional-postgresql,functional-mysql,pep8,docs "$@"
