#!/bin/sh
# AVX/AVX2/FMA3/F16C suite (tests/avx/): the portable FMA3/F16C helper C
# against this host's instructions (native unit test), then guest programs run
# natively and under quetzal-x86_64 / quetzal-i386 -cpu max,+avx,+avx2,+fma,+f16c
# with outputs compared: guest-avx2 (every instruction form from random states
# with special values and random MXCSR; one result per form), guest-avx-faults
# (masked moves over a guard page, gather progress at a fault, 67h gathers
# with FS above 4 GiB, #UD/#GP/#XM), VPERMQ/VPERMPD VEX.W0 #UD (the SDM's rule),
# guest-kernels (-O3 -march=x86-64-v3 numeric and integer kernels), and #UD
# for models without the extensions; then a bare-metal guest under
# quetzal-system-x86_64 (#NM for VEX instructions with CR0.TS). Skipped with the reason on a host without
# AVX2/FMA/F16C. Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-avx.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
finish() { san_check; echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit; }

for flag in avx2 fma f16c; do
  if ! grep -qw "$flag" /proc/cpuinfo; then
    skip "this host has no $flag: nothing to compare the emulator with"
    finish
  fi
done

# 1. the portable helper C against the host's instructions
if [ -x "$BUILD/tests/avx/fma-portable-test" ]; then
  out=$("$BUILD/tests/avx/fma-portable-test" 100000)
  echo "$out" | grep '^FAIL' | head -10
  line=$(echo "$out" | tail -1)
  if echo "$line" | grep -q '^[0-9]* passed, 0 failed$'; then
    pass
    echo "portable FMA3/F16C helpers: $line"
  else
    fail "portable FMA3/F16C helpers: $line"
  fi
else
  fail "tests/avx/fma-portable-test not built"
fi

. "$SRC/tests/native-compare.sh"
model="max,+avx,+avx2,+fma,+f16c"

# compare_lines NAME: one result per line of native.out, the emulated line
# must be the same (guest-avx2 prints one line per instruction form)
compare_lines() {
  if [ "$native_status" != "$emulated_status" ]; then
    fail "$1: status native $native_status, emulated $emulated_status"
    tail -3 "$tmp/emulated.out"
    return
  fi
  same=$(grep -cxFf "$tmp/native.out" "$tmp/emulated.out")
  total=$(wc -l < "$tmp/native.out")
  passed=$((passed + same))
  if [ "$same" != "$total" ]; then
    failed=$((failed + total - same))
    echo "FAIL: $1: $((total - same)) of $total forms differ (replay: guest-avx2 SEED NAME verbose):"
    diff "$tmp/native.out" "$tmp/emulated.out" | grep '^>' | head -10
  fi
}

for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; else cflags="-m32"; fi
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
  printf '#!/bin/sh\nexec "%s" -cpu %s "$@"\n' "$emulator" "$model" > "$tmp/emu-$arch"
  chmod +x "$tmp/emu-$arch"

  # guest-avx2: every form, three seeds (two for i386)
  bin="$tmp/avx2-$arch"
  if gcc -O2 -static $cflags -mavx2 -mfma -mf16c -I"$SRC/tests/avx" -o "$bin" \
       "$SRC/tests/avx/guest-avx2.c" 2> "$tmp/cc.err"; then
    seeds="1 2 3"
    [ "$arch" = i386 ] && seeds="4 5"
    for seed in $seeds; do
      if why=$(qemu32_differs "guest-avx2 $arch seed $seed"); then
        skip "guest-avx2 $arch seed $seed: $why"
        continue
      fi
      run_native "$bin" "$seed" > "$tmp/native.out" 2>&1
      native_status=$?
      timeout 120 "$tmp/emu-$arch" "$bin" "$seed" > "$tmp/emulated.out" 2>&1
      emulated_status=$?
      compare_lines "guest-avx2 $arch seed $seed"
    done
    # models without the extensions: #UD (SIGILL) at the first such form
    for case in "max,-avx,-avx2,-fma,-f16c vpermd" "max,-avx2 vpermd" "max,-fma vfmadd231ps_y" \
                "max,-f16c vcvtph2ps_y" "qemu64,+avx2,+fma vpsllvd_x"; do
      set -- $case
      timeout 60 "$emulator" -cpu "$1" "$bin" 1 "$2" > /dev/null 2>&1
      status=$?
      if [ "$status" = 132 ]; then pass; else fail "$2 under -cpu $1: status $status, not SIGILL"; fi
    done
  else
    fail "cannot build guest-avx2 for $arch: $(head -1 "$tmp/cc.err")"
  fi

  # guest-kernels: the compiler's own x86-64-v3 code
  bin="$tmp/kernels-$arch"
  if gcc -O3 -march=x86-64-v3 -static $cflags -o "$bin" "$SRC/tests/avx/guest-kernels.c" \
       2> "$tmp/cc.err"; then
    for seed in 1 2; do
      run_guest "guest-kernels $arch seed $seed" "$tmp/emu-$arch" "$bin" "$seed"
    done
  else
    fail "cannot build guest-kernels for $arch: $(head -1 "$tmp/cc.err")"
  fi

  # guest-avx-faults reads the 64-bit signal frame
  if [ "$arch" = x86_64 ]; then
    bin="$tmp/faults-$arch"
    if gcc -O1 -static -mavx2 -mfma -o "$bin" "$SRC/tests/avx/guest-avx-faults.c" \
         2> "$tmp/cc.err"; then
      run_guest "guest-avx-faults $arch" "$tmp/emu-$arch" "$bin"
    else
      fail "cannot build guest-avx-faults: $(head -1 "$tmp/cc.err")"
    fi
    # VPERMQ/VPERMPD with VEX.W0 (VEX.256.66.0F3A.W0 00/01): #UD by the SDM,
    # which the emulator follows; this AMD host runs them, so the SDM is the
    # oracle here, not the host
    for op in 0x00 0x01; do
      printf 'int main(void) { __asm__ volatile(".byte 0xc4, 0xe3, 0x7d, %s, 0xd1, 0x1b" ::: "xmm2"); return 0; }\n' \
        "$op" > "$tmp/vpermw0.c"
      if gcc -static -o "$tmp/vpermw0" "$tmp/vpermw0.c" 2> "$tmp/cc.err"; then
        timeout 60 "$tmp/emu-$arch" "$tmp/vpermw0" > /dev/null 2>&1
        status=$?
        if [ "$status" = 132 ]; then pass; else fail "VEX.W0 0F3A $op: status $status, not SIGILL"; fi
      else
        fail "cannot build the VEX.W0 VPERMQ test: $(head -1 "$tmp/cc.err")"
      fi
    done
  fi
done

# bare-metal guests (tests/avx/sys-*.S): one result per "expect:" name, plus the clean exit
. "$SRC/tests/x87/sys-guests.sh"
for src in "$SRC"/tests/avx/sys-*.S; do
  run_sys_guest "$src" "$model"
done

finish
