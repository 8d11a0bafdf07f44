#!/bin/sh
# The machine's state saved and restored (migration/, issue 12), with Debian's
# kernel and a busybox initramfs (tests/vmstate/init.sh):
# - migration: a guest computing a checksum chain, printing progress on the
#   serial port, is migrated (QMP migrate to exec:, HMP migrate to unix:) to a
#   second process started with -incoming defer, which, running, migrates it
#   live over TCP on loopback to a third started with -incoming
#   tcp:127.0.0.1:PORT; the progress lines of the three serial logs together
#   must be the host's chain with no line lost or doubled, and the final sum
#   the host's. query-migrate, the MIGRATION events.
# - damaged, truncated and foreign streams (another RAM size, another device
#   list) are refused with one line: -incoming exits 1, migrate_incoming leaves
#   the waiting machine able to take the good stream after it.
# - savevm/loadvm on a qcow2 disk (virtio-blk) the guest writes a counter to: every tick the
#   guest prints the number read back from the disk (page cache dropped), which
#   is the previous tick's only if RAM and disk were restored together; after
#   loadvm the ticks go back to the snapshot's; -loadvm starts from it; a
#   machine with another RAM size refuses it with one line and runs on.
#   Debian's qemu-img lists the snapshot with its VM SIZE and checks the image.
# VMSTATE_TIMEOUT (s, default 300) bounds each machine's whole life; the disk
# guest lives from the start to the snapshot part (an ASan build at load 9-11
# outlived 300 s there; it passed with 900).
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-vmstate.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0 skipped=0
dir=$SRC/tests/vmstate
CACHE=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
HMP="python3 $dir/hmp.py"
QMP="python3 $dir/qmp.py"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() {   # check DESCRIPTION COMMAND...
  d=$1; shift
  if "$@"; then pass; else fail "$d"; fi
}
finish() { san_check; echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit $?; }

kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
moddir=$(ls -d "$CACHE"/linux/lib/modules/*/kernel 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
if [ -z "$kernel" ] || [ -z "$moddir" ] || [ ! -x "$bb" ]; then
  echo "skip: Debian's kernel, its modules or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  skipped=1; finish
fi
for p in python3 cpio; do
  command -v $p >/dev/null || { echo "skip: $p not installed"; skipped=1; finish; }
done
[ -x "$SYSEMU" ] || { fail "$SYSEMU not built"; finish; }
IMG=$(command -v qemu-img || echo "$BUILD/quetzal-img")

# the initramfs: busybox, the virtio-blk modules (tests/system-guest/disk-lib.sh)
. "$SRC/tests/system-guest/disk-lib.sh"
root=$T/root order=""
mkdir -p "$root/bin" "$root/proc" "$root/dev" "$root/modules"
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
for m in virtio_pci virtio_blk; do
  add_module $m || { fail "kernel module $m not found"; finish; }
done
echo $order >"$root/modules.order"
cp "$dir/init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/initrd.gz"

# vm NAME MEM APPEND [OPTIONS...]: starts a machine in the background with its
# serial log $T/NAME.ser, HMP on $T/NAME.hmp, QMP on $T/NAME.qmp (no_timer_check:
# why in tests/system-guest/boot-lib.sh, LINUX_TEST_ARGS; three guests boot at once here)
vm() {
  name=$1 mem=$2 app=$3; shift 3
  timeout "${VMSTATE_TIMEOUT:-300}" "$SYSEMU" -M pc,fast-boot=on -m "$mem" -display none -no-reboot \
    -serial "file:$T/$name.ser" -monitor "unix:$T/$name.hmp,server=on,wait=off" \
    -qmp "unix:$T/$name.qmp,server=on,wait=off" -kernel "$kernel" -initrd "$T/initrd.gz" \
    -append "console=ttyS0 panic=-1 no_timer_check quiet $app" "$@" </dev/null >"$T/$name.out" 2>&1 &
  pid=$!
  pids="$pids $pid"
}
# wait_for NAME REGEX SECONDS: until the serial log has a matching line
wait_for() {
  i=0
  while ! grep -qE "$2" "$T/$1.ser" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
}
ms() { date +%s%3N; }

# the snapshot guest boots beside the migration's (its part is below)
"$IMG" create -q -f qcow2 "$T/d.qcow2" 16M >/dev/null || { fail "cannot create a qcow2 image"; finish; }
vm snap 128 "qzmode=disk qzdev=vda qzticks=100000" -drive "file=$T/d.qcow2,format=qcow2,if=virtio"; snap=$pid

# --- migration -------------------------------------------------------------
STEPS=40000
vm src 128 "qzmode=compute qzsteps=$STEPS"; src=$pid
vm dst 128 "qzmode=compute qzsteps=$STEPS" -incoming defer; dst=$pid
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
vm tcp 128 "qzmode=compute qzsteps=$STEPS" -incoming "tcp:127.0.0.1:$PORT"; tcp=$pid
if ! wait_for src '^P 1500 ' 240; then
  fail "the source guest did not start computing"; finish
fi
t0=$(ms)
$QMP "$T/src.qmp" '{"execute": "migrate", "arguments": {"uri": "exec:cat > '"$T"'/st.bin"}}' \
  wait-migration '{"execute": "query-migrate"}' '{"execute": "query-status"}' >"$T/qmp.out" 2>&1
t1=$(ms)
check "QMP migrate to exec: returns {}" grep -q '^{"return": {}}' "$T/qmp.out"
check "MIGRATION events setup, active, completed" sh -c \
  "grep -o '\"status\": \"[a-z]*\"}}' '$T/qmp.out' | tr -d '\n' |
   grep -q 'setup.*active.*completed'"
check "query-migrate: completed" grep -q '"return": {"status": "completed"' "$T/qmp.out"
check "the source stays stopped (postmigrate)" grep -q '"status": "postmigrate"' "$T/qmp.out"
size=$(stat -c %s "$T/st.bin" 2>/dev/null || echo 0)
$HMP "$T/src.hmp" "info migrate" >"$T/info.out" 2>&1
check "info migrate: completed" grep -q "Migration status: completed" "$T/info.out"
downtime=$(sed -n 's/^downtime: //p' "$T/info.out")
total=$(sed -n 's/^total time: //p' "$T/info.out")
passes=$(sed -n 's/^dirty sync count: //p' "$T/info.out")
check "live: at least one dirty pass, the downtime a part of the total time ($downtime of $total)" \
  test "${passes:-0}" -ge 1 -a "${downtime% ms}" -lt "${total% ms}"

# damaged and foreign streams: -incoming exits 1 with one line naming the fault
size_half=$((size / 2))
head -c $size_half "$T/st.bin" >"$T/trunc.bin"
python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[int(sys.argv[2])] ^= 0xff
open(sys.argv[3], 'wb').write(b)" "$T/st.bin" $((size_half + 12345)) "$T/flip.bin"
refused() {   # refused DESCRIPTION REGEX FILE [OPTIONS...]
  d=$1 re=$2 f=$3; shift 3
  timeout 60 "$SYSEMU" -M pc,fast-boot=on -display none -serial null -monitor none \
    -kernel "$kernel" -incoming "file:$f" "$@" </dev/null >"$T/ref.out" 2>&1
  st=$?
  if [ $st = 1 ] && [ "$(wc -l <"$T/ref.out")" = 1 ] && grep -qE "$re" "$T/ref.out"; then
    pass
  else
    fail "$d (status $st): $(head -3 "$T/ref.out")"
  fi
}
refused "a truncated stream" "truncated" "$T/trunc.bin" -m 128
refused "a damaged stream" "damaged \\(checksum" "$T/flip.bin" -m 128
refused "a stream of another RAM size" "RAM 'pc.ram'" "$T/st.bin" -m 256
refused "a stream of another device list (-vga none)" "device 'VGA'" "$T/st.bin" -m 128 -vga none
refused "a stream of another device list (virtio-blk)" "virtio-pci" "$T/st.bin" -m 128 \
  -drive "file=$T/trunc.bin,format=raw,if=virtio"
refused "not a stream" "bad magic" "$T/initrd.gz" -m 128

# the waiting machine refuses a damaged stream, then takes the good one over unix:
$HMP "$T/dst.hmp" "migrate_incoming file:$T/flip.bin" "info status" >"$T/bad.out" 2>&1
check "migrate_incoming of a damaged stream: one error line" \
  test "$(grep -c 'Error: ' "$T/bad.out")" = 1
check "... and the machine still waits (inmigrate)" grep -q "inmigrate" "$T/bad.out"
$HMP "$T/dst.hmp" "migrate_incoming unix:$T/mig.sock" >"$T/inc.out" 2>&1 &
i=0
while [ ! -S "$T/mig.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# the source is stopped now (postmigrate): this copy is not live
$HMP "$T/src.hmp" "migrate -d \"unix:$T/mig.sock\"" "quit" >"$T/mig2.out" 2>&1
check "migrate to unix: without an error" test ! -s "$T/mig2.out"
# the running destination goes on over TCP to the third machine (live: the
# guest computes meanwhile)
n=$(grep -c '^P ' "$T/src.ser")
wait_for dst "^P $(( (n + 3) * 500 )) " 120
$QMP "$T/dst.qmp" '{"execute": "migrate", "arguments": {"uri": "tcp:127.0.0.1:'$PORT'"}}' \
  wait-migration '{"execute": "query-migrate"}' >"$T/tcp.out" 2>&1
check "QMP migrate to tcp: completed" grep -q '"return": {"status": "completed"' "$T/tcp.out"
tcp_total=$(grep '"completed"' "$T/tcp.out" | sed -n 's/.*"total-time": \([0-9]*\).*/\1/p' | tail -1)
tcp_down=$(grep '"completed"' "$T/tcp.out" | sed -n 's/.*"downtime": \([0-9]*\).*/\1/p' | tail -1)
tcp_passes=$(grep '"completed"' "$T/tcp.out" | sed -n 's/.*"dirty-sync-count": \([0-9]*\).*/\1/p' | tail -1)
check "tcp: live, dirty passes while the guest ran (${tcp_passes:-?})" test "${tcp_passes:-0}" -ge 1
check "tcp: the source's guest stopped for good (postmigrate)" sh -c \
  "$QMP '$T/dst.qmp' '{\"execute\": \"query-status\"}' | grep -q postmigrate"
wait_for tcp '^DONE ' 240
cat >"$T/chain.py" <<'EOF'
import re, sys
src, steps = open(sys.argv[1]).read(), int(sys.argv[3])
dst = "".join(open(f).read() for f in sys.argv[2].split(","))
s, want = 1, []
for i in range(1, steps + 1):
    s = (s * 31 + i) % 1000000007
    if i % 500 == 0:
        want.append("P %d %d" % (i, s))
want.append("DONE %d" % s)
got = [l for l in (src + dst).splitlines() if re.match(r"^(P|DONE) ", l)]
before = len(re.findall(r"^P ", src, re.M))
print("progress lines: %d before the migration, %d after" % (before, len(got) - before))
if got != want:
    bad = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    print("line %d: got %r, want %r" % (bad, got[bad:bad + 1], want[bad:bad + 1]))
sys.exit(0 if got == want and 0 < before < len(want) - 1 else 1)
EOF
if python3 "$T/chain.py" "$T/src.ser" "$T/dst.ser,$T/tcp.ser" $STEPS >"$T/chain.out" 2>&1; then
  pass
else
  fail "the migrated guest does not continue the host's chain: $(cat "$T/chain.out")"
fi
$HMP "$T/dst.hmp" quit >/dev/null 2>&1
$HMP "$T/tcp.hmp" quit >/dev/null 2>&1
# the source is awaited only now: its exit may take seconds (a sanitizer
# build's leak check of a 128 MiB machine at load 8: 15 s), in which the
# destination finished its computation before the migration over TCP
wait $src 2>/dev/null
wait $dst 2>/dev/null
wait $tcp 2>/dev/null
echo "live migration: $size bytes, $((t1 - t0)) ms from the command to completed, total ${total:-?}, downtime ${downtime:-?}, ${passes:-?} dirty passes; over TCP: total ${tcp_total:-?} ms, downtime ${tcp_down:-?} ms, ${tcp_passes:-?} passes; $(head -1 "$T/chain.out")"

# --- savevm / loadvm --------------------------------------------------------
# ticks_ok NAME: every "T n m" line has m = n - 1 (RAM and disk together; the
# first tick reads what an earlier guest left)
ticks_ok() {
  tr -d '\r' <"$T/$1.ser" |
    awk '/^T [0-9]+ / && $2 > 1 { if ($3 != $2 - 1 "") { print "bad: " $0; bad = 1 } }
         END { exit bad }'
}
# first_tick NAME: the number of the first whole "T n m" line
first_tick() { tr -d '\r' <"$T/$1.ser" | awk '/^T [0-9]+ [0-9n]/ { print $2; exit }'; }
if wait_for snap '^T 5 ' 240; then
  # stopped around the savevm, so that k (the last tick in the log) is the
  # snapshot's: a tick printed after savevm resumed made k one too high under load
  $HMP "$T/snap.hmp" stop "savevm s1" "info snapshots" >"$T/savevm.out" 2>&1
  k=$(tr -d '\r' <"$T/snap.ser" | awk '/^T [0-9]+ / { n = $2 } END { print n }')
  $HMP "$T/snap.hmp" cont >/dev/null 2>&1
  check "savevm: no error" sh -c "! grep -q Error '$T/savevm.out'"
  check "info snapshots lists s1 with its VM size" grep -qE '^-- +s1 +[0-9.]+ MiB' "$T/savevm.out"
  wait_for snap "^T $((k + 4)) " 60
  $HMP "$T/snap.hmp" "loadvm s1" >"$T/loadvm.out" 2>&1
  check "loadvm: no error" test ! -s "$T/loadvm.out"
  wait_for snap "^T $((k + 8)) " 60
  $HMP "$T/snap.hmp" quit >/dev/null 2>&1
  wait $snap
  check "after loadvm the guest reads back what it wrote (RAM and disk restored together)" \
    ticks_ok snap
  check "after loadvm the ticks go back to the snapshot's" sh -c \
    "grep '^T ' '$T/snap.ser' | awk '\$2 < last { back = 1 } { last = \$2 } END { exit !back }'"
  check "the guest goes on after loadvm" grep -q "^T $((k + 8)) $((k + 7))" "$T/snap.ser"
  "$IMG" snapshot -l "$T/d.qcow2" >"$T/snapl.out" 2>&1
  check "qemu-img snapshot -l: s1 with a VM SIZE" grep -qE '^1 +s1 +[0-9.]+ MiB' "$T/snapl.out"
  check "qemu-img check after savevm/loadvm" "$IMG" check -q "$T/d.qcow2"
  cp "$T/d.qcow2" "$T/d2.qcow2"
  # -loadvm starts from the snapshot; another RAM size refuses it and runs on
  vm snap2 128 "qzmode=disk qzdev=vda qzticks=100000" -drive "file=$T/d.qcow2,format=qcow2,if=virtio" \
    -loadvm s1
  snap2=$pid
  vm other 256 "qzmode=disk qzdev=vda qzticks=100000" -drive "file=$T/d2.qcow2,format=qcow2,if=virtio"
  other=$pid
  wait_for snap2 "^T $((k + 6)) " 120
  $HMP "$T/snap2.hmp" quit >/dev/null 2>&1
  wait $snap2
  f=$(first_tick snap2)
  check "-loadvm: the guest goes on from the snapshot (tick $k when taken, $f first)" \
    test "$f" -gt "$k" -a "$f" -le $((k + 2)) -a -n "$(grep "^T $((k + 6)) " "$T/snap2.ser")"
  check "-loadvm: RAM and disk together" ticks_ok snap2
  if wait_for other '^T 3 ' 240; then
    $HMP "$T/other.hmp" "loadvm s1" "info status" "savevm s2" "delvm s2" "info snapshots" "cont" \
      "info status" >"$T/other.out" 2>&1
    check "loadvm from a machine with another RAM size: one line naming the RAM" sh -c \
      "test \$(grep -c Error '$T/other.out') = 1 && grep -q \"Error: Snapshot 's1': .*RAM 'pc.ram'\" '$T/other.out'"
    check "a refused loadvm leaves the machine stopped (restore-vm), cont runs it (as QEMU)" sh -c \
      "grep -q 'VM status: paused (restore-vm)' '$T/other.out' && grep -q 'VM status: running' '$T/other.out'"
    check "delvm: s2 gone, s1 still listed" sh -c \
      "grep -qE '^-- +s1 ' '$T/other.out' && ! grep -qE '^-- +s2 ' '$T/other.out'"
    wait_for other '^T 8 ' 120
    $HMP "$T/other.hmp" quit >/dev/null 2>&1
    wait $other
    check "the refusing machine runs on with its own disk" grep -q '^T 8 7' "$T/other.ser"
    check "... RAM and disk together" ticks_ok other
    check "qemu-img check after savevm/delvm" "$IMG" check -q "$T/d2.qcow2"
  else
    fail "the second disk guest did not start"
  fi
else
  fail "the disk guest did not start: $(tail -3 "$T/snap.ser")"
fi

finish
