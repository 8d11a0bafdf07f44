# quetzal-img: the disk image tool, one file per group of commands.
PROGS += quetzal-img
quetzal-img: tools/quetzal-img.o tools/img-info.o tools/img-create.o tools/img-convert.o tools/img-convert-compress.o tools/img-convert-copy.o \
	tools/img-compare.o tools/img-bench.o libquetzal-block.a
	$(LINK)
quetzal-img: EXTRA_LIBS += $(BLOCK_LIBS)
