# Runs bare-metal guests (sourced by check-x87.sh, check-mmx.sh, check-avx.sh and
# check-xsave.sh, which define pass/fail/skip, $tmp, $BUILD and $SRC).
# run_sys_guest SOURCE.S [CPU]: assembles it with tests/system-guest's
# library into a 64 KiB -bios image (image.ld), runs it under
# quetzal-system-x86_64 with isa-debug-exit, and counts one result per name
# on its " * expect:" lines ("ok NAME" on the serial port) plus the clean
# exit (status 1, "done, failed: 0").
run_sys_guest() {
  src=$1 name=$(basename "$1" .S)
  sysemu="$BUILD/quetzal-system-x86_64" guest="$SRC/tests/system-guest"
  if [ ! -x "$sysemu" ]; then
    skip "$name: quetzal-system-x86_64 not built"
    return
  fi
  if ! { gcc -c -I"$guest" "$guest/lib.S" -o "$tmp/lib.o" &&
         gcc -c -I"$guest" "$src" -o "$tmp/$name.o" &&
         ld -T "$guest/image.ld" -o "$tmp/$name.elf" "$tmp/$name.o" "$tmp/lib.o" &&
         objcopy -O binary "$tmp/$name.elf" "$tmp/$name.bin"; } > "$tmp/build.log" 2>&1; then
    fail "$name: cannot build the image: $(head -1 "$tmp/build.log")"
    return
  fi
  log="$tmp/$name.log"
  timeout 20 "$sysemu" ${2:+-cpu "$2"} -m 64 -bios "$tmp/$name.bin" -display none -no-reboot \
    -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 < /dev/null > "$tmp/out" 2>&1
  status=$?
  for check in $(sed -n 's/^ \* expect://p' "$src"); do
    if grep -qx "ok $check" "$log"; then
      pass
    else
      fail "$name $check: $(grep -m1 "^FAIL $check " "$log" || echo 'no result line')"
    fi
  done
  if [ "$status" = 1 ] && grep -q '^done, failed: 0*$' "$log"; then
    pass
  else
    fail "$name: exit status $status (want 1); last lines: $(tail -n 3 "$log" | tr '\n' ' ')"
  fi
}
