#!/bin/sh
# The oracle half of tests/check-net.sh: the same guest script (e1000 and
# virtio-net-pci boots: DHCP, ping, wget MD5, hostfwd both ways, refused
# connection, default NIC, -nic none, option errors) under
# qemu-system-x86_64, so that what check-net expects of quetzal is what QEMU
# does. Skips without qemu-system-x86_64. Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  echo "SKIP: net-qemu: qemu-system-x86_64 not installed"
  echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
SYSEMU=qemu-system-x86_64 exec sh "$SRC/tests/check-net.sh"
