#!/bin/sh
# In-guest CPU benchmark (not a test): cpu-bench.c (the program of
# tests/bench/user-cpu.sh, gcc -O2 -static) run natively, in user mode under
# quetzal-x86_64 and qemu-x86_64, and inside a Linux guest (Debian's kernel, the
# test initramfs runs it as /bench/prog) under quetzal-system-x86_64 and
# qemu-system-x86_64 -accel tcg. The guest times it with /proc/uptime (10 ms
# resolution; the guest clock follows the host's monotonic clock). RUNS times
# each (default 3); median milliseconds and ratios; checksums must agree.
# Usage: BUILD=build-folder [RUNS=3] [SCALE=7] tests/bench/guest-cpu.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-3}
scale=${SCALE:-7}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/system-guest/boot-lib.sh"

kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
[ -n "$kernel" ] && [ -x "$bb" ] || { echo "guest-cpu: kernel or busybox missing in $CACHE (scripts/setup.sh --tests)" >&2; exit 1; }
gcc -O2 -static -o "$T/cpu-bench" "$SRC/tests/bench/cpu-bench.c" || exit 1
make_initramfs "$bb" "$T/initrd.gz" "$T/cpu-bench" || exit 1

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# user NAME [EMULATOR]: one run as a host process
user() {
  name=$1
  shift
  start=$(now_ms)
  "$@" "$T/cpu-bench" "$scale" > "$T/out" || { echo "guest-cpu: $name failed" >&2; return 1; }
  echo $(( $(now_ms) - start )) >> "$T/$name.ms"
  grep '^checksum' "$T/out" >> "$T/$name.sum"
}

# guest NAME EMULATOR [OPTIONS...]: one boot; the guest's own timing of the run
guest() {
  name=$1 emu=$2
  shift 2
  timeout 300 "$emu" -m 512M -display none -no-reboot -serial stdio -kernel "$kernel" \
    -initrd "$T/initrd.gz" -append "console=ttyS0 panic=-1 quiet qzbench=$scale" "$@" \
    </dev/null > "$T/out" 2>&1
  t0=$(sed -n 's/^QZ-BENCH-START \([0-9.]*\).*/\1/p' "$T/out" | tr -d '\r')
  t1=$(sed -n 's/^QZ-BENCH-END 0 \([0-9.]*\).*/\1/p' "$T/out" | tr -d '\r')
  if [ -z "$t0" ] || [ -z "$t1" ]; then
    echo "guest-cpu: $name: no benchmark result; last lines:" >&2
    tail -5 "$T/out" >&2
    return 1
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d\n", (b - a) * 1000 }' >> "$T/$name.ms"
  grep '^checksum' "$T/out" | tr -d '\r' >> "$T/$name.sum"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

for i in $(seq 1 "$runs"); do
  user native
  user quetzal-user "$BUILD/quetzal-x86_64"
  guest quetzal-guest "$BUILD/quetzal-system-x86_64" -M pc,fast-boot=on
  command -v qemu-x86_64 >/dev/null 2>&1 && user qemu-user qemu-x86_64
  command -v qemu-system-x86_64 >/dev/null 2>&1 && guest qemu-guest qemu-system-x86_64 -accel tcg
done

echo "cpu-bench scale $scale, $runs runs, median ms (ratio to native):"
nat=$(median "$T/native.ms")
expected=$(sort -u "$T/native.sum")
status=0
for n in native quetzal-user quetzal-guest qemu-user qemu-guest; do
  [ -s "$T/$n.ms" ] || continue
  m=$(median "$T/$n.ms")
  eval "ms_$(echo $n | tr - _)=$m"
  printf "  %-14s %7s ms  %sx\n" "$n" "$m" "$(ratio "$m" "$nat")"
  if [ "$(sort -u "$T/$n.sum")" != "$expected" ]; then
    echo "  $n: checksum differs from native"
    status=1
  fi
done
echo "softmmu cost (guest / user mode): quetzal $(ratio "${ms_quetzal_guest:-0}" "${ms_quetzal_user:-0}")," \
  "qemu $(ratio "${ms_qemu_guest:-0}" "${ms_qemu_user:-0}")"
echo "quetzal-guest / qemu-guest: $(ratio "${ms_quetzal_guest:-0}" "${ms_qemu_guest:-0}")"
exit $status
