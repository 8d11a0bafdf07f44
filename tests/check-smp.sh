#!/bin/sh
# -smp: the bare-metal guest tests/smp/smp-start.S (assembled with
# tests/system-guest/lib.S, as check-baremetal does) starts the APs with
# INIT-SIPI-SIPI, counts them with LOCK XADD, records their APIC IDs and sends
# fixed, logical, NMI and self IPIs; its serial output under our TCG must be
# exactly QEMU 7.2's (qemu-system-x86_64, the oracle) for each -smp below, and
# the same under -accel kvm where the host runs it. Snapshots and migration of
# -smp machines (tests/smp/smp-count.S): savevm/loadvm and -loadvm with an AP
# running and one waiting for SIPI, live migration of -smp 2 to exec:, a
# 2-CPU stream refused by -smp 1, one-CPU streams with version-2 and -1 CPU
# sections (tests/vmstate/cpu-downgrade.py). Then -smp's bad input: each
# inconsistent topology is a one-line error naming it, status 1 (QEMU's rules).
#   QEMU=qemu-system-x86_64 (skipped with the reason when absent)
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
QEMU=${QEMU:-qemu-system-x86_64}
KVMDEV=${KVMDEV:-/dev/kvm}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-smp.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "ok $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
done_() { san_check; echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit $?; }

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
  timeout -k 5 "${r_timeout:-60}" "$r_emu" -smp "$r_smp" -m 64 -bios "$T/${r_bin:-smp}.bin" -display none -no-reboot -nic none \
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

# Under KVM, with each irqchip, -smp 1:
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

# -smp 2 and 4 under KVM (one host thread per vCPU), with each irqchip (off:
# our APIC, INIT/SIPI applied by the AP's thread; on: the kernel's): the
# start-up alone (smp-start.S with -DSTARTUP_ONLY: INIT-SIPI-SIPI, the LOCK
# XADD count, the APIC IDs, APs halted; no interrupt handler, whose IRET this
# host's KVM cannot run) prints what TCG prints and what QEMU's -accel kvm
# prints. A case the host cannot run is skipped with the reason, after QEMU's
# -accel kvm failed it too.
kvm_smp_case() {
  smp=$1 ic=$2 tag=ks$1$2
  r_bin=smpi run "$SYSEMU" "$tag" "$smp" -accel kvm,device="$KVMDEV" -machine kernel_irqchip="$ic"
  if [ "$status" = 1 ] && cmp -s "$T/ti$smp.log" "$T/$tag.log"; then
    if [ "$have_qemu" = 1 ] && [ ! -f "$T/Qi$smp.log" ]; then
      r_bin=smpi r_timeout=20 run "$QEMU" "Qi$smp" "$smp" -accel kvm
    fi
    if [ "$have_qemu" = 1 ] && ! cmp -s "$T/Qi$smp.log" "$T/$tag.log"; then
      fail "start-up -smp $smp under kvm, kernel_irqchip=$ic differs from QEMU's -accel kvm:"
      diff "$T/Qi$smp.log" "$T/$tag.log" | head -6 | sed 's/^/    /'
      return
    fi
    ql=; [ "$have_qemu" = 1 ] && ql=" and QEMU -accel kvm's"
    pass "start-up -smp $smp under kvm, kernel_irqchip=$ic: $(grep -c '^ap ' "$T/$tag.log") APs by INIT-SIPI-SIPI, output = tcg's$ql ($(wc -l <"$T/$tag.log") lines)"
    return
  fi
  why=$(grep -m1 'kvm' "$T/$tag.err")
  if [ "$have_qemu" = 1 ]; then
    r_bin=smpi r_timeout=20 run "$QEMU" "Qi$smp$ic" "$smp" -accel kvm -machine kernel_irqchip="$ic"
    if [ "$status" != 1 ] && ! cmp -s "$T/ti$smp.log" "$T/Qi$smp$ic.log"; then
      skip "start-up -smp $smp under kvm, kernel_irqchip=$ic: the host's KVM fails it (${why:-status $status}), as QEMU's -accel kvm"
      return
    fi
  fi
  fail "start-up -smp $smp under kvm, kernel_irqchip=$ic: status $status, ${why:-output differs from tcg's}:"
  diff "$T/ti$smp.log" "$T/$tag.log" | head -6 | sed 's/^/    /'
}
kvm_why=
if [ ! -e "$KVMDEV" ]; then
  kvm_why="$KVMDEV is absent"
elif ! gcc -DSTARTUP_ONLY -c -I"$dir" "$SRC/tests/smp/smp-start.S" -o "$T/smpi.o" >"$T/build.log" 2>&1 ||
     ! ld -T "$dir/image.ld" -o "$T/smpi.elf" "$T/smpi.o" "$T/lib.o" >>"$T/build.log" 2>&1 ||
     ! objcopy -O binary "$T/smpi.elf" "$T/smpi.bin" >>"$T/build.log" 2>&1; then
  fail "smp-start -DSTARTUP_ONLY: cannot build: $(head -3 "$T/build.log")"
  kvm_why="no guest"
else
  r_bin=smpi run "$SYSEMU" probe 1 -accel kvm,device="$KVMDEV"
  grep -q '^quetzal.*kvm:' "$T/probe.err" && kvm_why=$(grep -m1 'kvm:' "$T/probe.err")
fi
if [ -n "$kvm_why" ]; then
  skip "start-up -smp 2 and 4 under kvm: $kvm_why"
else
  for smp in 2 4; do
    r_bin=smpi run "$SYSEMU" "ti$smp" "$smp"
    if [ "$status" != 1 ] || ! grep -q '^done, failed: 00000000' "$T/ti$smp.log"; then
      fail "start-up -smp $smp under tcg: status $status: $(grep -m2 -E 'FAIL|done' "$T/ti$smp.log" | tr '\n' ' ')"
      continue
    fi
    kvm_smp_case "$smp" off
    kvm_smp_case "$smp" on
  done
fi

# --- snapshots and migration of a -smp machine ------------------------------
# tests/smp/smp-count.S: AP 1 counts while the others wait for their SIPI
# until the monitor's NMI ("phase 1"); the machine is saved or migrated there.
# The output after "phase 1" must be a plain run's (the reference), again
# after loadvm, after -loadvm and on the migration's destination.
HMP="python3 $SRC/tests/vmstate/hmp.py"
IMG=$BUILD/quetzal-img
[ -x "$IMG" ] || IMG=qemu-img
# mvm TAG SMP [OPTIONS...]: the guest in the background, serial $T/TAG.log,
# HMP on $T/TAG.hmp, pid in $mpid
mvm() {
  m_tag=$1 m_smp=$2; shift 2
  rm -f "$T/$m_tag.log"
  timeout 120 "$SYSEMU" -smp "$m_smp" -m 64 -bios "$T/${m_bin:-count}.bin" -display none -no-reboot \
    -nic none -serial "file:$T/$m_tag.log" -monitor "unix:$T/$m_tag.hmp,server=on,wait=off" \
    "$@" </dev/null >"$T/$m_tag.err" 2>&1 &
  mpid=$!
}
# mwait TAG REGEX [COUNT]: until the serial log has COUNT (1) matching lines, 60 s at most
mwait() {
  i=0
  while n=$(grep -cE "$2" "$T/$1.log" 2>/dev/null); [ "${n:-0}" -lt "${3:-1}" ]; do
    i=$((i + 1))
    [ $i -gt 600 ] && return 1
    sleep 0.1
  done
}
# after_phase1 TAG: the log's lines after "phase 1", without the line that
# says isa-debug-exit is absent
after_phase1() { sed '1,/^phase 1/d' "$T/$1.log" | grep -v 'isa-debug-exit'; }
# mref SMP: the reference run, $T/refSMP.log
mref() {
  mvm "ref$1" "$1" -device isa-debug-exit,iobase=0xf4,iosize=0x04
  mwait "ref$1" '^phase 1' && $HMP "$T/ref$1.hmp" nmi >/dev/null 2>&1
  wait $mpid
  grep -q '^done, failed: 00000000' "$T/ref$1.log"
}
# resume_to_end TAG: the restored machine $mpid, waiting in phase 1, gets
# the NMI, runs to the end and quits; its output in $T/TAG.cmp
resume_to_end() {
  sleep 0.5
  $HMP "$T/$1.hmp" nmi >/dev/null 2>&1
  mwait "$1" '^done, failed'
  $HMP "$T/$1.hmp" quit >/dev/null 2>&1
  wait $mpid
  grep -v 'isa-debug-exit' "$T/$1.log" >"$T/$1.cmp"
}
same() {    # same DESCRIPTION EXPECTED ACTUAL
  if cmp -s "$2" "$3"; then
    pass "$1 ($(wc -l <"$2") lines)"
  else
    fail "$1:"
    diff "$2" "$3" | head -6 | sed 's/^/    /'
  fi
}

if ! gcc -c -I"$dir" "$SRC/tests/smp/smp-count.S" -o "$T/count.o" >"$T/build.log" 2>&1 ||
   ! ld -T "$dir/image.ld" -o "$T/count.elf" "$T/count.o" "$T/lib.o" >>"$T/build.log" 2>&1 ||
   ! objcopy -O binary "$T/count.elf" "$T/count.bin" >>"$T/build.log" 2>&1; then
  fail "smp-count: cannot build: $(head -3 "$T/build.log")"
elif ! mref 3 || ! mref 2; then
  fail "smp-count: the reference runs fail: $(tail -n 3 "$T/ref3.log" "$T/ref2.log" | tr '\n' ' ')"
else
  after_phase1 ref3 >"$T/want3"
  after_phase1 ref2 >"$T/want2"
  # savevm in phase 1 (AP 1 counting, AP 2 waiting for SIPI), on to the end,
  # loadvm, on to the end again
  "$IMG" create -q -f qcow2 "$T/d.qcow2" 1M >/dev/null 2>&1
  mvm snap 3 -drive "file=$T/d.qcow2,format=qcow2,if=ide"
  if mwait snap '^phase 1'; then
    $HMP "$T/snap.hmp" "savevm s1" nmi >"$T/savevm.out" 2>&1
    mwait snap '^done, failed'
    $HMP "$T/snap.hmp" "loadvm s1" nmi >"$T/loadvm.out" 2>&1
    mwait snap '^done, failed' 2
    $HMP "$T/snap.hmp" quit >/dev/null 2>&1
    wait $mpid
    if grep -qi error "$T/savevm.out" "$T/loadvm.out"; then
      fail "savevm/loadvm -smp 3: $(grep -hi error "$T/savevm.out" "$T/loadvm.out" | head -2)"
    else
      cat "$T/want3" "$T/want3" >"$T/want3x2"
      after_phase1 snap >"$T/snap.cmp"
      same "savevm with AP 1 running and AP 2 waiting for SIPI, loadvm: the output after it twice as without" \
        "$T/want3x2" "$T/snap.cmp"
    fi
    # -loadvm: a fresh machine (its APs wait for SIPI after reset) takes the snapshot's
    mvm snap2 3 -drive "file=$T/d.qcow2,format=qcow2,if=ide" -loadvm s1
    resume_to_end snap2
    same "-loadvm of the -smp 3 snapshot: the output goes on as without" "$T/want3" "$T/snap2.cmp"
  else
    fail "smp-count -smp 3 did not reach phase 1: $(head -3 "$T/snap.err")"
    kill $mpid 2>/dev/null
  fi
  # live migration of a -smp 2 machine in phase 1 (AP 1 counting) to exec:
  mvm src 2
  if mwait src '^phase 1'; then
    $HMP "$T/src.hmp" "migrate \"exec:cat > $T/mig2.bin\"" >"$T/mig.out" 2>&1
    i=0
    while [ $i -lt 300 ] && $HMP "$T/src.hmp" "info migrate" >"$T/mig.out" 2>&1 &&
          grep -q 'Migration status: \(active\|setup\)' "$T/mig.out"; do
      i=$((i + 1)); sleep 0.1
    done
    $HMP "$T/src.hmp" quit >/dev/null 2>&1
    wait $mpid
    mvm dst 2 -incoming "exec:cat $T/mig2.bin"
    resume_to_end dst
    if ! grep -q 'Migration status: completed' "$T/mig.out"; then
      fail "migrate -smp 2: $(grep -v '^(qemu)' "$T/mig.out" | head -3)"
    else
      same "live migration of -smp 2 in phase 1 (exec:): the destination goes on as without" \
        "$T/want2" "$T/dst.cmp"
    fi
    # the 2-CPU stream into a 1-CPU machine: one line naming both counts
    timeout 20 "$SYSEMU" -smp 1 -m 64 -bios "$T/count.bin" -display none -nic none \
      -incoming "file:$T/mig2.bin" </dev/null >"$T/one.out" 2>"$T/one.err"
    st=$?
    if [ "$st" = 1 ] && [ "$(wc -l <"$T/one.err")" = 1 ] && grep -q "2 CPUs, this machine 1" "$T/one.err"; then
      pass "a 2-CPU stream into -smp 1: $(cat "$T/one.err")"
    else
      fail "a 2-CPU stream into -smp 1: status $st: $(head -3 "$T/one.err")"
    fi
  else
    fail "smp-count -smp 2 did not reach phase 1: $(head -3 "$T/src.err")"
    kill $mpid 2>/dev/null
  fi
  # one CPU: the stream's CPU section rewritten as versions 3, 2 and 1 (without
  # the x87 pointers, the start-up state, the accelerator's part) still loads
  if mref 1 && mvm src1 1 && mwait src1 '^phase 1'; then
    after_phase1 ref1 >"$T/want1"
    $HMP "$T/src1.hmp" "stop" "migrate \"exec:cat > $T/mig1.bin\"" "info migrate" quit >"$T/mig1.out" 2>&1
    wait $mpid
    for v in 3 2 1; do
      python3 "$SRC/tests/vmstate/cpu-downgrade.py" "$T/mig1.bin" "$T/mig1v$v.bin" $v
      mvm "v$v" 1 -incoming "file:$T/mig1v$v.bin"
      resume_to_end "v$v"
      same "-smp 1: a stream with a version-$v CPU section goes on as without" "$T/want1" "$T/v$v.cmp"
    done
  else
    fail "smp-count -smp 1 did not run: $(head -3 "$T/src1.err" "$T/ref1.err")"
    kill $mpid 2>/dev/null
  fi
fi

# --- snapshots of a -smp 3 KVM machine, to TCG and back ---------------------
# smp-count.S with -DGO_BY_KEY (the BSP polls the 8042 for the monitor's
# sendkey rather than taking an NMI, whose IRET this host's KVM cannot run):
# at the savevm AP 1 counts and AP 2 waits for its SIPI. TCG saves st; KVM
# with our APIC saves k0; KVM with the kernel's irqchip loads st and saves
# k1; TCG loads k0 and k1. After "phase 1" each prints what TCG printed.
# ksnap TAG SAVE [OPTIONS...]: to phase 1 (or a -loadvm's start), savevm SAVE
# unless it is -, the key, the end; the output after phase 1 in $T/TAG.cmp
ksnap() {
  k_tag=$1 k_save=$2; shift 2
  m_bin=countk mvm "$k_tag" 3 -drive "file=$T/k.qcow2,format=qcow2,if=ide" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
  case "$*" in
  *-loadvm*) sleep 0.5 ;;
  *) mwait "$k_tag" '^phase 1' ;;
  esac
  if [ "$k_save" = - ]; then
    $HMP "$T/$k_tag.hmp" "sendkey a" >"$T/$k_tag.out" 2>&1
  else
    $HMP "$T/$k_tag.hmp" "savevm $k_save" "sendkey a" >"$T/$k_tag.out" 2>&1
  fi
  mwait "$k_tag" '^done, failed'
  $HMP "$T/$k_tag.hmp" quit >/dev/null 2>&1
  wait $mpid
  if grep -q '^phase 1' "$T/$k_tag.log"; then
    after_phase1 "$k_tag" >"$T/$k_tag.cmp"
  else
    grep -v 'isa-debug-exit' "$T/$k_tag.log" >"$T/$k_tag.cmp"
  fi
  if grep -qi error "$T/$k_tag.out"; then
    echo "    $k_tag: $(grep -i -m1 error "$T/$k_tag.out")" >>"$T/$k_tag.cmp"
  fi
}
if [ -n "$kvm_why" ]; then
  skip "snapshots of -smp 3 under kvm: $kvm_why"
elif ! gcc -DGO_BY_KEY -c -I"$dir" "$SRC/tests/smp/smp-count.S" -o "$T/countk.o" >"$T/build.log" 2>&1 ||
     ! ld -T "$dir/image.ld" -o "$T/countk.elf" "$T/countk.o" "$T/lib.o" >>"$T/build.log" 2>&1 ||
     ! objcopy -O binary "$T/countk.elf" "$T/countk.bin" >>"$T/build.log" 2>&1; then
  fail "smp-count -DGO_BY_KEY: cannot build: $(head -3 "$T/build.log")"
else
  "$IMG" create -q -f qcow2 "$T/k.qcow2" 1M >/dev/null 2>&1
  ksnap kt st
  if ! grep -q '^done, failed: 00000000' "$T/kt.cmp"; then
    fail "smp-count -DGO_BY_KEY -smp 3 under tcg: $(tail -2 "$T/kt.log" | tr '\n' ' ')$(head -2 "$T/kt.err")"
  else
    ksnap kk0 k0 -accel kvm,device="$KVMDEV" -machine kernel_irqchip=off
    same "kvm -smp 3, kernel_irqchip=off, savevm with AP 1 running and AP 2 waiting for SIPI: goes on as tcg" \
      "$T/kt.cmp" "$T/kk0.cmp"
    ksnap kk1 k1 -accel kvm,device="$KVMDEV" -machine kernel_irqchip=on -loadvm st
    same "kvm -smp 3, kernel_irqchip=on: -loadvm of tcg's snapshot, savevm again: goes on as tcg" \
      "$T/kt.cmp" "$T/kk1.cmp"
    ksnap kl0 - -loadvm k0
    same "tcg: -loadvm of the kvm (kernel_irqchip=off) -smp 3 snapshot: goes on as tcg" "$T/kt.cmp" "$T/kl0.cmp"
    ksnap kl1 - -loadvm k1
    same "tcg: -loadvm of the kvm (kernel_irqchip=on) -smp 3 snapshot: goes on as tcg" "$T/kt.cmp" "$T/kl1.cmp"
    # -S: nothing runs before cont. The round robin once began with AP 1
    # (counting, never pausing) while the kick that should have stopped it had
    # gone to CPU 0: AP 1 counted on while paused, or forever (monitor dead).
    # AP 1's memory count must be the snapshot's, as under kvm -S.
    for a in tcg kvm; do
      acc=$a; [ "$a" = kvm ] && acc="kvm,device=$KVMDEV"
      m_bin=countk mvm "ks$a" 3 -S -drive "file=$T/k.qcow2,format=qcow2,if=ide" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -loadvm k1 -accel "$acc"
      timeout 30 $HMP "$T/ks$a.hmp" "info status" "xp /1wx 0x684" quit >"$T/ks$a.out" 2>&1
      wait $mpid
    done
    if grep -q '^0000000000000684: ' "$T/kskvm.out" && cmp -s "$T/kskvm.out" "$T/kstcg.out"; then
      pass "-S -loadvm k1 under tcg: paused, AP 1's count is the snapshot's (as kvm's): $(tr '\n' ' ' <"$T/kstcg.out")"
    else
      fail "-S -loadvm k1 under tcg: $(tr '\n' ' ' <"$T/kstcg.out")/ kvm: $(tr '\n' ' ' <"$T/kskvm.out")"
    fi
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
done_
