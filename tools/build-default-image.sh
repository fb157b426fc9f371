#!/bin/bash
# Builds consolehub's default guest image: a small bootable qcow2 disk made
# from Debian packages only.
#
#   tools/build-default-image.sh OUTPUT.qcow2
#
# The disk holds an MBR (syslinux's mbr.bin) and one FAT partition with the
# SYSLINUX boot loader, the kernel of linux-image-cloud-amd64 and an
# initramfs in which busybox-static is the whole operating system: the root
# file system stays in memory, so the guest needs no disk driver and boots
# from virtio-blk, IDE or SATA alike, on a disk of any size.
#
# The guest shows a root shell on the serial port (ttyS0) and on the VGA
# console (tty1), each preceded by the banner "consolehub guest <UUID>"
# with the DMI product UUID (libvirt sets it to the instance UUID), and
# powers off on an ACPI power-button press (what "virsh shutdown" sends).
#
# Everything is done on files as an ordinary user: mkfs.fat, mtools and
# syslinux write into the disk file at the partition's offset, so no loop
# device, mount or root privilege is needed. The packages are fetched with
# "apt-get download" and unpacked with dpkg-deb; nothing is installed on
# the build host.
#
# The guest needs ACPI (libvirt's <features><acpi/>) to power off and
# 72 MiB of memory or more: the kernel unpacks itself into 51.5 MiB from
# 16 MiB up (its bzImage init_size and load address), so with 64 MiB it
# stops in the boot loader or after "Probing EDD". Under QEMU's TCG it
# reaches the prompt in some 5 s.
#
# Cache: OUTPUT.key lists the inputs (this script's SHA-256, the package
# versions, the state of apt's package index). A run whose inputs match
# the key leaves the image alone. The image and its key are replaced by
# rename, so an interrupted build leaves the previous image (or none).
set -euo pipefail

KERNEL_METAPACKAGE=linux-image-cloud-amd64
BUSYBOX_PACKAGE=busybox-static
# Host packages whose files end up in the image: the syslinux installer
# (it carries ldlinux.sys) and syslinux-common (mbr.bin).
HOST_PACKAGES=(syslinux syslinux-common)
SYSLINUX_MBR=/usr/lib/syslinux/mbr/mbr.bin
# The kernel command line: messages and the shell on both the VGA console
# and the first serial port; the last console= is /dev/console.
KERNEL_CMDLINE="console=tty0 console=ttyS0,115200"
# The FAT partition starts at 1 MiB, as partitioning tools align it.
PARTITION_START_SECTOR=2048

die() {
    echo "build-default-image: $*" >&2
    exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then
    echo "usage: $0 OUTPUT.qcow2" >&2
    exit 2
fi
output=$1
started=$SECONDS
output_dir=$(dirname -- "$output")
key_file=$output.key
[ -d "$output_dir" ] || die "directory $output_dir does not exist"

for tool in apt-get apt-cache apt-config dpkg-deb dpkg-query sha256sum \
            tar cpio gzip sfdisk mkfs.fat mcopy syslinux qemu-img; do
    command -v "$tool" >/dev/null ||
        die "$tool not found; tools/install-deps.sh installs it"
done
[ -f "$SYSLINUX_MBR" ] ||
    die "$SYSLINUX_MBR not found; tools/install-deps.sh installs it"

# --- Inputs and the cache key -------------------------------------------

# The lines of the key that are quick to compute: this script, the host
# packages and a fingerprint of apt's package index (sizes and times of
# its Packages files, and the APT pinning). Asking apt-cache for the
# package versions parses the whole index, which takes seconds where apt
# keeps no binary cache, so it is done only when these lines change.
quick_key() {
    local lists package
    eval "$(apt-config shell lists Dir::State::lists/d)"
    echo "script-sha256 $(sha256sum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
    for package in "${HOST_PACKAGES[@]}"; do
        echo "$package $(dpkg-query -W -f='${Version}' "$package")"
    done
    echo "apt-index $(stat -c '%n %s %Y' "$lists"*_Packages* \
                          /etc/apt/preferences* 2>/dev/null |
                      sha256sum | cut -d' ' -f1)"
}

# Prints the package lines of the key: the real kernel package that the
# metapackage depends on (linux-image-<ABI>-cloud-amd64, with the version
# the dependency pins) and busybox-static, from one apt-cache call; fails
# when apt does not know them.
package_key() {
    apt-cache show --no-all-versions "$KERNEL_METAPACKAGE" "$BUSYBOX_PACKAGE" \
        2>/dev/null | awk -v busybox="$BUSYBOX_PACKAGE" '
        /^Package: / { package = $2 }
        /^Version: / && package == busybox { busybox_version = $2 }
        /^Depends: / && package != busybox {
            if (match($0, /linux-image-[^ ,]+ \(= [^)]+\)/)) {
                split(substr($0, RSTART, RLENGTH), dependency, /[ ()=]+/)
                kernel = dependency[1]; kernel_version = dependency[2]
            }
        }
        END {
            if (kernel == "" || busybox_version == "") exit 1
            print kernel, kernel_version
            print busybox, busybox_version
        }'
}

quick=$(quick_key)
quick_lines=$(wc -l <<<"$quick")
if [ -f "$output" ] && [ -f "$key_file" ] &&
       [ "$(head -n "$quick_lines" "$key_file")" = "$quick" ]; then
    echo "$output is up to date"
    exit 0
fi

if ! packages=$(package_key); then
    if [ -f "$output" ]; then
        echo "build-default-image: apt does not know $KERNEL_METAPACKAGE" \
             "or $BUSYBOX_PACKAGE; keeping $output" >&2
        exit 0
    fi
    die "apt does not know $KERNEL_METAPACKAGE or $BUSYBOX_PACKAGE;" \
        "run apt-get update"
fi
key=$(printf '%s\n%s\n' "$quick" "$packages")

work=$(mktemp -d "${TMPDIR:-/tmp}/build-default-image.XXXXXX")
temp_output=$(mktemp "$output_dir/.$(basename -- "$output").XXXXXX")
trap 'rm -rf -- "$work" "$temp_output"' EXIT

# The index changed but not the versions: keep the image, renew the key.
if [ -f "$output" ] && [ -f "$key_file" ] &&
       [ "$(grep -v '^apt-index ' "$key_file")" = \
         "$(grep -v '^apt-index ' <<<"$key")" ]; then
    echo "$key" > "$temp_output"
    mv -f -- "$temp_output" "$key_file"
    echo "$output is up to date"
    exit 0
fi

echo "Building $output from:"
sed 's/^/  /' <<<"$packages"

# --- Packages ----------------------------------------------------------

# apt-get download fetches the exact versions of the key into the current
# directory and checks them against the signed index. As root, apt would
# fetch as its sandbox user _apt, who cannot write into our private
# temporary directory (it warns and fetches as root); say so up front.
mapfile -t downloads < <(awk '{ print $1 "=" $2 }' <<<"$packages")
mkdir "$work/debs"
(cd "$work/debs" &&
     apt-get download -q=2 -o APT::Sandbox::User=root "${downloads[@]}")
# From the kernel package only the kernel and the two modules the power
# button needs (see below), not its hundred megabytes of modules.
mkdir "$work/kernel"
dpkg-deb --fsys-tarfile "$work"/debs/linux-image-*.deb |
    tar -x -C "$work/kernel" --wildcards './boot/vmlinuz-*' \
        './lib/modules/*/kernel/drivers/acpi/button.ko' \
        './lib/modules/*/kernel/drivers/input/evdev.ko'
dpkg-deb -x "$work"/debs/busybox-static_*.deb "$work/busybox"

vmlinuz=$(echo "$work"/kernel/boot/vmlinuz-*)
modules=$(echo "$work"/kernel/lib/modules/*/kernel)
[ -f "$vmlinuz" ] || die "no kernel in the linux-image package"

# --- Initramfs: busybox as the whole system ----------------------------

root=$work/root
mkdir -p "$root"/{bin,dev,etc/acpi/PWRF,etc/init.d,lib/modules,proc,root}
mkdir -p "$root"/{run,sbin,sys,tmp,usr/bin,usr/sbin,var/log}
chmod 1777 "$root/tmp"
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
# The kernel runs /init: busybox runs the applet its name says, init.
# The other applet links are made at boot (rcS); /bin/sh runs rcS.
ln -s bin/busybox "$root/init"
ln -s busybox "$root/bin/sh"

# The ACPI power button reaches user space only as an input event:
# button.ko turns the ACPI event into one, evdev.ko exposes it as
# /dev/input/event*, where busybox acpid reads it. Neither has
# dependencies (modinfo -F depends is empty).
cp "$modules/drivers/acpi/button.ko" "$modules/drivers/input/evdev.ko" \
   "$root/lib/modules/"

cat > "$root/etc/inittab" <<'EOF'
# busybox init(8): ID:RUNLEVELS:ACTION:PROCESS, ID being the tty.
::sysinit:/etc/init.d/rcS
ttyS0::respawn:/etc/console-shell
tty1::respawn:/etc/console-shell
::respawn:/sbin/acpid -f
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
EOF

cat > "$root/etc/init.d/rcS" <<'EOF'
#!/bin/sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
hostname consolehub-guest
insmod /lib/modules/evdev.ko
insmod /lib/modules/button.ko
EOF

cat > "$root/etc/console-shell" <<'EOF'
#!/bin/sh
# Names the guest, then gives a root shell on this tty. init respawns it.
uuid=$(cat /sys/class/dmi/id/product_uuid 2>/dev/null || echo unknown)
printf '\nconsolehub guest %s on %s\n' "$uuid" "$(tty)"
cd /root
exec /bin/sh -l
EOF

# busybox acpid runs /etc/acpi/<ACTION>/<PARAMETER> for an event; the
# power button is PWRF/00000080.
cat > "$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
exec poweroff
EOF

cat > "$root/etc/profile" <<'EOF'
export HOME=/root PATH=/sbin:/usr/sbin:/bin:/usr/bin
PS1='\u@\h:\w# '
EOF
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
chmod 755 "$root/etc/init.d/rcS" "$root/etc/console-shell" \
      "$root/etc/acpi/PWRF/00000080"

# newc is the cpio format the kernel unpacks; -R 0:0 makes every file
# root's without running as root.
(cd "$root" && find . | LC_ALL=C sort |
     cpio -o -H newc -R 0:0 --quiet) | gzip -9 -n > "$work/initrd.img"

# --- Disk: MBR, one bootable FAT partition, SYSLINUX --------------------

# SERIAL: the boot loader's own messages on the serial port as well.
cat > "$work/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $KERNEL_CMDLINE
EOF

# The partition holds the files and 4 MiB to spare (FAT and ldlinux).
mib=$((1024 * 1024))
content_bytes=$(cat "$vmlinuz" "$work/initrd.img" | wc -c)
partition_mib=$(( (content_bytes + mib - 1) / mib + 4 ))
partition_offset=$((PARTITION_START_SECTOR * 512))
disk=$work/disk.raw
truncate -s $((partition_offset + partition_mib * mib)) "$disk"

# Type e: FAT16 with LBA addressing; "bootable" marks it active for mbr.bin.
echo "start=$PARTITION_START_SECTOR, type=e, bootable" |
    sfdisk --quiet --label dos "$disk"
# mbr.bin is the boot code only (440 bytes): the partition table stays.
dd if="$SYSLINUX_MBR" of="$disk" bs=440 count=1 conv=notrunc status=none

# -h: the sectors before the partition, which the FAT boot sector records.
mkfs.fat -F 16 -n CONSOLEHUB -h $PARTITION_START_SECTOR \
    --offset=$PARTITION_START_SECTOR "$disk" $((partition_mib * 1024)) \
    >/dev/null
export MTOOLS_SKIP_CHECK=1
mcopy -i "$disk@@$partition_offset" "$vmlinuz" ::vmlinuz
mcopy -i "$disk@@$partition_offset" "$work/initrd.img" ::initrd.img
mcopy -i "$disk@@$partition_offset" "$work/syslinux.cfg" ::syslinux.cfg
# Writes the SYSLINUX boot sector and ldlinux.sys/ldlinux.c32.
syslinux --install --offset "$partition_offset" "$disk"

# qcow2 stores only the clusters written; -c compresses them.
qemu-img convert -q -c -f raw -O qcow2 "$disk" "$temp_output"
chmod 644 "$temp_output"

# Drop the old key first: an image without a matching key is rebuilt.
rm -f -- "$key_file"
mv -f -- "$temp_output" "$output"
echo "$key" > "$temp_output"
mv -f -- "$temp_output" "$key_file"

echo "Built $output ($(stat -c %s "$output") bytes," \
     "$((partition_mib + 1)) MiB disk) in $((SECONDS - started)) s"
