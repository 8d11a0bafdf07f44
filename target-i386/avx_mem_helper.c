/*
 * AVX/AVX2 instructions whose memory accesses depend on register contents,
 * done element by element from C through the TLB (cpu_ld_mmu/cpu_st_mmu):
 *
 * VMASKMOVPS/PD and VPMASKMOVD/Q (SDM vol. 2B): an element whose mask bit
 * (the top bit of the element of vvvv) is clear is not accessed and cannot
 * fault; the load writes zero there. The load writes its register only when
 * every access succeeded.
 *
 * VPGATHERDD/DQ/QD/QQ, VGATHERDPS/DPD/QPS/QPD (SDM vol. 2B, "Operation"):
 * elements are taken in order; one whose mask element has its top bit set
 * is loaded into the destination; either way its mask element is then
 * cleared, so a fault leaves the progress so far for the restarted
 * instruction and the elements after it untouched (what the host CPU does:
 * the SDM's pseudo-code first sets each mask element to all ones or zeros,
 * which software cannot rely on). At the end the mask is zero and the bits
 * past the elements gathered zeroed in both registers.
 */
#include "target-i386/avx_helper.h"
#include "accel/tcg/cputlb.h"

/* the linear address of an element: outside 64-bit mode it wraps at 4 GiB
 * (SDM vol. 3A, 3.3.4: the masked moves' elements follow the operand's) */
static uint64_t element_address(uint64_t base, int64_t offset, uint32_t info)
{
    uint64_t addr = base + (uint64_t)offset;
    return (info & (1u << 8)) ? (uint32_t)addr : addr;
}

/* a gathered element's linear address (SDM vol. 2A, 2.3.12; vol. 1, 3.3.7):
 * the effective address base + index * scale, cut to 32 bits with a 32-bit
 * address size, then the segment base added at full width */
static uint64_t gather_address(uint64_t base, int64_t offset, uint64_t seg_base, uint32_t info)
{
    uint64_t ea = base + (uint64_t)offset;
    if (info & (1u << 10)) {
        ea = (uint32_t)ea;
    }
    return element_address(seg_base, (int64_t)ea, info);
}

static TCGMemOp element_memop(uint32_t info, bool qword)
{
    return (TCGMemOp)((qword ? MO_UQ : MO_UL) | MO_MMUIDX(info & 0xff));
}

/* VMASKMOVPS/PD, VPMASKMOVD/Q xmm1/ymm1 (d), mask (a), memory at addr */
void helper_vmaskmov_load(CPUX86State *env, uint32_t desc, uint32_t info, uint64_t addr)
{
    bool qword = info & (1u << 9), l = AVX_L(desc);
    unsigned size = qword ? 8 : 4, n = (l ? 32 : 16) / size;
    Ymm mask, r = { 0 };
    ymm_read(env, AVX_A(desc), &mask);
    for (unsigned i = 0; i < n; i++) {
        if (mask.b[i * size + size - 1] & 0x80) {
            uint64_t v = cpu_ld_mmu(env->exec, element_address(addr, i * size, info),
                                    element_memop(info, qword), GETPC());
            memcpy(r.b + i * size, &v, size);
        }
    }
    ymm_write(env, AVX_D(desc), &r, l);
}

/* the store forms: memory at addr, mask (a), source (d) */
void helper_vmaskmov_store(CPUX86State *env, uint32_t desc, uint32_t info, uint64_t addr)
{
    bool qword = info & (1u << 9), l = AVX_L(desc);
    unsigned size = qword ? 8 : 4, n = (l ? 32 : 16) / size;
    Ymm mask, src;
    ymm_read(env, AVX_A(desc), &mask);
    ymm_read(env, AVX_D(desc), &src);
    for (unsigned i = 0; i < n; i++) {
        if (mask.b[i * size + size - 1] & 0x80) {
            uint64_t v = 0;
            memcpy(&v, src.b + i * size, size);
            cpu_st_mmu(env->exec, element_address(addr, i * size, info), v,
                       element_memop(info, qword), GETPC());
        }
    }
}

/*
 * Gathers: desc d = destination, a = mask, b = index register; imm bits 1:0
 * the scale, bit 2 qword indexes; info bit 9 qword elements. The element
 * count is the smaller of the index and data counts the vector length gives.
 */
void helper_vgather(CPUX86State *env, uint32_t desc, uint32_t info, uint64_t base,
                    uint64_t seg_base)
{
    bool qdata = info & (1u << 9), qindex = AVX_IMM(desc) & 4, l = AVX_L(desc);
    unsigned scale = AVX_IMM(desc) & 3, dsize = qdata ? 8 : 4;
    unsigned bytes = l ? 32 : 16;
    unsigned n = bytes / (qdata || qindex ? 8 : 4);
    unsigned d = AVX_D(desc), m = AVX_A(desc);
    Ymm dest, mask, index;
    ymm_read(env, d, &dest);
    ymm_read(env, m, &mask);
    ymm_read(env, AVX_B(desc), &index);
    /* the destination and mask registers hold n elements (QD/QPS: an xmm) */
    bool wide = n * dsize > 16;
    for (unsigned i = 0; i < n; i++) {
        if (!(mask.b[i * dsize + dsize - 1] & 0x80)) {
            memset(mask.b + i * dsize, 0, dsize);
            continue;
        }
        ymm_write(env, m, &mask, true);       /* the elements before, cleared */
        int64_t idx = qindex ? index.sq[i] : index.sl[i];
        uint64_t v = cpu_ld_mmu(env->exec,
                                gather_address(base, (int64_t)((uint64_t)idx << scale),
                                               seg_base, info),
                                element_memop(info, qdata), GETPC());
        memcpy(dest.b + i * dsize, &v, dsize);
        memset(mask.b + i * dsize, 0, dsize);
        /* progress is architectural: the destination after each element */
        ymm_write(env, d, &dest, true);
    }
    memset(dest.b + n * dsize, 0, 32 - n * dsize);
    memset(&mask, 0, sizeof(mask));
    ymm_write(env, d, &dest, wide);
    ymm_write(env, m, &mask, wide);
}
