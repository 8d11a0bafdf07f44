#!/bin/sh
# System-emulation infrastructure: memory map, I/O ports, main loop (timers, the
# kick thread, fd handlers), char back ends (tests/system/test-system.c), and
# the machine's command line when quetzal-system-x86_64 is built.
bin="$BUILD/tests/system/test-system"
if [ ! -x "$bin" ]; then
  echo "check-system: $bin not built (make tests/system/test-system)"
  echo "0 passed, 1 failed"
  exit 1
fi
out=$(timeout 60 "$bin" 2>&1; echo "exit=$?")
echo "$out" | grep '^FAIL' | head -40
passed=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p' | tail -1)
failed=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p' | tail -1)
[ -n "$passed" ] || { echo "test-system crashed: $(echo "$out" | tail -1)"; passed=0; failed=1; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
