# Unit tests of the ISA devices (run by tests/check-hw-isa.sh): the device
# files linked alone with the stand-ins of tests/hw/fake.c.
TEST_PROGS += tests/hw/test-isa
tests/hw/test-isa: tests/hw/test-isa.o tests/hw/fake.o hw/device.o tests/hw/test-i8259.o \
		tests/hw/test-i8254.o tests/hw/test-rtc.o tests/hw/test-serial.o \
		tests/hw/test-i8042.o hw/i8259.o hw/i8254.o hw/mc146818rtc.o hw/serial.o \
		hw/i8042.o hw/port92.o hw/debugexit.o
	$(LINK)
TEST_PROGS += tests/hw/isa-replay
tests/hw/isa-replay: tests/hw/isa-replay.o tests/hw/fake.o hw/device.o hw/i8259.o hw/i8254.o \
		hw/mc146818rtc.o hw/serial.o hw/i8042.o hw/port92.o
	$(LINK)
# Unit tests of the interrupt controllers and timers, on fake memory and clock
# (run by tests/check-hw-apic.sh).
TEST_PROGS += tests/hw/apic-test
tests/hw/apic-test: tests/hw/apic-test.o tests/hw/apic-fake.o hw/device.o hw/apic.o hw/ioapic.o hw/hpet.o
	$(LINK)
TEST_PROGS += tests/hw/apic-qtest
tests/hw/apic-qtest: tests/hw/apic-qtest.o tests/hw/apic-fake.o hw/device.o hw/apic.o hw/ioapic.o hw/hpet.o
# Platform device unit test (PCI, chipset, ACPI PM and tables, fw_cfg) on a
# stand-in for system/.
TEST_PROGS += tests/hw/platform-test
tests/hw/platform-test: tests/hw/platform-test.o tests/hw/fake-system.o hw/device.o hw/pci.o hw/i440fx.o \
	hw/piix.o hw/acpi-pm.o hw/acpi-tables.o hw/fw_cfg.o
	$(LINK)
# IDE (PIIX3, ATA, ATAPI) driven through its ports on the real I/O space,
# memory map and main loop (run by tests/check-disk.sh).
TEST_PROGS += tests/hw/ide-test
tests/hw/ide-test: tests/hw/ide-test.o hw/ide-core.o hw/ide-atapi.o hw/ide-piix.o hw/blk-worker.o \
		hw/pci.o hw/device.o system/memory.o system/ioport.o system/main-loop.o libquetzal-block.a
	$(LINK)
tests/hw/ide-test: EXTRA_LIBS += $(BLOCK_LIBS)
