#!/bin/sh
# Network throughput benchmark (not a test): Debian's kernel with check-net's
# initramfs (tests/system-guest/net-init.sh, qzmode=bench) on -nic user, once
# with e1000 and once with virtio-net-pci, under quetzal-system-x86_64 and
# qemu-system-x86_64 -accel tcg. The guest downloads SIZE_MB from a python3
# http.server on the host's 127.0.0.1 (wget) and uploads SIZE_MB to a host
# listener (dd | nc); prints the guest's MB/s (its /proc/uptime around each).
# Usage: BUILD=build-folder [SIZE_MB=20] [MODELS="e1000 virtio"] tests/bench/net.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
size=${SIZE_MB:-20}
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
. "$SRC/tests/system-guest/boot-lib.sh"
. "$SRC/tests/system-guest/disk-lib.sh"     # add_module
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
ko=$(find "$CACHE/linux/lib/modules" -name e1000.ko 2>/dev/null | head -1)
[ -n "$kernel" ] && [ -n "$ko" ] || { echo "net: kernel or e1000.ko missing in $CACHE" >&2; exit 1; }
root=$T/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/modules"
cp "$CACHE/busybox-static/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$ko" "$root/e1000.ko"
moddir=$(ls -d "$CACHE"/linux/lib/modules/*/kernel | head -1)
order=""
for m in virtio_pci virtio_net; do add_module $m || exit 1; done
echo $order >"$root/modules.order"
cp "$SRC/tests/system-guest/net-init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/initrd.gz"
mkdir -p "$T/www"
head -c $((size << 20)) /dev/urandom >"$T/www/big.bin"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hport=$(freeport)
(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 "$hport") >/dev/null 2>&1 &
pids="$pids $!"

# one EMULATOR MODEL: prints "down up" in MB/s
one() {
  uport=$(freeport)
  # the upload's receiver: reads SIZE_MB and closes (nc in the guest then exits)
  python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(600)
c,_=s.accept(); n=0; want=int(sys.argv[2]) << 20
while n < want:
    b=c.recv(1 << 16)
    if not b: break
    n+=len(b)
c.close()' "$uport" "$size" &
  rx=$!
  nic=e1000; [ "$2" = virtio ] && nic=virtio-net-pci
  timeout 600 "$1" -m 256 -display none -no-reboot -serial "file:$T/log" -kernel "$kernel" \
    -initrd "$T/initrd.gz" -nic "user,model=$nic" -append \
    "console=ttyS0 panic=-1 quiet loglevel=1 qzmode=bench qznic=$2 qzport=$hport qzbig=big.bin qzup=$size qzupport=$uport" \
    </dev/null >/dev/null 2>&1
  kill $rx 2>/dev/null
  for dir in down up; do
    grep -a "^QZ-BENCH $dir" "$T/log" | tr -d '\r' |
      awk -v mb="$size" '{ t = $4 - $3; if (t > 0) printf "%.1f ", mb / t; else printf "? " }'
    grep -aq "^QZ-BENCH $dir" "$T/log" || printf "fail "
  done
}
printf "%-8s %-9s %18s %18s\n" model direction quetzal qemu
for model in ${MODELS:-e1000 virtio}; do
  set -- $(one "$SYSEMU" $model)
  qd=$1 qu=$2
  if command -v qemu-system-x86_64 >/dev/null; then
    set -- $(one qemu-system-x86_64 $model)
  else
    set -- - -
  fi
  printf "%-8s %-9s %13s MB/s %13s MB/s\n" $model download "$qd" "$1"
  printf "%-8s %-9s %13s MB/s %13s MB/s\n" $model upload "$qu" "$2"
done
