# Unit tests of the x86 system helpers over a fake softmmu (tests/check-x86sys.sh).
TEST_PROGS += tests/x86sys/x86sys-test
x86sys-test-obj := tests/x86sys/fake.o tests/x86sys/test-mmu.o tests/x86sys/test-seg.o \
	tests/x86sys/test-misc.o target-i386/mmu.o target-i386/seg_helper.o \
	target-i386/misc_helper.o target-i386/cpu.o target-i386/cc_helper.o target-i386/helper.o \
	target-i386/xsave_helper.o target-i386/sse_helper.o target-i386/fpu_helper.o \
	target-i386/x87-rem.o target-i386/x87-transc.o
tests/x86sys/x86sys-test: $(x86sys-test-obj)
	$(LINK)
