#!/bin/sh
# Local APIC, I/O APIC and HPET unit tests (tests/hw/apic-test.c): registers
# programmed like a guest driver on a fake bus with a hand-advanced clock.
bin="$BUILD/tests/hw/apic-test"
if [ ! -x "$bin" ]; then
  echo "check-hw-apic: $bin not built (make tests/hw/apic-test)"
  echo "0 passed, 1 failed"
  exit 1
fi
out=$(timeout 60 "$bin" 2>&1; echo "exit=$?")
echo "$out" | grep -v '^exit=' | grep -v ' passed, ' | head -40
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
if [ -z "$line" ]; then
  echo "apic-test crashed: $(echo "$out" | tail -1)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$line"
echo "$line" | grep -q ' 0 failed'
