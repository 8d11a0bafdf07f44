#!/bin/sh
# Translator and execution-layer unit tests: IR functions compiled to x86-64 code
# and compared with C's own arithmetic; a toy guest run through cpu_exec and
# compared with a C interpreter of the same program.
bin="$BUILD/tests/tcg/test-tcg"
if [ ! -x "$bin" ]; then
  echo "check-tcg: $bin not built (make tests/tcg/test-tcg)"
  echo "0 passed, 1 failed"
  exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-tcg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
# a fixed seed and one from the clock: the second widens coverage run by run
seed=$(date +%s)
out=$(timeout 120 "$bin" 2>&1; echo "exit=$?")
echo "$out" | grep -v '^exit=' | grep -v ' passed, ' | head -40
p1=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p' | tail -1)
f1=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p' | tail -1)
out2=$(timeout 120 "$bin" "$seed" 2>&1; echo "exit=$?")
echo "$out2" | grep '^FAIL' | head -20 | sed "s/^/seed $seed: /"
p2=$(echo "$out2" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p' | tail -1)
f2=$(echo "$out2" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p' | tail -1)
# a crash leaves no result line: count it as a failure
[ -n "$p1" ] || { echo "test-tcg crashed: $(echo "$out" | tail -1)"; p1=0; f1=1; }
[ -n "$p2" ] || { echo "test-tcg (seed $seed) crashed: $(echo "$out2" | tail -1)"; p2=0; f2=1; }
passed=$((p1 + p2))
failed=$((f1 + f2))
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
