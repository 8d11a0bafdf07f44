# Unit tests of the system-emulation infrastructure: memory map, I/O ports,
# main loop and timers, char back ends (run by tests/check-system.sh).
TEST_PROGS += tests/system/test-system
tests/system/test-system: tests/system/test-system.o system/memory.o system/ioport.o \
		system/main-loop.o system/char.o system/char-socket.o system/errmsg.o hw/device.o \
		hw/x86-boot.o hw/fw_cfg.o
	$(LINK)
