#!/bin/sh
# Local APIC, I/O APIC and HPET: unit tests (tests/hw/apic-test.c, registers
# programmed like a guest driver on a fake bus with a hand-advanced clock), and
# register scripts whose answers must equal those QEMU 7.2 gave
# (tests/hw/apic-qtest-scripts/*.qt and *.expected, one check per line).
bin="$BUILD/tests/hw/apic-test"
qt="$BUILD/tests/hw/apic-qtest"
passed=0 failed=0
sdir=$(mktemp -d "${TMPDIR:-/tmp}/check-hw-apic.XXXXXX")
trap 'rm -rf "$sdir"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$sdir"
if [ -x "$bin" ]; then
  out=$(timeout 60 "$bin" 2>&1; echo "exit=$?")
  echo "$out" | grep -v '^exit=' | grep -v ' passed, ' | head -40
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -n "$line" ]; then
    passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    failed=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  else
    echo "apic-test crashed: $(echo "$out" | tail -1)"
    failed=1
  fi
else
  echo "check-hw-apic: $bin not built (make tests/hw/apic-test)"
  failed=1
fi
for script in "$SRC"/tests/hw/apic-qtest-scripts/*.qt; do
  name=$(basename "$script" .qt)
  expected="${script%.qt}.expected"
  if [ ! -x "$qt" ]; then
    echo "check-hw-apic: $qt not built"
    failed=$((failed + 1))
    continue
  fi
  got=$(timeout 20 "$qt" <"$script")
  n=0
  while IFS= read -r want; do
    n=$((n + 1))
    have=$(echo "$got" | sed -n "${n}p")
    if [ "$have" = "$want" ]; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL $name line $n: $(sed -n "${n}p" "$script"): got '$have', QEMU '$want'"
    fi
  done <"$expected"
done
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
