#!/bin/sh
# Robustness of the system emulator against random code: tests/sysfuzz/fuzz.S
# runs SYSFUZZ_BLOCKS (300) blocks of seeded random bytes (SYSFUZZ_SEED, 1) at
# CPL 0 in real mode, 32-bit protected mode and 64-bit mode, single-stepped
# with EFLAGS.TF so that no block runs away, SYSFUZZ_CHUNK (50) blocks a run.
# A block that wrecks the guest (triple fault, reset: the emulator exits under
# -no-reboot) ends its run early and the next run starts after the last block
# the guest printed.
# A run passes when the emulator exits with status 0 (the guest's final triple
# fault or a reset under -no-reboot) within its timeout and prints nothing
# alarming on stderr; killed by a signal, an abort, a sanitizer report, a
# non-zero exit or a timeout is a failure. One check per run.
#   SYSEMU=qemu-system-x86_64 sh tests/check-sysfuzz.sh   (checks the test)
# (Debian's QEMU 7.2 fails it: with seed 1 it aborts in 32-bit block 0xe7 with
# "qemu: fatal: invalid tss type", a task switch QEMU does not survive.)
# The guest prints "R <block> <why> <steps>" for every block (why: a vector,
# 0x100 stack out of RAM, 0x101 step limit, 0x102 HLT, 0x103 SYSCALL): the
# lines of two emulators can be compared; built with -DTRACE, the real-mode
# guest also prints "S CS:IP" at every step.
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
SEED=${SYSFUZZ_SEED:-1}
N=${SYSFUZZ_BLOCKS:-300}
CHUNK=${SYSFUZZ_CHUNK:-50}
BUDGET=${SYSFUZZ_SECONDS:-100}        # for all runs; then the rest is failed
RUN_TIMEOUT=10
BLOCK_SIZE=32
T=$(mktemp -d "${TMPDIR:-/tmp}/check-sysfuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0
guest=$SRC/tests/system-guest

case $SYSEMU in
  */*) [ -x "$SYSEMU" ] ;;
  *) command -v "$SYSEMU" >/dev/null 2>&1 ;;
esac || {
  echo "FAIL: sysfuzz: $SYSEMU not built (set SYSEMU=qemu-system-x86_64 to check the test itself)"
  echo "0 passed, 1 failed"
  exit 1
}
gcc -c -I"$guest" "$guest/lib.S" -o "$T/lib.o" || {
  echo "FAIL: sysfuzz: cannot assemble lib.S"; echo "0 passed, 1 failed"; exit 1; }

# gen_blocks SEED FILE: N blocks of BLOCK_SIZE bytes as .byte lines, from the
# Park-Miller generator (x = x * 16807 mod 2^31-1: exact in awk's doubles, the
# same bytes with any awk)
gen_blocks() {
  awk -v seed="$1" -v n="$N" -v size="$BLOCK_SIZE" 'BEGIN {
    x = seed % 2147483646 + 1
    for (i = 0; i < n; i++) {
      line = "    .byte "
      for (j = 0; j < size; j++) {
        x = (x * 16807) % 2147483647
        line = line sprintf("%s0x%02x", j ? ", " : "", int(x / 8388608) % 256)
      }
      print line
    }
  }' >"$2"
}

# build MODE START END: $T/fuzz.bin running blocks START to END-1
build() {
  gcc -c -I"$guest" -DMODE="$1" -DFUZZ_START="$2" -DFUZZ_BLOCKS="$3" \
      -DBLOCK_SIZE=$BLOCK_SIZE -DBLOCKS_INC="\"$T/blocks$1.inc\"" \
      "$SRC/tests/sysfuzz/fuzz.S" -o "$T/fuzz.o" &&
  ld -T "$guest/image.ld" -o "$T/fuzz.elf" "$T/fuzz.o" "$T/lib.o" &&
  objcopy -O binary "$T/fuzz.elf" "$T/fuzz.bin" &&
  [ "$(wc -c <"$T/fuzz.bin")" = 65536 ]
}

start_time=$(date +%s)
seed_offset=0
for mode in 16 32 64; do
  gen_blocks $((SEED * 3 + seed_offset)) "$T/blocks$mode.inc"
  seed_offset=$((seed_offset + 1))
  start=0 runs=0 mode_failed=0 steps=0 exc=0
  while [ "$start" -lt "$N" ]; do
    if [ $(($(date +%s) - start_time)) -ge "$BUDGET" ]; then
      echo "FAIL: sysfuzz-$mode: over the ${BUDGET}s budget at block $start"
      failed=$((failed + 1)); mode_failed=1; break
    fi
    end=$((start + CHUNK))
    [ "$end" -gt "$N" ] && end=$N
    if ! build "$mode" "$start" "$end" >"$T/build.log" 2>&1; then
      echo "FAIL: sysfuzz-$mode: cannot build the guest:"; head -5 "$T/build.log"
      failed=$((failed + 1)); mode_failed=1; break
    fi
    runs=$((runs + 1))
    timeout -k 2 $RUN_TIMEOUT "$SYSEMU" -m 64 -bios "$T/fuzz.bin" -display none \
      -no-reboot -serial "file:$T/log" </dev/null >"$T/out" 2>"$T/err"
    status=$?
    alarm=$(grep -a -i -m1 -E 'sanitizer|runtime error|abort|assert|panic|segmentation|internal error|bug' "$T/err")
    last=$(grep -a -E '^B [0-9a-f]+$' "$T/log" | tail -1 | cut -d' ' -f2)
    if [ "$status" != 0 ] || [ -n "$alarm" ]; then
      what="exit status $status"
      [ "$status" = 124 ] || [ "$status" = 137 ] && what="timeout after ${RUN_TIMEOUT}s"
      [ "$status" -gt 128 ] && [ "$status" != 137 ] && what="$what (signal $((status - 128)))"
      echo "FAIL: sysfuzz-$mode run $runs: $what in block ${last:-none} (from $start)${alarm:+: $alarm}"
      head -3 "$T/err" | sed 's/^/    /'
      failed=$((failed + 1)); mode_failed=1
    else
      passed=$((passed + 1))
    fi
    done_line=$(grep -a -m1 '^fuzz-done steps ' "$T/log")
    if [ -n "$done_line" ]; then
      set -- $done_line
      steps=$((steps + 0x$3)) exc=$((exc + 0x$5))
      start=$end
      continue
    fi
    if [ -z "$last" ] || [ $((0x$last)) -lt "$start" ]; then
      echo "FAIL: sysfuzz-$mode: the guest ran no block from $start (status $status)"
      tail -3 "$T/log" | sed 's/^/    /'
      failed=$((failed + 1)); mode_failed=1; break
    fi
    start=$((0x$last + 1))
  done
  # the runs that got to their end: single-stepping must have happened
  if [ "$mode_failed" = 0 ] && [ "$steps" -lt "$N" ]; then
    echo "FAIL: sysfuzz-$mode: only $steps single steps: TF traps missing?"
    failed=$((failed + 1)); mode_failed=1
  fi
  [ "$mode_failed" = 0 ] &&
    echo "ok sysfuzz-$mode: $N blocks (seed $SEED) in $runs runs; $steps steps, $exc blocks ended by exceptions (runs that finished)"
done
san_check
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
