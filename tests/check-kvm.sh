#!/bin/sh
# The KVM accelerator: every tests/system-guest/*.S with an "expect:" list
# (assembled as check-baremetal does) runs under -accel kvm and -accel tcg and
# must print the same serial output and exit with the same status. Where the
# host's KVM cannot run a guest (a nested host whose instruction emulator stops
# it with KVM_EXIT_INTERNAL_ERROR, e.g. at a protected-mode IRET), the guest is
# skipped with that reason, after checking that QEMU's own -accel kvm
# (kernel-irqchip=off, our interrupt path) prints exactly what we printed.
# Then bad input: an unknown accelerator, a missing or wrong KVM device, an
# unprivileged user, and -machine accel=kvm:tcg falling back to TCG.
#   QEMU=qemu-system-x86_64 (the oracle; skipped when absent)
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
QEMU=${QEMU:-qemu-system-x86_64}
KVMDEV=${KVMDEV:-/dev/kvm}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-kvm.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0 skipped=0
dir=$SRC/tests/system-guest
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

[ -x "$SYSEMU" ] || { echo "FAIL: kvm: $SYSEMU not built"; echo "0 passed, 1 failed"; exit 1; }
gcc -c -I"$dir" "$dir/lib.S" -o "$T/lib.o" || { echo "FAIL: kvm: cannot assemble lib.S"; echo "0 passed, 1 failed"; exit 1; }

# run NAME ACCEL-ARGS...: the guest's serial log in $T/NAME.$tag.log, stderr in
# .err, exit status in $status (tag: the first word after the binary)
run() {
  bin=$1 tag=$2; shift 2
  timeout 20 "$@" -m 64 -bios "$T/$bin.bin" -display none -no-reboot \
    -serial "file:$T/$bin.$tag.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$T/$bin.$tag.err" 2>&1
  status=$?
  touch "$T/$bin.$tag.log"
}

# Can this host run a guest at all? (open, VM, vCPU; the error says which)
kvm_ok=1 kvm_why=
if [ ! -e "$KVMDEV" ]; then
  kvm_ok=0 kvm_why="$KVMDEV is absent"
elif ! "$SYSEMU" -accel kvm,device="$KVMDEV" -m 64 -bios /dev/null -display none -serial none \
       </dev/null >"$T/probe" 2>&1 && grep -q '^quetzal.*kvm:' "$T/probe"; then
  kvm_ok=0 kvm_why=$(grep -m1 'kvm:' "$T/probe")
fi
have_qemu=0
command -v "$QEMU" >/dev/null 2>&1 && have_qemu=1

# regs_match NAME: the registers we print at the internal error (KVM_GET_REGS
# and SREGS read back into CPUX86State) are QEMU's: general registers, EIP/RIP,
# selector/base/limit/flags of each segment, descriptor tables, CR0-CR4, EFER
regs() {
  sed -n -e '/^[ER]AX=/,/^EFER=/p' "$1" |
    sed -e 's/\( [ER]FL=[0-9a-f]*\).*/\1/' -e 's/^\([A-Z][A-Z ]*=[0-9a-f]* [0-9a-f]* [0-9a-f]* [0-9a-f]*\).*/\1/' \
        -e 's/^\([GI]DT= *\)0*\([0-9a-f]*\) 0*/\1\2 /' -e 's/=0*\([0-9a-f]\)/=\1/g' -e 's/ CCO=.*//' |
    grep -v '^D[R]'
}
# A guest whose source says "regs-at-stop: EAX EBX vary" stops inside a loop
# that counts in those registers (how far it got depends on the host's speed):
# their values are left out of the comparison.
regs_match() {
  vary='s/^\(EAX=\)[0-9a-f]*\( EBX=\)[0-9a-f]*/\1*\2*/'
  grep -q 'regs-at-stop: EAX EBX vary' "$dir/$1.S" 2>/dev/null || vary=
  regs "$T/$1.kvm.err" | sed -e "$vary" >"$T/$1.kvm.regs"
  regs "$T/$1.qemu.err" | sed -e "$vary" >"$T/$1.qemu.regs"
  if [ -s "$T/$1.kvm.regs" ] && cmp -s "$T/$1.kvm.regs" "$T/$1.qemu.regs"; then
    pass; echo "ok $1: registers at the host's stop = QEMU's ($(wc -l <"$T/$1.kvm.regs") lines)"
  else
    fail "$1: registers at the host's stop differ from QEMU's:"
    diff "$T/$1.qemu.regs" "$T/$1.kvm.regs" | head -8 | sed 's/^/    /'
  fi
}

n_guests=0
for src in "$dir"/*.S; do
  grep -q '^ \* expect:' "$src" || continue
  name=$(basename "$src" .S)
  n_guests=$((n_guests + 1))
  if ! { gcc -c -I"$dir" "$src" -o "$T/$name.o" &&
         ld -T "$dir/image.ld" -o "$T/$name.elf" "$T/$name.o" "$T/lib.o" &&
         objcopy -O binary "$T/$name.elf" "$T/$name.bin"; } >"$T/build.log" 2>&1; then
    fail "$name: cannot build"; continue
  fi
  [ "$kvm_ok" = 1 ] || { skip "$name under kvm: $kvm_why"; continue; }
  run "$name" tcg "$SYSEMU" -accel tcg; st_tcg=$status
  run "$name" kvm "$SYSEMU" -accel kvm,device="$KVMDEV"; st_kvm=$status
  if [ "$st_tcg" = "$st_kvm" ] && cmp -s "$T/$name.tcg.log" "$T/$name.kvm.log"; then
    pass; echo "ok $name: kvm = tcg ($(wc -l <"$T/$name.kvm.log") lines, exit status $st_kvm)"
    continue
  fi
  # The host's KVM differs from TCG (it stopped the guest, or delivers events
  # otherwise). QEMU's own -accel kvm with our interrupt path (kernel-irqchip=off;
  # it pauses at an internal error instead of exiting) must print exactly what
  # we printed: then the host is the cause, not this accelerator.
  at=$(grep -m1 -o '[ER]IP=[0-9a-f]*' "$T/$name.kvm.err")
  why="stops it with KVM_EXIT_INTERNAL_ERROR at $at"
  grep -q 'KVM_EXIT_INTERNAL_ERROR' "$T/$name.kvm.err" ||
    why="ends it with status $st_kvm: $(grep -m1 '^FAIL' "$T/$name.kvm.log")"
  if [ "$have_qemu" = 1 ]; then
    run "$name" qemu timeout 8 "$QEMU" -accel kvm -M pc,kernel-irqchip=off
    if cmp -s "$T/$name.qemu.log" "$T/$name.kvm.log"; then
      pass; echo "ok $name: kvm output = QEMU -accel kvm output ($(wc -l <"$T/$name.kvm.log") lines)"
      skip "$name kvm vs tcg: the host's KVM $why, and QEMU's the same"
      grep -q 'KVM_EXIT_INTERNAL_ERROR' "$T/$name.kvm.err" && regs_match "$name"
    else
      fail "$name: the host's KVM $why; QEMU -accel kvm printed otherwise:"
      diff "$T/$name.qemu.log" "$T/$name.kvm.log" | head -6 | sed 's/^/    /'
    fi
  elif grep -q 'KVM_EXIT_INTERNAL_ERROR' "$T/$name.kvm.err"; then
    skip "$name kvm vs tcg: the host's KVM $why (no $QEMU to confirm)"
  else
    fail "$name: kvm (status $st_kvm) differs from tcg (status $st_tcg):"
    diff "$T/$name.tcg.log" "$T/$name.kvm.log" | head -6 | sed 's/^/    /'
  fi
done

# kernel_irqchip=on: KVM's 8259s, I/O APIC, local APIC and 8254 instead of
# ours. Each guest must print what it printed under tcg or, where the host's
# KVM differs, exactly what QEMU's -accel kvm (whose default is the in-kernel
# irqchip) prints.
if [ "$kvm_ok" = 1 ]; then
  n_irq=0 n_irq_same=0 n_irq_qemu=0
  for src in "$dir"/*.S; do
    grep -q '^ \* expect:' "$src" || continue
    name=$(basename "$src" .S)
    [ -s "$T/$name.bin" ] || continue
    n_irq=$((n_irq + 1))
    run "$name" kirq "$SYSEMU" -accel kvm,device="$KVMDEV" -M pc,kernel_irqchip=on; st_k=$status
    if [ -f "$T/$name.tcg.log" ] && cmp -s "$T/$name.tcg.log" "$T/$name.kirq.log"; then
      n_irq_same=$((n_irq_same + 1)); continue
    fi
    if [ "$have_qemu" = 1 ]; then
      [ -f "$T/$name.qkirq.log" ] || run "$name" qkirq timeout 8 "$QEMU" -accel kvm
      if cmp -s "$T/$name.qkirq.log" "$T/$name.kirq.log"; then
        n_irq_qemu=$((n_irq_qemu + 1)); continue
      fi
      fail "$name with kernel_irqchip=on (status $st_k): neither tcg's nor QEMU -accel kvm's output:"
      diff "$T/$name.qkirq.log" "$T/$name.kirq.log" | head -4 | sed 's/^/    /'
    elif grep -q KVM_EXIT_INTERNAL_ERROR "$T/$name.kirq.err"; then
      n_irq_qemu=$((n_irq_qemu + 1))
    else
      fail "$name with kernel_irqchip=on differs from tcg (no $QEMU to compare)"
    fi
  done
  if [ $((n_irq_same + n_irq_qemu)) = "$n_irq" ] && [ "$n_irq_same" -gt 0 ]; then
    pass; echo "ok kernel_irqchip=on: $n_irq guests, $n_irq_same as under tcg, $n_irq_qemu as under QEMU -accel kvm (the host's KVM)"
  fi
else
  skip "kernel_irqchip=on: $kvm_why"
fi

# kvm_guest NAME [GCC-ARGS]: tests/kvm/NAME.S as a BIOS image $T/NAME.bin
kvm_guest() {
  g=$1; shift
  { gcc -c "$@" -I"$dir" "$SRC/tests/kvm/$g.S" -o "$T/$g.o" &&
    ld -T "$dir/image.ld" -o "$T/$g.elf" "$T/$g.o" "$T/lib.o" &&
    objcopy -O binary "$T/$g.elf" "$T/$g.bin"; } >"$T/build.log" 2>&1
}
# stop_run NAME TAG CMD...: run from -S with a monitor that starts the guest,
# stops the machine for STOP_SECS (1) once the guest printed "ready", reads the
# registers (into $T/NAME.TAG.regs) and continues (tests/kvm/stop-cont.py)
stop_run() {
  g=$1 tag=$2; shift 2
  rm -f "$T/$g.$tag.log" "$T/$g.$tag.mon"
  timeout 30 "$@" -m 64 -bios "$T/$g.bin" -display none -no-reboot -S \
    -serial "file:$T/$g.$tag.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -monitor "unix:$T/$g.$tag.mon,server=on,wait=off" </dev/null >"$T/$g.$tag.err" 2>&1 &
  pid=$!
  python3 "$SRC/tests/kvm/stop-cont.py" "$T/$g.$tag.mon" "$T/$g.$tag.log" ready "${STOP_SECS:-1}" \
    >"$T/$g.$tag.regs" 2>>"$T/$g.$tag.err"
  wait $pid
  status=$?
  touch "$T/$g.$tag.log"
}
dr_lines() { grep -o 'DR[0-37]=[0-9a-f]*' "$1" | tr '\n' ' '; }

# CPU state across a monitor stop (tests/kvm/kvm-state.S): x87, MXCSR, XMM0-7
# and DR0-DR3/DR7 survive stop / info registers / cont (under kvm the vCPU is
# parked, read into env and written back whole), the TSC stands still while
# stopped (the guest times it against the 8254), and info registers shows the
# guest's debug registers. kvm must print what tcg prints; QEMU's -accel kvm
# the same but for tsc-ratio (its TSC runs on over a stop).
if ! command -v python3 >/dev/null 2>&1; then
  skip "kvm-state: no python3 to drive the monitor"
elif ! kvm_guest kvm-state; then
  fail "kvm-state: cannot build"; head -3 "$T/build.log"
else
  stop_run kvm-state tcg "$SYSEMU" -accel tcg; st_tcg=$status
  # The guest adds up 8254 time from its 16-bit count, which wraps every 55 ms:
  # a vCPU thread kept off the host CPU longer than that between two reads (seen
  # at load 10-18) loses a wrap, and the TSC/8254 ratio comes out too high. A run
  # whose only failure is that ratio is tried once more, saying so; a TSC that
  # runs on over the stop fails both runs.
  if [ "$(grep -c FAIL "$T/kvm-state.tcg.log")" = 1 ] && grep -q 'FAIL.*tsc-ratio' "$T/kvm-state.tcg.log"; then
    echo "note: kvm-state under tcg: tsc-ratio off once (at load $(cut -d' ' -f1 /proc/loadavg): an 8254 wrap lost?), run again"
    stop_run kvm-state tcg "$SYSEMU" -accel tcg; st_tcg=$status
  fi
  if [ "$st_tcg" = 1 ] && ! grep -q FAIL "$T/kvm-state.tcg.log" && grep -q 'ok dr7' "$T/kvm-state.tcg.log" &&
     [ -s "$T/kvm-state.tcg.regs" ]; then
    pass; echo "ok kvm-state under tcg: $(grep -c '^ok' "$T/kvm-state.tcg.log") checks after a 1 s stop"
  else
    fail "kvm-state under tcg: status $st_tcg"; grep FAIL "$T/kvm-state.tcg.log" | head -3
  fi
  dr_tcg=$(dr_lines "$T/kvm-state.tcg.regs")
  case "$dr_tcg" in
    *DR0=0*11111000*DR7=0*455*) pass; echo "ok kvm-state tcg info registers: $dr_tcg";;
    *) fail "kvm-state tcg info registers: DR lines '$dr_tcg'";;
  esac
  if [ "$kvm_ok" != 1 ]; then
    skip "kvm-state under kvm: $kvm_why"
  else
    stop_run kvm-state kvm "$SYSEMU" -accel kvm,device="$KVMDEV"; st_kvm=$status
    grep -v -e tsc-ratio -e '^done' "$T/kvm-state.tcg.log" >"$T/kvm-state.tcg.cmp"
    grep -v -e tsc-ratio -e '^done' "$T/kvm-state.kvm.log" >"$T/kvm-state.kvm.cmp"
    if [ ! -s "$T/kvm-state.kvm.regs" ]; then
      fail "kvm-state under kvm: the monitor did not stop it: $(tail -1 "$T/kvm-state.kvm.err")"
    elif [ "$st_kvm" = "$st_tcg" ] && [ "$st_kvm" = 1 ] && cmp -s "$T/kvm-state.tcg.log" "$T/kvm-state.kvm.log"; then
      pass; echo "ok kvm-state: kvm = tcg across a stop/cont ($(wc -l <"$T/kvm-state.kvm.log") lines)"
    elif grep -q 'ignored the TSC write' "$T/kvm-state.kvm.err" &&
         cmp -s "$T/kvm-state.tcg.cmp" "$T/kvm-state.kvm.cmp"; then
      pass; echo "ok kvm-state: kvm = tcg across a stop/cont but for the TSC ($(wc -l <"$T/kvm-state.kvm.cmp") lines)"
      skip "kvm-state tsc-ratio under kvm: $(sed 's/.*warning: kvm: //' "$T/kvm-state.kvm.err" | grep -m1 TSC)"
    elif grep -q KVM_EXIT_INTERNAL_ERROR "$T/kvm-state.kvm.err"; then
      skip "kvm-state under kvm: the host's KVM stops it with KVM_EXIT_INTERNAL_ERROR at $(grep -m1 -o '[ER]IP=[0-9a-f]*' "$T/kvm-state.kvm.err")"
    else
      fail "kvm-state: kvm (status $st_kvm) differs from tcg (status $st_tcg):"
      diff "$T/kvm-state.tcg.log" "$T/kvm-state.kvm.log" | head -6 | sed 's/^/    /'
    fi
    dr_kvm=$(dr_lines "$T/kvm-state.kvm.regs")
    if [ -n "$dr_kvm" ] && [ "$dr_kvm" = "$dr_tcg" ]; then
      pass; echo "ok kvm-state kvm info registers: the guest's debug registers as under tcg"
    else
      fail "kvm-state kvm info registers: '$dr_kvm', tcg '$dr_tcg'"
    fi
    if [ "$have_qemu" = 1 ]; then
      stop_run kvm-state qemu "$QEMU" -accel kvm
      grep -v -e tsc-ratio -e '^done' "$T/kvm-state.qemu.log" >"$T/kvm-state.qemu.cmp"
      if [ -s "$T/kvm-state.qemu.cmp" ] && cmp -s "$T/kvm-state.qemu.cmp" "$T/kvm-state.kvm.cmp" &&
         [ "$(dr_lines "$T/kvm-state.qemu.regs")" = "$dr_kvm" ]; then
        pass; echo "ok kvm-state: = QEMU -accel kvm but for the TSC ($(wc -l <"$T/kvm-state.kvm.cmp") lines, info registers DR0-7)"
      else
        fail "kvm-state: QEMU -accel kvm printed otherwise:"
        diff "$T/kvm-state.qemu.cmp" "$T/kvm-state.kvm.cmp" | head -6 | sed 's/^/    /'
      fi
    fi
  fi
fi

# The same with the AVX upper halves and XCR0 (built -DWITH_AVX; under
# -cpu host, where CPUID offers XSAVE and AVX): YMM0-7 must survive the stop
# too. A nested host whose instruction emulator runs the guest stops it at the
# first VEX instruction (KVM's emulator has none): a skip naming the address.
if [ "$kvm_ok" = 1 ] && command -v python3 >/dev/null 2>&1 &&
   kvm_guest kvm-state -DWITH_AVX; then
  stop_run kvm-state avx "$SYSEMU" -accel kvm,device="$KVMDEV" -cpu host
  if grep -q KVM_EXIT_INTERNAL_ERROR "$T/kvm-state.avx.err"; then
    at=$(grep -m1 -o '[ER]IP=[0-9a-f]*' "$T/kvm-state.avx.err")
    addr=$(echo "${at#*=}" | sed 's/^0*//')
    insn=$(objdump -d "$T/kvm-state.elf" | grep -m1 "^ *$addr:" | cut -f3 | tr -s ' ')
    skip "kvm-state with AVX: the host's KVM stops the guest at $at (${insn:-?}): no VEX in its emulator"
  elif [ "$status" = 1 ] && grep -q 'ok ymm-all' "$T/kvm-state.avx.log" && grep -q 'ok xcr0' "$T/kvm-state.avx.log" &&
       ! grep -q 'FAIL [^t]' "$T/kvm-state.avx.log"; then
    pass; echo "ok kvm-state with AVX under kvm -cpu host: XCR0 and YMM0-7 across a stop/cont"
  elif ! grep -q 'ok xcr0' "$T/kvm-state.avx.log" && ! grep -q FAIL "$T/kvm-state.avx.log"; then
    skip "kvm-state with AVX: -cpu host offers no XSAVE/AVX here"
  else
    fail "kvm-state with AVX under kvm -cpu host: status $status"; grep FAIL "$T/kvm-state.avx.log" | head -3
  fi
fi

# CR8 and the APIC's TPR, A20 (tests/kvm/kvm-cr8.S): under kvm, MOV CR8 and
# the TPR follow each other as under QEMU's -accel kvm (kernel-irqchip=off:
# the userspace APIC, like ours), whose output (A20 line included: KVM has no
# A20 gate) we must print exactly, with one warning that A20 is not modelled.
if ! kvm_guest kvm-cr8; then
  fail "kvm-cr8: cannot build"; head -3 "$T/build.log"
elif [ "$kvm_ok" != 1 ]; then
  skip "kvm-cr8 under kvm: $kvm_why"
else
  run kvm-cr8 kvm "$SYSEMU" -accel kvm,device="$KVMDEV"; st_kvm=$status
  if [ "$st_kvm" = 1 ] && [ "$(grep -c '^ok' "$T/kvm-cr8.kvm.log")" = 3 ]; then
    pass; echo "ok kvm-cr8 under kvm: CR8 <-> TPR both ways ($(grep a20 "$T/kvm-cr8.kvm.log"))"
  elif grep -q KVM_EXIT_INTERNAL_ERROR "$T/kvm-cr8.kvm.err"; then
    skip "kvm-cr8 under kvm: the host's KVM stops it with KVM_EXIT_INTERNAL_ERROR at $(grep -m1 -o '[ER]IP=[0-9a-f]*' "$T/kvm-cr8.kvm.err")"
  else
    fail "kvm-cr8 under kvm: status $st_kvm"; grep FAIL "$T/kvm-cr8.kvm.log" | head -3
  fi
  if [ "$(wc -l <"$T/kvm-cr8.kvm.err")" = 1 ] && grep -q 'warning: kvm: the guest disabled A20' "$T/kvm-cr8.kvm.err"; then
    pass; echo "ok kvm-cr8 A20 off under kvm: $(sed 's/.*warning: //' "$T/kvm-cr8.kvm.err")"
  else
    fail "kvm-cr8: want one A20 warning on stderr, got:"; head -3 "$T/kvm-cr8.kvm.err" | sed 's/^/    /'
  fi
  if [ "$have_qemu" = 1 ]; then
    run kvm-cr8 qemu "$QEMU" -accel kvm -M pc,kernel-irqchip=off
    if [ -s "$T/kvm-cr8.qemu.log" ] && cmp -s "$T/kvm-cr8.qemu.log" "$T/kvm-cr8.kvm.log"; then
      pass; echo "ok kvm-cr8: kvm = QEMU -accel kvm ($(wc -l <"$T/kvm-cr8.kvm.log") lines)"
    else
      fail "kvm-cr8: QEMU -accel kvm printed otherwise:"
      diff "$T/kvm-cr8.qemu.log" "$T/kvm-cr8.kvm.log" | head -6 | sed 's/^/    /'
    fi
  fi
  run kvm-cr8 tcg "$SYSEMU" -accel tcg
  if grep -q 'FAIL cr8-to-tpr' "$T/kvm-cr8.tcg.log"; then
    skip "kvm-cr8 kvm vs tcg: our TCG keeps CR8 apart from the APIC's TPR (target-i386/cpu.h: no TPR forwarding; QEMU's TCG forwards it)"
  elif [ "$(grep -v a20 "$T/kvm-cr8.tcg.log")" = "$(grep -v a20 "$T/kvm-cr8.kvm.log")" ]; then
    pass; echo "ok kvm-cr8: kvm = tcg but for A20 (which TCG models)"
  else
    fail "kvm-cr8: tcg printed otherwise:"; diff "$T/kvm-cr8.tcg.log" "$T/kvm-cr8.kvm.log" | head -6 | sed 's/^/    /'
  fi
fi

# -cpu host (tests/kvm/kvm-cpuid.S prints CPUID's vendor and signature): under
# kvm the guest sees the host CPU's (a C program reads them natively), with
# the default qemu64 the model's, as under tcg.
cat >"$T/hostcpu.c" <<'EOC'
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    unsigned a, b, c, d;
    char v[13] = { 0 };
    __get_cpuid(0, &a, &b, &c, &d);
    memcpy(v, &b, 4), memcpy(v + 4, &d, 4), memcpy(v + 8, &c, 4);
    __get_cpuid(1, &a, &b, &c, &d);
    printf("vendor %s\nsignature %08x\n", v, a);
    return 0;
}
EOC
if ! kvm_guest kvm-cpuid || ! gcc -O "$T/hostcpu.c" -o "$T/hostcpu" >>"$T/build.log" 2>&1; then
  fail "kvm-cpuid: cannot build"; head -3 "$T/build.log"
elif [ "$kvm_ok" != 1 ]; then
  skip "-cpu host: $kvm_why"
else
  "$T/hostcpu" >"$T/hostcpu.out"
  run kvm-cpuid host "$SYSEMU" -accel kvm,device="$KVMDEV" -cpu host
  grep -v '^done' "$T/kvm-cpuid.host.log" >"$T/kvm-cpuid.host.cmp"
  if [ "$status" = 1 ] && cmp -s "$T/hostcpu.out" "$T/kvm-cpuid.host.cmp"; then
    pass; echo "ok -cpu host under kvm: the host's CPU ($(tr '\n' ' ' <"$T/hostcpu.out"))"
  else
    fail "-cpu host under kvm: status $status"; diff "$T/hostcpu.out" "$T/kvm-cpuid.host.cmp" | head -4
  fi
  run kvm-cpuid tcg "$SYSEMU" -accel tcg
  run kvm-cpuid kvm "$SYSEMU" -accel kvm,device="$KVMDEV"
  if [ -s "$T/kvm-cpuid.kvm.log" ] && cmp -s "$T/kvm-cpuid.tcg.log" "$T/kvm-cpuid.kvm.log"; then
    pass; echo "ok -cpu qemu64 under kvm: the model's CPUID as under tcg ($(grep signature "$T/kvm-cpuid.kvm.log"))"
  else
    fail "-cpu qemu64 under kvm differs from tcg:"; diff "$T/kvm-cpuid.tcg.log" "$T/kvm-cpuid.kvm.log" | head -4
  fi
fi

# kvmclock (tests/kvm/kvm-clock.S): under kvm the guest finds "KVMKVMKVM" and
# the clock features, turns kvmclock on, and its clock skips a 2 s monitor
# stop (KVM_GET/SET_CLOCK); QEMU's -accel kvm prints the same up to that last
# check (its kvmclock runs on over a stop on this host); tcg has no
# paravirtual leaves (as QEMU's TCG).
if ! kvm_guest kvm-clock; then
  fail "kvm-clock: cannot build"; head -3 "$T/build.log"
else
  run kvm-clock tcg "$SYSEMU" -accel tcg
  if [ "$status" = 1 ] && grep -q '^kvm-features 0*$' "$T/kvm-clock.tcg.log"; then
    pass; echo "ok kvm-clock under tcg: no paravirtual leaves, as QEMU's TCG"
  else
    fail "kvm-clock under tcg: status $status"; head -3 "$T/kvm-clock.tcg.log"
  fi
  if [ "$kvm_ok" != 1 ]; then
    skip "kvm-clock under kvm: $kvm_why"
  else
    STOP_SECS=2 stop_run kvm-clock kvm "$SYSEMU" -accel kvm,device="$KVMDEV"
    if [ "$status" = 1 ] && [ -s "$T/kvm-clock.kvm.regs" ] && grep -q '^hypervisor KVMKVMKVM' "$T/kvm-clock.kvm.log" &&
       grep -q 'ok kvmclock-skips-stop' "$T/kvm-clock.kvm.log" && ! grep -q FAIL "$T/kvm-clock.kvm.log"; then
      pass; echo "ok kvm-clock under kvm: $(grep kvm-features "$T/kvm-clock.kvm.log"), the clock skips a 2 s stop"
    else
      fail "kvm-clock under kvm: status $status"; grep -e FAIL -e kvm-features "$T/kvm-clock.kvm.log" | head -3
    fi
    if [ "$have_qemu" = 1 ]; then
      STOP_SECS=2 stop_run kvm-clock qemu "$QEMU" -accel kvm -M pc,kernel-irqchip=off
      grep -v -e skips-stop -e '^done' "$T/kvm-clock.qemu.log" >"$T/kvm-clock.qemu.cmp"
      grep -v -e skips-stop -e '^done' "$T/kvm-clock.kvm.log" >"$T/kvm-clock.kvm.cmp"
      if [ -s "$T/kvm-clock.qemu.cmp" ] && cmp -s "$T/kvm-clock.qemu.cmp" "$T/kvm-clock.kvm.cmp"; then
        pass; echo "ok kvm-clock: = QEMU -accel kvm but for the stop ($(wc -l <"$T/kvm-clock.kvm.cmp") lines; QEMU: $(grep skips-stop "$T/kvm-clock.qemu.log" | cut -d' ' -f1-2))"
      else
        fail "kvm-clock: QEMU -accel kvm printed otherwise:"
        diff "$T/kvm-clock.qemu.cmp" "$T/kvm-clock.kvm.cmp" | head -6 | sed 's/^/    /'
      fi
    fi
  fi
fi

# A device's interrupt line (tests/kvm/kvm-irqline.S: the 16550's THRE
# interrupt on IRQ 4 through the 8259 and LINT0): under kvm with our 8259 and
# APIC and with kernel_irqchip=on (the line through KVM_IRQ_LINE) the guest
# must print what QEMU prints (-accel tcg as the oracle; -accel kvm too).
if ! kvm_guest kvm-irqline; then
  fail "kvm-irqline: cannot build"; head -3 "$T/build.log"
elif [ "$kvm_ok" != 1 ]; then
  skip "kvm-irqline: $kvm_why"
else
  run kvm-irqline kvm "$SYSEMU" -accel kvm,device="$KVMDEV"; st_u=$status
  run kvm-irqline kirq "$SYSEMU" -accel kvm,device="$KVMDEV" -M pc,kernel_irqchip=on; st_k=$status
  if [ "$st_u" = 1 ] && [ "$(grep -c '^ok' "$T/kvm-irqline.kvm.log")" = 2 ] &&
     cmp -s "$T/kvm-irqline.kvm.log" "$T/kvm-irqline.kirq.log" && [ "$st_k" = 1 ]; then
    pass; echo "ok kvm-irqline: IRQ 4 from the serial port, our 8259/APIC and KVM's (KVM_IRQ_LINE) alike"
  else
    fail "kvm-irqline: status $st_u (ours) / $st_k (kernel_irqchip=on)"
    cat "$T/kvm-irqline.kvm.log" "$T/kvm-irqline.kirq.log" | grep -v '^ok' | head -4 | sed 's/^/    /'
  fi
  if [ "$have_qemu" = 1 ]; then
    run kvm-irqline qtcg timeout 8 "$QEMU" -accel tcg
    if cmp -s "$T/kvm-irqline.qtcg.log" "$T/kvm-irqline.kvm.log"; then
      pass; echo "ok kvm-irqline: = QEMU -accel tcg ($(wc -l <"$T/kvm-irqline.kvm.log") lines)"
    else
      fail "kvm-irqline: QEMU -accel tcg printed otherwise:"
      diff "$T/kvm-irqline.qtcg.log" "$T/kvm-irqline.kvm.log" | head -4 | sed 's/^/    /'
    fi
  fi
  run kvm-irqline tcg timeout 8 "$SYSEMU" -accel tcg
  if cmp -s "$T/kvm-irqline.tcg.log" "$T/kvm-irqline.kvm.log"; then
    pass; echo "ok kvm-irqline: kvm = tcg"
  else
    fail "kvm-irqline: tcg (status $status) differs from kvm:"
    diff "$T/kvm-irqline.tcg.log" "$T/kvm-irqline.kvm.log" | head -4 | sed 's/^/    /'
  fi
fi

# A triple fault (tests/kvm/kvm-shutdown.S): KVM_EXIT_SHUTDOWN resets the
# machine, so with -no-reboot it exits 0 having printed "before" once, as
# under tcg; where the host's KVM stops the guest first (an internal error in
# its emulator), our registers at the stop must be QEMU's.
if ! kvm_guest kvm-shutdown; then
  fail "kvm-shutdown: cannot build"; head -3 "$T/build.log"
elif [ "$kvm_ok" != 1 ]; then
  skip "kvm-shutdown: $kvm_why"
else
  run kvm-shutdown tcg "$SYSEMU" -accel tcg; st_tcg=$status
  run kvm-shutdown kvm "$SYSEMU" -accel kvm,device="$KVMDEV"; st_kvm=$status
  if [ "$st_tcg" = 0 ] && [ "$st_kvm" = 0 ] && cmp -s "$T/kvm-shutdown.tcg.log" "$T/kvm-shutdown.kvm.log"; then
    pass; echo "ok kvm-shutdown: triple fault -> reset -> -no-reboot exit, as under tcg"
  elif grep -q KVM_EXIT_INTERNAL_ERROR "$T/kvm-shutdown.kvm.err" && [ "$st_kvm" = 1 ] && [ "$have_qemu" = 1 ]; then
    run kvm-shutdown qemu timeout 8 "$QEMU" -accel kvm -M pc,kernel-irqchip=off
    if grep -q 'KVM internal error' "$T/kvm-shutdown.qemu.err"; then
      skip "kvm-shutdown: the host's KVM stops the guest before the triple fault ($(grep -m1 -o 'EIP=[0-9a-f]*' "$T/kvm-shutdown.kvm.err")), QEMU's too"
      regs_match kvm-shutdown
    else
      fail "kvm-shutdown: internal error under our kvm, not under QEMU's"
    fi
  else
    fail "kvm-shutdown: kvm status $st_kvm, tcg status $st_tcg"; head -3 "$T/kvm-shutdown.kvm.err" | sed 's/^/    /'
  fi
fi

# Live migration under KVM (migration/live.c with KVM's dirty log,
# migration/dirty-kvm.c): tests/kvm/kvm-migrate.S dirties memory while it
# keeps a checksum chain over it. Once it has printed its first progress
# line, the monitor migrates it live (migrate -d, precopy while it runs) to a
# file; the stream then starts a KVM and a TCG destination (-incoming). The
# progress lines of source and destination together must be those of a run
# without migration (tcg: the guest is deterministic), none lost or doubled,
# and guest time (the TSC, kvmclock: the CPU section's version-2 fields) must
# have gone on without going back or leaping; info migrate must show a live
# copy (several dirty passes under a downtime limit the guest does not let it
# meet, pages sent again, the downtime a part of the total).
# The same stream with its CPU section made version 1 (as older builds wrote
# it: tests/vmstate/cpu-downgrade.py) must still load and continue the chain.
# 64 blocks 20 ms apart: a pass (tens of ms) always spans a block that
# dirties pages, however fast this host runs the guest
MIG_BLOCKS=${MIG_BLOCKS:-64}
if ! kvm_guest kvm-migrate -DBLOCK_SHIFT=12 -DWAIT_HZ=50 -DBLOCKS="$MIG_BLOCKS"; then
  fail "kvm-migrate: cannot build"; head -3 "$T/build.log"
elif [ "$kvm_ok" != 1 ]; then
  skip "live migration under kvm: $kvm_why"
elif ! command -v python3 >/dev/null 2>&1; then
  skip "live migration under kvm: no python3 to drive the monitor"
else
  HMP="python3 $SRC/tests/vmstate/hmp.py"
  mg=kvm-migrate
  run $mg ref "$SYSEMU" -accel tcg
  chain() { grep -E '^(P|DONE|tsc-bad|kvmclock-bad) '; }
  chain <"$T/$mg.ref.log" >"$T/$mg.want"
  rm -f "$T/$mg.src.log" "$T/$mg.st"
  timeout 60 "$SYSEMU" -accel kvm,device="$KVMDEV" -m 64 -bios "$T/$mg.bin" -display none -no-reboot \
    -serial "file:$T/$mg.src.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -monitor "unix:$T/$mg.hmp,server=on,wait=off" </dev/null >"$T/$mg.src.err" 2>&1 &
  mpid=$!
  i=0
  while ! { [ -S "$T/$mg.hmp" ] && grep -q '^P ' "$T/$mg.src.log" 2>/dev/null; } && [ $i -lt 300 ]; do
    sleep 0.1; i=$((i + 1))
  done
  # a 1 ms downtime limit the dirtying guest never meets: pass after pass
  # (the dirty log synced each time) until live.c's cap of passes
  $HMP "$T/$mg.hmp" "migrate_set_parameter downtime-limit 1" "migrate -d exec:cat > $T/$mg.st" \
    >"$T/$mg.mig" 2>&1
  i=0
  while [ $i -lt 300 ]; do
    $HMP "$T/$mg.hmp" "info migrate" >"$T/$mg.info" 2>&1
    grep -q 'status: active' "$T/$mg.info" || break
    sleep 0.2; i=$((i + 1))
  done
  $HMP "$T/$mg.hmp" quit >/dev/null 2>&1
  wait $mpid
  field() { sed -n "s/^$1: \([0-9]*\).*/\1/p" "$T/$mg.info"; }
  tot=$(field 'total time') down=$(field downtime) passes=$(field 'dirty sync count') sent=$(field 'pages sent')
  before=$(grep -c '^P ' "$T/$mg.src.log")
  if grep -q 'status: completed' "$T/$mg.info" && [ "${passes:-0}" -ge 2 ] && [ "${sent:-0}" -gt 16384 ] &&
     [ "${down:-0}" -lt "${tot:-0}" ] && ! grep -q '^DONE' "$T/$mg.src.log"; then
    pass; echo "ok live migration under kvm: $passes dirty passes, $sent pages sent for 16384, downtime $down of $tot ms, after $before of $MIG_BLOCKS progress lines"
  else
    fail "live migration under kvm: $(tr '\n' ' ' <"$T/$mg.info" | cut -c1-200) $(cat "$T/$mg.mig")"
  fi
  python3 "$SRC/tests/vmstate/cpu-downgrade.py" "$T/$mg.st" "$T/$mg.st1" 1
  for dst in kvm tcg v1; do
    acc=tcg st_file=$T/$mg.st
    [ $dst = kvm ] && acc="kvm,device=$KVMDEV"
    [ $dst = v1 ] && st_file=$T/$mg.st1
    [ $dst = kvm ] && sleep 5   # kvmclock must skip this (tests/kvm/kvm-migrate.S)
    timeout 60 "$SYSEMU" -accel "$acc" -m 64 -bios "$T/$mg.bin" -display none -no-reboot \
      -serial "file:$T/$mg.$dst.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -incoming "file:$st_file" </dev/null >"$T/$mg.$dst.err" 2>&1
    st=$?
    cat "$T/$mg.src.log" "$T/$mg.$dst.log" | chain >"$T/$mg.$dst.got"
    if [ $dst = v1 ]; then      # no TSC value in a version-1 section: the chain only
      grep -E '^(P|DONE) ' "$T/$mg.want" >"$T/$mg.want1"
      grep -E '^(P|DONE) ' "$T/$mg.v1.got" >"$T/$mg.v1.got1"
      if [ "$st" = 1 ] && cmp -s "$T/$mg.want1" "$T/$mg.v1.got1"; then
        pass; echo "ok a version-1 CPU section (older streams) still loads: the chain goes on under tcg"
      else
        fail "a version-1 CPU section: status $st, $(head -1 "$T/$mg.v1.err")"
      fi
      continue
    fi
    if [ "$st" = 1 ] && cmp -s "$T/$mg.want" "$T/$mg.$dst.got"; then
      pass; echo "ok live migration kvm -> $dst: the chain and guest time as without migration ($(grep DONE "$T/$mg.want"))"
      grep -q 'ignored the TSC write' "$T/$mg.$dst.err" &&
        skip "live migration kvm -> kvm, the TSC's value: the host's KVM ignored the TSC write (it went on, by the 5 s pause too)"
    else
      fail "live migration kvm -> $dst (status $st): the chain differs from the run without migration:"
      diff "$T/$mg.want" "$T/$mg.$dst.got" | head -4 | sed 's/^/    /'; head -2 "$T/$mg.$dst.err" | sed 's/^/    /'
    fi
  done
fi

# Snapshots across accelerators and kernel_irqchip=on|off: with
# kernel_irqchip=on the 8259s, I/O APIC, local APIC and 8254 are the kernel's
# (accel/kvm/kvm-irqchip-state.c writes and reads them as our models'
# sections). tests/kvm/kvm-timer.S programs all four and counts 8254 ticks;
# after its first line the monitor stops it and takes savevm on a qcow2 disk,
# and -loadvm starts it under the other configuration: the two logs together
# must be those of a run without a snapshot. A chip left in its reset state
# by the load stops the ticks (a timeout) or sends them to another vector.
if ! kvm_guest kvm-timer; then
  fail "kvm-timer: cannot build"; head -3 "$T/build.log"
elif [ "$kvm_ok" != 1 ]; then
  skip "snapshots with kernel_irqchip=on: $kvm_why"
elif ! command -v python3 >/dev/null 2>&1; then
  skip "snapshots with kernel_irqchip=on: no python3 to drive the monitor"
else
  HMP="python3 $SRC/tests/vmstate/hmp.py"
  IMG=$(command -v qemu-img || echo "$BUILD/quetzal-img")
  tm=kvm-timer
  run $tm ref "$SYSEMU" -accel tcg
  grep -v '^done' "$T/$tm.ref.log" >"$T/$tm.want"
  kirq="kvm,device=$KVMDEV -M pc,kernel_irqchip=on"
  n=0
  for pair in "tcg|$kirq" "$kirq|tcg" "$kirq|kvm,device=$KVMDEV"; do
    from=${pair%%|*} to=${pair#*|} n=$((n + 1))
    mon=$T/$tm.$n.hmp
    "$IMG" create -q -f qcow2 "$T/$tm.qcow2" 1M >/dev/null 2>&1
    rm -f "$T/$tm.src.log" "$T/$tm.dst.log"
    # shellcheck disable=SC2086
    timeout 30 "$SYSEMU" -accel $from -m 64 -bios "$T/$tm.bin" -display none -no-reboot \
      -serial "file:$T/$tm.src.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -drive "file=$T/$tm.qcow2,format=qcow2,if=ide" \
      -monitor "unix:$mon,server=on,wait=off" </dev/null >"$T/$tm.src.err" 2>&1 &
    spid=$!
    i=0
    while ! { [ -S "$mon" ] && grep -q '^tick' "$T/$tm.src.log" 2>/dev/null; } && [ $i -lt 300 ]; do
      sleep 0.05; i=$((i + 1))
    done
    $HMP "$mon" stop "savevm s1" quit >"$T/$tm.sv" 2>&1
    wait $spid
    # shellcheck disable=SC2086
    timeout 20 "$SYSEMU" -accel $to -m 64 -bios "$T/$tm.bin" -display none -no-reboot \
      -serial "file:$T/$tm.dst.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -drive "file=$T/$tm.qcow2,format=qcow2,if=ide" -loadvm s1 </dev/null >"$T/$tm.dst.err" 2>&1
    st=$?
    cat "$T/$tm.src.log" "$T/$tm.dst.log" | grep -v '^done' >"$T/$tm.got"
    desc="savevm under -accel $(echo "$from" | sed 's/,device=[^ ]*//'), -loadvm under -accel $(echo "$to" | sed 's/,device=[^ ]*//')"
    if [ "$st" = 1 ] && cmp -s "$T/$tm.want" "$T/$tm.got" && ! grep -q Error "$T/$tm.sv"; then
      pass; echo "ok $desc: the ticks go on ($(grep -c '^tick' "$T/$tm.src.log") + $(grep -c '^tick' "$T/$tm.dst.log") lines)"
    else
      fail "$desc: status $st $(grep Error "$T/$tm.sv") $(grep -v warning "$T/$tm.dst.err" | head -1)"
      diff "$T/$tm.want" "$T/$tm.got" | head -4 | sed 's/^/    /'
    fi
  done
  # Damaged sections that pass the checksum (tests/kvm/vmstate-mutate.py: the
  # CPU section and the four chips, their CRC made right) loaded under tcg
  # and into the kernel's chips: refused with one line or loaded, never a
  # crash or a sanitizer report. The stream is the last savevm's, exported.
  timeout 120 "$SYSEMU" -accel tcg -m 64 -bios "$T/$tm.bin" -display none -serial null \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive "file=$T/$tm.qcow2,format=qcow2,if=ide" \
    -loadvm s1 -S -monitor stdio >"$T/$tm.ex" 2>&1 <<EOM
migrate exec:cat > $T/$tm.st
quit
EOM
  ex_st=$?
  nf=${FUZZ_N:-8} bad=0 refused=0 why=
  python3 "$SRC/tests/kvm/vmstate-mutate.py" "$T/$tm.st" "$T/$tm.mut" "$nf" "${FUZZ_SEED:-1}" \
    cpu,isa-i8259,ioapic,apic,isa-pit
  for k in $(seq 0 $((nf - 1))); do
    for acc in tcg "kvm,device=$KVMDEV -M pc,kernel_irqchip=on"; do
      # shellcheck disable=SC2086
      echo quit | timeout 20 "$SYSEMU" -accel $acc -m 64 -bios "$T/$tm.bin" -display none \
        -serial null -device isa-debug-exit,iobase=0xf4,iosize=0x04 -S -monitor stdio \
        -drive "file=$T/$tm.qcow2,format=qcow2,if=ide" -incoming "file:$T/$tm.mut$k" \
        >/dev/null 2>"$T/$tm.fz.err"
      st=$?
      if [ "$st" -gt 1 ] || grep -q -e Sanitizer -e 'runtime error' "$T/$tm.fz.err" ||
         [ "$(grep -vc warning "$T/$tm.fz.err")" -gt 1 ]; then
        bad=$((bad + 1)); cp "$T/$tm.mut$k" "${TMPDIR:-/tmp}/kvm-vmstate-crash.$k" 2>/dev/null
        echo "    mutant $k under $acc: status $st: $(head -2 "$T/$tm.fz.err" | tr '\n' ' ')"
      fi
      [ "$st" = 1 ] && refused=$((refused + 1)) && why=$(sed 's/.*-incoming: //' "$T/$tm.fz.err" | head -1)
    done
  done
  if [ ! -s "$T/$tm.st" ]; then
    fail "damaged CPU/chip sections: the snapshot was not exported (status $ex_st): $(grep -v '^QEMU\|^(qemu)' "$T/$tm.ex" | head -1)"
  elif [ "$bad" = 0 ]; then
    pass; echo "ok damaged CPU/chip sections: $((nf * 2)) loads, $refused refused with one line (e.g. ${why:-none}), none crashed"
  else
    fail "damaged CPU/chip sections: $bad of $((nf * 2)) loads crashed or printed more than one line"
  fi
fi

# Dirty-page logging (kvm_dirty_log_start/sync/stop in accel/kvm/kvm.h, for
# migration): tests/kvm/dirty-test runs tests/kvm/dirty-guest.S on a vCPU and
# checks the logged pages against the ones the guest wrote, phase by phase.
if [ ! -x "$BUILD/tests/kvm/dirty-test" ]; then
  fail "dirty log: $BUILD/tests/kvm/dirty-test not built"
elif ! { gcc -c "$SRC/tests/kvm/dirty-guest.S" -o "$T/dirty-guest.o" &&
         objcopy -O binary -j .text "$T/dirty-guest.o" "$T/dirty-guest.bin"; } >"$T/build.log" 2>&1; then
  fail "dirty log: cannot build dirty-guest.S"
elif [ "$kvm_ok" != 1 ]; then
  skip "dirty log: $kvm_why"
else
  timeout 20 "$BUILD/tests/kvm/dirty-test" "$KVMDEV" "$T/dirty-guest.bin" >"$T/dirty.out" 2>&1
  st=$?
  if [ "$st" = 0 ] && [ "$(grep -c '^ok' "$T/dirty.out")" = 8 ]; then
    pass; echo "ok dirty log: $(grep -m1 'phase 1 pages' "$T/dirty.out" | sed 's/^ok //'), then only phase 2's, refused after stop"
  else
    fail "dirty log: status $st"; grep -v '^ok' "$T/dirty.out" | head -4 | sed 's/^/    /'
  fi
fi

# -enable-kvm is -accel kvm (only on the default device, and where KVM runs)
if [ "$kvm_ok" = 1 ] && [ "$KVMDEV" = /dev/kvm ]; then
  run kvm-modes enable "$SYSEMU" -enable-kvm
  if [ "$status" = 1 ] && cmp -s "$T/kvm-modes.tcg.log" "$T/kvm-modes.enable.log"; then
    pass; echo "ok -enable-kvm: kvm-modes as under -accel tcg"
  else
    fail "-enable-kvm: status $status"; head -3 "$T/kvm-modes.enable.err"
  fi
else
  skip "-enable-kvm: ${kvm_why:-KVMDEV is not /dev/kvm}"
fi

# bad_input DESC PATTERN ARGS...: exit status 1 and exactly one line on stderr
# matching PATTERN
bad_input() {
  desc=$1 pat=$2; shift 2
  "$@" -m 64 -bios "$T/kvm-modes.bin" -display none -serial none </dev/null >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "$pat" "$T/err"; then
    pass; echo "ok $desc: $(cat "$T/err")"
  else
    fail "$desc: status $st (want 1), stderr:"; head -3 "$T/err" | sed 's/^/    /'
  fi
}
bad_input "-accel nonsense" "unknown accelerator 'nonsense'" "$SYSEMU" -accel nonsense
bad_input "-machine accel=nonsense" "accelerator list 'nonsense'" "$SYSEMU" -machine accel=nonsense
bad_input "-accel kvm,bogus=1" "unsupported property 'bogus=1'" "$SYSEMU" -accel kvm,bogus=1
bad_input "missing KVM device" "cannot open $T/no-kvm: No such file or directory" \
  "$SYSEMU" -accel kvm,device="$T/no-kvm"
bad_input "not a KVM device" "KVM_GET_API_VERSION on /dev/null failed" \
  "$SYSEMU" -accel kvm,device=/dev/null
bad_input "-cpu host under tcg" "CPU model 'host' requires KVM" "$SYSEMU" -accel tcg -cpu host
bad_input "-machine kernel_irqchip=maybe" "kernel_irqchip must be on, off or split" \
  "$SYSEMU" -machine kernel_irqchip=maybe
if [ "$kvm_ok" = 1 ]; then
  bad_input "kernel_irqchip=split" "kernel_irqchip=split is not supported" \
    "$SYSEMU" -accel kvm,device="$KVMDEV" -machine kernel_irqchip=split
fi

# an unprivileged user on a root-only /dev/kvm: EACCES named
if [ "$(id -u)" = 0 ] && [ -e /dev/kvm ] && command -v setpriv >/dev/null 2>&1 &&
   ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/kvm; then
  chmod 755 "$T"
  bad_input "unprivileged /dev/kvm" "cannot open /dev/kvm: Permission denied" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$SYSEMU" -accel kvm
else
  skip "unprivileged /dev/kvm: needs root, setpriv and a /dev/kvm nobody can read"
fi

# -machine accel=kvm:tcg without a usable device: one warning, then TCG runs the guest
run kvm-modes fallback "$SYSEMU" -machine accel=kvm:tcg -accel kvm,device="$T/no-kvm"
[ -s "$T/kvm-modes.tcg.log" ] || run kvm-modes tcg "$SYSEMU" -accel tcg
if [ "$status" = 1 ] && cmp -s "$T/kvm-modes.tcg.log" "$T/kvm-modes.fallback.log" &&
   [ "$(wc -l <"$T/kvm-modes.fallback.err")" = 1 ] &&
   grep -q 'warning: kvm: cannot open.*falling back to tcg' "$T/kvm-modes.fallback.err"; then
  pass; echo "ok accel=kvm:tcg fallback: $(cat "$T/kvm-modes.fallback.err")"
else
  fail "accel=kvm:tcg fallback: status $status"; head -3 "$T/kvm-modes.fallback.err"
fi

# Linux under KVM, where the host runs it in reasonable time: Debian's kernel
# (scripts/setup.sh --tests) by the direct boot must print its banner within
# KVM_LINUX_SECS (default 30); nested hosts run its decompressor too slowly
# (QEMU's -accel kvm does not leave it in 300 s), which is a skip.
kernel=$(ls "${QUETZAL_CACHE:-$HOME/.cache/quetzal}"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
secs=${KVM_LINUX_SECS:-30}
if [ "$kvm_ok" != 1 ]; then
  skip "Linux under kvm: $kvm_why"
elif [ -z "$kernel" ]; then
  skip "Linux under kvm: no Debian kernel in the cache (scripts/setup.sh --tests)"
else
  timeout "$secs" "$SYSEMU" -accel kvm,device="$KVMDEV" -M pc,fast-boot=on -m 256 -kernel "$kernel" \
    -append "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1" -display none -no-reboot \
    -serial "file:$T/linux.log" </dev/null >"$T/linux.err" 2>&1
  st=$?
  if grep -q '^Linux version' "$T/linux.log" 2>/dev/null; then
    pass; echo "ok Linux under kvm: $(grep -m1 -o '^Linux version [^ ]*' "$T/linux.log") in $secs s"
  elif [ "$st" = 124 ] && [ ! -s "$T/linux.err" ]; then
    skip "Linux under kvm: no banner in $secs s (the host's KVM; KVM_LINUX_SECS=N for longer)"
  else
    fail "Linux under kvm: status $st, no banner:"; head -3 "$T/linux.err" | sed 's/^/    /'
  fi
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
