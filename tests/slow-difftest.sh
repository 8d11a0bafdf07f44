#!/bin/sh
# Differential CPU test (long): ten times the check suite's sequences, over all
# groups including the ones known to fail (see tests/difftest/README.md).
# Counts sequences. Override the seed with DIFFTEST_SEED to explore.
bin=$BUILD/tests/difftest/difftest
if [ ! -x "$bin" ]; then
  echo "difftest: $bin not built (the translator is not in this tree yet)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
# where the host cannot run 32-bit code, the 32-bit sequences' native side is
# the i386 harness under Debian's qemu-i386 (tests/difftest/README.md)
oracle32=$BUILD/tests/difftest/difftest-i386
if [ -x "$oracle32" ]; then set -- --oracle32 "$oracle32"; else set --; fi
exec "$bin" "$@" --groups all --count 600 --mixed 3000 --max-print 2 --seed "${DIFFTEST_SEED:-2}"
