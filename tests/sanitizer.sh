# Sanitizer reports as test failures (sourced by the suites, not run).
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
# verify_asan_link_order=0: the LD_PRELOAD shims of some cases (getauxval in
# check-user, a slow read in check-img) are not sanitized and come before
# libasan, which ASan refuses by default.
# Builds without sanitizers write no such files; then this costs nothing.

# san_init DIR: reports go to DIR/report.PROGRAM.PID
san_init() {
  SAN_DIR=$1
  mkdir -p "$SAN_DIR"
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN_DIR/report:log_exe_name=1:verify_asan_link_order=0"
  UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
  LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "${SRC:-.}" && pwd)/tests/lsan-suppressions.txt:print_suppressions=0"
  export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
}

# san_check: adds one to $failed per report file and prints it (FAIL line,
# the report's summary, its first lines indented)
san_check() {
  for f in "$SAN_DIR"/report.*; do
    [ -e "$f" ] || continue
    # LeakSanitizer's "Running thread N was not suspended. False leaks are
    # possible." alone (a thread exiting during the exit-time leak check) is
    # no report: shown, not counted; a leak it caused would be an ERROR line
    if ! grep -qE 'ERROR:|WARNING:|runtime error:' "$f"; then
      echo "note: sanitizer log of ${f#"$SAN_DIR"/report.} without a report: $(head -1 "$f")"
      continue
    fi
    failed=$((failed + 1))
    what=$(grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$f" | sed 's/^==[^ ]*==//')
    echo "FAIL: sanitizer report of ${f#"$SAN_DIR"/report.}: ${what:-$(head -1 "$f")}"
    sed 's/^/    /' "$f" | head -24
  done
}

# san_counted PROGRAM ARGS...: for suites that are one test program ending with
# its own "N passed, N failed[, N skipped]" line: shows its output, then the
# reports (san_check), and ends with that line, each report one failure more.
# No line, or a failing exit status beside "0 failed" (a UBSan halt after the
# line was printed), counts one failure. Exit status 0 when nothing failed.
san_counted() {
  { "$@" 2>&1; echo $? >"$SAN_DIR.status"; } | tee "$SAN_DIR.out" |
    grep -vE '^[0-9]+ passed, [0-9]+ failed'
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$SAN_DIR.out" | tail -1)
  passed=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
  failed=$(echo "$line" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p')
  skipped=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
  st=$(cat "$SAN_DIR.status")
  if [ -z "$line" ]; then
    echo "FAIL: ${1##*/} ended without its result line (exit status $st)"
    passed=0 failed=1
  elif [ "$st" != 0 ] && [ "$failed" = 0 ]; then
    echo "FAIL: ${1##*/} exit status $st after \"$line\""
    failed=1
  fi
  san_check
  echo "$passed passed, $failed failed${skipped:+, $skipped skipped}"
  [ "$failed" = 0 ]
}
