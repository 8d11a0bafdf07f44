#!/bin/sh
# /init of the monitor's CD-ROM test (tests/monitor/cdrom-check.py): loads the
# storage modules of /modules.order, reads /id of the CD in /dev/sr0, then
# waits for the host's `change` to a CD whose /id is cd2, reads 256 KiB of
# ide0-hd0 with O_DIRECT (4 requests of 64 KiB, for info blockstats) and a
# cluster of /dev/sdb that fails (BLOCK_IO_ERROR), and
# writes to the virtio disk the host has snapshotted, and
# waits for the host's `eject` (mount finds no medium); before all that, sees
# the size of the virtio disk change when the host's `block_resize` grows it. Each step prints a QZ- line on the serial port.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in $(cat /modules.order); do
  insmod /modules/$m || echo "QZ-FAIL insmod $m"
done
mkdir -p /mnt
i=0
while { [ ! -b /dev/sr0 ] || [ ! -b /dev/sda ] || [ ! -b /dev/sdb ]; } && [ $i -lt 300 ]; do
  sleep 0.1; i=$((i + 1))
done
# the disks probe in either order: the 1 MiB one (ide0-hd0) and the 4 MiB one
for d in sda sdb; do
  case $(cat /sys/block/$d/size) in 2048) good=$d ;; 8192) bad=$d ;; esac
done
# the id of the CD in the drive, or nothing when there is none
cd_id() {
  mount -t iso9660 -o ro /dev/sr0 /mnt 2>/dev/null || return 1
  cat /mnt/id
  umount /mnt
}
# virtio0 (1 MiB) until the host's block_resize to 2 MiB: the device's
# configuration change interrupt makes Linux read the new capacity
i=0
while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo "QZ-VDA $(cat /sys/block/vda/size 2>/dev/null)"
i=0
while [ "$(cat /sys/block/vda/size 2>/dev/null)" = 2048 ] && [ $i -lt 600 ]; do
  sleep 0.1; i=$((i + 1))
done
size=$(cat /sys/block/vda/size 2>/dev/null)
# the new sectors read (the device's range check follows the new capacity)
if dd if=/dev/vda of=/dev/null bs=512 skip=4000 count=8 iflag=direct 2>/dev/null; then
  echo "QZ-VDA-RESIZED $size"
else
  echo "QZ-VDA-RESIZED $size unreadable"
fi
echo "QZ-CD1 $(cd_id)"
echo "QZ-STATS-1"
i=0
until [ "$(cd_id)" = cd2 ] || [ $i -gt 600 ]; do sleep 0.2; i=$((i + 1)); done
echo "QZ-CD2 $(cd_id)"
# the host has switched vda to an overlay (blockdev-snapshot-sync) meanwhile:
# 64 KiB written at 1 MiB go to it and read back with O_DIRECT
yes QZDATA | head -c 65536 >/pattern
dd if=/pattern of=/dev/vda bs=65536 seek=16 count=1 conv=fsync 2>/dev/null
if dd if=/dev/vda bs=65536 skip=16 count=1 iflag=direct 2>/dev/null | cmp -s - /pattern; then
  echo "QZ-VDW ok"
else
  echo "QZ-VDW bad"
fi
dd if=/dev/$good of=/dev/null bs=65536 count=4 iflag=direct 2>/dev/null
# the cluster at 2 MiB of ide0-hd1 is cut off its qcow2 file: an I/O error
if dd if=/dev/$bad of=/dev/null bs=65536 skip=32 count=1 iflag=direct 2>/dev/null; then
  echo "QZ-FAIL no I/O error on $bad"
else
  echo "QZ-IOERR"
fi
echo "QZ-STATS-2"
# the host ejects now: leave the drive alone meanwhile (an eject during an
# ATAPI DMA read can still lose the command's interrupt: see the notes of
# tests/monitor/cdrom-check.py)
sleep 3
i=0
while cd_id >/dev/null && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
# (the drive's size in sysfs stays until a medium is read again: the mount's
# "no medium" is what the guest sees)
if cd_id >/dev/null; then echo "QZ-FAIL still a CD after eject"; else echo "QZ-EJECTED"; fi
poweroff -f
