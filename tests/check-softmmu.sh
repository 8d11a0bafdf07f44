#!/bin/sh
# Softmmu and system-mode execution unit tests: a toy guest with a page table, RAM,
# ROM and MMIO run through cpu_exec in system mode and compared with a C
# interpreter of the same machine (tests/tcg/test-softmmu.c).
bin="$BUILD/tests/tcg/test-softmmu"
if [ ! -x "$bin" ]; then
  echo "check-softmmu: $bin not built (make tests/tcg/test-softmmu)"
  echo "0 passed, 1 failed"
  exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-softmmu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
seed=$(date +%s)
passed=0
failed=0
for s in "" "$seed"; do
  out=$(timeout 120 "$bin" $s 2>&1; echo "exit=$?")
  echo "$out" | grep '^FAIL' | head -20 | sed "s/^/${s:+seed $s: }/"
  p=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p' | tail -1)
  f=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p' | tail -1)
  # a crash leaves no result line: count it as a failure
  [ -n "$p" ] || { echo "test-softmmu ${s:+(seed $s) }crashed: $(echo "$out" | tail -1)"; p=0; f=1; }
  passed=$((passed + p))
  failed=$((failed + f))
done
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
