# The differential CPU test harness (tests/check-difftest.sh, tests/slow-difftest.sh).
# It links the translator, so it is built only once tcg/ and the CPU layer have objects.
difftest-obj := tests/difftest/main.o tests/difftest/sandbox.o tests/difftest/native.o \
	tests/difftest/oracle32.o tests/difftest/rng.o \
	tests/difftest/translated.o tests/difftest/generate.o tests/difftest/encode.o \
	tests/difftest/groups-alu.o tests/difftest/groups-bits.o tests/difftest/groups-move.o \
	tests/difftest/groups-flow.o tests/difftest/groups-decode.o \
	tests/difftest/groups-fault.o tests/difftest/groups-flags.o tests/difftest/groups-smc.o \
	tests/difftest/groups-sse.o tests/difftest/groups-sse4.o tests/difftest/groups-avx.o tests/difftest/system.o tests/difftest/sysguest.o system/memory.o

ifneq ($(strip $(tcg-obj)),)
ifneq ($(strip $(cpu-obj)),)
TEST_PROGS += tests/difftest/difftest
endif
endif

tests/difftest/difftest: $(difftest-obj) libquetzal-cpu.a
	$(LINK)

# The native side of 32-bit sequences as a static i386 program, which difftest
# runs under qemu-i386 where the host kernel cannot run 32-bit code
# (--oracle32; tests/difftest/oracle32.h). Needs gcc -m32 (gcc-multilib).
# Never sanitized: it is the oracle, static (which ASan refuses), run by qemu-i386.
difftest-i386-src := tests/difftest/native32.c tests/difftest/rng.c tests/difftest/sandbox.c
ifeq ($(CC_M32),yes)
TEST_PROGS += tests/difftest/difftest-i386
endif

tests/difftest/difftest-i386: $(difftest-i386-src) $(SRC)/tests/difftest/difftest.h \
		$(SRC)/tests/difftest/glue.h $(SRC)/tests/difftest/hostcpu.h $(SRC)/tests/difftest/oracle32.h
	@echo "  LINK    $@ (i386)"
	$(QUIET)$(CC) -m32 -static $(filter-out -fsanitize=%,$(CFLAGS)) -I$(SRC) -o $@ $(filter %.c,$^)
