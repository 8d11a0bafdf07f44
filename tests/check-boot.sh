#!/bin/sh
# Boots Debian 12's x86-64 kernel (linux-image-amd64, fetched by
# scripts/setup.sh --tests into ${QUETZAL_CACHE:-~/.cache/quetzal}) with an
# initramfs built here around busybox-static (tests/system-guest/init.sh):
# through SeaBIOS (the default), by the firmware-less direct boot
# (-M pc,fast-boot=on; QEMU has no such option and boots plain -kernel again) and
# with "nosmp noapic", with -cpu max (the xsave flags in /proc/cpuinfo), and Debian 12's i386 kernel (linux-image-686-pae) with an
# i386 busybox initramfs through SeaBIOS. Each boot must print every marker of /init, pass its
# checks, reach the kernel's "Power down" and exit with status 0 within the
# timeout (BOOT_TIMEOUT, 180 s: a boot takes 7 to 15 s, 40 to 80 s at load 11).
# The emulator is $SYSEMU (default $BUILD/quetzal-system-x86_64), e.g.
#   SYSEMU=qemu-system-x86_64 sh tests/check-boot.sh
BUILD=${BUILD:-.}
SRC=${SRC:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-boot.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
. "$SRC/tests/system-guest/boot-lib.sh"
passed=0 failed=0 skipped=0
tmo=${BOOT_TIMEOUT:-180}
markers="QZ-INIT-START QZ-OK.mounts QZ-OK.cpuinfo-flags QZ-OK.dmesg-clean QZ-OK.timer-irq0 QZ-OK.md5sum
QZ-OK.shell-loop QZ-OK.date QZ-INIT-DONE reboot:.Power.down"

if ! sysemu_available; then
  echo "FAIL: boot: $SYSEMU not built (set SYSEMU=qemu-system-x86_64 to check the test itself)"
  echo "0 passed, 1 failed"
  exit 1
fi
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
if [ -z "$kernel" ] || [ ! -x "$bb" ]; then
  echo "FAIL: boot: kernel or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  echo "0 passed, 1 failed"
  exit 1
fi
make_initramfs "$bb" "$T/initrd.gz" || { echo "FAIL: boot: cannot build the initramfs"; echo "0 passed, 1 failed"; exit 1; }

# check_boot NAME APPEND [OPTIONS...]
check_boot() {
  name=$1 append=$2
  shift 2
  log=$T/$name.log
  start=$(date +%s%N)
  boot_run "$log" "$tmo" "$kernel" "$T/initrd.gz" "$append" "$@"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  boot_verdict "$log" "$tmo" "$markers"
  if [ -z "$why" ]; then
    echo "ok boot-$name (${ms} ms)"
    passed=$((passed + 1))
  else
    echo "FAIL: boot-$name: $why (${ms} ms); last 20 lines of the serial log:"
    tail -n 20 "$log" 2>/dev/null | sed 's/^/    /'
    [ -s "$log.out" ] && { echo "  emulator output:"; tail -n 5 "$log.out" | sed 's/^/    /'; }
    failed=$((failed + 1))
  fi
}

check_boot seabios ""
if sysemu_is_qemu; then
  check_boot direct ""
else
  check_boot direct "" -M pc,fast-boot=on
fi
check_boot nosmp-noapic "nosmp noapic"
# -cpu max: Linux takes XSAVE (XCR0, CPUID 0xD, XSAVEOPT/XSAVEC/XSAVES in its context
# switches) and shows the flags
check_boot max-xsave "qzflags=xsave,xsaveopt,xsavec,xsaves" -M pc,fast-boot=on -cpu max

kernel=$(ls "$CACHE"/linux-686-pae/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static-i386/bin/busybox
if [ -z "$kernel" ] || [ ! -x "$bb" ]; then
  echo "FAIL: boot-i386: i386 kernel or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  failed=$((failed + 1))
elif ! make_initramfs "$bb" "$T/initrd.gz"; then
  echo "FAIL: boot-i386: cannot build the initramfs"
  failed=$((failed + 1))
else
  check_boot i386 ""
fi
san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
