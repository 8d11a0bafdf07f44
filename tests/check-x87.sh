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
#    with 53-bit precision inside sin, cos, tan, atan ..., printed with %a.
# Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-x87.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

. "$SRC/tests/native-compare.sh"

for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; progs="precision bcd"; else cflags="-m32"; progs="precision bcd libm"; fi
  if [ ! -x "$emulator" ]; then
    skip "quetzal-$arch not built: guest programs"
    continue
  fi
  if [ "$arch" = i386 ]; then
    echo 'int main(void) { return 0; }' > "$tmp/probe32.c"
    if ! gcc -m32 -static -o "$tmp/probe32" "$tmp/probe32.c" 2>/dev/null || ! "$tmp/probe32" 2>/dev/null; then
      skip "i386 guest programs: this host cannot run i386 programs natively (no IA32 emulation or no gcc-multilib)"
      continue
    fi
  fi
  for prog in $progs; do
    bin="$tmp/$prog-$arch"
    if ! gcc -O2 -static $cflags -o "$bin" "$SRC/tests/x87/guest-$prog.c" -lm 2> "$tmp/cc.err"; then
      fail "cannot build $prog for $arch: $(head -1 "$tmp/cc.err")"
      continue
    fi
    for seed in 1 2 3; do
      case $prog in
      precision) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 150 ;;
      bcd) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 500 ;;
      libm) run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed" 1500 ;;
      esac
    done
  done
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
