# System emulation infrastructure: physical memory map, I/O ports, main loop,
# timers, character back ends. Every system/*.c is built.
system-obj += $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/system/*.c))
