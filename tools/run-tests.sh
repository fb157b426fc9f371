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
envs=py3,functional-postgresql,functional-mysql,pep8,docs
# The proxy's tests on Python 3.13 too, where this machine has it (Debian
# 13's python3.13, or a pyenv build of it).
python313=
if python3.13 -V >/dev/null 2>&1; then
    python313=$(command -v python3.13)
elif command -v pyenv >/dev/null; then
    version=$(pyenv versions --bare | grep -m1 '^3\.13' || true)
    if [ -n "$version" ]; then
        python313=$(pyenv root)/versions/$version/bin/python3.13
    fi
fi
if [ -n "$python313" ]; then
    export CONSOLEHUB_PYTHON313=$python313
    envs=$envs,proxy-newest-python
else
    echo "Python 3.13 not found: the proxy's tests run on $(python3 -V) only" >&2
fi
exec .venv/bin/tox -e "$envs" "$@"
