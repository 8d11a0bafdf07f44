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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-system.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
out=$(timeout 60 "$bin" 2>&1; echo "exit=$?")
echo "$out" | grep -E '^(FAIL|note)' | head -40
passed=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p' | tail -1)
failed=$(echo "$out" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p' | tail -1)
[ -n "$passed" ] || { echo "test-system crashed: $(echo "$out" | tail -1)"; passed=0; failed=1; }

# The command line: every mistake is one line on stderr and exit status 1.
q="$BUILD/quetzal-system-x86_64"
if [ -x "$q" ]; then
  printf 'not a kernel' >"$tmp/notkernel"
  err_case() {
    desc=$1; shift
    timeout 10 "$q" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    if [ "$st" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ]; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $desc: status $st, stderr: $(head -3 "$tmp/err")"
    fi
  }
  err_case "unknown option" -frobnicate
  err_case "unknown device" -device ne2k_pci
  err_case "malformed -m" -m 12x
  err_case "-m too small" -m 1
  err_case "-m negative" -m -5
  err_case "missing argument" -kernel
  err_case "bad -serial" -serial tcp:localhost:1
  err_case "-smp too many CPUs" -smp 17
  err_case "bad -machine" -M q35
  err_case "bad -cpu" -cpu pentium9
  err_case "missing kernel" -M pc,fast-boot=on -kernel "$tmp/none" -display none
  err_case "non-bzImage kernel" -M pc,fast-boot=on -kernel "$tmp/notkernel" -display none
  err_case "missing firmware" -bios no-such-bios.bin -L "$tmp" -display none
  err_case "bad -d item" -d nonsense
  # -bios NAME is found in the current directory first, as QEMU does: a bad
  # file there is reported by its size, not as missing
  printf 'tiny' >"$tmp/mybios.bin"
  (cd "$tmp" && timeout 10 "$q" -bios mybios.bin -L /nonexistent -display none </dev/null 2>"$tmp/err" >/dev/null)
  if grep -q "mybios.bin' has a bad size" "$tmp/err"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: -bios in the current directory: $(head -1 "$tmp/err")"; fi
  # -serial stdio takes the terminal: no default monitor then (as QEMU), the
  # machine runs (a 64 KiB firmware whose reset vector writes 0 to isa-debug-exit)
  python3 -c 'import sys; b = bytearray(b"\xf4" * 65536); b[0xfff0:0xfff5] = b"\xb0\x00\xe6\xf4\xf4"; sys.stdout.buffer.write(b)' >"$tmp/exit.bin"
  timeout 10 "$q" -bios "$tmp/exit.bin" -serial stdio -display none -vga none -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >/dev/null 2>"$tmp/err"
  st=$?
  if [ $st = 1 ] && [ ! -s "$tmp/err" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: -serial stdio without -monitor: status $st, $(head -1 "$tmp/err")"; fi
  timeout 10 "$q" -M pc,fast-boot=on -kernel "$tmp/notkernel" </dev/null 2>"$tmp/err" >/dev/null
  if grep -q "$tmp/notkernel" "$tmp/err"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: kernel error does not name the file"; fi
else
  echo "SKIP: $q not built: command-line checks"
fi
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
