#!/bin/sh
# /init of the SDL test's initramfs (busybox sh): a shell on the VGA console
# (tty1), which reads the PS/2 keyboard; QZ-SHELL-READY on the serial port
# tells the test to start typing.
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
i=0
while [ ! -e /dev/tty1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
echo "QZ-SHELL-READY" >/dev/ttyS0
exec setsid sh -c 'exec sh </dev/tty1 >/dev/tty1 2>&1'
