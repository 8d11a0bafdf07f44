# Sourced by suites that run a test program natively and under a user-mode
# emulator and compare the two (check-sse, check-mmx, check-x87, check-avx).
# Needs $tmp (scratch folder) and the caller's pass/fail/skip functions. An
# i386 program's native run is under qemu-i386 where the host cannot run it
# (tests/native32.sh, sourced here; the caller runs native32_init).
. "$SRC/tests/native32.sh"

# run_guest NAME EMULATOR BINARY ARGS...: compares output and exit status
run_guest() {
  name=$1 emulator=$2 binary=$3
  shift 3
  if why=$(qemu32_differs "$name"); then
    skip "$name: $why"
    return
  fi
  run_native "$binary" "$@" > "$tmp/native.out" 2>&1
  native_status=$?
  qemu32_clean "$tmp/native.out"
  timeout 60 "$emulator" "$binary" "$@" > "$tmp/emulated.out" 2>&1
  emulated_status=$?
  if [ "$native_status" = "$emulated_status" ] && cmp -s "$tmp/native.out" "$tmp/emulated.out"; then
    pass
  else
    fail "$name (status native $native_status, emulated $emulated_status)"
    diff "$tmp/native.out" "$tmp/emulated.out" | head -10
  fi
}
