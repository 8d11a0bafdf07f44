#!/bin/sh
# Differential CPU test (quick): random instruction sequences of every group
# enabled for check, in 64-bit and 32-bit mode, run natively and through the
# translator; registers, flags, xmm registers, memory and exceptions must agree.
# Counts sequences. Override the seed with DIFFTEST_SEED to explore.
bin=$BUILD/tests/difftest/difftest
# make check builds it (TEST_PROGS): missing, the suite has not run, which
# must not pass for a success
if [ ! -x "$bin" ]; then
  echo "FAIL difftest: $bin not built (make tests/difftest/difftest)"
  echo "0 passed, 1 failed"
  exit 1
fi
# where the host cannot run 32-bit code, the 32-bit sequences' native side is
# the i386 harness under Debian's qemu-i386 (tests/difftest/README.md)
oracle32=$BUILD/tests/difftest/difftest-i386
if [ -x "$oracle32" ]; then set -- --oracle32 "$oracle32"; else set --; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-difftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
san_counted "$bin" "$@" --groups check --count 60 --mixed 300 --seed "${DIFFTEST_SEED:-1}"
