#!/bin/sh
# /init of tests/check-net.sh's initramfs (busybox sh): loads Debian's e1000
# module (or virtio_net with qznic=virtio), configures eth0 by DHCP (udhcpc), pings the gateway, fetches a page
# from the host (kernel parameters qzport=, the host's HTTP port), then serves
# one hostfwd connection on port 7777 (it reads the host's data to EOF, answers
# with seq 1 $qzcount; not with qzmode=short) and prints QZ-* markers that the host script checks.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "QZ-INIT-START"
ok() { echo "QZ-OK $1"; }
bad() { echo "QZ-FAIL $*"; }

# qznic=virtio: the modules in /modules.order (virtio_pci, virtio_net and
# what they need) instead of e1000.ko
nic=${qznic:-e1000}
if [ "$nic" = virtio ]; then
  for m in $(cat /modules.order); do insmod /modules/$m || bad insmod $m; done
else
  [ -d /sys/class/net/eth0 ] || insmod /e1000.ko
fi
[ -d /sys/class/net/eth0 ] && ok $nic || bad $nic "no eth0: $(dmesg | grep -i -e e1000 -e virtio | tail -3)"
echo "QZ-MAC $(cat /sys/class/net/eth0/address 2>/dev/null)"
ip link set lo up
ip link set eth0 up
# the carrier comes with the driver's watchdog after the link interrupt
i=0
while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 50 ]; do
  sleep 0.2; i=$((i + 1))
done
dmesg | grep -i -e e1000 -e virtio | tail -3
mkdir -p /etc
cat > /dhcp.sh <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
  ifconfig "$interface" "$ip" netmask "$subnet" up
  route add default gw "$router" dev "$interface"
  echo "nameserver $dns" > /etc/resolv.conf
  echo "QZ-DHCP ip=$ip router=$router dns=$dns mask=$subnet"
  ;;
esac
SCRIPT
chmod 755 /dhcp.sh
if udhcpc -i eth0 -n -q -t 5 -T 2 -s /dhcp.sh; then ok dhcp; else bad dhcp; fi
ping -c 3 -W 5 10.0.2.2 > /tmp/ping 2>&1 && ok ping || bad ping "$(tail -2 /tmp/ping)"
if wget -q -O /tmp/page "http://10.0.2.2:${qzport}/page.bin"; then
  echo "QZ-WGET-MD5 $(md5sum /tmp/page | cut -d' ' -f1) $(wc -c < /tmp/page)"
else
  bad wget
fi
if [ -n "$qzclosed" ]; then
  # nothing listens there: the NAT's connect() is refused and the guest sees a reset
  if wget -q -O /tmp/x "http://10.0.2.2:${qzclosed}/" 2>/tmp/werr; then
    bad refused "got an answer"
  elif grep -qi refused /tmp/werr; then
    ok refused
  else
    bad refused "$(cat /tmp/werr)"
  fi
fi
if [ "$qzmode" = bench ]; then
  # tests/bench/net.sh: qzbig= (a file on the host's web server) downloaded,
  # then qzup= MiB sent to the host's port qzupport; /proc/uptime around each
  t0=$(cut -d' ' -f1 /proc/uptime)
  wget -q -O /dev/null "http://10.0.2.2:${qzport}/${qzbig}" && t1=$(cut -d' ' -f1 /proc/uptime) &&
    echo "QZ-BENCH down $t0 $t1"
  t0=$(cut -d' ' -f1 /proc/uptime)
  dd if=/dev/zero bs=64k count=$((qzup * 16)) 2>/dev/null | nc 10.0.2.2 "$qzupport" &&
    t1=$(cut -d' ' -f1 /proc/uptime) && echo "QZ-BENCH up $t0 $t1"
  poweroff -f
fi
if [ "$qzmode" = short ]; then
  echo "QZ-INIT-DONE"
  poweroff -f
fi
cat > /serve.sh <<'SCRIPT'
#!/bin/sh
cat > /tmp/fromhost
seq 1 "$qzcount"
SCRIPT
chmod 755 /serve.sh
export qzcount
echo "QZ-LISTEN"
nc -l -p 7777 -e /serve.sh && ok nc || bad nc
echo "QZ-FWD-MD5 $(md5sum /tmp/fromhost | cut -d' ' -f1) $(wc -c < /tmp/fromhost)"
echo "QZ-INIT-DONE"
poweroff -f
