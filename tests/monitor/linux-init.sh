#!/bin/sh
# /init of the monitor tests' Linux guest (tests/monitor/linux-check.py): the
# addresses of three kernel symbols (Debian's System.map is a stub; kallsyms has
# them after KASLR), a ready marker, then one line a second.
/bin/busybox mount -t proc proc /proc
for s in linux_banner do_idle jiffies; do
  echo "QZ-SYM $(/bin/busybox grep -E " $s\$" /proc/kallsyms | /bin/busybox head -1)"
done
echo QZ-MON-READY
n=0
while true; do
  /bin/busybox sleep 1
  n=$((n + 1))
  echo "tick $n"
done
