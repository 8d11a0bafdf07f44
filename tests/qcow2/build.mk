# The qcow2 tests' helper: random I/O, crash and verify modes (tests/check-qcow2.sh).
TEST_PROGS += tests/qcow2/qcow2-stress
tests/qcow2/qcow2-stress: tests/qcow2/stress.o libquetzal-block.a
	$(LINK)
tests/qcow2/qcow2-stress: EXTRA_LIBS += $(BLOCK_LIBS)
