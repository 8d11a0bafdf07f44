# Unit tests of the translator and the execution layer (run by tests/check-tcg.sh).
TEST_PROGS += tests/tcg/test-tcg
tests/tcg/test-tcg: tests/tcg/test-tcg.o tests/tcg/test-arith.o tests/tcg/test-control.o \
		tests/tcg/test-exec.o tests/tcg/test-random.o libquetzal-cpu.a
	$(LINK)
# The softmmu and system-mode execution with a toy guest (tests/check-softmmu.sh);
# it carries its own stand-in for the physical address space.
TEST_PROGS += tests/tcg/test-softmmu
tests/tcg/test-softmmu: tests/tcg/test-softmmu.o libquetzal-cpu.a
	$(LINK)
