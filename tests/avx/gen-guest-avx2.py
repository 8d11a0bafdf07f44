#!/usr/bin/env python3
"""Writes tests/avx/guest-avx2.c: one inline-asm snippet per instruction form
of the AVX/AVX2/FMA3/F16C set the emulator completes (see that file's opening
comment). Run from the source folder: python3 tests/avx/gen-guest-avx2.py"""
import sys

S = []          # (name, asm text, flags) flags: '64' = x86-64 only

def add(name, text, only64=False):
    S.append((name, text, only64))

# --- permutes ---
add("vpermd", "vpermd %%ymm1, %%ymm2, %%ymm3")
add("vpermd_m", "vpermd 512(%0), %%ymm2, %%ymm3")
add("vpermps", "vpermps %%ymm4, %%ymm5, %%ymm5")
add("vpermps_m", "vpermps 544(%0), %%ymm1, %%ymm0")
for imm in (0x1b, 0xe4, 0x4e, 0x00):
    add("vpermq_%x" % imm, "vpermq $%d, %%%%ymm1, %%%%ymm2" % imm)
    add("vpermpd_m_%x" % imm, "vpermpd $%d, 512(%%0), %%%%ymm3" % imm)
for imm in (0x00, 0x21, 0x13, 0x88, 0x30):
    add("vperm2i128_%x" % imm, "vperm2i128 $%d, %%%%ymm1, %%%%ymm2, %%%%ymm3" % imm)
    add("vperm2f128_%x" % imm, "vperm2f128 $%d, 512(%%0), %%%%ymm2, %%%%ymm3" % imm)
for w in ("x", "y"):
    add("vpermilps_%s" % w, "vpermilps %%%%%smm1, %%%%%smm2, %%%%%smm3" % (w, w, w))
    add("vpermilps_m_%s" % w, "vpermilps 512(%%0), %%%%%smm2, %%%%%smm3" % (w, w))
    add("vpermilpd_%s" % w, "vpermilpd %%%%%smm1, %%%%%smm2, %%%%%smm3" % (w, w, w))
    add("vpermilpd_m_%s" % w, "vpermilpd 512(%%0), %%%%%smm6, %%%%%smm7" % (w, w))
    add("vpermilps_i_%s" % w, "vpermilps $0x9c, %%%%%smm1, %%%%%smm3" % (w, w))
    add("vpermilps_im_%s" % w, "vpermilps $0x27, 512(%%0), %%%%%smm3" % w)
    add("vpermilpd_i_%s" % w, "vpermilpd $0x6, %%%%%smm1, %%%%%smm3" % (w, w))
    add("vpermilpd_im_%s" % w, "vpermilpd $0x9, 512(%%0), %%%%%smm3" % w)

# --- variable shifts (counts bounded to 0..63 by the constant at 1056) ---
for op in ("vpsllvd", "vpsllvq", "vpsrlvd", "vpsrlvq", "vpsravd"):
    for w in ("x", "y"):
        add("%s_%s" % (op, w), "vpand 1056(%%0), %%ymm2, %%ymm2\n\t"
            "%s %%%%%smm2, %%%%%smm1, %%%%%smm3" % (op, w, w, w))
    add("%s_m" % op, "%s 512(%%0), %%%%ymm1, %%%%ymm3" % op)

# --- shifts by an xmm count (bounded by the constant at 1088) and by imm8 ---
for op in ("vpsllw", "vpslld", "vpsllq", "vpsrlw", "vpsrld", "vpsrlq", "vpsraw", "vpsrad"):
    for w in ("x", "y"):
        add("%s_%s" % (op, w), "vpand 1088(%%0), %%xmm2, %%xmm2\n\t"
            "%s %%%%xmm2, %%%%%smm1, %%%%%smm3" % (op, w, w))
    add("%s_big" % op, "%s %%%%xmm2, %%%%ymm1, %%%%ymm3" % op)
    for imm in (0, 3, 17, 40):
        add("%s_i%d" % (op, imm), "%s $%d, %%%%ymm1, %%%%ymm4" % (op, imm))
    add("%s_ix" % op, "%s $5, %%%%xmm1, %%%%xmm1" % op)
for op in ("vpslldq", "vpsrldq"):
    for imm in (0, 5, 15, 16, 200):
        add("%s_%d" % (op, imm), "%s $%d, %%%%ymm1, %%%%ymm4" % (op, imm))
    add("%s_x" % op, "%s $3, %%%%xmm1, %%%%xmm4" % op)

# --- blends and shuffles ---
for imm in (0x00, 0x5a, 0xff, 0x81):
    add("vpblendd_y%x" % imm, "vpblendd $%d, %%%%ymm1, %%%%ymm2, %%%%ymm3" % imm)
    add("vpblendd_x%x" % imm, "vpblendd $%d, 512(%%0), %%%%xmm2, %%%%xmm3" % imm)
    add("vblendps_y%x" % imm, "vblendps $%d, %%%%ymm1, %%%%ymm2, %%%%ymm3" % imm)
    add("vblendpd_y%x" % imm, "vblendpd $%d, 512(%%0), %%%%ymm2, %%%%ymm3" % imm)
    add("vshufpd_y%x" % imm, "vshufpd $%d, %%%%ymm1, %%%%ymm2, %%%%ymm3" % imm)
    add("vmpsadbw_y%x" % imm, "vmpsadbw $%d, %%%%ymm1, %%%%ymm2, %%%%ymm3" % imm)
add("vblendps_x", "vblendps $5, %%xmm1, %%xmm2, %%xmm3")
add("vshufpd_x", "vshufpd $1, %%xmm1, %%xmm2, %%xmm3")
add("vmpsadbw_x", "vmpsadbw $5, 512(%0), %%xmm2, %%xmm3")
for op in ("vblendvps", "vblendvpd", "vpblendvb"):
    for w in ("x", "y"):
        add("%s_%s" % (op, w), "%s %%%%%smm4, %%%%%smm1, %%%%%smm2, %%%%%smm3" % (op, w, w, w, w))
        add("%s_m%s" % (op, w), "%s %%%%%smm7, 512(%%0), %%%%%smm2, %%%%%smm3" % (op, w, w, w))

# --- widening moves, broadcasts ---
for op in ("vpmovsxbw", "vpmovsxbd", "vpmovsxbq", "vpmovsxwd", "vpmovsxwq", "vpmovsxdq",
           "vpmovzxbw", "vpmovzxbd", "vpmovzxbq", "vpmovzxwd", "vpmovzxwq", "vpmovzxdq"):
    add(op + "_y", "%s %%%%xmm1, %%%%ymm3" % op)
    add(op + "_ym", "%s 512(%%0), %%%%ymm3" % op)
    add(op + "_x", "%s %%%%xmm1, %%%%xmm3" % op)
for op in ("vpbroadcastb", "vpbroadcastw", "vpbroadcastd", "vpbroadcastq"):
    add(op + "_y", "%s %%%%xmm1, %%%%ymm3" % op)
    add(op + "_x", "%s %%%%xmm1, %%%%xmm3" % op)
    add(op + "_m", "%s 517(%%0), %%%%ymm3" % op)
add("vbroadcasti128", "vbroadcasti128 528(%0), %%ymm3")
add("vbroadcastss_r", "vbroadcastss %%xmm1, %%ymm3")
add("vbroadcastsd_r", "vbroadcastsd %%xmm1, %%ymm3")

# --- results in general registers and flags (stored at 1120) ---
for op, w in (("vmovmskps", "y"), ("vmovmskps", "x"), ("vmovmskpd", "y"), ("vmovmskpd", "x"),
              ("vpmovmskb", "y"), ("vpmovmskb", "x")):
    add("%s_%s" % (op, w), "%s %%%%%smm1, %%%%eax\n\tmov %%%%eax, 1120(%%0)" % (op, w))
for op in ("vptest", "vtestps", "vtestpd"):
    for w in ("x", "y"):
        add("%s_%s" % (op, w), "%s %%%%%smm1, %%%%%smm2\n\tsetz 1120(%%0)\n\tsetc 1121(%%0)\n\t"
            "seta 1122(%%0)" % (op, w, w))
        add("%s_same_%s" % (op, w), "%s %%%%%smm3, %%%%%smm3\n\tsetz 1120(%%0)\n\tsetc 1121(%%0)"
            % (op, w, w))
    add("%s_m" % op, "%s 512(%%0), %%%%ymm2\n\tsetz 1120(%%0)\n\tsetc 1121(%%0)" % op)

# --- compares: the 32 predicates ---
for imm in range(32):
    add("vcmpps_y%d" % imm, "vcmpps $%d, %%%%ymm1, %%%%ymm2, %%%%ymm3" % imm)
    add("vcmppd_x%d" % imm, "vcmppd $%d, %%%%xmm1, %%%%xmm2, %%%%xmm3" % imm)
    add("vcmpss_%d" % imm, "vcmpss $%d, %%%%xmm1, %%%%xmm2, %%%%xmm3" % imm)
    add("vcmpsd_m%d" % imm, "vcmpsd $%d, 512(%%0), %%%%xmm2, %%%%xmm3" % imm)
add("vcmppd_ym", "vcmppd $13, 512(%0), %%ymm2, %%ymm3")
add("vcmpps_xm", "vcmpps $4, 512(%0), %%xmm2, %%xmm3")

# --- conversions ---
for op in ("vcvtps2pd", "vcvtdq2pd"):
    add(op + "_y", "%s %%%%xmm1, %%%%ymm3" % op)
    add(op + "_ym", "%s 512(%%0), %%%%ymm3" % op)
    add(op + "_x", "%s %%%%xmm1, %%%%xmm3" % op)
for op in ("vcvtpd2ps", "vcvtpd2dq", "vcvttpd2dq"):
    add(op + "_y", "%s %%%%ymm1, %%%%xmm3" % op)
    add(op + "_ym", "%sy 512(%%0), %%%%xmm3" % op)
    add(op + "_x", "%s %%%%xmm1, %%%%xmm3" % op)
    add(op + "_xm", "%sx 512(%%0), %%%%xmm3" % op)
# (VRCPPS/VRSQRTPS: approximations that differ between CPU makers; the
# SSE helper unit test compares them within the SDM bound)
for op in ("vcvtdq2ps", "vcvtps2dq", "vcvttps2dq", "vsqrtps", "vsqrtpd"):
    add(op + "_y", "%s %%%%ymm1, %%%%ymm3" % op)
    add(op + "_ym", "%s 512(%%0), %%%%ymm3" % op)
for op in ("vsqrtss", "vsqrtsd", "vcvtss2sd", "vcvtsd2ss"):
    add(op, "%s %%%%xmm1, %%%%xmm2, %%%%xmm3" % op)
    add(op + "_m", "%s 512(%%0), %%%%xmm2, %%%%xmm3" % op)
add("vcvtsi2ss", "mov 512(%0), %%eax\n\tvcvtsi2ss %%eax, %%xmm1, %%xmm3")
add("vcvtsi2sd_m", "vcvtsi2sdl 512(%0), %%xmm1, %%xmm3")
add("vcvtsi2sdq", "vcvtsi2sdq 512(%0), %%xmm1, %%xmm3", True)
for op in ("vcvtss2si", "vcvttss2si", "vcvtsd2si", "vcvttsd2si"):
    add(op, "%s %%%%xmm1, %%%%eax\n\tmov %%%%eax, 1120(%%0)" % op)
    add(op + "_m", "%s 512(%%0), %%%%eax\n\tmov %%%%eax, 1120(%%0)" % op)
    add(op + "_q", "%s %%%%xmm1, %%%%rax\n\tmov %%%%rax, 1120(%%0)" % op, True)
for op in ("vucomiss", "vcomiss", "vucomisd", "vcomisd"):
    add(op, "%s %%%%xmm1, %%%%xmm2\n\tsetz 1120(%%0)\n\tsetc 1121(%%0)\n\tsetp 1122(%%0)" % op)
    add(op + "_m", "%s 512(%%0), %%%%xmm2\n\tsetz 1120(%%0)\n\tsetc 1121(%%0)\n\tsetp 1122(%%0)" % op)

# --- FMA3 ---
for kind in ("madd", "msub", "nmadd", "nmsub", "maddsub", "msubadd"):
    for order in ("132", "213", "231"):
        for t in ("ps", "pd"):
            n = "vf%s%s%s" % (kind, order, t)
            add(n + "_y", "%s %%%%ymm1, %%%%ymm2, %%%%ymm3" % n)
            add(n + "_x", "%s %%%%xmm4, %%%%xmm5, %%%%xmm6" % n)
            add(n + "_m", "%s 512(%%0), %%%%ymm2, %%%%ymm3" % n)
        if kind in ("maddsub", "msubadd"):
            continue
        for t in ("ss", "sd"):
            n = "vf%s%s%s" % (kind, order, t)
            add(n, "%s %%%%xmm1, %%%%xmm2, %%%%xmm3" % n)
            add(n + "_m", "%s 516(%%0), %%%%xmm2, %%%%xmm3" % n)
add("vfmadd231ps_same", "vfmadd231ps %%ymm3, %%ymm3, %%ymm3")

# --- F16C ---
add("vcvtph2ps_y", "vcvtph2ps %%xmm1, %%ymm3")
add("vcvtph2ps_x", "vcvtph2ps %%xmm1, %%xmm3")
add("vcvtph2ps_m", "vcvtph2ps 512(%0), %%ymm3")
add("vcvtph2ps_xm", "vcvtph2ps 520(%0), %%xmm3")
for imm in range(8):
    add("vcvtps2ph_y%d" % imm, "vcvtps2ph $%d, %%%%ymm1, %%%%xmm3" % imm)
    add("vcvtps2ph_x%d" % imm, "vcvtps2ph $%d, %%%%xmm1, %%%%xmm3" % imm)
add("vcvtps2ph_m", "vcvtps2ph $4, %%ymm1, 512(%0)")
add("vcvtps2ph_xm", "vcvtps2ph $1, %%xmm1, 520(%0)")

# --- masked moves ---
for op, size in (("vmaskmovps", 4), ("vmaskmovpd", 8), ("vpmaskmovd", 4), ("vpmaskmovq", 8)):
    for w in ("x", "y"):
        add("%s_ld%s" % (op, w), "%s 520(%%0), %%%%%smm1, %%%%%smm3" % (op, w, w))
        add("%s_st%s" % (op, w), "%s %%%%%smm3, %%%%%smm1, 524(%%0)" % (op, w, w))

# --- gathers: indexes bounded to 0..63 by the constant at 1056 ---
G = (("vpgatherdd", "x", "x"), ("vpgatherdd", "y", "y"), ("vpgatherdq", "x", "x"),
     ("vpgatherdq", "y", "x"), ("vpgatherqd", "x", "x"), ("vpgatherqd", "x", "y"),
     ("vpgatherqq", "x", "x"), ("vpgatherqq", "y", "y"),
     ("vgatherdps", "x", "x"), ("vgatherdps", "y", "y"), ("vgatherdpd", "x", "x"),
     ("vgatherdpd", "y", "x"), ("vgatherqps", "x", "x"), ("vgatherqps", "x", "y"),
     ("vgatherqpd", "x", "x"), ("vgatherqpd", "y", "y"))
for op, dw, iw in G:
    bound = 1088 if "gatherq" in op else 1056     # qword indexes: quadwords 63
    for scale in (1, 4, 8):
        add("%s_%s%s_s%d" % (op, dw, iw, scale),
            "vpand %d(%%0), %%ymm1, %%ymm1\n\t" % bound +
            "%s %%%%%smm2, 512(%%0,%%%%%smm1,%d), %%%%%smm3" % (op, dw, iw, scale, dw))
    add("%s_%s%s_d" % (op, dw, iw),
        "vpand %d(%%0), %%ymm1, %%ymm1\n\t" % bound +
        "%s %%%%%smm2, 16(%%0,%%%%%smm1,4), %%%%%smm3" % (op, dw, iw, dw))

# --- the VEX forms of SSE moves and inserts/extracts ---
add("vmovss_ld", "vmovss 516(%0), %%xmm3")
add("vmovss_st", "vmovss %%xmm1, 516(%0)")
add("vmovss_rr", "vmovss %%xmm1, %%xmm2, %%xmm3")
add("vmovss_rr_st", ".byte 0xc5, 0xea, 0x11, 0xcb")     # vmovss xmm3, xmm2, xmm1 (11 form)
add("vmovsd_ld", "vmovsd 516(%0), %%xmm3")
add("vmovsd_st", "vmovsd %%xmm1, 516(%0)")
add("vmovsd_rr", "vmovsd %%xmm1, %%xmm2, %%xmm3")
add("vmovlps", "vmovlps 512(%0), %%xmm2, %%xmm3")
add("vmovhps", "vmovhps 512(%0), %%xmm2, %%xmm3")
add("vmovlpd_st", "vmovlpd %%xmm2, 512(%0)")
add("vmovhpd_st", "vmovhpd %%xmm2, 512(%0)")
add("vmovhlps", "vmovhlps %%xmm1, %%xmm2, %%xmm3")
add("vmovlhps", "vmovlhps %%xmm1, %%xmm2, %%xmm3")
add("vmovsldup_y", "vmovsldup %%ymm1, %%ymm3")
add("vmovshdup_ym", "vmovshdup 512(%0), %%ymm3")
add("vmovddup_y", "vmovddup %%ymm1, %%ymm3")
add("vmovddup_xm", "vmovddup 512(%0), %%xmm3")
add("vmovd_to", "mov 512(%0), %%eax\n\tvmovd %%eax, %%xmm3")
add("vmovd_from", "vmovd %%xmm1, %%eax\n\tmov %%eax, 1120(%0)")
add("vmovq_to", "mov 512(%0), %%rax\n\tvmovq %%rax, %%xmm3", True)
add("vmovq_xm", "vmovq 512(%0), %%xmm3")
add("vmovq_st", "vmovq %%xmm1, 512(%0)")
add("vmovq_rr", "vmovq %%xmm1, %%xmm3")
add("vpinsrw", "mov 512(%0), %%eax\n\tvpinsrw $3, %%eax, %%xmm2, %%xmm3")
add("vpextrw", "vpextrw $5, %%xmm1, %%eax\n\tmov %%eax, 1120(%0)")
add("vpextrb_m", "vpextrb $9, %%xmm1, 512(%0)")
add("vpextrd", "vpextrd $2, %%xmm1, %%eax\n\tmov %%eax, 1120(%0)")
add("vpextrq", "vpextrq $1, %%xmm1, %%rax\n\tmov %%rax, 1120(%0)", True)
add("vextractps", "vextractps $3, %%xmm1, 512(%0)")
add("vpinsrb", "vpinsrb $7, 512(%0), %%xmm2, %%xmm3")
add("vpinsrd", "vpinsrd $1, 512(%0), %%xmm2, %%xmm3")
add("vinsertps", "vinsertps $0x9d, %%xmm1, %%xmm2, %%xmm3")
add("vinsertps_m", "vinsertps $0x5a, 512(%0), %%xmm2, %%xmm3")
add("vpclmulqdq", "vpclmulqdq $0x11, %%xmm1, %%xmm2, %%xmm3")
add("vpcmpestri", "mov $7, %%eax\n\tmov $9, %%edx\n\tvpcmpestri $0x0c, %%xmm1, %%xmm2\n\t"
    "mov %%ecx, 1120(%0)\n\tsetc 1124(%0)\n\tsetz 1125(%0)")
add("vpcmpistrm", "vpcmpistrm $0x40, 512(%0), %%xmm2\n\tsetc 1124(%0)")
add("vmovntdq", "vmovntdq %%ymm1, 512(%0)")
add("vmovntps", "vmovntps %%xmm1, 512(%0)")
add("vmovntdqa", "vmovntdqa 512(%0), %%ymm3")
add("vlddqu", "vlddqu 513(%0), %%ymm3")
add("vstmxcsr", "vstmxcsr 1120(%0)")
add("vpshufb_y", "vpshufb %%ymm1, %%ymm2, %%ymm3")

CLOBBER = '"eax", "ecx", "edx", "cc", "memory"'
out = []
w = out.append
w("/*")
w(" * Generated by tests/avx/gen-guest-avx2.py (edit that, not this). Guest program of")
w(" * check-avx: %d snippets, one per form of the AVX/AVX2/FMA3/F16C instructions" % len(S))
w(" * Quetzal completes (permutes, variable and 256-bit shifts, blends, VCMPxx with")
w(" * its 32 predicates, conversions, masked moves, gathers, FMA3, F16C and the VEX")
w(" * forms of the SSE moves). Each runs ITERATIONS times from a random state:")
w(" * every YMM register, a 512-byte memory block and MXCSR (random rounding, DAZ,")
w(" * FTZ and sticky flags, exceptions masked), with elements drawn from NaNs")
w(" * (quiet and signalling), infinities, denormals, +-0, integer and half-precision")
w(" * boundaries and random bits. One line per snippet: a hash of the state after")
w(" * every iteration (all YMM registers, MXCSR, memory, stored flags/results).")
w(" * Run natively and under quetzal: outputs must match.")
w(" * Usage: guest-avx2 SEED [NAME-SUBSTRING [verbose]]")
w(" */")
w('#include "guest-avx2-state.h"')
w("")
for name, text, only64 in S:
    if only64:
        w("#ifdef __x86_64__")
    # one escaping for all: registers %%reg, the state operand %0
    asm = text.replace("%%", "%").replace("%", "%%").replace("%%0", "%0")
    w('DEFINE(%s, "%s")' % (name, asm.replace("\n", "\\n").replace("\t", "\\t")))
    if only64:
        w("#endif")
w("")
w("static const Snippet snippets[] = {")
for name, text, only64 in S:
    if only64:
        w("#ifdef __x86_64__")
    w('    { "%s", %s },' % (name, name))
    if only64:
        w("#endif")
w("};")
w("")
w("int main(int argc, char **argv)")
w("{")
w("    return run_all(argc, argv, snippets, sizeof(snippets) / sizeof(snippets[0]));")
w("}")
open("tests/avx/guest-avx2.c", "w").write("\n".join(out) + "\n")
print(len(S), "snippets")
