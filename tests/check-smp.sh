#!/bin/sh
# -smp: the bare-metal guest tests/smp/smp-start.S (assembled with
# tests/system-guest/lib.S, as check-baremetal does) starts the APs with
# INIT-SIPI-SIPI, counts them with LOCK XADD, records their APIC IDs and sends
# fixed, logical, NMI and self IPIs; its serial output under our TCG must be
# exactly QEMU 7.2's (qemu-system-x86_64, the oracle) for each -smp below, and
# the same under -accel kvm where the host runs it. Then -smp's bad input: each
# inconsistent topology is a one-line error naming it, status 1 (QEMU's rules).
#   QEMU=qemu-system-x86_64 (skipped with the reason when absent)
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
QEMU=${QEMU:-qemu-system-x86_64}
KVMDEV=${KVMDEV:-/dev/kvm}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-smp.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "ok $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
done_() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit $?; }

[ -x "$SYSEMU" ] || { fail "smp: $SYSEMU not built"; done_; }
dir=$SRC/tests/system-guest
if ! { gcc -c -I"$dir" "$dir/lib.S" -o "$T/lib.o" &&
       gcc -c -I"$dir" "$SRC/tests/smp/smp-start.S" -o "$T/smp.o" &&
       ld -T "$dir/image.ld" -o "$T/smp.elf" "$T/smp.o" "$T/lib.o" &&
       objcopy -O binary "$T/smp.elf" "$T/smp.bin"; } >"$T/build.log" 2>&1; then
  fail "smp-start: cannot build: $(head -3 "$T/build.log")"; done_
fi
have_qemu=0
command -v "$QEMU" >/dev/null 2>&1 && have_qemu=1
[ "$have_qemu" = 1 ] || skip "QEMU comparisons: $QEMU not found"

# run EMULATOR TAG SMP [OPTIONS...]: serial log in $T/TAG.log, status in $status
run() {
  r_emu=$1 r_tag=$2 r_smp=$3; shift 3
  timeout 60 "$r_emu" -smp "$r_smp" -m 64 -bios "$T/smp.bin" -display none -no-reboot -nic none \
    -serial "file:$T/$r_tag.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" \
    </dev/null >"$T/$r_tag.err" 2>&1
  status=$?
  touch "$T/$r_tag.log"
}

# Every guest check passed (status 1: isa-debug-exit with 0 failures) and the
# output is QEMU's.
for smp in 1 2 4 "6,sockets=2,cores=3" "4,cores=2,threads=2"; do
  tag=$(echo "$smp" | tr ',=' '__')
  run "$SYSEMU" "q$tag" "$smp"
  if [ "$status" != 1 ] || ! grep -q '^done, failed: 00000000' "$T/q$tag.log"; then
    fail "smp-start -smp $smp: status $status: $(grep -m2 -E 'FAIL|done' "$T/q$tag.log" | tr '\n' ' ')$(head -2 "$T/q$tag.err")"
    continue
  fi
  aps=$(grep -c '^ap ' "$T/q$tag.log")
  [ "$have_qemu" = 1 ] || { pass "smp-start -smp $smp ($aps APs started; no QEMU to compare)"; continue; }
  run "$QEMU" "Q$tag" "$smp"
  if cmp -s "$T/q$tag.log" "$T/Q$tag.log"; then
    pass "smp-start -smp $smp: $aps APs started, output = QEMU's ($(wc -l <"$T/q$tag.log") lines)"
  else
    fail "smp-start -smp $smp: output differs from QEMU's:"
    diff "$T/Q$tag.log" "$T/q$tag.log" | head -8 | sed 's/^/    /'
  fi
done

# Under KVM, where the host can: the same output as TCG's. A nested host's KVM
# may stop the guest (KVM_EXIT_INTERNAL_ERROR, e.g. at an IRET, as in
# check-kvm): then QEMU's own -accel kvm must stop at the same point, and the
# case is skipped with that reason.
if [ ! -e "$KVMDEV" ]; then
  skip "smp-start under kvm: $KVMDEV is absent"
else
  run "$SYSEMU" kvm1 1 -accel kvm,device="$KVMDEV"
  finished=0
  [ "$status" = 1 ] && grep -q '^done, failed' "$T/kvm1.log" && finished=1
  if [ "$finished" = 1 ] && cmp -s "$T/kvm1.log" "$T/q1.log"; then
    pass "smp-start -smp 1 under kvm = tcg"
  elif [ "$finished" = 1 ]; then
    fail "smp-start -smp 1 under kvm differs from tcg:"
    diff "$T/q1.log" "$T/kvm1.log" | head -6 | sed 's/^/    /'
  elif [ "$have_qemu" = 1 ] && run "$QEMU" kvmQ1 1 -accel kvm && ! cmp -s "$T/kvm1.log" "$T/kvmQ1.log"; then
    fail "smp-start under kvm stopped (status $status) and differs from QEMU's -accel kvm:"
    diff "$T/kvmQ1.log" "$T/kvm1.log" | head -6 | sed 's/^/    /'
  else
    skip "smp-start under kvm: the host's KVM stops the guest ($(grep -m1 -i 'kvm' "$T/kvm1.err")), as QEMU's -accel kvm does"
  fi
fi

# -smp's bad input: one line naming the value, status 1
bad() {
  want=$1; shift
  timeout 10 "$SYSEMU" "$@" -display none </dev/null >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "$want" "$T/err"; then
    pass "$*: $(cat "$T/err")"
  else
    fail "$*: status $st, want one line with '$want': $(head -3 "$T/err")"
  fi
}
bad "sockets (3) \* dies (1) \* cores (0) \* threads (1) != maxcpus (2)" -smp 2,sockets=3
bad "maxcpus (2) < smp_cpus (4)" -smp 4,maxcpus=2
bad "threads (2) != maxcpus (3)" -smp 3,threads=2
bad "too many CPUs: 17" -smp 17
bad "'0' is not a CPU count" -smp 0
bad "'abc' is not a CPU count" -smp abc
bad "unexpected parameter 'foo'" -smp 2,foo=1
bad "more than one CPU" -smp 2 -accel kvm,device=/dev/null
done_
