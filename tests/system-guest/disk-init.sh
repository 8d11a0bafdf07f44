#!/bin/sh
# /init of tests/check-disk.sh's initramfs (busybox sh): loads the storage
# modules listed in /modules.order (ata_piix, sd_mod, sr_mod, ext4, isofs and
# what they depend on), waits for the block devices named by qzdevs= on the
# kernel command line, then for each:
#   sdX: mounts it (ext2), prints "QZ-MD5 ID SUM FILE" for every file (ID is the
#        content of the file system's /id), writes /guest.txt ("guest ID" and
#        seq 1 $qzlines), prints "QZ-WROTE ID SUM", syncs and unmounts
#   srN: mounts it (iso9660) and prints the QZ-MD5 lines
#   (vdX are virtio-blk disks, handled as sdX)
# with qzdd=DEV,... reads each whole DEV with dd (QZ-DD DEV SECTORS START END),
# and with qzdiscard=DEV discards all of DEV (blkdiscard), printing QZ-DISCARDED,
# then QZ-DISK-DONE and ACPI poweroff.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "QZ-INIT-START"
devs="sda" lines=1000
for a in $(cat /proc/cmdline); do
  case $a in
    qzdevs=*) devs=$(echo "${a#qzdevs=}" | tr , ' ') ;;
    qzlines=*) lines=${a#qzlines=} ;;
    qzdiscard=*) discard=${a#qzdiscard=} ;;
    qzdd=*) ddevs=$(echo "${a#qzdd=}" | tr , ' ') ;;
  esac
done
for m in $(cat /modules.order); do
  insmod /modules/$m || echo "QZ-FAIL insmod $m"
done
mkdir -p /mnt
for d in $devs; do
  i=0
  while [ ! -b /dev/$d ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  [ -b /dev/$d ] || { echo "QZ-FAIL no /dev/$d"; continue; }
  case $d in sr*) fs=iso9660 ;; *) fs=ext4 ;; esac
  if ! mount -t $fs /dev/$d /mnt; then
    echo "QZ-FAIL mount /dev/$d"
    continue
  fi
  id=$(cat /mnt/id 2>/dev/null || echo "$d")
  (cd /mnt && find . -type f ! -name guest.txt | sort | while read -r f; do
     set -- $(md5sum "$f")
     echo "QZ-MD5 $id $1 $f"
   done)
  if [ $fs = ext4 ]; then
    { echo "guest $id"; seq 1 "$lines"; } > /mnt/guest.txt && sync &&
      set -- $(md5sum /mnt/guest.txt) && echo "QZ-WROTE $id $1"
  fi
  umount /mnt || echo "QZ-FAIL umount /dev/$d"
done
if [ -n "$discard" ]; then
  i=0
  while [ ! -b /dev/$discard ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  blkdiscard /dev/$discard && echo "QZ-DISCARDED $discard" || echo "QZ-FAIL blkdiscard $discard"
fi
for d in $ddevs; do                    # throughput figures (tests/bench), not checks
  i=0
  while [ ! -b /dev/$d ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  t0=$(cut -d' ' -f1 /proc/uptime)
  dd if=/dev/$d of=/dev/null bs=1M 2>/dev/null
  echo "QZ-DD $d $(cat /sys/block/$d/size) sectors $t0 $(cut -d' ' -f1 /proc/uptime)"
done
dmesg | grep -E 'I/O error|failed command|exception Emask|timeout' | sed 's/^/QZ-FAIL dmesg /' | head -10
echo "QZ-DISK-DONE"
poweroff -f
