# The portable C of the FMA3/F16C helpers (host instructions compiled out,
# helpers renamed *_portable) against the normal objects, which use the host's.
TEST_PROGS += tests/avx/fma-portable-test
tests/avx/fma-portable-test: tests/avx/fma-portable-test.o target-i386/fma_helper.o \
		target-i386/f16c_helper.o tests/avx/fma_helper-portable.o \
		tests/avx/f16c_helper-portable.o
	$(LINK)
tests/avx/fma_helper-portable.o: target-i386/fma_helper.c
	@echo "  CC      $@"
	$(QUIET)$(CC) $(ALL_CFLAGS) -frounding-math -DFMA_PORTABLE_ONLY \
		-Dhelper_fma=helper_fma_portable -c -o $@ $<
tests/avx/f16c_helper-portable.o: target-i386/f16c_helper.c
	@echo "  CC      $@"
	$(QUIET)$(CC) $(ALL_CFLAGS) -DF16C_PORTABLE_ONLY -Dhelper_vcvtph2ps=helper_vcvtph2ps_portable \
		-Dhelper_vcvtps2ph=helper_vcvtps2ph_portable -c -o $@ $<
