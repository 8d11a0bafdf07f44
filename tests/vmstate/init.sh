#!/bin/sh
# /init of tests/check-vmstate.sh's guest (busybox sh). qzmode= on the kernel
# command line picks the work:
#   compute: a checksum loop printing "P i s" every 500 steps, then "DONE s";
#            the host computes the same sums (the migrated guest must agree)
#   disk:    loads the disk modules, then every 0.3 s: drops the cache of
#            /dev/$qzdev (sda),
#            reads the number on /dev/$dev, prints "T n m" (m, the number read,
#            is n - 1 when RAM and disk belong together) and writes n there
# then ACPI poweroff.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
/bin/busybox mount -t proc proc /proc
mode=compute steps=30000 ticks=30 dev=sda
for a in $(/bin/busybox cat /proc/cmdline); do
  case $a in
    qzmode=*) mode=${a#qzmode=} ;;
    qzsteps=*) steps=${a#qzsteps=} ;;
    qzticks=*) ticks=${a#qzticks=} ;;
    qzdev=*) dev=${a#qzdev=} ;;
  esac
done
echo QZ-READY
if [ $mode = compute ]; then
  s=1 i=0
  while [ $i -lt $steps ]; do
    i=$((i + 1)); s=$(( (s * 31 + i) % 1000000007 ))
    [ $((i % 500)) = 0 ] && echo "P $i $s"
  done
  echo "DONE $s"
else
  for m in $(/bin/busybox cat /modules.order); do
    /bin/busybox insmod /modules/$m || echo "QZ-FAIL insmod $m"
  done
  i=0
  while [ ! -b /dev/$dev ] && [ $i -lt 300 ]; do /bin/busybox sleep 0.1; i=$((i + 1)); done
  echo QZ-DISK
  n=1
  while [ $n -le $ticks ]; do
    /bin/busybox sleep 0.3
    /bin/busybox blockdev --flushbufs /dev/$dev    # BLKFLSBUF: the next read goes to the disk
    m=$(/bin/busybox dd if=/dev/$dev bs=512 count=1 2>/dev/null | /bin/busybox head -1)
    echo "T $n ${m:-none}"
    echo $n | /bin/busybox dd of=/dev/$dev bs=512 count=1 conv=sync,fsync 2>/dev/null
    n=$((n + 1))
  done
fi
/bin/busybox poweroff -f
