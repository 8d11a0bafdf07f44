/*
 * The x86-64 target description the gdb stub serves (GDB manual, "Target
 * Descriptions" and "i386 Features": the org.gnu.gdb.i386.core and .sse
 * features with GDB's register names). The order of the registers here is the
 * order of the 'g' packet (gdbstub.c).
 */
#ifndef MONITOR_GDB_TARGET_H
#define MONITOR_GDB_TARGET_H

#define GDB_TARGET_XML \
    "<?xml version=\"1.0\"?>\n" \
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n" \
    "<target version=\"1.0\">\n" \
    "<architecture>i386:x86-64</architecture>\n" \
    "<feature name=\"org.gnu.gdb.i386.core\">\n" \
    "<flags id=\"x86_eflags\" size=\"4\">" \
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>" \
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>" \
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>" \
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>" \
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>" \
    "<field name=\"IOPL\" start=\"12\" end=\"13\"/><field name=\"NT\" start=\"14\" end=\"14\"/>" \
    "<field name=\"RF\" start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/>" \
    "<field name=\"AC\" start=\"18\" end=\"18\"/><field name=\"VIF\" start=\"19\" end=\"19\"/>" \
    "<field name=\"VIP\" start=\"20\" end=\"20\"/><field name=\"ID\" start=\"21\" end=\"21\"/>" \
    "</flags>\n" \
    GDB_REG64("rax") GDB_REG64("rbx") GDB_REG64("rcx") GDB_REG64("rdx") \
    GDB_REG64("rsi") GDB_REG64("rdi") \
    "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n" \
    "<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n" \
    GDB_REG64("r8") GDB_REG64("r9") GDB_REG64("r10") GDB_REG64("r11") \
    GDB_REG64("r12") GDB_REG64("r13") GDB_REG64("r14") GDB_REG64("r15") \
    "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n" \
    "<reg name=\"eflags\" bitsize=\"32\" type=\"x86_eflags\"/>\n" \
    GDB_REG32("cs") GDB_REG32("ss") GDB_REG32("ds") GDB_REG32("es") GDB_REG32("fs") \
    GDB_REG32("gs") \
    GDB_ST("st0") GDB_ST("st1") GDB_ST("st2") GDB_ST("st3") GDB_ST("st4") GDB_ST("st5") \
    GDB_ST("st6") GDB_ST("st7") \
    GDB_FP("fctrl") GDB_FP("fstat") GDB_FP("ftag") GDB_FP("fiseg") GDB_FP("fioff") \
    GDB_FP("foseg") GDB_FP("fooff") GDB_FP("fop") \
    "</feature>\n" \
    "<feature name=\"org.gnu.gdb.i386.sse\">\n" \
    GDB_XMM("xmm0") GDB_XMM("xmm1") GDB_XMM("xmm2") GDB_XMM("xmm3") GDB_XMM("xmm4") \
    GDB_XMM("xmm5") GDB_XMM("xmm6") GDB_XMM("xmm7") GDB_XMM("xmm8") GDB_XMM("xmm9") \
    GDB_XMM("xmm10") GDB_XMM("xmm11") GDB_XMM("xmm12") GDB_XMM("xmm13") GDB_XMM("xmm14") \
    GDB_XMM("xmm15") \
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>\n" \
    "</feature>\n" \
    "</target>\n"

#define GDB_REG64(n) "<reg name=\"" n "\" bitsize=\"64\" type=\"int64\"/>\n"
#define GDB_REG32(n) "<reg name=\"" n "\" bitsize=\"32\" type=\"int32\"/>\n"
#define GDB_ST(n) "<reg name=\"" n "\" bitsize=\"80\" type=\"i387_ext\"/>\n"
#define GDB_FP(n) "<reg name=\"" n "\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
#define GDB_XMM(n) "<reg name=\"" n "\" bitsize=\"128\" type=\"uint128\" group=\"vector\"/>\n"

/* the 'g' packet: sizes in bytes, in the order above */
#define GDB_NUM_REGS 57

#endif
