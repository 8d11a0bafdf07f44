# The machine's state saved and restored (snapshots, migration): linked into
# quetzal-system-x86_64, with the CPU's part from target-i386/machine.c.
migration-obj := $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/migration/*.c)) target-i386/machine.o block/qcow2-vmstate.o
quetzal-system-x86_64: $(migration-obj)
