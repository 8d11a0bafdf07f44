# Sanitizer reports as test failures (sourced by the system suites, not run).
# On an ASan/UBSan build (./configure --enable-sanitizers) a report must fail
# the run, but many cases keep a program's stderr in a log they read only on
# failure, UBSan goes on after its "runtime error:" line (the exit status says
# nothing), and LeakSanitizer's report comes after the case has its verdict.
# So every report of any program the suite starts (the emulator, its test
# drivers, programs started by Python checks) goes to a file of its own
# (log_path of ASAN_OPTIONS/UBSAN_OPTIONS, named after the program and its
# pid), and san_check counts each file as one failure, with its first lines.
# GCC's libubsan beside libasan ignores log_path (its reports stay on stderr),
# so UBSan stops the program at its first report (halt_on_error): the case
# then fails by the exit status or the missing output, and its log has the
# "runtime error:" line.
# tests/lsan-suppressions.txt lists leaks of other projects' libraries.
# Builds without sanitizers write no such files; then this costs nothing.

# san_init DIR: reports go to DIR/report.PROGRAM.PID
san_init() {
  SAN_DIR=$1
  mkdir -p "$SAN_DIR"
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN_DIR/report:log_exe_name=1"
  UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
  LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "${SRC:-.}" && pwd)/tests/lsan-suppressions.txt:print_suppressions=0"
  export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
}

# san_check: adds one to $failed per report file and prints it (FAIL line,
# the report's summary, its first lines indented)
san_check() {
  for f in "$SAN_DIR"/report.*; do
    [ -e "$f" ] || continue
    failed=$((failed + 1))
    what=$(grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$f" | sed 's/^==[^ ]*==//')
    echo "FAIL: sanitizer report of ${f#"$SAN_DIR"/report.}: ${what:-$(head -1 "$f")}"
    sed 's/^/    /' "$f" | head -24
  done
}
