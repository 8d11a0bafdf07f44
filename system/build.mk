# System emulation infrastructure: physical memory map, I/O ports, main loop,
# timers, character back ends. Every system/*.c is built.
system-obj += $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/system/*.c))

# The PC system emulator: the machine (hw/), this folder and the CPU library.
# It needs every device group and the system CPU; while one of them is not in
# the tree yet (parallel work), `make` leaves it out instead of failing, and
# `make quetzal-system-x86_64` shows what is missing.
system-needs := pic_new pit_new rtc_new serial_new i8042_new port92_new debugexit_new \
	apic_new ioapic_new hpet_new pci_bus_new piix3_new acpi_pm_new acpi_install fw_cfg_new \
	x86_cpu_reset x86_cpu_init_system x86_cpu_set_intr cpu_exec_enable_softmmu
system-missing := ${shell cd $(SRC) && for f in $(system-needs); do \
	grep -qsE "^[A-Za-z].*[ *]$$f\(" hw/*.c target-i386/*.c accel/tcg/*.c || echo $$f; done}
ifeq ($(system-missing),)
PROGS += quetzal-system-x86_64
endif
quetzal-system-x86_64: $(system-obj) $(hw-obj) libquetzal-cpu.a libquetzal-block.a
	$(LINK)
# the block layer's optional libraries, as quetzal-img links them (tools/build.mk)
quetzal-system-x86_64: EXTRA_LIBS += $(BLOCK_LIBS)
