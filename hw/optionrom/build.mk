# Option ROMs the emulator carries inside itself: assembled at build time (as
# 16-bit code), signed (size and checksums) and turned into C arrays by signrom.
hw/optionrom/signrom: hw/optionrom/signrom.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(QUIET)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

hw/optionrom/%.raw: hw/optionrom/%.S
	@mkdir -p $(dir $@)
	@echo "  AS16    $@"
	$(QUIET)$(CC) -m32 -c -o $(@:.raw=.rom.o) $< && \
	  ld -m elf_i386 -Ttext 0 --oformat binary -o $@ $(@:.raw=.rom.o)

hw/optionrom/%-rom.c: hw/optionrom/%.raw hw/optionrom/signrom
	@echo "  SIGNROM $@"
	$(QUIET)hw/optionrom/signrom $< $@ $(subst -,_,$*)_rom

hw-obj += hw/optionrom/linuxboot-rom.o
