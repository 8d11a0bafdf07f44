#!/bin/sh
# Guest disks: the PIIX3 IDE controller, ATA hard disks and the ATAPI CD-ROM.
#  1. tests/hw/ide-test: the controller driven through its ports (one result
#     per check; ATA8-ACS/MMC-5 status, error and data).
#  2. Command-line errors: missing/unreadable image, unknown format, bad -drive
#     key or value, bad -boot: exit 1 and one line naming the thing.
#  3. Debian's kernel (-kernel, an initramfs with ata_piix/sd_mod/sr_mod/ext4/
#     isofs from the cached linux-image package) mounts ext2 images made with
#     `mke2fs -d` in every format (raw, qcow2, vmdk, vdi, vpc, qcow, a qcow2
#     over a raw backing file; converted with Debian's qemu-img) and an ISO
#     made with xorriso: the md5sum of each file inside the guest equals the
#     host's; the file the guest writes is read back on the host with debugfs
#     (after qemu-img convert to raw) and e2fsck finds the file system clean;
#     with -snapshot (and for the backing file of the chain) the image is
#     unchanged.
#     virtio-blk (if=virtio, -device virtio-blk-pci,drive=) the same way, and
#     a discard by the guest leaves a qcow2 image reading zeros.
#  4. SeaBIOS's boot order per -boot order=/once=/menu= (non-bootable disk and
#     CD: the order of its "Booting from" lines) equals QEMU's. SeaBIOS boots a GRUB ISO (grub-mkrescue, Debian's grub-pc-bin + xorriso)
#     from the CD-ROM (-boot d, El Torito) and the same ISO as a qcow2 hard disk
#     (-boot c, its hybrid MBR): GRUB loads the kernel and initramfs, the guest
#     checks the CD's files.
#     A floppy boot sector (SeaBIOS, INT 13h through the FDC and the 8237)
#     reads and writes a 1.44 MB image like QEMU.
#  5. The first guest under qemu-system-x86_64 gives the same QZ-MD5 lines.
# SYSEMU picks the emulator (default $BUILD/quetzal-system-x86_64).
# Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
T=$(mktemp -d "${TMPDIR:-/tmp}/check-disk.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
. "$SRC/tests/system-guest/boot-lib.sh"
. "$SRC/tests/system-guest/disk-lib.sh"
passed=0 failed=0 skipped=0
tmo=${BOOT_TIMEOUT:-240}
pass() { passed=$((passed + 1)); echo "ok $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
finish() { san_check; echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit $?; }

# --- 1. the driver-level test ---
prog=$BUILD/tests/hw/ide-test
if [ -x "$prog" ]; then
  out=$(TMPDIR=$T "$prog")
  echo "$out" | grep '^FAIL' | head -20
  line=$(echo "$out" | tail -1)
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
  f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
  if [ -n "$p" ]; then
    passed=$((passed + p)); failed=$((failed + f)); echo "ide-test: $line"
  else
    fail "ide-test printed no result"
  fi
else
  fail "tests/hw/ide-test not built"
fi

if ! sysemu_available; then
  fail "$SYSEMU not built"
  finish
fi

# --- 2. bad input: exit 1, one line on stderr naming the thing ---
# bad_input NAME WORD ARGS...: WORD must appear in the message
bad_input() {
  name=$1 word=$2
  shift 2
  timeout 20 "$SYSEMU" -display none -serial none "$@" </dev/null >"$T/bad.out" 2>"$T/bad.err"
  st=$?
  n=$(wc -l <"$T/bad.err")
  if [ $st = 1 ] && [ "$n" = 1 ] && grep -q -- "$word" "$T/bad.err"; then
    pass "bad input: $name"
  else
    fail "bad input: $name: status $st, $n lines: $(head -3 "$T/bad.err")"
  fi
}
truncate -s 1M "$T/ok.raw"
echo "QFI garbage" > "$T/notqcow2.qcow2"
bad_input missing-image nosuch.img -hda "$T/nosuch.img"
bad_input missing-cdrom nosuch.iso -cdrom "$T/nosuch.iso"
bad_input unknown-format "'foo'" -drive file="$T/ok.raw",format=foo
bad_input bad-drive-key "'bogus'" -drive file="$T/ok.raw",format=raw,bogus=1
bad_input bad-interface "if=scsi" -drive file="$T/ok.raw",format=raw,if=scsi
bad_input bad-media "tape" -drive file="$T/ok.raw",format=raw,media=tape
bad_input bad-cache "fast" -drive file="$T/ok.raw",format=raw,cache=fast
bad_input bad-index "index" -drive file="$T/ok.raw",format=raw,index=7
bad_input same-slot "index=0" -drive file="$T/ok.raw",format=raw,index=0 -drive file="$T/ok.raw",format=raw,index=0
bad_input directory "$T" -drive file="$T",format=raw
bad_input damaged-qcow2 notqcow2 -drive file="$T/notqcow2.qcow2",format=qcow2
bad_input bad-boot "'x'" -drive file="$T/ok.raw",format=raw -boot order=x
bad_input bad-boot-key "'speed'" -drive file="$T/ok.raw",format=raw -boot speed=1

# --- guest set-up ---
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
if [ -z "$kernel" ]; then
  fail "kernel, modules or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  finish
fi
for tool in mke2fs debugfs e2fsck qemu-img xorriso cpio; do
  command -v $tool >/dev/null 2>&1 || { fail "$tool not installed"; finish; }
done

make_disk_initramfs "$T/initrd.gz" || { fail "cannot build the initramfs"; finish; }

# the files every disk holds; mkdisk ID: $T/ID.raw, an ext2 file system of
# them plus /id
mkdir -p "$T/files/sub"
head -c 1500000 /dev/urandom >"$T/files/random.bin"
seq 1 60000 >"$T/files/sub/seq.txt"
echo small >"$T/files/small"
mkdisk() {
  rm -rf "$T/d-$1" && cp -r "$T/files" "$T/d-$1" && echo "$1" >"$T/d-$1/id"
  mke2fs -q -F -t ext2 -d "$T/d-$1" "$T/$1.raw" 24M >/dev/null 2>&1
}
# expected ID: the QZ-MD5 lines the guest must print for disk ID (host md5sum)
expected() {
  (cd "$T/d-$1" && find . -type f | sort | while read -r f; do
     set -- "$1" $(md5sum "$f"); echo "QZ-MD5 $1 $2 $f"
   done)
}
lines=2000
guest_txt() { echo "guest $1"; seq 1 $lines; }

# run_guest NAME APPEND-EXTRA OPTIONS...: boots; the log is $T/NAME.log
run_guest() {
  name=$1 extra=$2
  shift 2
  start=$(date +%s)
  boot_run "$T/$name.log" "$tmo" "$kernel" "$T/initrd.gz" "quiet loglevel=1 qzlines=$lines $extra" "$@"
  secs=$(( $(date +%s) - start ))
  if [ "$boot_status" != 0 ] || ! grep -q QZ-DISK-DONE "$T/$name.log"; then
    fail "$name: status $boot_status after ${secs}s, no QZ-DISK-DONE"
    tail -n 15 "$T/$name.log" | sed 's/^/    /'
    [ -s "$T/$name.log.out" ] && tail -n 5 "$T/$name.log.out" | sed 's/^/    /'
    return 1
  fi
  bad=$(grep -a 'QZ-FAIL' "$T/$name.log" | head -5)
  [ -n "$bad" ] && { fail "$name: $bad"; return 1; }
  pass "$name boot (${secs}s)"
}

# check_reads NAME ID: the guest's md5 lines for ID are the host's
check_reads() {
  expected "$2" >"$T/want"
  grep -a "^QZ-MD5 $2 " "$T/$1.log" | tr -d '\r' >"$T/got"
  if [ -s "$T/want" ] && cmp -s "$T/want" "$T/got"; then
    pass "$1: $2 read ($(wc -l <"$T/want") files)"
  else
    fail "$1: $2: guest md5sums differ from the host's"; diff "$T/want" "$T/got" | head -5
  fi
}

# check_written NAME ID IMAGE FORMAT: guest.txt seen on the host, fs clean
check_written() {
  want=$(guest_txt "$2" | md5sum | cut -d' ' -f1)
  got=$(grep -a "^QZ-WROTE $2 " "$T/$1.log" | tr -d '\r' | cut -d' ' -f3)
  rm -f "$T/back.raw"
  qemu-img convert -f "$4" -O raw "$3" "$T/back.raw" 2>"$T/conv.err"
  host=$(debugfs -R "cat /guest.txt" "$T/back.raw" 2>/dev/null | md5sum | cut -d' ' -f1)
  if [ "$got" = "$want" ] && [ "$host" = "$want" ] && e2fsck -fn "$T/back.raw" >"$T/fsck.log" 2>&1; then
    pass "$1: $2 written by the guest, read back with debugfs"
  else
    fail "$1: $2: guest wrote ${got:-nothing}, host reads $host, want $want"
    head -3 "$T/conv.err" "$T/fsck.log"
  fi
}

# --- 3. the formats ---
for id in raw qcow2 vmdk vdi vpc qcow base snap; do mkdisk $id; done
for f in qcow2 vmdk vdi vpc qcow; do
  qemu-img convert -f raw -O $f "$T/$f.raw" "$T/disk.$f"
done
qemu-img create -q -f qcow2 -b "$T/base.raw" -F raw "$T/chain.qcow2"
mkdir -p "$T/cd"
cp -r "$T/files/." "$T/cd/" && echo cd >"$T/cd/id"
xorriso -as mkisofs -quiet -R -o "$T/data.iso" "$T/cd" 2>/dev/null
mkdir -p "$T/d-cd" && cp -r "$T/cd/." "$T/d-cd/"
base_md5=$(md5sum <"$T/base.raw")
snap_md5=$(md5sum <"$T/snap.raw")

if run_guest formats1 "qzdevs=sda,sdb,sr0,sdc" \
     -drive file="$T/raw.raw",format=raw,index=0 -drive file="$T/disk.qcow2",format=qcow2,index=1 \
     -cdrom "$T/data.iso" -drive file="$T/disk.vmdk",if=ide,index=3,cache=writethrough; then
  for id in raw qcow2 vmdk cd; do check_reads formats1 $id; done
  check_written formats1 raw "$T/raw.raw" raw
  check_written formats1 qcow2 "$T/disk.qcow2" qcow2
  check_written formats1 vmdk "$T/disk.vmdk" vmdk
fi
if run_guest formats2 "qzdevs=sda,sdb,sdc,sdd" \
     -drive file="$T/disk.vdi",format=vdi -drive file="$T/disk.vpc",format=vpc \
     -drive file="$T/disk.qcow",format=qcow,cache=none -drive file="$T/chain.qcow2",format=qcow2; then
  for id in vdi vpc qcow base; do check_reads formats2 $id; done
  check_written formats2 vdi "$T/disk.vdi" vdi
  check_written formats2 vpc "$T/disk.vpc" vpc
  check_written formats2 qcow "$T/disk.qcow" qcow
  check_written formats2 base "$T/chain.qcow2" qcow2
  [ "$(md5sum <"$T/base.raw")" = "$base_md5" ] && pass "formats2: backing file unchanged" ||
    fail "formats2: the backing file of chain.qcow2 changed"
fi
# virtio-blk: -drive if=virtio, and -drive if=none + -device virtio-blk-pci;
# a third disk full of data is discarded by the guest (qcow2: clusters freed)
mkdisk vio1; mkdisk vio2
qemu-img convert -f raw -O qcow2 "$T/vio2.raw" "$T/vio2.qcow2"
head -c 8388608 /dev/urandom >"$T/fill.raw"
qemu-img convert -f raw -O qcow2 "$T/fill.raw" "$T/trim.qcow2"
used_before=$(qemu-img map --output=json "$T/trim.qcow2" | grep -c '"data": true')
# (the -device disk comes after the if=virtio ones: vdc)
if run_guest virtio "qzdevs=vda,vdc qzdiscard=vdb" \
     -drive file="$T/vio1.raw",format=raw,if=virtio \
     -drive file="$T/vio2.qcow2",format=qcow2,if=none,id=disk2 -device virtio-blk-pci,drive=disk2 \
     -drive file="$T/trim.qcow2",format=qcow2,if=virtio; then
  check_reads virtio vio1
  check_reads virtio vio2
  check_written virtio vio1 "$T/vio1.raw" raw
  check_written virtio vio2 "$T/vio2.qcow2" qcow2
  truncate -s 8M "$T/zero.raw"
  if grep -aq "QZ-DISCARDED vdb" "$T/virtio.log" && qemu-img check -q "$T/trim.qcow2" &&
     qemu-img compare -q -f qcow2 -F raw "$T/trim.qcow2" "$T/zero.raw"; then
    pass "virtio: discard (qcow2 reads zeros after it, image consistent)"
  else
    fail "virtio: discard: $(grep -a 'DISCARD' "$T/virtio.log") map before: $used_before"
  fi
fi
if run_guest snapshot "qzdevs=sda" -hda "$T/snap.raw" -snapshot; then
  check_reads snapshot snap
  grep -aq "^QZ-WROTE snap " "$T/snapshot.log" && [ "$(md5sum <"$T/snap.raw")" = "$snap_md5" ] &&
    [ -z "$(ls "${TMPDIR:-/var/tmp}"/quetzal-snapshot.* 2>/dev/null)" ] &&
    pass "snapshot: guest wrote, image unchanged, no overlay left" ||
    fail "snapshot: image changed or the guest could not write"
fi

# --- SeaBIOS's boot order per -boot (CMOS and the fw_cfg bootorder file): a
# blank disk and a data CD, neither bootable; the "Booting from" lines of
# SeaBIOS show the order it tried them in, compared with QEMU's (or, without
# QEMU, with the order asked for); menu=on prints the boot menu prompt
truncate -s 8M "$T/blank.raw"
# boot_seq EMULATOR -boot-ARG: the devices SeaBIOS tried, as c/d letters.
# Once SeaBIOS has tried them all it prints "No bootable device" and waits 60 s
# to retry: the machine is stopped there (or after 20 s, a hang) instead of
# at a fixed timeout, which cost 20 s a run
boot_seq() {
  : >"$T/bo.log"
  "$1" -nographic -monitor none -no-reboot -serial "file:$T/bo.log" \
    -drive file="$T/blank.raw",format=raw -cdrom "$T/data.iso" -boot "$2" </dev/null >/dev/null 2>&1 &
  bpid=$!
  i=0
  while [ $i -lt 200 ] && kill -0 $bpid 2>/dev/null && ! grep -aq 'No bootable device' "$T/bo.log"; do
    sleep 0.1; i=$((i + 1))
  done
  kill $bpid 2>/dev/null; wait $bpid 2>/dev/null
  tr -d '\033' <"$T/bo.log" | grep -a -o -E 'Booting from (Hard Disk|DVD/CD)|Press ESC for boot menu' |
    sed -e 's/.*Hard Disk/c/' -e 's#.*DVD/CD#d#' -e 's/Press ESC.*/M/' | tr -d '\n'
}
for b in order=c order=d once=d,order=c order=dc,menu=on; do
  got=$(boot_seq "$SYSEMU" "$b")
  if command -v qemu-system-x86_64 >/dev/null 2>&1 && ! sysemu_is_qemu; then
    want=$(boot_seq qemu-system-x86_64 "$b")
    # QEMU tries an unlisted device after the floppy; compare the listed ones
    case $b in order=c) got=${got%%d*} want=${want%%d*} ;; esac
    what="QEMU's"
  else
    case $b in order=c) want=cd ;; order=d|once=d*) want=dc ;; order=dc,menu=on) want=Mdc ;; esac
    [ "$b" = order=c ] && got=${got%%d*} want=c
    what="expected"
  fi
  [ -n "$got" ] && [ "$got" = "$want" ] && pass "boot order -boot $b: $got" ||
    fail "boot order -boot $b: SeaBIOS tried '$got', $what '$want'"
done

# --- 4. SeaBIOS boots GRUB from the CD-ROM and from a hard disk ---
if ! command -v grub-mkrescue >/dev/null 2>&1 || [ ! -d /usr/lib/grub/i386-pc ]; then
  skip "GRUB boots: grub-mkrescue for i386-pc missing (apt-get install grub-pc-bin xorriso mtools)"
else
  g=$T/grub
  mkdir -p "$g/boot/grub"
  cp "$kernel" "$g/boot/vmlinuz"
  cp "$T/initrd.gz" "$g/boot/initrd.gz"
  echo grub >"$g/id"
  cat >"$g/boot/grub/grub.cfg" <<GRUBCFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "quetzal" {
  echo QZ-GRUB-LOADING
  linux /boot/vmlinuz console=ttyS0 panic=-1 $LINUX_TEST_ARGS quiet qzdevs=sr0
  initrd /boot/initrd.gz
}
GRUBCFG
  if grub-mkrescue -o "$T/grub.iso" "$g" >"$T/mkrescue.log" 2>&1; then
    for how in cdrom disk; do
      if [ $how = cdrom ]; then
        set -- -cdrom "$T/grub.iso" -boot d
        devs=sr0
      else
        qemu-img convert -O qcow2 "$T/grub.iso" "$T/grub.qcow2"
        set -- -drive file="$T/grub.qcow2",format=qcow2 -boot order=c
      fi
      start=$(date +%s)
      timeout "$tmo" "$SYSEMU" -m 256 -display none -no-reboot -serial "file:$T/grub-$how.log" \
        "$@" </dev/null >"$T/grub-$how.out" 2>&1
      st=$? secs=$(( $(date +%s) - start ))
      if [ $st = 0 ] && grep -aq QZ-GRUB-LOADING "$T/grub-$how.log" &&
         grep -aq QZ-DISK-DONE "$T/grub-$how.log"; then
        pass "grub-$how: SeaBIOS -> GRUB -> Linux -> poweroff (${secs}s)"
      else
        fail "grub-$how: status $st after ${secs}s"; tail -n 8 "$T/grub-$how.log" | sed 's/^/    /'
      fi
    done
    # the kernel in the guest read the CD it booted from
    want=$(md5sum <"$kernel" | cut -d' ' -f1)
    grep -aq "^QZ-MD5 grub $want ./boot/vmlinuz" "$T/grub-cdrom.log" &&
      pass "grub-cdrom: the guest reads its CD (vmlinuz md5)" ||
      fail "grub-cdrom: vmlinuz md5 inside the guest differs"
  else
    fail "grub-mkrescue failed: $(tail -2 "$T/mkrescue.log")"
  fi
fi

# --- floppy: SeaBIOS boots a 1.44 MB image whose boot sector
# (tests/system-guest/floppy-boot.S) reads 53 sectors through INT 13h (the
# FDC with DMA channel 2: both heads and a seek), prints the sum of their
# words, writes one back and exits through isa-debug-exit; the sum is the
# host's, the written sector is in the image, and QEMU prints the same
if ! command -v as >/dev/null 2>&1 || ! command -v ld >/dev/null 2>&1; then
  skip "floppy: as/ld (binutils) missing"
elif ! as --32 -o "$T/fdboot.o" "$SRC/tests/system-guest/floppy-boot.S" ||
     ! ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$T/fdboot.bin" "$T/fdboot.o"; then
  fail "floppy: cannot assemble the boot sector"
else
  { cat "$T/fdboot.bin"; head -c $((1474560 - 512)) /dev/urandom; } >"$T/fd.img"
  cp "$T/fd.img" "$T/fd-qemu.img"
  want=$(od -An -v -tu2 -j512 -N27136 "$T/fd.img" | awk '{for (i = 1; i <= NF; i++) s += $i} END {printf "%04X", s % 65536}')
  # floppy_run EMULATOR IMAGE: the QZ-FLOPPY lines; the exit status in $T/fd.status
  floppy_run() {
    timeout 60 "$1" -nographic -monitor none -no-reboot -serial "file:$T/fd.log" \
      -device isa-debug-exit -drive file="$2",format=raw,if=floppy,index=0 -boot a \
      </dev/null >/dev/null 2>&1
    echo $? >"$T/fd.status"
    tr -d '\033\r' <"$T/fd.log" | grep -a -o 'QZ-FLOPPY-[A-Z]* *[0-9A-F]*'
  }
  got=$(floppy_run "$SYSEMU" "$T/fd.img")
  st=$(cat "$T/fd.status")
  if [ $st = 33 ] && echo "$got" | grep -q "QZ-FLOPPY-SUM $want" && echo "$got" | grep -q QZ-FLOPPY-END; then
    pass "floppy: SeaBIOS boots it, INT 13h reads 53 sectors (sum $want)"
  else
    fail "floppy: status $st, want sum $want: $(echo $got)"
  fi
  one=$(dd if="$T/fd.img" bs=512 skip=1 count=1 2>/dev/null | md5sum)
  [ "$(dd if="$T/fd.img" bs=512 skip=71 count=1 2>/dev/null | md5sum)" = "$one" ] &&
    pass "floppy: the sector written through INT 13h is in the image" ||
    fail "floppy: sector 71 does not hold what the guest wrote"
  if command -v qemu-system-x86_64 >/dev/null 2>&1 && ! sysemu_is_qemu; then
    q=$(floppy_run qemu-system-x86_64 "$T/fd-qemu.img")
    [ "$q" = "$got" ] && cmp -s "$T/fd.img" "$T/fd-qemu.img" &&
      pass "floppy: QEMU prints the same and leaves the same image" ||
      fail "floppy: QEMU differs: $(echo $q)"
  fi
fi

# --- 5. the same guest under QEMU ---
if sysemu_is_qemu; then
  skip "QEMU comparison: SYSEMU is QEMU already"
elif ! command -v qemu-system-x86_64 >/dev/null 2>&1 || [ -n "$DISK_NO_QEMU" ]; then
  skip "QEMU comparison: qemu-system-x86_64 not installed"
else
  mkdisk raw
  cp "$T/raw.raw" "$T/raw-q.raw"
  SYSEMU_SAVED=$SYSEMU SYSEMU=qemu-system-x86_64
  if run_guest qemu "qzdevs=sda,sr0" -drive file="$T/raw-q.raw",format=raw -cdrom "$T/data.iso"; then
    # (sorted: the sd names follow libata's asynchronous probing)
    a=$(grep -a '^QZ-MD5' "$T/qemu.log" | tr -d '\r' | sort)
    b=$(grep -a -E '^QZ-MD5 (raw|cd) ' "$T/formats1.log" | tr -d '\r' | sort)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
      pass "qemu: same QZ-MD5 lines as quetzal ($(echo "$a" | wc -l))"
    else
      fail "qemu: QZ-MD5 lines differ from quetzal's"
      echo "$a" >"$T/a"; echo "$b" >"$T/b"; diff "$T/a" "$T/b" | head -8
    fi
  fi
  SYSEMU=$SYSEMU_SAVED
fi
finish
