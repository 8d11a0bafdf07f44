# Unit tests of the translator and the execution layer (run by tests/check-tcg.sh).
TEST_PROGS += tests/tcg/test-tcg
tests/tcg/test-tcg: tests/tcg/test-tcg.o tests/tcg/test-arith.o tests/tcg/test-control.o \
		tests/tcg/test-exec.o tests/tcg/test-random.o libquetzal-cpu.a
	$(LINK)
