#!/bin/sh
# Disk read benchmark (not a test): Debian's kernel with the disk initramfs
# (tests/system-guest/disk-lib.sh) reads a whole 64 MiB disk with dd, once on
# IDE (ata_piix, bus-master DMA) and once on virtio-blk, each a raw and a
# qcow2 image, under quetzal-system-x86_64 and qemu-system-x86_64 -accel tcg.
# Prints the guest's MB/s (from its /proc/uptime around dd) per case.
# (the guest only reads; the images are scratch copies)
# Usage: BUILD=build-folder [SIZE_MB=64] [IFACES="ide virtio"] tests/bench/disk.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
size=${SIZE_MB:-64}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/system-guest/boot-lib.sh"
. "$SRC/tests/system-guest/disk-lib.sh"
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$kernel" ] || { echo "disk: kernel missing in $CACHE" >&2; exit 1; }
make_disk_initramfs "$T/initrd.gz" || exit 1
head -c $((size << 20)) /dev/urandom >"$T/d.raw"
qemu-img convert -f raw -O qcow2 "$T/d.raw" "$T/d.qcow2"

# one EMULATOR IF FORMAT: prints MB/s
one() {
  dev=sda
  [ "$2" = virtio ] && dev=vda
  timeout 600 "$1" -m 256 -display none -no-reboot -serial "file:$T/log" -kernel "$kernel" \
    -initrd "$T/initrd.gz" -append "console=ttyS0 panic=-1 quiet loglevel=1 qzdevs= qzdd=$dev" \
    -drive file="$T/d.$3",format=$3,if=$2 </dev/null >/dev/null 2>&1
  grep -a "^QZ-DD $dev" "$T/log" | tr -d '\r' |
    awk -v mb="$size" '{ t = $6 - $5; if (t > 0) printf "%.1f", mb / t; else print "?" }'
}
printf "%-10s %-7s %-6s %10s %10s\n" case if format quetzal qemu
for ifc in ${IFACES:-ide virtio}; do
  for fmt in raw qcow2; do
    q=$(one "$SYSEMU" $ifc $fmt)
    e=$(command -v qemu-system-x86_64 >/dev/null && one qemu-system-x86_64 $ifc $fmt || echo -)
    printf "%-10s %-7s %-6s %8s MB/s %8s MB/s\n" read $ifc $fmt "${q:-fail}" "${e:-fail}"
  done
done
