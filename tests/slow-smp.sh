#!/bin/sh
# Linux SMP: Debian 12's x86-64 kernel (as check-boot boots it, through
# SeaBIOS, with the busybox initramfs of tests/system-guest/init.sh) with -smp 2
# and -smp 4 must bring every CPU online (/sys/devices/system/cpu/online 0-1 or
# 0-3, nproc 2 or 4: the "QZ-CPUS" line of /init), pass /init's checks and power
# down; QEMU 7.2 (qemu-system-x86_64, the oracle) with the same -smp must
# print the same QZ-CPUS line. Slow: a few Linux boots (BOOT_TIMEOUT, 240 s).
BUILD=${BUILD:-.}
SRC=${SRC:-.}
QEMU=${QEMU:-qemu-system-x86_64}
T=$(mktemp -d "${TMPDIR:-/tmp}/slow-smp.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/system-guest/boot-lib.sh"
QUETZAL=$SYSEMU
passed=0 failed=0 skipped=0
tmo=${BOOT_TIMEOUT:-240}
markers="QZ-INIT-START QZ-OK.mounts QZ-OK.md5sum QZ-OK.shell-loop QZ-INIT-DONE reboot:.Power.down"

sysemu_available || { echo "FAIL: smp: $SYSEMU not built"; echo "0 passed, 1 failed"; exit 1; }
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
if [ -z "$kernel" ] || [ ! -x "$bb" ]; then
  echo "FAIL: smp: kernel or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  echo "0 passed, 1 failed"; exit 1
fi
make_initramfs "$bb" "$T/initrd.gz" || { echo "FAIL: smp: cannot build the initramfs"; echo "0 passed, 1 failed"; exit 1; }
have_qemu=0
command -v "$QEMU" >/dev/null 2>&1 && have_qemu=1

# boot EMULATOR LOG N: sets why (empty when every marker is there)
boot() {
  SYSEMU=$1
  start=$(date +%s)
  boot_run "$2" "$tmo" "$kernel" "$T/initrd.gz" "" -smp "$3"
  secs=$(( $(date +%s) - start ))
  boot_verdict "$2" "$tmo" "$markers"
}

for n in 2 4; do
  want="QZ-CPUS online=0-$((n - 1)) nproc=$n"
  boot "$QUETZAL" "$T/q$n.log" "$n"
  got=$(grep -m1 -a '^QZ-CPUS' "$T/q$n.log" | tr -d '\r')
  [ "$got" = "$want" ] || why="${why:+$why; }'${got:-no QZ-CPUS line}', want '$want'"
  if [ -n "$why" ]; then
    echo "FAIL: linux -smp $n: $why; last lines:"
    tail -n 12 "$T/q$n.log" | sed 's/^/    /'
    failed=$((failed + 1)); continue
  fi
  qsecs=$secs
  if [ "$have_qemu" = 0 ]; then
    echo "ok linux -smp $n: $got (${qsecs} s; QEMU absent, not compared)"
    passed=$((passed + 1)); continue
  fi
  boot "$QEMU" "$T/Q$n.log" "$n"
  qgot=$(grep -m1 -a '^QZ-CPUS' "$T/Q$n.log" | tr -d '\r')
  if [ "$qgot" = "$got" ]; then
    echo "ok linux -smp $n: $got, as QEMU's (${qsecs} s, QEMU ${secs} s)"
    passed=$((passed + 1))
  else
    echo "FAIL: linux -smp $n: QEMU says '$qgot' ($why), we say '$got'"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
