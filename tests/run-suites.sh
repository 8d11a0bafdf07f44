#!/bin/sh
# Runs every suite of one kind (check: tests/check-*.sh, slow: tests/slow-*.sh).
# Each suite prints lines and ends with "N passed, N failed[, N skipped]";
# this adds them up and ends with the same line for the whole run.
# Exit status: 0 when nothing failed.
kind=$1
passed=0 failed=0 skipped=0
for suite in "$SRC"/tests/$kind-*.sh; do
  [ -e "$suite" ] || continue
  name=$(basename "$suite" .sh)
  echo "=== $name"
  out=$(mktemp)
  start=$(date +%s)
  BUILD=$BUILD SRC=$SRC sh "$suite" 2>&1 | tee "$out"
  echo "=== $name took $(( $(date +%s) - start )) s"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  rm -f "$out"
  if [ -z "$line" ]; then
    echo "$name: no result line (counted as 1 failure)"
    failed=$((failed + 1))
    continue
  fi
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
