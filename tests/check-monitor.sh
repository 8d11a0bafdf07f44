#!/bin/sh
# The monitor (monitor/): HMP over a unix socket, over stdio and on a pty with
# readline (completion, history file, Ctrl-A c on mon:stdio), QMP over a unix
# socket (greeting, negotiation, commands, events, error classes, fuzzed
# input), Debian's gdb on the gdb stub (breakpoint, stepi, registers, memory,
# Ctrl-C; with -smp 2 the CPUs as threads, tests/monitor/gdb-smp-check.py), against the bare-metal guest tests/monitor/guest-monitor.S; the
# same HMP, QMP and gdb sessions against Debian's qemu-system-x86_64 when it is
# installed, whose replies must agree (tests/monitor/monitor-check.py); the
# drive commands the same way (tests/monitor/block-check.py). The
# QMP JSON parser against Python's json module on random and mutated texts
# (tests/monitor/json-check.py).
BUILD=${BUILD:-.}
SRC=${SRC:-.}
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-monitor.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
passed=0 failed=0 skipped=0
dir=$SRC/tests/monitor
# the checks import qemu_session.py: no __pycache__ left in the source tree
export PYTHONDONTWRITEBYTECODE=1
guest=$SRC/tests/system-guest

add_counts() {   # the "N passed, N failed[, N skipped]" line of a part
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
  if [ -z "$line" ]; then
    echo "FAIL: $2: no result line"; failed=$((failed + 1)); return
  fi
  passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
  s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
  skipped=$((skipped + ${s:-0}))
}

if ! command -v python3 >/dev/null 2>&1; then
  echo "skip: python3 not installed (Debian package python3)"
  echo "0 passed, 0 failed, 1 skipped"; exit 0
fi

# the JSON parser
if [ -x "$BUILD/tests/monitor/json-test" ]; then
  python3 "$dir/json-check.py" "$BUILD/tests/monitor/json-test" "${SEED:-1}" >"$T/json.out" 2>&1
  grep -v "^[0-9]* passed" "$T/json.out"
  add_counts "$T/json.out" json
else
  echo "FAIL: json: $BUILD/tests/monitor/json-test not built (make tests/monitor/json-test)"
  failed=$((failed + 1))
fi

# the guest
if ! { gcc -c -I"$guest" "$guest/lib.S" -o "$T/lib.o" &&
       gcc -c -I"$guest" "$dir/guest-monitor.S" -o "$T/g.o" &&
       ld -T "$guest/image.ld" -o "$T/g.elf" "$T/g.o" "$T/lib.o" &&
       objcopy -O binary "$T/g.elf" "$T/guest.bin"; } >"$T/build.log" 2>&1; then
  echo "FAIL: cannot build the monitor guest:"; head -5 "$T/build.log"
  echo "$passed passed, $((failed + 1)) failed, $skipped skipped"; exit 1
fi
if [ ! -x "$SYSEMU" ]; then
  echo "FAIL: $SYSEMU not built"
  echo "$passed passed, $((failed + 1)) failed, $skipped skipped"; exit 1
fi
qemu=$(command -v qemu-system-x86_64 || true)
# the guest's loop label, where the gdb test puts its breakpoint
GUEST_LOOP=$(nm "$T/g.elf" | sed -n 's/^0*\([0-9a-f]*\) t loop$/\1/p')
export GUEST_LOOP
# the real-mode routine its first call enters (the gdb watchpoint test)
GUEST_UART16=$(nm "$T/g.elf" | sed -n 's/^0*\([0-9a-f]*\) T uart_init16$/\1/p')
export GUEST_UART16
python3 "$dir/monitor-check.py" "$SYSEMU" "$T/guest.bin" "$T" $qemu 2>&1 | tee "$T/mon.out"
add_counts "$T/mon.out" monitor
# the gdb stub with -smp 2 (tests/smp/smp-start.S): the CPUs as gdb threads
if ! command -v gdb >/dev/null 2>&1; then
  echo "skip gdb-smp: gdb not installed (Debian package gdb)"; skipped=$((skipped + 1))
elif { gcc -c -I"$guest" "$SRC/tests/smp/smp-start.S" -o "$T/smp.o" &&
       ld -T "$guest/image.ld" -o "$T/smp.elf" "$T/smp.o" "$T/lib.o" &&
       objcopy -O binary "$T/smp.elf" "$T/smp.bin"; } >"$T/smp-build.log" 2>&1; then
  ap=$(nm "$T/smp.elf" | sed -n 's/^0*\([0-9a-f]*\) t ap_pm32$/\1/p')
  python3 "$dir/gdb-smp-check.py" "$SYSEMU" "$T/smp.bin" "$ap" "$T" $qemu 2>&1 | tee "$T/gdbsmp.out"
  add_counts "$T/gdbsmp.out" gdb-smp
else
  echo "FAIL: cannot build the smp guest: $(head -3 "$T/smp-build.log")"; failed=$((failed + 1))
fi
python3 "$dir/pty-check.py" "$SYSEMU" "$T/guest.bin" "$T" 2>&1 | tee "$T/pty.out"
add_counts "$T/pty.out" pty
# the drive commands (info block, change, eject, commit, query-block) vs. QEMU
mkdir -p "$T/block"
python3 "$dir/block-check.py" "$SYSEMU" "$T/guest.bin" "$T/block" $qemu 2>&1 | tee "$T/block.out"
add_counts "$T/block.out" block

# Debian's kernel (scripts/setup.sh --tests caches it) with a busybox initramfs
CACHE=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
if [ -z "$kernel" ] || [ ! -x "$bb" ]; then
  echo "skip linux: kernel or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  skipped=$((skipped + 1))
else
  mkdir -p "$T/root/bin" "$T/root/proc" "$T/root/dev"
  cp "$bb" "$T/root/bin/busybox"
  ln -s busybox "$T/root/bin/sh"
  cp "$dir/linux-init.sh" "$T/root/init"
  chmod 755 "$T/root/init"
  (cd "$T/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/initrd.gz"
  python3 "$dir/linux-check.py" "$SYSEMU" "$kernel" "$T/initrd.gz" "$T" 2>&1 | tee "$T/linux.out"
  add_counts "$T/linux.out" linux
fi

# Debian's kernel reading CDs the monitor changes and a virtio disk it resizes
# (ata_piix, sr_mod, isofs, virtio_blk from the cached modules, as check-disk's
# initramfs)
. "$SRC/tests/system-guest/disk-lib.sh"
moddir=$(ls -d "$CACHE"/linux/lib/modules/*/kernel 2>/dev/null | head -1)
if [ -z "$kernel" ] || [ ! -x "$bb" ] || [ -z "$moddir" ] || ! command -v xorriso >/dev/null; then
  echo "skip cdrom: kernel, modules or busybox missing in $CACHE, or xorriso not installed"
  skipped=$((skipped + 1))
else
  root=$T/cdroot order=""
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/modules" "$T/cd"
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  for mod in ata_piix sd_mod sr_mod isofs virtio_pci virtio_blk; do add_module $mod || echo "module $mod not found"; done
  echo $order >"$root/modules.order"
  cp "$dir/cdrom-init.sh" "$root/init"
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/cdinitrd.gz"
  python3 "$dir/cdrom-check.py" "$SYSEMU" "$kernel" "$T/cdinitrd.gz" "$T/cd" 2>&1 | tee "$T/cdrom.out"
  add_counts "$T/cdrom.out" cdrom
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
