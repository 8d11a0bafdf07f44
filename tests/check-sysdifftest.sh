#!/bin/sh
# Differential CPU test in system mode: the sequences of check-difftest (same
# groups, counts and seed), translated side run by a long-mode guest at CPL 3
# (64-bit and compatibility-mode code segments) through page tables, the
# softmmu TLB and IDT delivery, compared with the native runs. Counts
# sequences. Override the seed with DIFFTEST_SEED to explore.
bin=$BUILD/tests/difftest/difftest
if [ ! -x "$bin" ]; then
  echo "sysdifftest: $bin not built (the translator is not in this tree yet)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
# where the host cannot run 32-bit code, the 32-bit sequences' native side is
# the i386 harness under Debian's qemu-i386 (tests/difftest/README.md)
oracle32=$BUILD/tests/difftest/difftest-i386
if [ -x "$oracle32" ]; then set -- --oracle32 "$oracle32"; else set --; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-sysdifftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
san_counted "$bin" "$@" --system --groups check --count 60 --mixed 300 --seed "${DIFFTEST_SEED:-1}"
