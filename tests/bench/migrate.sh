#!/bin/sh
# Live migration benchmark (not a test): Debian's x86-64 kernel with a busybox
# initramfs whose /init runs tests/bench/migrate-dirty.c (fills MIB MiB, then
# dirties RATE MiB/s of it without pause) in a 128 MiB guest, migrated over
# TCP on loopback to a second process of the same emulator started with
# -incoming tcp:127.0.0.1:PORT, under quetzal-system-x86_64 and Debian's
# qemu-system-x86_64 -accel tcg, RUNS times each (default 5), interleaved.
# Both get the same downtime-limit (DOWNTIME, default 300 ms, QEMU's default)
# and max-bandwidth (BW bytes/s, default 1 GiB/s) through HMP's
# migrate_set_parameter. The figures are QMP query-migrate's total-time and
# downtime of the source once completed; a run counts only when the
# destination's guest goes on (a new "D n" line on its serial port). Prints
# the medians side by side, the ratios quetzal/qemu, and the medians of the
# source process's CPU time during the migration.
# Usage: BUILD=build-folder [RUNS=5] [MIB=32] [RATE=32] [QEMU=0] [VERBOSE=1] tests/bench/migrate.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-5} mib=${MIB:-32} rate=${RATE:-32}
downtime=${DOWNTIME:-300} bw=${BW:-1073741824}
CACHE=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
QMP="python3 $SRC/tests/vmstate/qmp.py"

kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
[ -n "$kernel" ] && [ -x "$bb" ] ||
  { echo "migrate: kernel or busybox missing in $CACHE (scripts/setup.sh --tests)" >&2; exit 1; }
root=$T/root
mkdir -p "$root/bin" "$root/proc"
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
gcc -O2 -static -o "$root/bin/migrate-dirty" "$here/migrate-dirty.c" ||
  { echo "migrate: cannot build migrate-dirty.c" >&2; exit 1; }
cat >"$root/init" <<EOI
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/migrate-dirty $mib $rate
EOI
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/initrd.gz"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for FILE REGEX SECONDS [PID]: false at the timeout or when PID is gone
wait_for() {
  i=0
  while ! grep -qE "$2" "$1" 2>/dev/null; do
    [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
    i=$((i + 1))
    [ $i -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
}
cpu_ms() {  # utime + stime of a process, in ms
  awk '{ print int(($14 + $15) * 1000 / '"$(getconf CLK_TCK)"') }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# once NAME EMULATOR [OPTIONS...]: one migration; appends total-time,
# downtime and the source's CPU ms to $T/NAME.total, .down, .cpu
once() {
  name=$1 emu=$2
  shift 2
  port=$(free_port)
  rm -f "$T"/s.* "$T"/d.*
  for side in d s; do
    inc=""
    [ $side = d ] && inc="-incoming tcp:127.0.0.1:$port"
    timeout 600 "$emu" "$@" -m 128 -display none -no-reboot -serial "file:$T/$side.ser" \
      -monitor none -qmp "unix:$T/$side.qmp,server=on,wait=off" -kernel "$kernel" \
      -initrd "$T/initrd.gz" -append "console=ttyS0 panic=-1 quiet" $inc </dev/null \
      >"$T/$side.out" 2>&1 &
    eval "${side}pid=\$!"
    pids="$pids $!"
  done
  if ! wait_for "$T/s.ser" '^D 2' 300 $spid; then
    echo "migrate: $name's guest did not start dirtying: $(tail -c 300 "$T/s.ser")" >&2
    kill $spid $dpid 2>/dev/null; return 1
  fi
  cpid=$(pgrep -P $spid | head -1)     # the emulator under timeout
  c0=$(cpu_ms $cpid)
  $QMP "$T/s.qmp" \
    '{"execute": "human-monitor-command", "arguments": {"command-line": "migrate_set_parameter downtime-limit '$downtime'"}}' \
    '{"execute": "human-monitor-command", "arguments": {"command-line": "migrate_set_parameter max-bandwidth '$bw'"}}' \
    '{"execute": "migrate", "arguments": {"uri": "tcp:127.0.0.1:'$port'"}}' wait-migration \
    '{"execute": "query-migrate"}' >"$T/s.qmp.out" 2>&1
  c1=$(cpu_ms $cpid)
  last=$(grep '"return": {"status"' "$T/s.qmp.out" | tail -1)
  [ "${VERBOSE:-0}" = 1 ] && echo "$name: $last" >&2
  lines=$(grep -c '^D ' "$T/d.ser" 2>/dev/null)
  ok=0
  case $last in *'"completed"'*)
    # the destination's guest goes on: a new progress line
    wait_for "$T/d.ser" "^D " 30 && ok=1 ;;
  esac
  $QMP "$T/s.qmp" '{"execute": "quit"}' >/dev/null 2>&1
  $QMP "$T/d.qmp" '{"execute": "quit"}' >/dev/null 2>&1
  wait $spid $dpid 2>/dev/null
  if [ $ok = 0 ]; then
    echo "migrate: $name's migration failed or the destination did not go on: $last" \
      "$(grep -i error "$T/s.qmp.out" "$T/d.out" | head -2)" >&2
    return 1
  fi
  echo "$last" | sed -n 's/.*"total-time": \([0-9]*\).*/\1/p' >>"$T/$name.total"
  echo "$last" | sed -n 's/.*"downtime": \([0-9]*\).*/\1/p' >>"$T/$name.down"
  echo $((c1 - c0)) >>"$T/$name.cpu"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

qemu=$(command -v qemu-system-x86_64 || true)
[ "${QEMU:-1}" = 0 ] && qemu=
for i in $(seq 1 "$runs"); do
  once quetzal "$BUILD/quetzal-system-x86_64" -M pc,fast-boot=on
  [ -n "$qemu" ] && once qemu "$qemu" -accel tcg
done
echo "live migration over loopback TCP, 128 MiB guest dirtying $rate MiB/s of $mib MiB," \
  "downtime-limit $downtime ms, max-bandwidth $bw B/s; medians of $runs runs:"
printf "  %-8s %10s %10s %12s %6s\n" "" "total ms" "downtime" "src CPU ms" "runs"
for n in quetzal qemu; do
  [ -f "$T/$n.total" ] || continue
  printf "  %-8s %10s %10s %12s %6s\n" $n "$(median "$T/$n.total")" "$(median "$T/$n.down")" \
    "$(median "$T/$n.cpu")" "$(wc -l <"$T/$n.total")"
done
if [ -f "$T/quetzal.total" ] && [ -f "$T/qemu.total" ]; then
  echo "  quetzal/qemu: total $(ratio "$(median "$T/quetzal.total")" "$(median "$T/qemu.total")")," \
    "downtime $(ratio "$(median "$T/quetzal.down")" "$(median "$T/qemu.down")")," \
    "CPU $(ratio "$(median "$T/quetzal.cpu")" "$(median "$T/qemu.cpu")")"
fi
