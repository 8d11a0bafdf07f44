# The monitor (HMP, QMP): linked into quetzal-system-x86_64, with GNU readline
# when configure found it.
monitor-obj := $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/monitor/*.c))
quetzal-system-x86_64: $(monitor-obj)
quetzal-system-x86_64: EXTRA_LIBS += $(READLINE_LIBS)
$(monitor-obj): ALL_CFLAGS += $(READLINE_CFLAGS)
