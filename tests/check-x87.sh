#!/bin/sh
# x87 suite: guest programs built at test time (gcc -m64 and -m32) run
# natively and under quetzal-x86_64 / quetzal-i386, stdout and exit status
# compared:
#  - tests/x87/guest-precision.c: every precision/rounding control word, the
#    arithmetic instructions on random and edge operands, raw 80-bit results
#    and exception flags (SDM vol. 1, 8.1.5);
#  - tests/x87/guest-bcd.c: FBLD/FBSTP (packed BCD) on random and edge
#    operands under each rounding control;
#  - tests/x87/guest-libm.c (i386 only): glibc's libm, which runs on the x87
#    with 53-bit precision inside sin, cos, tan, atan ..., printed with %a;
#  - tests/x87/guest-env.c: C1 in FNSTENV/FNSAVE and after stores, DE/IE of
#    m32fp/m64fp operands, FNDISI/FNENI/FNSETPM, SALC (#UD in 64-bit mode);
#  - tests/x87/guest-fpptr.c (-cpu max): FOP, FIP, FCS, FDP, FDS in FNSTENV
#    (32- and 16-bit forms), FLDENV/FRSTOR, FXSAVE/XSAVE (and REX.W forms)
#    with and without a pending unmasked exception, FXRSTOR;
#  - tests/x87/guest-sigfpe.c: unmasked x87 and SSE exceptions (and the
#    #MF an MMX instruction takes for a pending x87 one), the SIGFPE
#    si_code, si_addr, trap number and the frame's status word and MXCSR,
#    the registers an unmasked exception leaves;
#  - tests/x87/guest-unmasked.c: what an unmasked exception leaves: no
#    store by FST/FIST/FISTTP/FBSTP on IE, OE or UE, the bias-adjusted
#    results of FSCALE and the transcendental instructions;
#  - tests/x87/guest-fmod.c: fmod/fmodl/remainderl of huge by tiny operands
#    (FPREM/FPREM1 partial-remainder loops), under run_guest's time limit;
#  - tests/x87/guest-transc.c: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS,
#    FPTAN, FSINCOS, FPREM, FPREM1, FSCALE, FXTRACT, FXAM and the constant
#    loads on random, tiny and special operands
#    under every control word, judged by tests/x87/x87-compare.c, bit for
#    bit; the portable F2XM1/FYL2X/FYL2XP1/FPATAN/FSIN/FCOS/FPTAN/FSINCOS of
#    x87-transc.c (non-x86 hosts, or an x86 build with -DX87_PORTABLE)
#    against the host's instructions, correctly rounded where those are not.
# Then the bare-metal guests tests/x87/sys-*.S (quetzal-system-x86_64,
# against the SDM): sys-x87-real, the real-address mode layouts of
# FNSTENV/FNSAVE/FLDENV/FRSTOR; sys-ferr, CR0.NE = 0: FERR# through IRQ 13.
# Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-x87.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

. "$SRC/tests/native-compare.sh"

for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; progs="precision bcd fmod env fpptr sigfpe unmasked"; else cflags="-m32"; progs="precision bcd libm fmod env fpptr sigfpe unmasked"; fi
  if [ ! -x "$emulator" ]; then
    skip "quetzal-$arch not built: guest programs"
    continue
  fi
  if [ "$arch" = i386 ]; then
    native32_init     # tests/native32.sh: natively, or under qemu-i386
    if [ $native32 = none ]; then
      skip "i386 guest programs: $native32_why"
      continue
    fi
  fi
  printf '#!/bin/sh\nexec "%s" -cpu max "$@"\n' "$emulator" > "$tmp/max-$arch"
  chmod +x "$tmp/max-$arch"
  for prog in $progs; do
    bin="$tmp/$prog-$arch"
    extra=""
    [ "$prog" = sigfpe ] && extra="-msse2"     # its SSE cases name XMM registers
    if ! gcc -O2 -static $cflags $extra -o "$bin" "$SRC/tests/x87/guest-$prog.c" -lm 2> "$tmp/cc.err"; then
      fail "cannot build $prog for $arch: $(head -1 "$tmp/cc.err")"
      continue
    fi
    for seed in 1 2 3; do
      case $prog in
      precision) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 150 ;;
      bcd) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 500 ;;
      libm) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 1500 ;;
      fmod) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 3000 ;;
      env|sigfpe|unmasked) [ "$seed" = 1 ] && run_guest "$prog-$arch" "$emulator" "$bin" ;;
      fpptr) [ "$seed" = 1 ] && run_guest "$prog-$arch" "$tmp/max-$arch" "$bin" ;;
      esac
    done
  done
done

# the transcendental comparator runs on the host and needs libquadmath
judged="f2xm1 fyl2x fyl2xp1 fpatan fsin fcos fptan fsincos fprem fprem1 fscale fxtract fxam fld1 fldl2t fldl2e fldpi fldlg2 fldln2 fldz"
if ! gcc -O2 -o "$tmp/x87-compare" "$SRC/tests/x87/x87-compare.c" -lquadmath 2> "$tmp/cc.err"; then
  skip "guest-transc: cannot build the comparator with libquadmath: $(head -1 "$tmp/cc.err")"
else
  # the portable evaluation (non-x86 hosts) against the host's instructions
  if gcc -O2 -DSOFT -I"$SRC" -o "$tmp/transc-soft" "$SRC/tests/x87/guest-transc.c" \
       "$SRC/target-i386/x87-transc.c" 2> "$tmp/cc.err"; then
    for seed in 1 2 3; do
      "$tmp/transc-soft" $seed 300 > "$tmp/soft.out" 2>&1
      [ -x "$tmp/transc-host" ] || gcc -O2 -o "$tmp/transc-host" "$SRC/tests/x87/guest-transc.c"
      "$tmp/transc-host" $seed 300 > "$tmp/native.out" 2>&1
      if "$tmp/x87-compare" "$tmp/native.out" "$tmp/soft.out" f2xm1 fyl2x fyl2xp1 fpatan fsin fcos fptan \
         fsincos > "$tmp/cmp.out"; then
        pass
        echo "transc portable seed $seed: $(tail -1 "$tmp/cmp.out")"
      else
        fail "transc portable seed $seed"
        cat "$tmp/cmp.out"
      fi
    done
  else
    fail "cannot build the portable transcendental test: $(head -1 "$tmp/cc.err")"
  fi
  for arch in x86_64 i386; do
    emulator="$BUILD/quetzal-$arch"
    [ -x "$emulator" ] || { skip "quetzal-$arch not built: guest-transc"; continue; }
    cflags=-m64
    [ "$arch" = i386 ] && cflags=-m32
    bin="$tmp/transc-$arch"
    if ! gcc -O2 -static $cflags -o "$bin" "$SRC/tests/x87/guest-transc.c" 2> "$tmp/cc.err" ||
       ! "$bin" 1 1 > /dev/null 2>&1; then
      skip "guest-transc for $arch: cannot build or run it natively"
      continue
    fi
    for seed in 1 2; do
      "$bin" $seed 150 > "$tmp/native.out" 2>&1
      timeout 120 "$emulator" "$bin" $seed 150 > "$tmp/emulated.out" 2>&1
      if "$tmp/x87-compare" "$tmp/native.out" "$tmp/emulated.out" $judged > "$tmp/cmp.out"; then
        pass
        echo "transc-$arch seed $seed: $(tail -1 "$tmp/cmp.out")"
      else
        fail "transc-$arch seed $seed"
        cat "$tmp/cmp.out"
      fi
    done
  done
fi

# bare-metal guests (tests/x87/sys-*.S), judged by the SDM
. "$SRC/tests/x87/sys-guests.sh"
for src in "$SRC"/tests/x87/sys-*.S; do
  run_sys_guest "$src"
done

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
