# The PC machine and its devices: one device per file. Every hw/*.c is built;
# the system emulator (system/build.mk) links them.
hw-obj += $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/hw/*.c))
