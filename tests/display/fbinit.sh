#!/bin/sh
# /init of the display test's initramfs (busybox sh): reports the frame
# buffer Linux set up (/sys/class/graphics/fb0), optionally loads bochs-drm
# (the modules the test put under /modules, in order), clears the console,
# hides its cursor and writes known lines on it, then prints QZ-FB-READY on
# the serial console and writes 0x10 to port 0x501 (isa-debug-exit, where the
# test driver takes its screendump; QEMU without the device ignores it) and
# waits.
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
if [ -d /modules ]; then
  for m in $(cat /modules/order); do insmod /modules/$m || echo "QZ-FB insmod $m failed" >/dev/ttyS0; done
fi
i=0
while [ ! -e /sys/class/graphics/fb0 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "QZ-FB name=$(cat /sys/class/graphics/fb0/name 2>/dev/null) size=$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null) bpp=$(cat /sys/class/graphics/fb0/bits_per_pixel 2>/dev/null)" >/dev/ttyS0
printf '\033[2J\033[H\033[?25l' >/dev/tty1
echo "QUETZAL FRAMEBUFFER CONSOLE TEST" >/dev/tty1
printf '\033[1;31mred \033[32mgreen \033[34mblue \033[0m0123456789 abcdefghijklmnopqrstuvwxyz\n' >/dev/tty1
sleep 1
echo "QZ-FB-READY" >/dev/ttyS0
printf '\020' | dd of=/dev/port bs=1 seek=1281 count=1 2>/dev/null
while :; do sleep 1; done
