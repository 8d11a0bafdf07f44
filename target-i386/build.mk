cpu-obj += target-i386/translate.o target-i386/translate-alu.o target-i386/translate-ctl.o
cpu-obj += target-i386/translate-sys.o
cpu-obj += target-i386/translate-sse.o target-i386/cc_helper.o target-i386/helper.o
cpu-obj += target-i386/translate-sse4.o target-i386/sse4_helper.o target-i386/aes_helper.o
cpu-obj += target-i386/translate-vex.o target-i386/bmi_helper.o target-i386/sha_helper.o
# AVX/AVX2/FMA3/F16C through C helpers
cpu-obj += target-i386/translate-avx.o target-i386/avx_helper.o target-i386/avx_cmp_helper.o
cpu-obj += target-i386/avx_mem_helper.o target-i386/fma_helper.o target-i386/f16c_helper.o
cpu-obj += target-i386/cpu.o target-i386/disas.o
# user mode threads: atomic read-modify-write instructions
cpu-obj += target-i386/translate-atomic.o target-i386/atomic_helper.o
# system mode: paging, segments and interrupts, privileged instructions
cpu-obj += target-i386/mmu.o target-i386/seg_helper.o target-i386/misc_helper.o
cpu-obj += target-i386/translate-x87.o target-i386/fpu_helper.o target-i386/sse_helper.o
cpu-obj += target-i386/x87-transc.o target-i386/x87-rem.o
# the XSAVE feature set (XCR0, CPUID 0xD, XSAVE/XRSTOR, signal-frame xstate)
cpu-obj += target-i386/xsave_helper.o target-i386/translate-xsave.o
# the x87 helpers switch the host rounding mode around their arithmetic
target-i386/fpu_helper.o: CFLAGS += -frounding-math
# the portable FMA path switches the host rounding mode around fma()
target-i386/fma_helper.o: CFLAGS += -frounding-math
# SSE/FMA float arithmetic inline through the IR vector ops (tcg/vec.h)
cpu-obj += target-i386/translate-vec.o
