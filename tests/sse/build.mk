# SSE helper unit test: the helpers against the host's own SSE2 instructions.
TEST_PROGS += tests/sse/sse-helper-test
tests/sse/sse-helper-test: tests/sse/sse-helper-test.o target-i386/sse_helper.o
	$(LINK)
# the portable C of the SSE4/AES helpers (host fast paths compiled out)
# against the host's AES-NI, PCLMULQDQ, SHA and CRC32
TEST_PROGS += tests/sse/sse4-portable-test
tests/sse/sse4-portable-test: tests/sse/sse4-portable-test.o tests/sse/aes_helper-portable.o \
		tests/sse/sse4_helper-portable.o tests/sse/sha_helper-portable.o
	$(LINK)
tests/sse/%_helper-portable.o: target-i386/%_helper.c
	@echo "  CC      $@"
	$(QUIET)$(CC) $(ALL_CFLAGS) -DSSE4_PORTABLE_ONLY -c -o $@ $<
