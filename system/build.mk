# System emulation infrastructure: physical memory map, I/O ports, main loop,
# timers, character back ends. Every system/*.c is built.
system-obj += $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/system/*.c))

# The PC system emulator: the machine (hw/), this folder and the CPU library.
PROGS += quetzal-system-x86_64
quetzal-system-x86_64: $(system-obj) $(hw-obj) libquetzal-cpu.a
	$(LINK)
