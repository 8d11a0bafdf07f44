#!/bin/sh
# The translator unit tests over many random seeds (random IR programs, random
# operands): the same oracles as check-tcg, far more inputs.
bin="$BUILD/tests/tcg/test-tcg"
if [ ! -x "$bin" ]; then
  echo "slow-tcg: $bin not built (make tests/tcg/test-tcg)"
  echo "0 passed, 1 failed"
  exit 1
fi
passed=0 failed=0
seeds=${TCG_SEEDS:-200}
i=1
while [ $i -le "$seeds" ]; do
  seed=$((i * 2654435761 % 4294967291))
  out=$(timeout 120 "$bin" "$seed" 2>&1)
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -z "$line" ]; then
    echo "seed $seed: crashed: $(echo "$out" | tail -1)"
    failed=$((failed + 1))
  else
    echo "$out" | grep '^FAIL' | head -5 | sed "s/^/seed $seed: /"
    passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
  fi
  i=$((i + 1))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
