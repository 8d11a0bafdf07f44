# The network fuzz test (run by tests/check-net.sh): the e1000 model and the
# user-mode NAT fed random and mutated frames, descriptors and registers.
TEST_PROGS += tests/net/fuzz-net
tests/net/fuzz-net: tests/net/fuzz-net.o $(net-obj) hw/e1000.o hw/virtio-net.o hw/virtio-pci.o hw/pci.o hw/device.o \
		system/memory.o system/ioport.o system/main-loop.o system/errmsg.o
	$(LINK)
TEST_PROGS += tests/net/test-socket
tests/net/test-socket: tests/net/test-socket.o $(net-obj) hw/e1000.o hw/virtio-net.o hw/virtio-pci.o hw/pci.o hw/device.o \
		system/memory.o system/ioport.o system/main-loop.o system/errmsg.o
	$(LINK)
TEST_PROGS += tests/net/test-slirp
tests/net/test-slirp: tests/net/test-slirp.o $(net-obj) hw/e1000.o hw/virtio-net.o hw/virtio-pci.o hw/pci.o hw/device.o \
		system/memory.o system/ioport.o system/main-loop.o system/errmsg.o
	$(LINK)
TEST_PROGS += tests/net/test-vnet
tests/net/test-vnet: tests/net/test-vnet.o $(net-obj) hw/e1000.o hw/virtio-net.o hw/virtio-pci.o hw/pci.o \
		hw/device.o system/memory.o system/ioport.o system/main-loop.o system/errmsg.o
	$(LINK)
