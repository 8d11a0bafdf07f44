# The differential CPU test harness (tests/check-difftest.sh, tests/slow-difftest.sh).
# It links the translator, so it is built only once tcg/ and the CPU layer have objects.
difftest-obj := tests/difftest/main.o tests/difftest/sandbox.o tests/difftest/native.o \
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
