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
  timeout "${r_timeout:-60}" "$r_emu" -smp "$r_smp" -m 64 -bios "$T/smp.bin" -display none -no-reboot -nic none \
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

# Under KVM, with each irqchip (-smp 1: more is refused under KVM for now):
# the same output as TCG's. A nested host's KVM may stop the guest
# (KVM_EXIT_INTERNAL_ERROR, here at the IRET of the self IPI's handler, as in
# check-kvm): then the checks it did run must be TCG's, line for line, QEMU's
# own -accel kvm must stop at the same point, and the rest is skipped with
# that reason.
kvm_case() {
  ic=$1 tag=kvm$1
  run "$SYSEMU" "$tag" 1 -accel kvm,device="$KVMDEV" -machine kernel_irqchip="$ic"
  n=$(wc -l <"$T/$tag.log")
  if [ "$status" = 1 ] && grep -q '^done, failed' "$T/$tag.log"; then
    if cmp -s "$T/$tag.log" "$T/q1.log"; then
      pass "smp-start -smp 1 under kvm, kernel_irqchip=$ic = tcg ($n lines)"
    else
      fail "smp-start -smp 1 under kvm, kernel_irqchip=$ic differs from tcg:"
      diff "$T/q1.log" "$T/$tag.log" | head -6 | sed 's/^/    /'
    fi
    return
  fi
  # stopped early: what it printed is the start of TCG's output, or differs
  # from it only as QEMU's own -accel kvm does (the host's CPUID.1:EDX.HTT)
  if [ "$have_qemu" = 1 ] && [ ! -f "$T/kvmQ1.log" ]; then
    r_timeout=20 run "$QEMU" kvmQ1 1 -accel kvm    # it stops, not exits, at the error
  fi
  grep -v '^cpuid 1 htt' "$T/$tag.log" >"$T/$tag.log.nohtt"
  if [ "$n" = 0 ]; then
    fail "smp-start under kvm, kernel_irqchip=$ic printed nothing (status $status): $(head -2 "$T/$tag.err")"
    return
  fi
  like=""
  if ! head -n "$n" "$T/q1.log" | cmp -s - "$T/$tag.log"; then
    if [ "$have_qemu" != 1 ] || ! head -n "$n" "$T/q1.log" | grep -v '^cpuid 1 htt' |
         cmp -s - "$T/$tag.log.nohtt" 2>/dev/null; then
      fail "smp-start under kvm, kernel_irqchip=$ic stopped (status $status) and its $n lines differ from tcg's:"
      head -n "$n" "$T/q1.log" | diff - "$T/$tag.log" | head -6 | sed 's/^/    /'
      return
    fi
    like=" but for '$(grep '^cpuid 1 htt' "$T/$tag.log")' (the host's, as QEMU's -accel kvm)"
  fi
  if [ "$have_qemu" = 1 ] && ! cmp -s "$T/kvmQ1.log" "$T/$tag.log"; then
    fail "smp-start under kvm, kernel_irqchip=$ic stopped (status $status) where QEMU's -accel kvm does not:"
    diff "$T/kvmQ1.log" "$T/$tag.log" | head -6 | sed 's/^/    /'
    return
  fi
  pass "smp-start under kvm, kernel_irqchip=$ic: $(grep -c '^ok ' "$T/$tag.log") checks = tcg's$like, up to the host's stop"
  skip "smp-start under kvm, kernel_irqchip=$ic, after '$(tail -1 "$T/$tag.log")': the host's KVM stops the guest ($(grep -m1 -i 'kvm' "$T/$tag.err")), as QEMU's -accel kvm does"
}
if [ ! -e "$KVMDEV" ]; then
  skip "smp-start under kvm: $KVMDEV is absent"
elif [ ! -s "$T/q1.log" ]; then
  fail "smp-start under kvm: no tcg output to compare with"
else
  kvm_case on
  kvm_case off
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
