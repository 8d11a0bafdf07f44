#!/bin/sh
# The accelerators side by side on one flat guest (tests/bench/kvm-loop.S:
# LOOPS rounds of integer work in 32-bit protected mode, default 2 million):
# wall-clock milliseconds from start to isa-debug-exit, median of RUNS (default
# 3), under quetzal -accel kvm, quetzal -accel tcg, qemu -accel kvm and qemu
# -accel tcg. Every run must print the same checksum. A measurement, not a
# test. The issue's in-guest benchmark (cpu-bench inside Linux, guest-cpu.sh)
# needs a Linux boot under KVM, which nested hosts do not finish: this flat
# guest is the figure such hosts allow.
#   BUILD=$PWD sh tests/bench/kvm.sh
BUILD=${BUILD:-.}
SRC=${SRC:-$(dirname "$0")/../..}
RUNS=${RUNS:-3}
LOOPS=${LOOPS:-2000000}
QEMU=${QEMU:-qemu-system-x86_64}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-kvm.XXXXXX")
trap 'rm -rf "$T"' EXIT
g=$SRC/tests/system-guest
gcc -c -I"$g" "$g/lib.S" -o "$T/lib.o" &&
gcc -c -I"$g" -DLOOPS="$LOOPS" "$SRC/tests/bench/kvm-loop.S" -o "$T/loop.o" &&
ld -T "$g/image.ld" -o "$T/loop.elf" "$T/loop.o" "$T/lib.o" &&
objcopy -O binary "$T/loop.elf" "$T/loop.bin" || { echo "cannot build the guest"; exit 1; }

ref=
# row LABEL CMD...: median wall ms of RUNS runs, or why there is no figure
row() {
  label=$1; shift
  if ! command -v "$1" >/dev/null 2>&1; then
    printf '%-26s  no figure: %s not installed\n' "$label" "$1"; return
  fi
  : >"$T/ms"
  for i in $(seq "$RUNS"); do
    s=$(date +%s%N)
    timeout 600 "$@" -m 64 -bios "$T/loop.bin" -display none -no-reboot -serial "file:$T/out" \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$T/err" 2>&1
    st=$? e=$(date +%s%N)
    sum=$(grep -o 'got [0-9a-f]*' "$T/out")
    if [ "$st" != 3 ] || [ -z "$sum" ]; then
      printf '%-26s  no figure: exit status %s, %s\n' "$label" "$st" "$(grep -v warning "$T/err" | head -1)"
      return
    fi
    [ -z "$ref" ] && ref=$sum
    if [ "$sum" != "$ref" ]; then
      printf '%-26s  WRONG checksum (%s, others %s)\n' "$label" "$sum" "$ref"; return
    fi
    echo $(((e - s) / 1000000)) >>"$T/ms"
  done
  printf '%-26s  %8s ms  (checksum %s)\n' "$label" "$(sort -n "$T/ms" | sed -n "$(((RUNS + 1) / 2))p")" "${sum#got }"
}
echo "flat guest, $LOOPS rounds, median of $RUNS runs (wall clock, start to exit):"
row "quetzal -accel kvm" "$BUILD/quetzal-system-x86_64" -accel kvm
row "quetzal -accel tcg" "$BUILD/quetzal-system-x86_64" -accel tcg
row "qemu -accel kvm" "$QEMU" -accel kvm
row "qemu -accel tcg" "$QEMU" -accel tcg
