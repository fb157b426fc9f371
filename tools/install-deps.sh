#!/bin/bash
# Installs what consolehub needs from Debian on this machine: QEMU and the
# libvirt library (embedded QEMU driver, no daemon), noVNC, spice-html5, a
# C toolchain for libvirt-python (and uwsgi), and the tools with which
# tools/build-default-image.sh makes the default guest image. With --test,
# also Chromium and its driver for the browser tests, iproute2 and wrk.
# Safe to run again.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi

packages=(python3 python3-venv python3-dev gcc pkg-config libvirt-dev
          libvirt-daemon-driver-qemu qemu-system-x86 novnc spice-html5
          syslinux syslinux-common mtools dosfstools fdisk cpio qemu-utils)
if [ "${1:-}" = "--test" ]; then
    # iproute2: the network namespace test; wrk: the benchmarks in bench/.
    packages+=(chromium chromium-driver iproute2 wrk)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"
fi

# libvirt's QEMU driver, run as root, resolves its packaged default user
# and group before it reads our qemu.conf (which says root); Debian creates
# them only with libvirt-daemon-system, which we do not need otherwise.
if ! getent group libvirt-qemu >/dev/null; then
    $SUDO groupadd --system libvirt-qemu
fi
if ! getent passwd libvirt-qemu >/dev/null; then
    $SUDO useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin -g libvirt-qemu libvirt-qemu
fi
