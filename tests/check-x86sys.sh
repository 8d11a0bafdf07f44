#!/bin/sh
# x86 system helpers: unit tests of page walks, descriptor checks, far
# transfers, interrupt frames and privileged instructions over a fake softmmu
# (tests/x86sys/). Ends with "N passed, N failed".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
prog="$BUILD/tests/x86sys/x86sys-test"
if [ ! -x "$prog" ]; then
  echo "FAIL: x86sys-test not built"
  echo "0 passed, 1 failed"
  exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-x86sys.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
san_counted "$prog"
