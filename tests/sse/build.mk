# SSE helper unit test: the helpers against the host's own SSE2 instructions.
TEST_PROGS += tests/sse/sse-helper-test
tests/sse/sse-helper-test: tests/sse/sse-helper-test.o target-i386/sse_helper.o
	$(LINK)
