cpu-obj += target-i386/translate.o target-i386/translate-alu.o target-i386/translate-ctl.o
cpu-obj += target-i386/translate-sse.o target-i386/cc_helper.o target-i386/helper.o
cpu-obj += target-i386/cpu.o target-i386/disas.o target-i386/sse_helper.o
