#!/bin/sh
# Bare-metal system tests: each tests/system-guest/*.S with an "expect:" list
# is assembled here (gcc, ld with image.ld, objcopy) into a 64 KiB -bios image,
# run from the reset state under $SYSEMU (default $BUILD/quetzal-system-x86_64)
# with isa-debug-exit, and must print "ok NAME" for every expected name, no FAIL
# line, "done" and exit with status 1 (isa-debug-exit value 0).
#   SYSEMU=qemu-system-x86_64 sh tests/check-baremetal.sh
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-baremetal.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0
dir=$SRC/tests/system-guest

case $SYSEMU in
  */*) [ -x "$SYSEMU" ] ;;
  *) command -v "$SYSEMU" >/dev/null 2>&1 ;;
esac || {
  echo "FAIL: baremetal: $SYSEMU not built (set SYSEMU=qemu-system-x86_64 to check the test itself)"
  echo "0 passed, 1 failed"
  exit 1
}

gcc -c -I"$dir" "$dir/lib.S" -o "$T/lib.o" || { echo "FAIL: baremetal: cannot assemble lib.S"; echo "0 passed, 1 failed"; exit 1; }
for src in "$dir"/*.S; do
  grep -q '^ \* expect:' "$src" || continue
  name=$(basename "$src" .S)
  expect=$(sed -n 's/^ \* expect://p' "$src")
  if ! { gcc -c -I"$dir" "$src" -o "$T/$name.o" &&
         ld -T "$dir/image.ld" -o "$T/$name.elf" "$T/$name.o" "$T/lib.o" &&
         objcopy -O binary "$T/$name.elf" "$T/$name.bin"; } >"$T/build.log" 2>&1 ||
     [ "$(wc -c <"$T/$name.bin")" != 65536 ]; then
    echo "FAIL: $name: cannot build a 64 KiB image:"; head -5 "$T/build.log"
    failed=$((failed + 1)); continue
  fi
  log=$T/$name.log
  timeout 20 "$SYSEMU" -m 64 -bios "$T/$name.bin" -display none -no-reboot \
    -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$T/out" 2>&1
  status=$?
  for n in $expect; do
    if grep -qx "ok $n" "$log"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $name $n: $(grep -m1 "^FAIL $n " "$log" || echo 'no result line')"
    fi
  done
  extra=$(grep '^FAIL' "$log" | grep -v -E "^FAIL ($(echo $expect | tr ' ' '|')) " | head -3)
  if [ -n "$extra" ] || ! grep -q '^done, failed: 0*$' "$log" || [ "$status" != 1 ]; then
    failed=$((failed + 1))
    echo "FAIL: $name: exit status $status (want 1)${extra:+; $extra}; last lines:"
    tail -n 5 "$log" | sed 's/^/    /'
  else
    echo "ok $name: $(echo $expect | wc -w) checks, exit status 1"
  fi
done
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
