#!/bin/sh
# /init of the test initramfs (busybox sh): checks the guest system and prints
# QZ-OK NAME / QZ-FAIL NAME lines between QZ-INIT-START and QZ-INIT-DONE, then
# powers the machine off through ACPI (poweroff -f: reboot(2) with
# LINUX_REBOOT_CMD_POWER_OFF). The host script checks every marker.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "QZ-INIT-START uptime $(cut -d' ' -f1 /proc/uptime)"

ok() { echo "QZ-OK $1"; }
bad() { echo "QZ-FAIL $*"; }

[ -r /proc/cpuinfo ] && [ -d /sys/devices/system/cpu ] && ok mounts || bad mounts
flags=$(grep -m1 '^flags' /proc/cpuinfo)
missing=""
long=""
[ "$(uname -m)" = x86_64 ] && long="lm nx syscall"
# qzflags=... on the kernel command line: more flags the -cpu model must show
for f in fpu tsc cx8 cmov pae pse apic sep mmx fxsr sse sse2 $long $(echo "$qzflags" | tr , " "); do
  case " $flags " in *" $f "*) ;; *) missing="$missing $f" ;; esac
done
[ -z "$missing" ] && ok cpuinfo-flags || bad cpuinfo-flags missing:$missing
warn=$(dmesg | grep -E 'WARNING|unknown CPU|Unsupported|BUG:|Oops|unchecked MSR|vendor_id .* unknown' | head -3)
[ -z "$warn" ] && ok dmesg-clean || bad dmesg-clean "$warn"
# IRQ 0 (the 8254) reached the kernel through IO-APIC pin 2, or through the
# 8259 with noapic: the route Linux's check_timer() tests, which the test
# boots skip with no_timer_check (tests/system-guest/boot-lib.sh)
irq0=$(grep -m1 '^ *0:' /proc/interrupts)
case $irq0 in
  *IO-APIC*" 2-edge "*timer*|*XT-PIC*timer*) set -- $irq0
    [ "$2" -gt 0 ] 2>/dev/null && ok timer-irq0 || bad timer-irq0 "$irq0" ;;
  *) bad timer-irq0 "$irq0" ;;
esac
seq 1 20000 > /tmp/f
sum=$(md5sum /tmp/f | cut -d' ' -f1)
[ "$sum" = "$(cat /expected.md5)" ] && ok md5sum || bad md5sum "$sum"
i=0 t=0
while [ $i -lt 2000 ]; do i=$((i + 1)); t=$((t + i)); done
[ $t = 2001000 ] && ok shell-loop || bad shell-loop "$t"
# the CPUs the kernel brought up (-smp; tests/slow-smp.sh)
echo "QZ-CPUS online=$(cat /sys/devices/system/cpu/online) nproc=$(nproc)"
year=$(date +%Y)
[ "$year" -ge 2020 ] 2>/dev/null && ok date || bad date "$(date)"
if [ -x /bench/prog ]; then
  echo "QZ-BENCH-START $(cut -d' ' -f1 /proc/uptime)"
  /bench/prog ${qzbench:-7}
  echo "QZ-BENCH-END $? $(cut -d' ' -f1 /proc/uptime)"
  # an idle second for tests/bench/guest-cpu.sh to read the emulator's CPU
  # time on the marker's arrival, before poweroff ends the emulator
  sleep 1
fi
echo "QZ-INIT-DONE"
poweroff -f
echo "QZ-FAIL poweroff returned"
