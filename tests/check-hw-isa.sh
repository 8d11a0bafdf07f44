#!/bin/sh
# ISA device unit tests (8259A, 8254 + port 0x61, MC146818, 16550A, 8042, port
# 0x92, isa-debug-exit): each device driven through its I/O ports on stand-ins
# of the I/O space, clock and back ends, checked against its data sheet.
bin="$BUILD/tests/hw/test-isa"
if [ ! -x "$bin" ]; then
  echo "check-hw-isa: $bin not built (make tests/hw/test-isa)"
  echo "0 passed, 1 failed"
  exit 1
fi
sdir=$(mktemp -d "${TMPDIR:-/tmp}/check-hw-isa.XXXXXX")
trap 'rm -rf "$sdir"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$sdir"
out=$(timeout 60 "$bin" 2>&1; echo "exit=$?")
echo "$out" | grep '^FAIL' | head -40
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
if [ -z "$line" ]; then
  echo "test-isa crashed: $(echo "$out" | tail -1)"
  echo "0 passed, 1 failed"
  exit 1
fi
passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
failed=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
