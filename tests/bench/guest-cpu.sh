#!/bin/sh
# In-guest CPU benchmark (not a test): cpu-bench.c (the program of
# tests/bench/user-cpu.sh, gcc -O2 -static) run natively, in user mode under
# quetzal-x86_64 and qemu-x86_64, and inside a Linux guest (Debian's kernel, the
# test initramfs runs it as /bench/prog) under quetzal-system-x86_64 and
# qemu-system-x86_64 -accel tcg. The guest run is timed on the host, between the
# arrival of the guest's QZ-BENCH-START and QZ-BENCH-END serial lines: wall time,
# and the emulator's CPU time (/proc/PID/stat, 10 ms ticks). The guest's own clock (/proc/uptime) is not
# used: on a loaded host the guest kernel loses timer ticks and its clock runs
# slow (it said 1.1x native for QEMU's guest, whose user mode ran 1.5x). The
# host runs are timed the same way (wall, and CPU from /usr/bin/time). RUNS
# times each (default 3); median milliseconds and ratios; checksums must agree.
# BASE=another-build-folder also runs that build's quetzal (before/after rows).
# Usage: BUILD=build-folder [BASE=build-folder] [RUNS=3] [SCALE=7] tests/bench/guest-cpu.sh
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

# cpu_ms PID: CPU milliseconds of PID so far, threads that ended included (user
# + system time of /proc/PID/stat, in clock ticks: proc(5))
hz=$(getconf CLK_TCK)
cpu_ms() {
  sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | awk -v hz="$hz" '{ printf "%d\n", ($12 + $13) * 1000 / hz }'
}

# user NAME [EMULATOR]: one run as a host process (wall ms to NAME.ms, user +
# system CPU ms to NAME.cpu)
user() {
  name=$1
  shift
  start=$(now_ms)
  /usr/bin/time -f "%U %S" -o "$T/time" "$@" "$T/cpu-bench" "$scale" > "$T/out" ||
    { echo "guest-cpu: $name failed" >&2; return 1; }
  echo $(( $(now_ms) - start )) >> "$T/$name.ms"
  awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$T/time" >> "$T/$name.cpu"
  grep '^checksum' "$T/out" >> "$T/$name.sum"
}

# guest NAME EMULATOR [OPTIONS...]: one boot; wall and CPU ms between the
# benchmark's start and end markers, as the host sees them arrive
guest() {
  name=$1 emu=$2
  shift 2
  rm -f "$T/fifo" && mkfifo "$T/fifo" || return 1
  timeout 300 "$emu" -m 512M -display none -no-reboot -serial stdio -kernel "$kernel" \
    -initrd "$T/initrd.gz" -append "console=ttyS0 panic=-1 quiet qzbench=$scale" "$@" \
    </dev/null > "$T/fifo" 2>&1 &
  pid=$!
  : > "$T/out"
  w0="" w1="" c0="" c1="" epid=""
  while IFS= read -r line; do
    # timeout's child is the emulator (running once the fifo is open)
    [ -n "${epid:-}" ] || epid=$(pgrep -P "$pid" | head -1)
    case $line in
      QZ-BENCH-START*) w0=$(now_ms) c0=$(cpu_ms "${epid:-$pid}") ;;
      "QZ-BENCH-END 0"*) w1=$(now_ms) c1=$(cpu_ms "${epid:-$pid}") ;;
    esac
    printf '%s\n' "$line" >> "$T/out"
  done < "$T/fifo"
  wait "$pid"
  if [ -z "$w0" ] || [ -z "$w1" ] || [ -z "$c1" ]; then
    echo "guest-cpu: $name: no benchmark result; last lines:" >&2
    tail -5 "$T/out" >&2
    return 1
  fi
  echo $(( w1 - w0 )) >> "$T/$name.ms"
  echo $(( c1 - c0 )) >> "$T/$name.cpu"
  grep '^checksum' "$T/out" | tr -d '\r' >> "$T/$name.sum"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

for i in $(seq 1 "$runs"); do
  user native
  user quetzal-user "$BUILD/quetzal-x86_64"
  guest quetzal-guest "$BUILD/quetzal-system-x86_64" -M pc,fast-boot=on
  if [ -n "${BASE:-}" ]; then
    user base-user "$BASE/quetzal-x86_64"
    guest base-guest "$BASE/quetzal-system-x86_64" -M pc,fast-boot=on
  fi
  command -v qemu-x86_64 >/dev/null 2>&1 && user qemu-user qemu-x86_64
  command -v qemu-system-x86_64 >/dev/null 2>&1 && guest qemu-guest qemu-system-x86_64 -accel tcg
done

echo "cpu-bench scale $scale, $runs runs, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "median wall ms, CPU ms (CPU ratio to native):"
nat=$(median "$T/native.cpu")
expected=$(sort -u "$T/native.sum")
status=0
for n in native quetzal-user quetzal-guest base-user base-guest qemu-user qemu-guest; do
  [ -s "$T/$n.ms" ] || continue
  m=$(median "$T/$n.cpu")
  eval "cpu_$(echo $n | tr - _)=$m"
  printf "  %-14s %7s ms %7s ms  %sx\n" "$n" "$(median "$T/$n.ms")" "$m" "$(ratio "$m" "$nat")"
  if [ "$(sort -u "$T/$n.sum")" != "$expected" ]; then
    echo "  $n: checksum differs from native"
    status=1
  fi
done
echo "softmmu cost (guest / user mode, CPU): quetzal $(ratio "${cpu_quetzal_guest:-0}" "${cpu_quetzal_user:-0}")," \
  "qemu $(ratio "${cpu_qemu_guest:-0}" "${cpu_qemu_user:-0}")"
echo "quetzal-guest / qemu-guest (CPU): $(ratio "${cpu_quetzal_guest:-0}" "${cpu_qemu_guest:-0}")"
exit $status
