#!/bin/sh
# MMX suite: guest programs built at test time run natively and under
# quetzal-x86_64 / quetzal-i386 with outputs and exit statuses compared:
# every MMX instruction on random and boundary inputs (register and memory
# forms), the MMX/x87 aliasing through FNSAVE/FXSAVE/FRSTOR/FXRSTOR/EMMS and
# x87 code after EMMS, CPUID's MMX bit, and the encodings that raise #UD.
# Then a bare-metal guest under quetzal-system-x86_64 (tests/mmx/sys-*.S, built
# with tests/system-guest's lib.S and image.ld): #UD with CR0.EM, #NM with
# CR0.TS, CR4.OSFXSR, aliasing and CPUID in system mode, checked against the
# SDM's exception tables (QEMU's TCG misses several of these, so it cannot be
# the oracle there). Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-mmx.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

. "$SRC/tests/native-compare.sh"

for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; else cflags="-m32 -msse2"; fi
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
  if ! grep -qw mmx /proc/cpuinfo; then
    skip "$arch guest programs: the host CPU has no MMX to compare with"
    continue
  fi
  for prog in mmx x87-alias mmx-faults; do
    src="$SRC/tests/mmx/guest-$prog.c"
    bin="$tmp/$prog-$arch"
    if ! gcc -O2 -static $cflags -o "$bin" "$src" 2> "$tmp/cc.err"; then
      skip "cannot build $prog for $arch: $(head -1 "$tmp/cc.err")"
      continue
    fi
    case $prog in
    mmx)
      for seed in 1 2 3; do
        run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed"
      done ;;
    mmx-faults)
      # one process per case: each exits or dies of its signal, natively and emulated
      case_number=0
      while run_native "$bin" "$case_number" > /dev/null 2>&1; [ $? != 3 ]; do
        run_guest "$prog-$arch case $case_number" "$emulator" "$bin" "$case_number"
        case_number=$((case_number + 1))
      done ;;
    *)
      run_guest "$prog-$arch" "$emulator" "$bin" ;;
    esac
  done
done

# bare-metal guests: one result per "expect:" name, plus the clean exit
. "$SRC/tests/x87/sys-guests.sh"
for src in "$SRC"/tests/mmx/sys-*.S; do
  run_sys_guest "$src"
done

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
