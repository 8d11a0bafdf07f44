#!/bin/sh
# SSE/SSE2/SSE3/SSSE3/SSE4 suite: the helpers against the host's instructions
# (native unit test), then small static programs using SSE2, SSE3 and SSSE3
# intrinsics and glibc's string functions (which pick SSSE3 variants by CPUID),
# then every SSE4.1/SSE4.2/AES-NI/PCLMULQDQ/CRC32/MOVBE/BMI1/BMI2/ADX/SHA instruction under
# -cpu max and their #UD under -cpu qemu64, the AVX/AVX2 subset so far under
# -cpu max,+avx,+avx2, run natively and under
# quetzal-x86_64 / quetzal-i386 with outputs compared. Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-sse.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

# 1. native unit test of the helpers: counts as one result per helper
if [ -x "$BUILD/tests/sse/sse-helper-test" ]; then
  out=$("$BUILD/tests/sse/sse-helper-test" 20000)
  echo "$out" | grep '^FAIL' | head -20
  line=$(echo "$out" | tail -1)
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
  f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
  if [ -n "$p" ]; then
    passed=$((passed + p)); failed=$((failed + f))
    echo "helper unit test: $line"
  else
    fail "sse-helper-test printed no result"
  fi
else
  fail "sse-helper-test not built"
fi

# 1b. the portable C of the AES-NI/PCLMULQDQ/SHA/CRC32 helpers (which this host
# does not run: it uses its own instructions) against the host's instructions
if [ -x "$BUILD/tests/sse/sse4-portable-test" ]; then
  out=$("$BUILD/tests/sse/sse4-portable-test" 20000)
  echo "$out" | grep '^FAIL' | head -20
  line=$(echo "$out" | tail -1)
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
  f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
  if echo "$out" | grep -q '^skipped:'; then
    skip "sse4-portable-test: $(echo "$out" | sed -n 's/^skipped: //p')"
  elif [ -n "$p" ]; then
    passed=$((passed + p)); failed=$((failed + f))
    echo "portable SSE4/AES helper test: $line"
  else
    fail "sse4-portable-test printed no result"
  fi
else
  fail "sse4-portable-test not built"
fi

# 2. guest programs, native output against the emulator's
. "$SRC/tests/native-compare.sh"

# run_same_variants NAME TUNABLES EMULATOR BINARY ARGS...: run_guest with glibc
# told (GLIBC_TUNABLES) to drop the features the emulated CPU lacks, on both
# sides: the emulated side then runs glibc's tunable parser too (it read past
# the top of the stack before the stack had Linux's 8 zero bytes there).
run_same_variants() {
  name=$1 tunables=$2 emulator=$3 binary=$4
  shift 4
  (export GLIBC_TUNABLES="$tunables"; run_native "$binary" "$@") > "$tmp/native.out" 2>&1
  native_status=$?
  qemu32_clean "$tmp/native.out"
  GLIBC_TUNABLES="$tunables" timeout 60 "$emulator" "$binary" "$@" > "$tmp/emulated.out" 2>&1
  emulated_status=$?
  if [ "$native_status" = "$emulated_status" ] && cmp -s "$tmp/native.out" "$tmp/emulated.out"; then
    pass
  else
    fail "$name (status native $native_status, emulated $emulated_status)"
    diff "$tmp/native.out" "$tmp/emulated.out" | head -10
  fi
}

for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; else cflags="-m32 -msse2 -mfpmath=sse"; fi
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
  # guest-float prints doubles, which 32-bit glibc does with x87: 64-bit only
  progs="intrinsics ssse3 strings faults"
  [ "$arch" = x86_64 ] && progs="$progs float"
  for prog in $progs; do
    src="$SRC/tests/sse/guest-$prog.c"
    bin="$tmp/$prog-$arch"
    extra=
    [ "$prog" = ssse3 ] && extra=-mssse3
    if ! gcc -O2 -static $cflags $extra -o "$bin" "$src" -lm 2> "$tmp/cc.err"; then
      skip "cannot build $prog for $arch: $(head -1 "$tmp/cc.err")"
      continue
    fi
    if [ "$prog" = faults ]; then
      # one process per case: each dies of its signal, natively and emulated
      case_number=0
      while run_native "$bin" "$case_number" > /dev/null 2>&1; [ $? != 3 ]; do
        run_guest "$prog-$arch case $case_number" "$emulator" "$bin" "$case_number"
        case_number=$((case_number + 1))
      done
    else
      for seed in 1 2 3; do
        run_guest "$prog-$arch seed $seed" "$emulator" "$bin" "$seed"
      done
    fi
    if [ "$prog" = strings ]; then
      # glibc picks its variants (SSE2, SSSE3, AVX2...) by CPUID: with the
      # host's extra features masked, the native run executes the variants the
      # emulated CPU gets, and their exact memcmp values are compared too
      if gcc -O2 -static $cflags -o "$tmp/probe-$arch" "$SRC/tests/sse/probe-features.c" \
           2> "$tmp/cc.err" && mask=$("$emulator" "$tmp/probe-$arch"); then
        for seed in 4 5; do
          run_same_variants "$prog-$arch seed $seed, emulated CPU's variants" "$mask" \
            "$emulator" "$bin" "$seed" raw
        done
      else
        fail "probe-features for $arch: $(head -1 "$tmp/cc.err")"
      fi
    fi
  done
done

# 3. SSE4.1, SSE4.2, AES-NI, PCLMULQDQ, CRC32, MOVBE, BMI1/BMI2, ADX, SHA: every instruction and
# immediate under -cpu max (which advertises them; qemu64, as QEMU's, does not)
# against the host, and #UD exactly where the model's CPUID bit is clear
missing=
for feature in sse4_1 sse4_2 aes pclmulqdq movbe bmi1 bmi2 adx sha_ni; do
  grep -qw "$feature" /proc/cpuinfo || missing="$missing $feature"
done
for arch in x86_64 i386; do
  emulator="$BUILD/quetzal-$arch"
  if [ "$arch" = x86_64 ]; then cflags="-m64"; else cflags="-m32 -msse2"; fi
  if [ ! -x "$emulator" ]; then
    skip "quetzal-$arch not built: SSE4 programs"
    continue
  fi
  if [ -n "$missing" ]; then
    skip "SSE4/AES programs for $arch: the host CPU lacks$missing (no oracle)"
    continue
  fi
  if [ "$arch" = i386 ] && [ "$native32" = none ]; then
    skip "SSE4 i386 programs: $native32_why"
    continue
  fi
  printf '#!/bin/sh\nexec "%s" -cpu max "$@"\n' "$emulator" > "$tmp/max-$arch"
  chmod +x "$tmp/max-$arch"
  if gcc -O2 -static $cflags -msse4.2 -maes -mpclmul -msha -mmovbe -mno-red-zone \
       -o "$tmp/sse4-$arch" "$SRC/tests/sse/guest-sse4.c" 2> "$tmp/cc.err"; then
    for seed in 1 2 3; do
      run_guest "sse4-$arch seed $seed (-cpu max)" "$tmp/max-$arch" "$tmp/sse4-$arch" "$seed"
    done
  else
    fail "cannot build guest-sse4 for $arch: $(head -1 "$tmp/cc.err")"
  fi
  # faults (alignment, #UD forms, unmasked #XM): one process per case
  if gcc -O2 -static $cflags -o "$tmp/faults4-$arch" "$SRC/tests/sse/guest-faults-sse4.c" \
       2> "$tmp/cc.err"; then
    case_number=0
    while run_native "$tmp/faults4-$arch" "$case_number" > /dev/null 2>&1; [ $? != 3 ]; do
      run_guest "faults-sse4-$arch case $case_number (-cpu max)" "$tmp/max-$arch" \
        "$tmp/faults4-$arch" "$case_number"
      case_number=$((case_number + 1))
    done
  else
    fail "cannot build guest-faults-sse4 for $arch: $(head -1 "$tmp/cc.err")"
  fi
  if gcc -O2 -static $cflags -mbmi -mbmi2 -madx -mno-red-zone -o "$tmp/bmi-$arch" \
       "$SRC/tests/sse/guest-bmi.c" 2> "$tmp/cc.err"; then
    for seed in 1 2; do
      run_guest "bmi-$arch seed $seed (-cpu max)" "$tmp/max-$arch" "$tmp/bmi-$arch" "$seed"
    done
  else
    fail "cannot build guest-bmi for $arch: $(head -1 "$tmp/cc.err")"
  fi
  # AVX/AVX2 under -cpu max (which has them); a model without them (max,-avx,
  # -avx2) raises #UD at the first one
  if grep -qw avx2 /proc/cpuinfo; then
    if gcc -O2 -static $cflags -o "$tmp/avx-$arch" "$SRC/tests/sse/guest-avx.c" 2> "$tmp/cc.err"; then
      printf '#!/bin/sh\nexec "%s" -cpu max "$@"\n' "$emulator" > "$tmp/avx-emu-$arch"
      chmod +x "$tmp/avx-emu-$arch"
      for seed in 1 2; do
        run_guest "avx-$arch seed $seed (-cpu max)" "$tmp/avx-emu-$arch" \
          "$tmp/avx-$arch" "$seed"
      done
      "$emulator" -cpu max,-avx,-avx2 "$tmp/avx-$arch" 1 > /dev/null 2>&1
      status=$?
      if [ "$status" = 132 ]; then pass; else fail "avx-$arch under -cpu max,-avx,-avx2: status $status, not SIGILL"; fi
    else
      fail "cannot build guest-avx for $arch: $(head -1 "$tmp/cc.err")"
    fi
  else
    skip "AVX programs for $arch: the host CPU lacks AVX2 (no oracle)"
  fi
  # glibc's string functions take their SSE4.2 variants (PCMPxSTRx) under max
  if [ -x "$tmp/strings-$arch" ] && [ -x "$tmp/probe-$arch" ] &&
     mask=$("$tmp/max-$arch" "$tmp/probe-$arch"); then
    run_guest "strings-$arch seed 1 (-cpu max)" "$tmp/max-$arch" "$tmp/strings-$arch" 1
    run_same_variants "strings-$arch seed 4 (-cpu max), emulated CPU's variants" "$mask" \
      "$tmp/max-$arch" "$tmp/strings-$arch" 4 raw
    # dynamically linked: ld.so checks the CPU's ISA level, libc's ifuncs pick
    # by the features it read (glibc reads them only for vendors it knows)
    if [ "$arch" = x86_64 ] &&
       gcc -O2 -o "$tmp/strings-dyn" "$SRC/tests/sse/guest-strings.c" 2> "$tmp/cc.err"; then
      run_guest "strings-dyn seed 2 (-cpu max)" "$tmp/max-$arch" "$tmp/strings-dyn" 2
      run_same_variants "strings-dyn seed 5 (-cpu max), emulated CPU's variants" "$mask" \
        "$tmp/max-$arch" "$tmp/strings-dyn" 5 raw
    fi
  fi
  # OpenSSL picks AES-NI, PCLMULQDQ (GCM) and SHA-NI code by CPUID under max
  if [ "$arch" = x86_64 ] && command -v openssl > /dev/null; then
    head -c 300000 /dev/urandom > "$tmp/data.bin"
    for openssl_args in "dgst -sha1 -r" "dgst -sha256 -r" \
        "enc -aes-128-gcm -K 000102030405060708090a0b0c0d0e0f -iv 000102030405060708090a0b -in" \
        "enc -aes-256-cbc -K 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f -iv 000102030405060708090a0b0c0d0e0f -in"; do
      # shellcheck disable=SC2086
      run_guest "openssl $openssl_args (-cpu max)" "$tmp/max-$arch" "$(command -v openssl)" \
        $openssl_args "$tmp/data.bin"
    done
  fi
  if ! gcc -O2 -static $cflags -o "$tmp/ud-$arch" "$SRC/tests/sse/guest-cpuid-ud.c" \
       2> "$tmp/cc.err"; then
    fail "cannot build guest-cpuid-ud for $arch: $(head -1 "$tmp/cc.err")"
    continue
  fi
  # the program checks that each instruction runs exactly when CPUID has its
  # bit; qemu64 must have none of the bits, max all of them
  for model in qemu64 max; do
    out=$("$emulator" -cpu "$model" "$tmp/ud-$arch" 2>&1)
    status=$?
    want=1
    [ "$model" = qemu64 ] && want=0
    # (the malformed VEX lines say "never": the status covers them)
    wrong=$(echo "$out" | grep -v " never ran=0" | grep -v "cpuid=$want ran=$want")
    if [ "$status" = 0 ] && [ -z "$wrong" ]; then
      pass
    else
      fail "cpuid-ud-$arch -cpu $model (status $status)"
      echo "$wrong" | head -5
    fi
  done
  if run_native "$tmp/ud-$arch" > /dev/null; then pass; else fail "cpuid-ud-$arch natively"; fi
  # QEMU's feature options: -cpu qemu64,+sse4.1,sse4_2=on and -cpu max,-aes
  for spec in "qemu64,+sse4.1,sse4_2=on:pcmpistri cpuid=1 ran=1:aesenc cpuid=0 ran=0" \
              "max,-aes:aesenc cpuid=0 ran=0:pclmulqdq cpuid=1 ran=1"; do
    model=${spec%%:*} rest=${spec#*:}
    out=$("$emulator" -cpu "$model" "$tmp/ud-$arch" 2>&1)
    status=$?
    if [ "$status" = 0 ] && echo "$out" | grep -qx "${rest%%:*}" &&
       echo "$out" | grep -qx "${rest#*:}"; then
      pass
    else
      fail "cpuid-ud-$arch -cpu $model (status $status)"
    fi
  done
done

# 3. a fault (SIGSEGV) in the middle of a run of vector instructions: the XMM/YMM
# registers and MXCSR flags the handler reads from its ucontext, against native;
# SIGALRM landing in a vector loop sees an instruction boundary's state
if gcc -O2 -static -o "$tmp/vec-fault" "$SRC/tests/sse/guest-vec-fault.c" 2> "$tmp/cc.err"; then
  run_guest "vec-fault (SSE)" "$BUILD/quetzal-x86_64" "$tmp/vec-fault"
  if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    printf '#!/bin/sh\nexec "%s" -cpu max "$@"\n' "$BUILD/quetzal-x86_64" > "$tmp/vf-max"
    chmod +x "$tmp/vf-max"
    run_guest "vec-fault (AVX2/FMA, -cpu max)" "$tmp/vf-max" "$tmp/vec-fault" avx
  else
    skip "vec-fault AVX2/FMA cases: the host has no AVX2/FMA to run them natively"
  fi
else
  fail "cannot build guest-vec-fault: $(head -1 "$tmp/cc.err")"
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
