# Sourced by suites that run a test program natively and under a user-mode
# emulator and compare the two (check-sse, check-mmx). Needs $tmp (scratch
# folder) and the caller's pass/fail functions.

# run_guest NAME EMULATOR BINARY ARGS...: compares output and exit status
run_guest() {
  name=$1 emulator=$2 binary=$3
  shift 3
  "$binary" "$@" > "$tmp/native.out" 2>&1
  native_status=$?
  timeout 60 "$emulator" "$binary" "$@" > "$tmp/emulated.out" 2>&1
  emulated_status=$?
  if [ "$native_status" = "$emulated_status" ] && cmp -s "$tmp/native.out" "$tmp/emulated.out"; then
    pass
  else
    fail "$name (status native $native_status, emulated $emulated_status)"
    diff "$tmp/native.out" "$tmp/emulated.out" | head -10
  fi
}
