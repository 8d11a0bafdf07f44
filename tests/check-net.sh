#!/bin/sh
# The guest network: Debian 12's x86-64 kernel (its e1000 module loaded from
# the kernel package) with a busybox initramfs built here
# (tests/system-guest/net-init.sh) on an e1000 with -netdev user, then on a
# virtio-net-pci (Debian's virtio_net module). The guest gets
# its address by DHCP (udhcpc: 10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3),
# pings the gateway, wgets a file from a python3 http.server on the host's
# 127.0.0.1 (its MD5 compared with the host's), then serves a hostfwd
# connection: the host sends data, the guest sends its own back, and both
# sides compare MD5s. Only the host's loopback is used. Also the option errors
# (exit status and a message), the default NIC and -nic none; the fuzz test
# (tests/net/fuzz-net: e1000 and virtio-net rings), -netdev socket
# (tests/net/test-socket), the NAT's DNS relay, UDP and its hostfwd, ARP,
# ICMP, IPv4 fragments and out-of-order TCP from a scripted guest
# (tests/net/test-slirp), and virtio-net driven by a scripted driver
# (tests/net/test-vnet: offloads, merged buffers, hostile rings, save/load).
# QEMU's run of the same guest script is tests/slow-net-qemu.sh.
# The emulator is $SYSEMU (default $BUILD/quetzal-system-x86_64), e.g.
#   SYSEMU=qemu-system-x86_64 sh tests/check-net.sh
BUILD=${BUILD:-.}
SRC=${SRC:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/check-net.XXXXXX")
httpd=""
trap '[ -n "$httpd" ] && kill $httpd 2>/dev/null; rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
. "$SRC/tests/system-guest/boot-lib.sh"
passed=0 failed=0 skipped=0
tmo=${NET_TIMEOUT:-150}
pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

if ! sysemu_available; then
  echo "FAIL: net: $SYSEMU not built"; echo "0 passed, 1 failed"; exit 1
fi
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
ko=$(find "$CACHE/linux/lib/modules" -name e1000.ko 2>/dev/null | head -1)
if [ -z "$kernel" ] || [ ! -x "$bb" ] || [ -z "$ko" ]; then
  echo "FAIL: net: kernel, e1000.ko or busybox missing in $CACHE (run scripts/setup.sh --tests)"
  echo "0 passed, 1 failed"; exit 1
fi
# the fuzz test of the e1000 and the NAT (quetzal only: it links them)
if ! sysemu_is_qemu; then
  if [ -x "$BUILD/tests/net/fuzz-net" ]; then
    for seed in 1 2 3; do
      if out=$(timeout 120 "$BUILD/tests/net/fuzz-net" 30000 $seed 2>&1) && echo "$out" | grep -q survived &&
         ! echo "$out" | grep -q "runtime error"; then
        pass "net-fuzz-seed$seed"
      else
        fail "net-fuzz-seed$seed: $(echo "$out" | tail -3)"
      fi
    done
  else
    fail "net-fuzz: $BUILD/tests/net/fuzz-net not built (make tests/net/fuzz-net)"
  fi
fi

# -netdev socket between two back ends (stream framing, UDP): quetzal only
if ! sysemu_is_qemu; then
  if [ -x "$BUILD/tests/net/test-socket" ]; then
    p1=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    p2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    out=$(timeout 60 "$BUILD/tests/net/test-socket" "$p1" "$p2" 2>&1)
    echo "$out" | grep -E '^(ok|FAIL)' | sed 's/^ok /ok net-/; s/^FAIL: /FAIL: net-/'
    passed=$((passed + $(echo "$out" | grep -c '^ok ')))
    failed=$((failed + $(echo "$out" | grep -c '^FAIL')))
    echo "$out" | grep -q ' passed, ' || fail "net-socket: test-socket crashed: $(echo "$out" | tail -2)"
  else
    fail "net-socket: $BUILD/tests/net/test-socket not built"
  fi
fi

# the NAT from a scripted guest: DNS relay, UDP, ARP, ICMP (quetzal only)
if ! sysemu_is_qemu; then
  if [ -x "$BUILD/tests/net/test-slirp" ]; then
    out=$(timeout 60 "$BUILD/tests/net/test-slirp" 2>&1)
    echo "$out" | grep -E '^(ok|FAIL)' | sed 's/^ok /ok net-/; s/^FAIL: /FAIL: net-/'
    passed=$((passed + $(echo "$out" | grep -c '^ok ')))
    failed=$((failed + $(echo "$out" | grep -c '^FAIL')))
    echo "$out" | grep -q ' passed, ' || fail "net-slirp: test-slirp crashed: $(echo "$out" | tail -2)"
  else
    fail "net-slirp: $BUILD/tests/net/test-slirp not built"
  fi
fi

# virtio-net-pci driven by a scripted driver: features, checksum offload,
# TSO, merged receive buffers, hostile rings, save/load (quetzal only)
if ! sysemu_is_qemu; then
  if [ -x "$BUILD/tests/net/test-vnet" ]; then
    out=$(timeout 60 "$BUILD/tests/net/test-vnet" 2>&1)
    echo "$out" | grep -E '^(ok|FAIL)' | sed 's/^ok /ok net-/; s/^FAIL: /FAIL: net-/'
    passed=$((passed + $(echo "$out" | grep -c '^ok ')))
    failed=$((failed + $(echo "$out" | grep -c '^FAIL')))
    echo "$out" | grep -q ' passed, ' || fail "net-vnet: test-vnet crashed: $(echo "$out" | tail -2)"
  else
    fail "net-vnet: $BUILD/tests/net/test-vnet not built"
  fi
fi

# bad network options: a clear error and exit status 1 (QEMU too: non-zero),
# never a machine that runs
bad_opt() {   # NAME OPTIONS...
  name=$1; shift
  timeout 20 "$SYSEMU" -display none -serial none -monitor none "$@" </dev/null >"$T/opt.out" 2>"$T/opt.err"
  st=$?
  if [ $st != 0 ] && [ $st != 124 ] && [ -s "$T/opt.err" ]; then
    pass "net-option-$name"
  else
    fail "net-option-$name: exit status $st, stderr: $(head -c 200 "$T/opt.err")"
  fi
}
bad_opt no-id -netdev user
bad_opt bad-type -netdev bogus,id=x
bad_opt unknown-netdev -device e1000,netdev=nope
bad_opt bad-model -nic user,model=nosuchnic
bad_opt bad-mac -nic user,mac=zz:54:00:12:34:56
bad_opt bad-hostfwd -netdev user,id=u,hostfwd=tcp:127.0.0.1:x-:22
bad_opt dup-id -netdev user,id=u -netdev user,id=u
bad_opt virtio-bad-mac -netdev user,id=u -device virtio-net-pci,netdev=u,mac=zz:00:00:00:00:00
bad_opt virtio-bad-key -netdev user,id=u -device virtio-net-pci,netdev=u,bogus=1
bad_opt virtio-unknown-netdev -device virtio-net-pci,netdev=nope
# QEMU would create the interface, then run the script: ours refuses first
sysemu_is_qemu || bad_opt tap-script -netdev tap,id=t,ifname=qznet9,script=/nonexistent/ifup
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# the initramfs: e1000.ko, and virtio_net with what it needs in /modules
root=$T/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/modules"
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$ko" "$root/e1000.ko"
. "$SRC/tests/system-guest/disk-lib.sh"     # add_module
moddir=$(ls -d "$CACHE"/linux/lib/modules/*/kernel 2>/dev/null | head -1)
order=""
for m in virtio_pci virtio_net; do
  add_module $m || fail "net-virtio-modules: $m not found under $moddir"
done
echo $order >"$root/modules.order"
cp "$SRC/tests/system-guest/net-init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$T/initrd.gz"

# the host's web server and the data
mkdir -p "$T/www"
head -c 300000 /dev/urandom > "$T/www/page.bin"
page_md5=$(md5sum < "$T/www/page.bin" | cut -d' ' -f1)
hport=$(freeport)
(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 "$hport") >/dev/null 2>&1 &
httpd=$!
head -c 200000 /dev/urandom > "$T/tohost"
to_md5=$(md5sum < "$T/tohost" | cut -d' ' -f1)
count=20000
back_md5=$(seq 1 $count | md5sum | cut -d' ' -f1)
back_len=$(seq 1 $count | wc -c)
fport=$(freeport)

# run_guest LOG APPEND [OPTIONS...]: boots in the background (pid in $vm)
run_guest() {
  log=$1 append=$2
  shift 2
  timeout "$tmo" "$SYSEMU" -m 256 -display none -no-reboot -serial "file:$log" \
    -kernel "$kernel" -initrd "$T/initrd.gz" -append "console=ttyS0 panic=-1 $LINUX_TEST_ARGS $append" "$@" \
    </dev/null >"$log.out" 2>&1 &
  vm=$!
}
check_marker() {   # NAME PATTERN
  if grep -q "$2" "$log" 2>/dev/null; then pass "net-$1"; else fail "net-$1: no '$2' in the serial log"; fi
}
check_end() {   # NAME [expect-failures]
  if [ "$status" = 0 ] && grep -q "reboot: Power down" "$log"; then pass "net-$1"
  else fail "net-$1: exit status $status"; fi
  if [ "$failed" != 0 ]; then
    echo "  last 25 lines of the serial log:"; tail -n 25 "$log" | sed 's/^/    /'
    tail -n 5 "$log.out" | sed 's/^/    emulator: /'
  fi
  [ -z "${2:-}" ] && grep -a QZ-FAIL "$log" | head -5 | sed 's/^/  /'
}

# 1. -netdev user with hostfwd and -device e1000: everything
log=$T/serial.log
start=$(date +%s%N)
cport=$(freeport)
run_guest "$log" "qzport=$hport qzcount=$count qzclosed=$cport" \
  -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$fport-:7777" -device e1000,netdev=n0,mac=52:54:00:ab:cd:ef
host_res=$(python3 "$SRC/tests/system-guest/net-host.py" "$log" "$fport" "$T/tohost" "$tmo")
wait $vm
status=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "  (guest ran ${ms} ms, exit status $status)"
check_marker e1000 "QZ-OK e1000"
check_marker mac "eth0: (PCI:33MHz:32-bit) 52:54:00:ab:cd:ef"
check_marker dhcp "QZ-DHCP ip=10.0.2.15 router=10.0.2.2 dns=10.0.2.3 mask=255.255.255.0"
check_marker ping "QZ-OK ping"
check_marker wget "QZ-WGET-MD5 $page_md5 300000"
check_marker refused "QZ-OK refused"
check_marker fwd-to-guest "QZ-FWD-MD5 $to_md5 200000"
if [ "$host_res" = "$back_md5 $back_len" ]; then pass net-fwd-to-host
else fail "net-fwd-to-host: host got '$host_res', expected '$back_md5 $back_len'"; fi
check_end poweroff

# 2. the same on virtio-net-pci (-nic user,model=virtio-net-pci and its
# hostfwd): Debian's virtio_net driver, its MAC from the device configuration
log=$T/serial-virtio.log
start=$(date +%s%N)
cport=$(freeport)
fport=$(freeport)
run_guest "$log" "qzport=$hport qzcount=$count qzclosed=$cport qznic=virtio" \
  -nic "user,model=virtio-net-pci,mac=52:54:00:ab:cd:02,hostfwd=tcp:127.0.0.1:$fport-:7777"
host_res=$(python3 "$SRC/tests/system-guest/net-host.py" "$log" "$fport" "$T/tohost" "$tmo")
wait $vm
status=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "  (virtio guest ran ${ms} ms, exit status $status)"
check_marker virtio "QZ-OK virtio"
check_marker virtio-mac "QZ-MAC 52:54:00:ab:cd:02"
check_marker virtio-dhcp "QZ-DHCP ip=10.0.2.15 router=10.0.2.2 dns=10.0.2.3 mask=255.255.255.0"
check_marker virtio-ping "QZ-OK ping"
check_marker virtio-wget "QZ-WGET-MD5 $page_md5 300000"
check_marker virtio-refused "QZ-OK refused"
check_marker virtio-fwd-to-guest "QZ-FWD-MD5 $to_md5 200000"
if [ "$host_res" = "$back_md5 $back_len" ]; then pass net-virtio-fwd-to-host
else fail "net-virtio-fwd-to-host: host got '$host_res', expected '$back_md5 $back_len'"; fi
check_end virtio-poweroff

# 3. no network option: the default NIC (-nic user,model=e1000)
log=$T/serial-default.log
run_guest "$log" "qzport=$hport qzmode=short"
wait $vm
status=$?
check_marker default-e1000 "QZ-OK e1000"
check_marker default-mac "eth0: (PCI:33MHz:32-bit) 52:54:00:12:34:56"
check_marker default-dhcp "QZ-DHCP ip=10.0.2.15 router=10.0.2.2"
check_marker default-wget "QZ-WGET-MD5 $page_md5 300000"
check_end default-poweroff

# 4. -nic none: no card at all
log=$T/serial-none.log
run_guest "$log" "qzmode=short" -nic none
wait $vm
status=$?
check_marker none-no-eth0 "QZ-FAIL e1000 no eth0"
check_end none-poweroff expect-failures   # no card: the rest fails
san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
