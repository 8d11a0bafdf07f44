# The user interface: the VGA renderer, the display surface and screendumps,
# the SDL window. Linked into quetzal-system-x86_64 with the machine (hw-obj).
ui-obj := $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/ui/*.c))
hw-obj += $(ui-obj)
$(ui-obj): ALL_CFLAGS += $(SDL_CFLAGS) $(PNG_CFLAGS)
quetzal-system-x86_64: EXTRA_LIBS += $(SDL_LIBS) $(PNG_LIBS)
# (system/build.mk expanded hw-obj before this file was read)
quetzal-system-x86_64: $(ui-obj)
