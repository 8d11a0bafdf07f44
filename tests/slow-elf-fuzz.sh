#!/bin/sh
# Mutation fuzzing of the ELF loader: random mutations of a small valid program
# (headers and program headers; its code is all INT3) for a bounded time
# (QUETZAL_FUZZ_SECONDS, default 120, split between the two emulators).
# A mutation passes when the emulator rejects the file with one line naming it
# and exit status 1, or runs it and the guest ends (by a signal or exit)
# without an internal error or sanitizer report.
BUILD=${BUILD:-.}
SRC=${SRC:-.}
seconds=${QUETZAL_FUZZ_SECONDS:-120}
passed=0 failed=0
tmp=$(mktemp -d /tmp/quetzal-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ulimit -c 0

if ! gcc -O2 -o "$tmp/elf-gen" "$SRC/tests/user/elf-gen.c"; then
  echo "0 passed, 1 failed"
  exit 1
fi
mkdir -p "$tmp/run"
for bits in 64 32; do
  emulator=quetzal-x86_64
  [ $bits = 32 ] && emulator=quetzal-i386
  if [ ! -x "$BUILD/$emulator" ]; then
    echo "FAIL $emulator not built"
    failed=$((failed + 1))
    continue
  fi
  end=$(($(date +%s) + seconds / 2))
  seed=1
  while [ "$(date +%s)" -lt $end ]; do
    file=$tmp/fuzz-$bits
    "$tmp/elf-gen" $bits fuzz "$file" $seed && chmod +x "$file"
    (cd "$tmp/run" && timeout 5 "$BUILD/$emulator" "$file" </dev/null >/dev/null 2>"$tmp/err"
     echo $? >"$tmp/status") 2>/dev/null
    status=$(cat "$tmp/status")
    problem=""
    if grep -qiE 'internal error|sanitizer|runtime error' "$tmp/err"; then
      problem=$(grep -iE 'internal error|sanitizer|runtime error' "$tmp/err" | head -1)
    elif [ $status = 1 ] && { [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -qF "$file" "$tmp/err"; }; then
      problem="rejected without a one-line message naming the file"
    fi
    if [ -n "$problem" ]; then
      failed=$((failed + 1))
      cp "$file" "$tmp/../quetzal-fuzz-failure-$bits-$seed" 2>/dev/null
      echo "FAIL $emulator seed $seed (elf-gen $bits fuzz FILE $seed): $problem"
    else
      passed=$((passed + 1))
    fi
    rm -rf "$tmp/run"/* 2>/dev/null
    seed=$((seed + 1))
  done
  echo "$emulator: $((seed - 1)) mutated files"
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
