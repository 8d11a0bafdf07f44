#!/bin/sh
# /init of tests/check-disk.sh's initramfs (busybox sh): loads the storage
# modules listed in /modules.order (ata_piix, sd_mod, sr_mod, ext4, isofs...),
# then, per the kernel command line:
#   qzdisk=rw   mounts /dev/sda (ext2), prints "QZ-MD5 SUM NAME" for each file,
#               writes /guest.txt (seq 1 $qzlines), syncs, unmounts
#   qzdisk=cd   mounts /dev/sr0 (iso9660) and prints QZ-MD5 lines for its files
# Lines are QZ-*; QZ-DISK-DONE last, then ACPI poweroff.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "QZ-INIT-START"
mode=rw lines=1000
for a in $(cat /proc/cmdline); do
  case $a in qzdisk=*) mode=${a#qzdisk=} ;; qzlines=*) lines=${a#qzlines=} ;; esac
done
for m in $(cat /modules.order); do
  insmod /modules/$m || echo "QZ-FAIL insmod $m"
done
dev=/dev/sda fs=ext4
[ "$mode" = cd ] && dev=/dev/sr0 fs=iso9660
i=0
while [ ! -b $dev ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b $dev ] || echo "QZ-FAIL no $dev"
mkdir -p /mnt
if mount -t $fs -o ${QZMOUNT:-rw} $dev /mnt 2>&1; then
  echo "QZ-MOUNTED $dev"
  (cd /mnt && find . -type f ! -name guest.txt | sort | while read -r f; do
     echo "QZ-MD5 $(md5sum "$f")"
   done)
  if [ "$mode" = rw ]; then
    seq 1 "$lines" > /mnt/guest.txt && sync && echo "QZ-WROTE $(md5sum < /mnt/guest.txt)"
    umount /mnt && echo "QZ-UMOUNTED"
  fi
else
  echo "QZ-FAIL mount $dev"
fi
dmesg | grep -E 'ata[0-9]|sd |sr |I/O error|failed command' | sed 's/^/QZ-DMESG /' | head -40
echo "QZ-DISK-DONE"
poweroff -f
