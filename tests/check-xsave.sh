#!/bin/sh
# XSAVE suite (tests/xsave): guest programs built at test time, run natively
# and under quetzal-x86_64 / quetzal-i386 with -cpu max,+avx (XCR0 = x87|SSE|AVX
# as on the host), output and exit status compared:
#  - guest-xsave: XSAVE/XSAVEOPT/XSAVEC (and REX.W forms)/XRSTOR on random
#    state, standard and compacted areas, random feature bitmaps and initial
#    components, byte for byte; the XRSTOR header/MXCSR #GP rules and
#    misaligned areas, with the signal frame's xstate; XGETBV, XSETBV, CPUID 0xD;
#  - guest-sigymm: a handler reading and changing YMM registers through its
#    frame, sigreturn restoring them (also with XSTATE_BV's AVX bit cleared
#    and with a spoilt FP_XSTATE_MAGIC1);
#  - guest-xsaves: XSAVES/XRSTORS at CPL 3 (#GP: SIGSEGV; against the SDM's
#    rule where the host's CPUID hides XSAVES);
#  - guest-disas: the in_asm log's mnemonics of the save-area instructions
#    (XSAVES, XSAVEC, XSAVE64 ...; target-i386/disas.c) against objdump's.
# And guest-xsave-model: the XSAVE rules each CPU model keeps with its own
# CPUID (qemu64 without XSAVE, max without AVX, max,+avx), checked natively
# too. Then tests/xsave/sys-xsave.S, a bare-metal guest at CPL 0 under
# quetzal-system-x86_64: CR4.OSXSAVE, XCR0 and XSETBV's #GP rules, #UD/#NM,
# CPUID 0xD sizes, XSAVES/XRSTORS and IA32_XSS, the x87 pointers in FNSTENV
# and #MF, against the SDM. Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-xsave.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
# an i386 program's native run is under qemu-i386 where the host cannot run it
. "$SRC/tests/native32.sh"

# compare NAME EMULATOR CPU BINARY ARGS...: output and exit status vs native
compare() {
  name=$1 emulator=$2 cpu=$3 binary=$4
  shift 4
  if why=$(qemu32_differs "$name"); then
    skip "$name: $why"
    return
  fi
  run_native "$binary" "$@" > "$tmp/native.out" 2>&1
  native_status=$?
  timeout 120 "$emulator" -cpu "$cpu" "$binary" "$@" > "$tmp/emulated.out" 2>&1
  emulated_status=$?
  if [ "$native_status" = "$emulated_status" ] && cmp -s "$tmp/native.out" "$tmp/emulated.out"; then
    pass
  else
    fail "$name (status native $native_status, emulated $emulated_status)"
    diff "$tmp/native.out" "$tmp/emulated.out" | cut -c1-200 | head -10
  fi
}

# check_mnemonics NAME EMULATOR BINARY: the in_asm log's mnemonic of each
# save-area/group 7/9/15 instruction in main() is objdump's at that address
check_mnemonics() {
  if ! command -v objdump > /dev/null; then skip "$1 mnemonics: no objdump"; return; fi
  timeout 60 "$2" -cpu max,+avx -d in_asm -D "$tmp/in_asm.log" "$3" > /dev/null 2>&1
  objdump -d "$3" | sed -n '/<main>:/,/^$/p' |
    sed -nE 's/^ *([0-9a-f]+):\t([0-9a-f]{2} )+ *\t(f?x(save|rstor|getbv|setbv)[a-z0-9]*|[ls]tmxcsr|[lms]fence|clflush|cmpxchg(8|16)b)( .*)?$/\1 \3/p' |
    sort > "$tmp/objdump.names"
  sed -nE 's/^0x0*([0-9a-f]+):  ([0-9a-f]{2} )+ *(lock )?([^ ]+)$/\1 \4/p' "$tmp/in_asm.log" |
    sort -u > "$tmp/ours.names"
  n=$(wc -l < "$tmp/objdump.names")
  bad=$(join -a 1 -e none -o 0,1.2,2.2 "$tmp/objdump.names" "$tmp/ours.names" | awk '$2 != $3' | head -3 | tr '\n' ';')
  if [ "$n" -lt 10 ]; then
    fail "$1 mnemonics: objdump found only $n of the instructions"
  elif [ -n "$bad" ]; then
    fail "$1 mnemonics (address objdump ours): $bad"
  else
    pass
  fi
}

host_flags=$(grep -m1 '^flags' /proc/cpuinfo)
for feature in xsave xsaveopt xsavec avx; do
  case " $host_flags " in
  *" $feature "*) ;;
  *) skip "the host CPU has no $feature to compare with"; san_check; echo "$passed passed, $failed failed, $skipped skipped"; exit 0 ;;
  esac
done

for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; else cflags="-m32 -msse2"; fi
  if [ ! -x "$emulator" ]; then
    skip "quetzal-$arch not built"
    continue
  fi
  if [ "$arch" = i386 ]; then
    native32_init     # tests/native32.sh: natively, or under qemu-i386
    if [ $native32 = none ]; then
      skip "i386 guest programs: $native32_why"
      continue
    fi
  fi
  for prog in xsave sigymm xsave-model xsaves disas; do
    bin="$tmp/$prog-$arch"
    if ! gcc -O2 -static $cflags -o "$bin" "$SRC/tests/xsave/guest-$prog.c" 2> "$tmp/cc.err"; then
      fail "cannot build $prog for $arch: $(head -1 "$tmp/cc.err")"
      continue
    fi
    case $prog in
    xsave)
      for seed in 1 2 3; do
        compare "$prog-$arch seed $seed" "$emulator" max,+avx "$bin" "$seed"
      done ;;
    sigymm)
      compare "$prog-$arch" "$emulator" max,+avx "$bin" ;;
    xsaves)
      if run_native "$bin" 2>&1 | grep -q "^xsaves offered: 0"; then
        # a hypervisor may hide XSAVES from the host's CPUID: then the SDM's
        # rule (#GP(0) at CPL > 0: SIGSEGV, si_code SI_KERNEL) is the oracle
        printf 'xsaves offered: 1\nxsaves at CPL 3\n  signal 11 code 128\nxrstors at CPL 3\n  signal 11 code 128\n' > "$tmp/sdm.out"
        timeout 60 "$emulator" -cpu max,+avx "$bin" > "$tmp/emulated.out" 2>&1
        if cmp -s "$tmp/sdm.out" "$tmp/emulated.out"; then pass; else
          fail "$prog-$arch (the host hides XSAVES; vs the SDM): $(tr '\n' ' ' < "$tmp/emulated.out")"
        fi
      else
        compare "$prog-$arch" "$emulator" max,+avx "$bin"
      fi ;;
    disas)
      compare "$prog-$arch" "$emulator" max,+avx "$bin"
      check_mnemonics "$prog-$arch" "$emulator" "$bin" ;;
    xsave-model)
      if run_native "$bin" > "$tmp/native.out" 2>&1; then pass; else fail "$prog-$arch natively: $(cat "$tmp/native.out")"; fi
      for cpu in qemu64 max max,+avx quetzal,+avx max,+avx,-xsave; do
        if timeout 60 "$emulator" -cpu "$cpu" "$bin" > "$tmp/emulated.out" 2>&1; then
          pass
        else
          fail "$prog-$arch -cpu $cpu: $(tr '\n' ' ' < "$tmp/emulated.out")"
        fi
      done ;;
    esac
  done
done

# the bare-metal guest: one result per "expect:" name, plus the clean exit
. "$SRC/tests/x87/sys-guests.sh"
run_sys_guest "$SRC/tests/xsave/sys-xsave.S" max,+avx

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
