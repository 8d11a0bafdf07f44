# The execution layer: TB cache, execution loop, user-mode guest pages.
cpu-obj += accel/tcg/tb-cache.o accel/tcg/cpu-exec.o accel/tcg/user-pages.o accel/tcg/cputlb.o \
	accel/tcg/host-fault.o
