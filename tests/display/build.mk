# Display tests (run by tests/check-display.sh): the VGA core and renderer
# driven through their ports and memory; the whole machine with a screendump
# at the guest's isa-debug-exit write.
TEST_PROGS += tests/display/vga-test tests/display/screenshot
tests/display/vga-test: tests/display/vga-test.o hw/vga.o hw/vga-edid.o hw/device.o ui/vga-render.o \
		ui/console.o ui/screendump.o ui/font8x16.o ui/keymap.o hw/i8042.o system/memory.o \
		system/ioport.o system/main-loop.o
	$(LINK)
tests/display/vga-test: EXTRA_LIBS += $(PNG_LIBS)
tests/display/screenshot: tests/display/screenshot.o $(filter-out system/main.o,$(system-obj)) \
		$(hw-obj) $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/ui/*.c)) libquetzal-cpu.a
	$(LINK)
tests/display/screenshot: EXTRA_LIBS += $(SDL_LIBS) $(PNG_LIBS)
