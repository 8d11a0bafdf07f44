#!/bin/sh
# Boot benchmark (not a test): Debian's x86-64 kernel with the test initramfs
# (tests/system-guest/init.sh) under quetzal-system-x86_64 (through SeaBIOS and by
# the direct fast-boot entry) and under Debian's qemu-system-x86_64 -accel tcg
# (through SeaBIOS, its only way), RUNS times each (default 5). Prints the median
# wall-clock milliseconds from start to the /init marker (QZ-INIT-START) and to
# the emulator's exit after the guest's ACPI poweroff, and the ratios to QEMU.
# Usage: BUILD=build-folder [RUNS=5] tests/bench/boot.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-5}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/system-guest/boot-lib.sh"

kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
[ -n "$kernel" ] && [ -x "$bb" ] || { echo "boot: kernel or busybox missing in $CACHE (scripts/setup.sh --tests)" >&2; exit 1; }
make_initramfs "$bb" "$T/initrd.gz" || exit 1

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# boot_once NAME EMULATOR [OPTIONS...]: one boot; appends the milliseconds to
# the /init marker and to exit to $T/NAME.init and $T/NAME.exit
boot_once() {
  name=$1 emu=$2
  shift 2
  start=$(now_ms)
  timeout 120 "$emu" -m 512M -display none -no-reboot -serial stdio -kernel "$kernel" \
    -initrd "$T/initrd.gz" -append "console=ttyS0 panic=-1 quiet" "$@" </dev/null 2>&1 |
    while IFS= read -r line; do
      case $line in
        QZ-INIT-START*) echo "init $(( $(now_ms) - start ))" ;;
        QZ-FAIL*|*"Kernel panic"*) echo "fail $line" ;;
      esac
    done > "$T/marks"
  end=$(now_ms)
  at_init=$(sed -n 's/^init //p' "$T/marks")
  if [ -z "$at_init" ] || grep -q '^fail' "$T/marks"; then
    echo "boot: $name did not boot cleanly: $(grep '^fail' "$T/marks" | head -2)" >&2
    return 1
  fi
  echo "$at_init" >> "$T/$name.init"
  echo $((end - start)) >> "$T/$name.exit"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

names=""
for i in $(seq 1 "$runs"); do
  # interleaved, so load from other processes spreads over all of them
  boot_once quetzal-seabios "$BUILD/quetzal-system-x86_64" && names="$names quetzal-seabios"
  boot_once quetzal-direct "$BUILD/quetzal-system-x86_64" -M pc,fast-boot=on &&
    names="$names quetzal-direct"
  if command -v qemu-system-x86_64 >/dev/null 2>&1; then
    boot_once qemu-seabios qemu-system-x86_64 -accel tcg && names="$names qemu-seabios"
  fi
done
names=$(echo $names | tr ' ' '\n' | sort -u)

echo "Debian kernel $(basename "$kernel") to /init and to poweroff, $runs runs, median ms:"
for n in $names; do
  printf "  %-16s /init %6s   exit %6s   (%s runs)\n" "$n" "$(median "$T/$n.init")" \
    "$(median "$T/$n.exit")" "$(wc -l < "$T/$n.exit")"
done
if [ -f "$T/qemu-seabios.exit" ]; then
  q=$(median "$T/qemu-seabios.exit")
  echo "ratios to qemu-seabios (exit):"
  for n in $names; do
    [ "$n" = qemu-seabios ] || echo "  $n: $(ratio "$(median "$T/$n.exit")" "$q")"
  done
fi
