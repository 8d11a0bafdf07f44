cpu-obj += target-i386/translate-sse.o
