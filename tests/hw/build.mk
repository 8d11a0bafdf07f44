# Platform device unit test (PCI, chipset, ACPI PM and tables, fw_cfg) on a
# stand-in for system/.
TEST_PROGS += tests/hw/platform-test
tests/hw/platform-test: tests/hw/platform-test.o tests/hw/fake-system.o hw/pci.o hw/i440fx.o \
	hw/piix.o hw/acpi-pm.o hw/acpi-tables.o hw/fw_cfg.o
	$(LINK)
