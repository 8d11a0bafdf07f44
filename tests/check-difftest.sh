#!/bin/sh
# Differential CPU test (quick): random instruction sequences of every group
# enabled for check, in 64-bit and 32-bit mode, run natively and through the
# translator; registers, flags, xmm registers, memory and exceptions must agree.
# Counts sequences. Override the seed with DIFFTEST_SEED to explore.
bin=$BUILD/tests/difftest/difftest
if [ ! -x "$bin" ]; then
  echo "difftest: $bin not built (the translator is not in this tree yet)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
exec "$bin" --groups check --count 60 --mixed 300 --seed "${DIFFTEST_SEED:-1}"
