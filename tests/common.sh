# Shared by the block-layer suites (sourced, not run). The caller sets NAME;
# this makes the scratch folder $T (removed on exit), the counters and the
# helpers below, and `results` prints the closing line and sets the exit status.
BUILD=${BUILD:-.}
SRC=${SRC:-.}
Q="$BUILD/quetzal-img"
T=$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0 skipped=0

pass() { passed=$((passed + 1)); }
# a failure shows the head of $T/log, where t and t_status keep the command's output
fail() { failed=$((failed + 1)); echo "FAIL: $*"; [ -s "$T/log" ] && sed 's/^/    /' "$T/log" | head -8; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
# t DESCRIPTION COMMAND...: passes when the command succeeds
t() {
  desc=$1; shift
  if "$@" >"$T/log" 2>&1; then pass; else fail "$desc"; fi
}
# t_status DESCRIPTION EXPECTED COMMAND...: passes when the exit status is EXPECTED
t_status() {
  desc=$1 want=$2; shift 2
  "$@" >"$T/log" 2>&1
  got=$?
  if [ "$got" = "$want" ]; then pass; else echo "exit status $got, expected $want" >>"$T/log"; fail "$desc"; fi
}
results() {
  san_check
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" = 0 ]
}
