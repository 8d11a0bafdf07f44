/*
 * Segmentation, far transfers and interrupts for system mode (Intel SDM vol.
 * 3A: 3.4 segment selectors and descriptors, 5.5-5.8 privilege checks and call
 * gates, 6.10-6.14 interrupt and exception delivery in protected and IA-32e
 * mode, 7.2 TSS stack pointers, 20.1 real-address mode, 20.2-20.3 virtual-8086
 * mode; vol. 2 CALL, JMP, RET, IRET, INT n, ENTER, SYSCALL, SYSRET, SYSENTER,
 * SYSEXIT, SWAPGS, LLDT, LTR, LAR, LSL, VERR, VERW).
 *
 * Not implemented: task switches (task gates, TSS descriptors as JMP/CALL
 * targets, IRET with NT set in legacy mode raise #GP), virtual-8086 mode
 * extensions (CR4.VME/PVI).
 */
#include <string.h>
#include "target-i386/sys_helper.h"
#include "target-i386/translate.h"

#define SEL_ERR(sel) ((sel) & 0xfffc)

/* descriptor types of system segments and gates (SDM vol. 3A, table 3-2) */
enum {
    SYS_TSS16 = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL16 = 4, SYS_TASK = 5,
    SYS_INT16 = 6, SYS_TRAP16 = 7, SYS_TSS32 = 9, SYS_TSS32_BUSY = 11, SYS_CALL32 = 12,
    SYS_INT32 = 14, SYS_TRAP32 = 15,
};

static int cpl(const CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) >> HF_CPL_SHIFT;
}

static void set_cpl(CPUX86State *env, int level)
{
    env->hflags = (env->hflags & ~HF_CPL_MASK) | ((uint32_t)level << HF_CPL_SHIFT);
}

static int dpl_of(uint32_t hi)
{
    return (hi >> DESC_DPL_SHIFT) & 3;
}

static bool long_mode(const CPUX86State *env)
{
    return env->hflags & HF_LMA;
}

static bool real_or_vm86(const CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) || (env->eflags & EFL_VM);
}

static void __attribute__((noreturn)) raise_err(CPUX86State *env, int vec, int err, uintptr_t ra)
{
    x86_raise_exception(env, vec, err, ra);
}

/* ---------------------------------------------------------------- memory */

static uint64_t ld_kernel(CPUX86State *env, uint64_t addr, int size, uintptr_t ra)
{
    return cpu_ld_mmu(env->exec, addr, size | MO_MMUIDX(MMU_KERNEL_IDX), ra);
}

static void st_kernel(CPUX86State *env, uint64_t addr, uint64_t v, int size, uintptr_t ra)
{
    cpu_st_mmu(env->exec, addr, v, size | MO_MMUIDX(MMU_KERNEL_IDX), ra);
}

/* A stack being built: pushes go below sp within SS (mask = 16/32/64-bit SP). */
typedef struct Stack {
    uint64_t base, sp, mask;
    int mmu_idx;
} Stack;

static uint64_t sp_mask_of(uint32_t ss_flags, bool lm64)
{
    return lm64 ? ~0ull : (ss_flags & DESC_B) ? 0xffffffffull : 0xffff;
}

static Stack current_stack(CPUX86State *env)
{
    Stack st = { env->segs[R_SS].base, env->regs[R_ESP],
                 sp_mask_of(env->segs[R_SS].flags, env->hflags & HF_CS64),
                 x86_cpu_mmu_index(env) };
    return st;
}

static void push(CPUX86State *env, Stack *st, uint64_t v, int size, uintptr_t ra)
{
    st->sp -= 1u << size;
    cpu_st_mmu(env->exec, st->base + (st->sp & st->mask), v, size | MO_MMUIDX(st->mmu_idx), ra);
}

static uint64_t pop(CPUX86State *env, Stack *st, int size, uintptr_t ra)
{
    uint64_t v = cpu_ld_mmu(env->exec, st->base + (st->sp & st->mask),
                            size | MO_MMUIDX(st->mmu_idx), ra);
    st->sp += 1u << size;
    return v;
}

/* writes sp back into RSP keeping the bits outside the stack-size mask */
static void set_rsp(CPUX86State *env, const Stack *st)
{
    env->regs[R_ESP] = (env->regs[R_ESP] & ~st->mask) | (st->sp & st->mask);
}

/* ---------------------------------------------------------------- descriptors */

typedef struct Desc {
    uint32_t lo, hi;
    uint64_t addr;           /* linear address of the descriptor */
} Desc;

/* reads the descriptor of selector from the GDT or LDT; false when outside the table */
static bool read_desc(CPUX86State *env, uint32_t sel, Desc *d, uintptr_t ra)
{
    const SegmentCache *t = (sel & 4) ? &env->ldt : &env->gdt;
    uint32_t index = sel & ~7u;

    if ((sel & 4) && (env->ldt.selector & 0xfffc) == 0 && env->ldt.limit == 0) {
        return false;
    }
    if (index + 7 > t->limit) {
        return false;
    }
    d->addr = t->base + index;
    d->lo = ld_kernel(env, d->addr, MO_32, ra);
    d->hi = ld_kernel(env, d->addr + 4, MO_32, ra);
    return true;
}

/* the upper 8 bytes of a 16-byte system descriptor (IA-32e mode) */
static uint32_t read_desc_high(CPUX86State *env, uint32_t sel, const Desc *d, uintptr_t ra)
{
    if ((sel & ~7u) + 15 > env->gdt.limit) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    return ld_kernel(env, d->addr + 8, MO_32, ra);
}

static uint64_t desc_base(const Desc *d)
{
    return (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000u);
}

static uint32_t desc_limit(const Desc *d)
{
    uint32_t limit = (d->lo & 0xffff) | (d->hi & 0x000f0000u);
    return (d->hi & DESC_G) ? (limit << 12) | 0xfff : limit;
}

static void set_seg(CPUX86State *env, int seg, uint32_t sel, const Desc *d)
{
    SegmentCache *sc = &env->segs[seg];

    sc->selector = sel & 0xffff;
    sc->base = desc_base(d);
    sc->limit = desc_limit(d);
    sc->flags = d->hi & 0x00f0ff00u;
}

static void set_accessed(CPUX86State *env, Desc *d, uintptr_t ra)
{
    if (!(d->hi & DESC_A)) {
        d->hi |= DESC_A;
        st_kernel(env, d->addr + 4, d->hi, MO_32, ra);
    }
}

/* a flat segment of the fast system calls (SDM vol. 2B, SYSCALL/SYSENTER) */
static void set_flat(CPUX86State *env, int seg, uint32_t sel, uint32_t flags)
{
    env->segs[seg].selector = sel & 0xffff;
    env->segs[seg].base = 0;
    env->segs[seg].limit = 0xffffffff;
    env->segs[seg].flags = flags | DESC_P | DESC_S | DESC_A | DESC_G;
}

static void set_null(CPUX86State *env, int seg, uint32_t sel)
{
    env->segs[seg].selector = sel & 0xffff;
    env->segs[seg].base = 0;
    env->segs[seg].limit = 0;
    env->segs[seg].flags = 0;
}

/* real-address and virtual-8086 loads: base = selector * 16 (SDM vol. 3A, 20.1.1) */
static void set_seg_real(CPUX86State *env, int seg, uint32_t sel)
{
    SegmentCache *sc = &env->segs[seg];

    sc->selector = sel & 0xffff;
    sc->base = (uint64_t)(sel & 0xffff) << 4;
    if (env->eflags & EFL_VM) {
        sc->limit = 0xffff;
        sc->flags = DESC_P | DESC_S | DESC_W | DESC_A | (3u << DESC_DPL_SHIFT) |
                    (seg == R_CS ? DESC_CS : 0);
    }
}

/* ---------------------------------------------------------------- MOV Sreg */

static void load_seg_protected(CPUX86State *env, int seg, uint32_t sel, uintptr_t ra)
{
    int rpl = sel & 3, c = cpl(env);
    Desc d;

    if ((sel & 0xfffc) == 0) {
        /* null: SS only in 64-bit mode at CPL < 3 with RPL = CPL (SDM vol. 2B, MOV) */
        if (seg == R_SS && (!(env->hflags & HF_CS64) || c == 3 || rpl != c)) {
            raise_err(env, EXCP0D_GPF, 0, ra);
        }
        set_null(env, seg, sel);
        if (seg == R_SS) {
            env->segs[seg].flags = (uint32_t)c << DESC_DPL_SHIFT | DESC_B;
        }
        return;
    }
    if (!read_desc(env, sel, &d, ra)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (!(d.hi & DESC_S)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (seg == R_SS) {
        if (rpl != c || dpl_of(d.hi) != c || (d.hi & DESC_CS) || !(d.hi & DESC_W)) {
            raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
        }
        if (!(d.hi & DESC_P)) {
            raise_err(env, EXCP0C_STACK, SEL_ERR(sel), ra);
        }
    } else {
        bool code = d.hi & DESC_CS;
        if (code && !(d.hi & DESC_R)) {
            raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
        }
        if ((!code || !(d.hi & DESC_C)) && dpl_of(d.hi) < (rpl > c ? rpl : c)) {
            raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
        }
        if (!(d.hi & DESC_P)) {
            raise_err(env, EXCP0B_NOSEG, SEL_ERR(sel), ra);
        }
    }
    set_accessed(env, &d, ra);
    set_seg(env, seg, sel, &d);
}

/*
 * MOV/POP Sreg, LDS..LSS in every mode. In user mode (no HF_SYSTEM) the same
 * protected-mode rules apply to the GDT that linux-user keeps.
 */
void helper_load_seg(CPUX86State *env, uint32_t seg, uint32_t selector)
{
    uintptr_t ra = GETPC();

    selector &= 0xffff;
    if (!(env->hflags & HF_SYSTEM)) {
        if ((selector & 0xfffc) == 0 && seg == R_SS && !(env->hflags & HF_CS64)) {
            raise_err(env, EXCP0D_GPF, 0, ra);
        }
        if ((selector & 0xfffc) == 0) {
            set_null(env, seg, selector);
            return;
        }
        {
            SegmentCache *t = (selector & 4) ? &env->ldt : &env->gdt;
            uint32_t index = selector & ~7u;
            uint8_t raw[8];
            Desc d;
            if (index + 7 > t->limit || t->base == 0) {
                raise_err(env, EXCP0D_GPF, SEL_ERR(selector), ra);
            }
            memcpy(raw, x86_guest_memory(env, t->base + index, 8, PAGE_READ, ra), 8);
            memcpy(&d.lo, raw, 4);
            memcpy(&d.hi, raw + 4, 4);
            if (!(d.hi & DESC_P)) {
                raise_err(env, EXCP0D_GPF, SEL_ERR(selector), ra);
            }
            set_seg(env, seg, selector, &d);
        }
        return;
    }
    if (real_or_vm86(env)) {
        set_seg_real(env, seg, selector);
    } else {
        load_seg_protected(env, seg, selector, ra);
    }
    x86_update_hflags(env);
}

/* data segments the new, less privileged code may not use become null (SDM
 * vol. 2B, RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL") */
static void validate_data_segs(CPUX86State *env)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    int c = cpl(env);

    for (unsigned i = 0; i < 4; i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        bool conforming_code = (sc->flags & DESC_CS) && (sc->flags & DESC_C);
        if ((sc->selector & 0xfffc) == 0 && !(sc->flags & DESC_P)) {
            continue;
        }
        if (!conforming_code && dpl_of(sc->flags) < c) {
            set_null(env, segs[i], 0);
        }
    }
}

/* ---------------------------------------------------------------- far JMP/CALL/RET */

/* checks a code-segment descriptor as the target of a far JMP/CALL (SDM vol. 2A) */
static void check_code_target(CPUX86State *env, uint32_t sel, const Desc *d, uintptr_t ra)
{
    int c = cpl(env);

    if (!(d->hi & DESC_S) || !(d->hi & DESC_CS)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (d->hi & DESC_C) {
        if (dpl_of(d->hi) > c) {
            raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
        }
    } else if ((int)(sel & 3) > c || dpl_of(d->hi) != c) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (!(d->hi & DESC_P)) {
        raise_err(env, EXCP0B_NOSEG, SEL_ERR(sel), ra);
    }
}

static void check_offset(CPUX86State *env, const Desc *d, uint64_t offset, uintptr_t ra)
{
    if (!(long_mode(env) && (d->hi & DESC_L)) && offset > desc_limit(d)) {
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
}

typedef struct Gate {
    uint32_t sel;            /* target code segment */
    uint64_t offset;
    int type, dpl, params;
    bool present;
} Gate;

static Gate decode_gate(CPUX86State *env, uint32_t gsel, const Desc *d, uintptr_t ra)
{
    Gate g;

    g.sel = d->lo >> 16;
    g.offset = (d->lo & 0xffff) | (d->hi & 0xffff0000u);
    g.type = (d->hi >> DESC_TYPE_SHIFT) & 15;
    g.dpl = dpl_of(d->hi);
    g.params = d->hi & 0x1f;
    g.present = d->hi & DESC_P;
    if (g.type == SYS_CALL16) {
        g.offset &= 0xffff;
    }
    if (long_mode(env)) {
        uint32_t high = read_desc_high(env, gsel, d, ra);
        if (((high >> DESC_TYPE_SHIFT) & 0x1f) != 0) {
            raise_err(env, EXCP0D_GPF, SEL_ERR(gsel), ra);
        }
        g.offset |= (uint64_t)high << 32;
        g.params = 0;
    }
    return g;
}

/* a call gate as JMP/CALL target: gate checks, then its code segment */
static Gate check_call_gate(CPUX86State *env, uint32_t sel, const Desc *d, Desc *code,
                            uintptr_t ra)
{
    int type = (d->hi >> DESC_TYPE_SHIFT) & 15, c = cpl(env);
    Gate g;

    if (type != SYS_CALL32 && (long_mode(env) || type != SYS_CALL16)) {
        /* task gates and TSS targets: task switching is not implemented */
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    g = decode_gate(env, sel, d, ra);
    if (g.dpl < c || g.dpl < (int)(sel & 3)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (!g.present) {
        raise_err(env, EXCP0B_NOSEG, SEL_ERR(sel), ra);
    }
    if ((g.sel & 0xfffc) == 0) {
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
    if (!read_desc(env, g.sel, code, ra) || !(code->hi & DESC_S) || !(code->hi & DESC_CS) ||
        dpl_of(code->hi) > c) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(g.sel), ra);
    }
    if (long_mode(env) && (!(code->hi & DESC_L) || (code->hi & DESC_B))) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(g.sel), ra);
    }
    if (!(code->hi & DESC_P)) {
        raise_err(env, EXCP0B_NOSEG, SEL_ERR(g.sel), ra);
    }
    return g;
}

static void jump_to(CPUX86State *env, uint32_t sel, Desc *d, uint64_t offset, int level,
                    uintptr_t ra)
{
    set_accessed(env, d, ra);
    set_seg(env, R_CS, (sel & 0xfffc) | level, d);
    set_cpl(env, level);
    env->rip = offset;
    x86_update_hflags(env);
}

void helper_ljmp(CPUX86State *env, uint32_t selector, uint64_t offset, uint32_t next_eip_addend)
{
    uintptr_t ra = GETPC();
    Desc d, code;

    (void)next_eip_addend;
    selector &= 0xffff;
    if (real_or_vm86(env)) {
        set_seg_real(env, R_CS, selector);
        env->rip = offset;
        x86_update_hflags(env);
        return;
    }
    if ((selector & 0xfffc) == 0) {
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
    if (!read_desc(env, selector, &d, ra)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(selector), ra);
    }
    if (d.hi & DESC_S) {
        check_code_target(env, selector, &d, ra);
        check_offset(env, &d, offset, ra);
        jump_to(env, selector, &d, offset, cpl(env), ra);
        return;
    }
    {
        Gate g = check_call_gate(env, selector, &d, &code, ra);
        /* JMP through a gate never changes privilege: DPL must allow it */
        if (!(code.hi & DESC_C) && dpl_of(code.hi) != cpl(env)) {
            raise_err(env, EXCP0D_GPF, SEL_ERR(g.sel), ra);
        }
        check_offset(env, &code, g.offset, ra);
        jump_to(env, g.sel, &code, g.offset, cpl(env), ra);
    }
}

/* reads SS:rSP for privilege level dpl from the current TSS (SDM vol. 3A, 7.2.1, 7.7) */
static void tss_stack(CPUX86State *env, int dpl, uint32_t *ss, uint64_t *sp, uintptr_t ra)
{
    int type = (env->tr.flags >> DESC_TYPE_SHIFT) & 15;   /* 1/3: 16-bit, 9/11: 32-bit */
    uint32_t off;

    if (!(env->tr.flags & DESC_P)) {
        raise_err(env, EXCP0A_TSS, SEL_ERR(env->tr.selector), ra);
    }
    if (long_mode(env)) {
        off = 4 + 8 * dpl;
        if (off + 7 > env->tr.limit) {
            raise_err(env, EXCP0A_TSS, SEL_ERR(env->tr.selector), ra);
        }
        *sp = ld_kernel(env, env->tr.base + off, MO_64, ra);
        *ss = dpl;
        return;
    }
    if (type == SYS_TSS16 || type == SYS_TSS16_BUSY) {
        off = 2 + 4 * dpl;
        if (off + 3 > env->tr.limit) {
            raise_err(env, EXCP0A_TSS, SEL_ERR(env->tr.selector), ra);
        }
        *sp = ld_kernel(env, env->tr.base + off, MO_16, ra);
        *ss = ld_kernel(env, env->tr.base + off + 2, MO_16, ra);
        return;
    }
    off = 4 + 8 * dpl;
    if (off + 5 > env->tr.limit) {
        raise_err(env, EXCP0A_TSS, SEL_ERR(env->tr.selector), ra);
    }
    *sp = ld_kernel(env, env->tr.base + off, MO_32, ra);
    *ss = ld_kernel(env, env->tr.base + off + 4, MO_16, ra);
}

/* checks the SS a stack switch loads (SDM vol. 3A, 6.12.1 / CALL): #TS(ss) */
static void check_new_ss(CPUX86State *env, uint32_t ss, int dpl, Desc *d, uintptr_t ra)
{
    if ((ss & 0xfffc) == 0 || (int)(ss & 3) != dpl || !read_desc(env, ss, d, ra) ||
        !(d->hi & DESC_S) || (d->hi & DESC_CS) || !(d->hi & DESC_W) ||
        dpl_of(d->hi) != dpl) {
        raise_err(env, EXCP0A_TSS, SEL_ERR(ss), ra);
    }
    if (!(d->hi & DESC_P)) {
        raise_err(env, EXCP0C_STACK, SEL_ERR(ss), ra);
    }
}

/* CALL through a gate to a more privileged level: new stack from the TSS */
static void call_gate_inner(CPUX86State *env, const Gate *g, Desc *code, uint64_t ret_ip,
                            int size, uintptr_t ra)
{
    int dpl = dpl_of(code->hi);
    uint32_t ss;
    uint64_t sp;
    Stack old = current_stack(env), st;
    Desc ssd;

    tss_stack(env, dpl, &ss, &sp, ra);
    if (long_mode(env)) {
        st = (Stack){ 0, sp, ~0ull, dpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX };
    } else {
        check_new_ss(env, ss, dpl, &ssd, ra);
        st = (Stack){ desc_base(&ssd), sp, sp_mask_of(ssd.hi, false),
                      dpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX };
    }
    push(env, &st, env->segs[R_SS].selector, size, ra);
    push(env, &st, env->regs[R_ESP], size, ra);
    for (int i = g->params - 1; i >= 0; i--) {
        uint64_t v = cpu_ld_mmu(env->exec, old.base + ((old.sp + ((uint64_t)i << size)) & old.mask),
                                size | MO_MMUIDX(old.mmu_idx), ra);
        push(env, &st, v, size, ra);
    }
    push(env, &st, env->segs[R_CS].selector, size, ra);
    push(env, &st, ret_ip, size, ra);
    if (long_mode(env)) {
        set_null(env, R_SS, dpl);
        env->segs[R_SS].flags = (uint32_t)dpl << DESC_DPL_SHIFT;
    } else {
        set_accessed(env, &ssd, ra);
        set_seg(env, R_SS, ss, &ssd);
    }
    env->regs[R_ESP] = st.sp & st.mask;
    if (st.mask != ~0ull) {
        env->regs[R_ESP] = (env->regs[R_ESP] & 0xffffffffull);
    }
    jump_to(env, g->sel, code, g->offset, dpl, ra);
}

void helper_lcall(CPUX86State *env, uint32_t selector, uint64_t offset, uint32_t ot,
                  uint32_t next_eip_addend)
{
    uintptr_t ra = GETPC();
    uint64_t ret_ip = env->rip + next_eip_addend;
    Stack st = current_stack(env);
    Desc d, code;

    selector &= 0xffff;
    if (!(env->hflags & HF_CS64)) {
        ret_ip = (uint32_t)ret_ip;
    }
    if (real_or_vm86(env)) {
        push(env, &st, env->segs[R_CS].selector, ot, ra);
        push(env, &st, ret_ip, ot, ra);
        set_rsp(env, &st);
        set_seg_real(env, R_CS, selector);
        env->rip = offset;
        x86_update_hflags(env);
        return;
    }
    if ((selector & 0xfffc) == 0) {
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
    if (!read_desc(env, selector, &d, ra)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(selector), ra);
    }
    if (d.hi & DESC_S) {
        check_code_target(env, selector, &d, ra);
        check_offset(env, &d, offset, ra);
        push(env, &st, env->segs[R_CS].selector, ot, ra);
        push(env, &st, ret_ip, ot, ra);
        set_rsp(env, &st);
        jump_to(env, selector, &d, offset, cpl(env), ra);
        return;
    }
    {
        Gate g = check_call_gate(env, selector, &d, &code, ra);
        int size = long_mode(env) ? MO_64 : g.type == SYS_CALL32 ? MO_32 : MO_16;
        check_offset(env, &code, g.offset, ra);
        if (!(code.hi & DESC_C) && dpl_of(code.hi) < cpl(env)) {
            call_gate_inner(env, &g, &code, ret_ip, size, ra);
            return;
        }
        push(env, &st, env->segs[R_CS].selector, size, ra);
        push(env, &st, ret_ip, size, ra);
        set_rsp(env, &st);
        jump_to(env, g.sel, &code, g.offset, cpl(env), ra);
    }
}

/* checks the CS a RET/IRET returns to (SDM vol. 2B, RET / IRET) */
static void check_return_cs(CPUX86State *env, uint32_t sel, Desc *d, uintptr_t ra)
{
    int rpl = sel & 3;

    if ((sel & 0xfffc) == 0) {
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
    if (!read_desc(env, sel, d, ra) || !(d->hi & DESC_S) || !(d->hi & DESC_CS) ||
        rpl < cpl(env)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if ((d->hi & DESC_C) ? dpl_of(d->hi) > rpl : dpl_of(d->hi) != rpl) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (!(d->hi & DESC_P)) {
        raise_err(env, EXCP0B_NOSEG, SEL_ERR(sel), ra);
    }
}

/* loads the outer SS of a return to a less privileged level (or 64-bit IRET) */
static void return_ss(CPUX86State *env, uint32_t ss, int rpl, bool to64, uintptr_t ra)
{
    Desc d;

    if ((ss & 0xfffc) == 0) {
        /* a null SS is allowed when returning to 64-bit code at CPL < 3 */
        if (!to64 || rpl == 3) {
            raise_err(env, EXCP0D_GPF, 0, ra);
        }
        set_null(env, R_SS, ss);
        env->segs[R_SS].flags = (uint32_t)rpl << DESC_DPL_SHIFT | DESC_B;
        return;
    }
    if ((int)(ss & 3) != rpl || !read_desc(env, ss, &d, ra) || !(d.hi & DESC_S) ||
        (d.hi & DESC_CS) || !(d.hi & DESC_W) || dpl_of(d.hi) != rpl) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(ss), ra);
    }
    if (!(d.hi & DESC_P)) {
        raise_err(env, EXCP0C_STACK, SEL_ERR(ss), ra);
    }
    set_accessed(env, &d, ra);
    set_seg(env, R_SS, ss, &d);
}

/* the part of a protected-mode RET/IRET after CS:rIP (and flags) were popped */
static void return_protected(CPUX86State *env, Stack *st, uint32_t cs, uint64_t ip, int ot,
                             uint32_t imm, bool iret, uintptr_t ra)
{
    int rpl = cs & 3;
    bool to64;
    Desc d;

    check_return_cs(env, cs, &d, ra);
    to64 = long_mode(env) && (d.hi & DESC_L);
    st->sp += imm;
    if (rpl != cpl(env) || (iret && (env->hflags & HF_CS64))) {
        uint64_t sp = pop(env, st, ot, ra);
        uint32_t ss = pop(env, st, ot, ra) & 0xffff;
        return_ss(env, ss, rpl, to64, ra);
        st->mask = sp_mask_of(env->segs[R_SS].flags, to64);
        env->regs[R_ESP] = (sp + imm) & st->mask;
    } else {
        set_rsp(env, st);
    }
    set_accessed(env, &d, ra);
    set_seg(env, R_CS, cs, &d);
    if (rpl != cpl(env)) {
        set_cpl(env, rpl);
        validate_data_segs(env);
    }
    env->rip = to64 ? ip : (uint32_t)ip;
    x86_update_hflags(env);
}

void helper_lret(CPUX86State *env, uint32_t ot, uint32_t imm16)
{
    uintptr_t ra = GETPC();
    Stack st = current_stack(env);
    uint64_t ip = pop(env, &st, ot, ra);
    uint32_t cs = pop(env, &st, ot, ra) & 0xffff;

    if (real_or_vm86(env)) {
        st.sp += imm16;
        set_rsp(env, &st);
        set_seg_real(env, R_CS, cs);
        env->rip = ip;
        x86_update_hflags(env);
        return;
    }
    return_protected(env, &st, cs, ip, ot, imm16, false, ra);
}

/* ---------------------------------------------------------------- IRET */

/* flags IRET/POPF may change at the current privilege (SDM vol. 2A, IRET) */
static uint32_t iret_flag_mask(const CPUX86State *env, int ot)
{
    uint32_t mask = CC_ALL | EFL_TF | EFL_DF | EFL_NT | EFL_RF | EFL_AC | EFL_ID;
    int c = cpl(env), iopl = (env->eflags & EFL_IOPL) >> 12;

    if (c == 0) {
        mask |= EFL_IOPL | EFL_VIF | EFL_VIP;
    }
    if (c <= iopl) {
        mask |= EFL_IF;
    }
    return ot == MO_16 ? mask & 0xffff : mask;
}

static void write_flags_masked(CPUX86State *env, uint64_t value, uint32_t mask)
{
    uint64_t old = x86_cpu_get_eflags(env);

    x86_cpu_set_eflags(env, (old & ~(uint64_t)mask) | (value & mask));
}

/* IRET to virtual-8086 mode (SDM vol. 2A, IRET "RETURN-TO-VIRTUAL-8086-MODE") */
static void iret_to_vm86(CPUX86State *env, Stack *st, uint32_t cs, uint64_t ip, uint32_t fl,
                         uintptr_t ra)
{
    uint32_t sp = pop(env, st, MO_32, ra);
    uint32_t ss = pop(env, st, MO_32, ra), es = pop(env, st, MO_32, ra);
    uint32_t ds = pop(env, st, MO_32, ra), fs = pop(env, st, MO_32, ra);
    uint32_t gs = pop(env, st, MO_32, ra);

    x86_cpu_set_eflags(env, fl);
    set_cpl(env, 3);
    set_seg_real(env, R_CS, cs);
    set_seg_real(env, R_SS, ss);
    set_seg_real(env, R_ES, es);
    set_seg_real(env, R_DS, ds);
    set_seg_real(env, R_FS, fs);
    set_seg_real(env, R_GS, gs);
    env->regs[R_ESP] = sp;
    env->rip = ip & 0xffff;
    x86_update_hflags(env);
}

void helper_iret(CPUX86State *env, uint32_t ot, uint32_t next_eip_addend)
{
    uintptr_t ra = GETPC();
    Stack st = current_stack(env);
    uint64_t ip, fl;
    uint32_t cs;

    (void)next_eip_addend;
    env->nmi_blocked = false;
    if (env->eflags & EFL_VM) {
        if (((env->eflags & EFL_IOPL) >> 12) < 3) {
            raise_err(env, EXCP0D_GPF, 0, ra);
        }
    } else if ((env->cr[0] & CR0_PE) && (env->eflags & EFL_NT)) {
        /* task return: task switching is not implemented */
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
    ip = pop(env, &st, ot, ra);
    cs = pop(env, &st, ot, ra) & 0xffff;
    fl = pop(env, &st, ot, ra);
    if (real_or_vm86(env)) {
        uint32_t mask = CC_ALL | EFL_TF | EFL_DF | EFL_NT | EFL_RF | EFL_AC | EFL_ID | EFL_IF;
        if (!(env->eflags & EFL_VM)) {
            mask |= EFL_IOPL;
        }
        set_rsp(env, &st);
        set_seg_real(env, R_CS, cs);
        env->rip = ip;
        write_flags_masked(env, fl, ot == MO_16 ? mask & 0xffff : mask);
        x86_update_hflags(env);
        return;
    }
    if (ot == MO_32 && (fl & EFL_VM) && cpl(env) == 0 && !long_mode(env)) {
        iret_to_vm86(env, &st, cs, ip, fl, ra);
        return;
    }
    {
        uint32_t mask = iret_flag_mask(env, ot);
        return_protected(env, &st, cs, ip, ot, 0, true, ra);
        write_flags_masked(env, fl, mask);
        x86_update_hflags(env);
    }
}

/* ---------------------------------------------------------------- interrupt delivery */

static bool has_error_code(int intno)
{
    return intno == 8 || (intno >= 10 && intno <= 14) || intno == 17 || intno == 21;
}

typedef struct Event {
    int intno;
    bool soft;               /* INT n / INT3 / INTO: DPL check, no error code */
    bool push_error;
    uint32_t error;
    uint64_t ret_ip;         /* rIP pushed */
    uint32_t ext;            /* EXT bit of error codes raised while delivering */
} Event;

static void deliver_real(CPUX86State *env, const Event *ev, uintptr_t ra)
{
    Stack st = current_stack(env);
    uint32_t vec;

    if ((uint32_t)ev->intno * 4 + 3 > env->idt.limit) {
        raise_err(env, EXCP0D_GPF, ev->intno * 8 + 2, ra);
    }
    vec = ld_kernel(env, env->idt.base + ev->intno * 4, MO_32, ra);
    st.mask = 0xffff;
    push(env, &st, x86_cpu_get_eflags(env), MO_16, ra);
    push(env, &st, env->segs[R_CS].selector, MO_16, ra);
    push(env, &st, ev->ret_ip, MO_16, ra);
    set_rsp(env, &st);
    env->eflags &= ~(uint64_t)(EFL_IF | EFL_TF | EFL_AC | EFL_RF);
    set_seg_real(env, R_CS, vec >> 16);
    env->rip = vec & 0xffff;
}

/* the IDT gate of ev in protected or IA-32e mode, with its checks (SDM 6.12.1.1) */
static Gate idt_gate(CPUX86State *env, const Event *ev, Desc *code, uintptr_t ra)
{
    int esize = long_mode(env) ? 16 : 8;
    uint32_t gerr = ev->intno * 8 + 2 + ev->ext;
    Desc d;
    Gate g;

    if ((uint32_t)ev->intno * esize + esize - 1 > env->idt.limit) {
        raise_err(env, EXCP0D_GPF, gerr, ra);
    }
    d.addr = env->idt.base + ev->intno * esize;
    d.lo = ld_kernel(env, d.addr, MO_32, ra);
    d.hi = ld_kernel(env, d.addr + 4, MO_32, ra);
    g.type = (d.hi >> DESC_TYPE_SHIFT) & 15;
    g.sel = d.lo >> 16;
    g.offset = (d.lo & 0xffff) | (d.hi & 0xffff0000u);
    g.dpl = dpl_of(d.hi);
    g.present = d.hi & DESC_P;
    g.params = d.hi & 7;                /* IST index in IA-32e mode */
    if (long_mode(env)) {
        g.offset |= (uint64_t)ld_kernel(env, d.addr + 8, MO_32, ra) << 32;
        if (g.type != SYS_INT32 && g.type != SYS_TRAP32) {
            raise_err(env, EXCP0D_GPF, gerr, ra);
        }
    } else if (g.type != SYS_INT16 && g.type != SYS_TRAP16 && g.type != SYS_INT32 &&
               g.type != SYS_TRAP32) {
        /* task gates (5) are not implemented */
        raise_err(env, EXCP0D_GPF, gerr, ra);
    }
    if (ev->soft && g.dpl < cpl(env)) {
        raise_err(env, EXCP0D_GPF, gerr, ra);
    }
    if (!g.present) {
        raise_err(env, EXCP0B_NOSEG, gerr, ra);
    }
    if ((g.sel & 0xfffc) == 0) {
        raise_err(env, EXCP0D_GPF, ev->ext, ra);
    }
    if (!read_desc(env, g.sel, code, ra) || !(code->hi & DESC_S) || !(code->hi & DESC_CS) ||
        dpl_of(code->hi) > cpl(env)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(g.sel) + ev->ext, ra);
    }
    if (long_mode(env) && (!(code->hi & DESC_L) || (code->hi & DESC_B))) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(g.sel) + ev->ext, ra);
    }
    if (!(code->hi & DESC_P)) {
        raise_err(env, EXCP0B_NOSEG, SEL_ERR(g.sel) + ev->ext, ra);
    }
    return g;
}

static void finish_delivery(CPUX86State *env, const Gate *g, Desc *code, int dpl, uintptr_t ra)
{
    uint64_t clear = EFL_TF | EFL_NT | EFL_RF | EFL_VM;

    if (g->type == SYS_INT16 || g->type == SYS_INT32) {
        clear |= EFL_IF;
    }
    env->eflags &= ~clear;
    set_accessed(env, code, ra);
    set_seg(env, R_CS, (g->sel & 0xfffc) | dpl, code);
    set_cpl(env, dpl);
    env->rip = g->offset;
    env->hflags &= ~HF_INHIBIT_IRQ;
    x86_update_hflags(env);
}

/* protected-mode delivery through an interrupt or trap gate (SDM 6.12.1) */
static void deliver_protected(CPUX86State *env, const Event *ev, uintptr_t ra)
{
    Desc code, ssd;
    Gate g = idt_gate(env, ev, &code, ra);
    int size = (g.type & 8) ? MO_32 : MO_16, dpl = dpl_of(code.hi);
    bool vm86 = env->eflags & EFL_VM;
    bool inner = !(code.hi & DESC_C) && dpl < cpl(env);
    uint64_t fl = x86_cpu_get_eflags(env);
    Stack st = current_stack(env);
    uint32_t ss = 0;

    if (vm86 && (!inner || dpl != 0)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(g.sel) + ev->ext, ra);
    }
    if (!inner) {
        dpl = cpl(env);
    } else {
        uint64_t sp;
        tss_stack(env, dpl, &ss, &sp, ra);
        check_new_ss(env, ss, dpl, &ssd, ra);
        st = (Stack){ desc_base(&ssd), sp, sp_mask_of(ssd.hi, false),
                      dpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX };
        if (vm86) {
            push(env, &st, env->segs[R_GS].selector, size, ra);
            push(env, &st, env->segs[R_FS].selector, size, ra);
            push(env, &st, env->segs[R_DS].selector, size, ra);
            push(env, &st, env->segs[R_ES].selector, size, ra);
        }
        push(env, &st, env->segs[R_SS].selector, size, ra);
        push(env, &st, env->regs[R_ESP], size, ra);
    }
    push(env, &st, fl, size, ra);
    push(env, &st, env->segs[R_CS].selector, size, ra);
    push(env, &st, ev->ret_ip, size, ra);
    if (ev->push_error) {
        push(env, &st, ev->error, size, ra);
    }
    if (inner) {
        if (vm86) {
            set_null(env, R_GS, 0);
            set_null(env, R_FS, 0);
            set_null(env, R_DS, 0);
            set_null(env, R_ES, 0);
        }
        set_accessed(env, &ssd, ra);
        set_seg(env, R_SS, ss, &ssd);
    }
    set_rsp(env, &st);
    finish_delivery(env, &g, &code, dpl, ra);
}

/* IA-32e mode delivery: 16-byte gates, IST, 64-bit frame, aligned stack (SDM 6.14) */
static void deliver_long(CPUX86State *env, const Event *ev, uintptr_t ra)
{
    Desc code;
    Gate g = idt_gate(env, ev, &code, ra);
    int dpl = dpl_of(code.hi), ist = g.params;
    bool inner = !(code.hi & DESC_C) && dpl < cpl(env);
    uint64_t fl = x86_cpu_get_eflags(env), sp = env->regs[R_ESP];
    Stack st;

    if (!inner) {
        dpl = cpl(env);
    }
    if (ist) {
        uint32_t off = 0x24 + 8 * (ist - 1);
        if (off + 7 > env->tr.limit) {
            raise_err(env, EXCP0A_TSS, SEL_ERR(env->tr.selector), ra);
        }
        sp = ld_kernel(env, env->tr.base + off, MO_64, ra);
    } else if (inner) {
        uint32_t ss;
        tss_stack(env, dpl, &ss, &sp, ra);
    }
    st = (Stack){ 0, sp & ~0xfull, ~0ull, dpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX };
    push(env, &st, env->segs[R_SS].selector, MO_64, ra);
    push(env, &st, env->regs[R_ESP], MO_64, ra);
    push(env, &st, fl, MO_64, ra);
    push(env, &st, env->segs[R_CS].selector, MO_64, ra);
    push(env, &st, ev->ret_ip, MO_64, ra);
    if (ev->push_error) {
        push(env, &st, ev->error, MO_64, ra);
    }
    if (inner) {
        set_null(env, R_SS, dpl);
        env->segs[R_SS].flags = (uint32_t)dpl << DESC_DPL_SHIFT | DESC_B;
    }
    env->regs[R_ESP] = st.sp;
    finish_delivery(env, &g, &code, dpl, ra);
}

/* -d int: one line per delivered event, in the state it interrupts */
static void log_event(CPUX86State *env, const Event *ev)
{
    fprintf(env->int_log, "int: vector 0x%02x %s%s err=0x%x at %04x:%016llx cpl=%d "
            "cr0=0x%llx cr2=0x%llx eflags=0x%llx\n", ev->intno,
            ev->soft ? "software" : ev->ext && ev->intno >= 32 ? "external" : "exception",
            ev->push_error ? " (error code)" : "", ev->error,
            env->segs[R_CS].selector, (unsigned long long)env->rip, cpl(env),
            (unsigned long long)env->cr[0], (unsigned long long)env->cr[2],
            (unsigned long long)x86_cpu_get_eflags(env));
}

static void deliver(CPUX86State *env, const Event *ev)
{
    if (env->int_log) {
        log_event(env, ev);
    }
    if (!(env->cr[0] & CR0_PE)) {
        deliver_real(env, ev, 0);
        x86_update_hflags(env);
    } else if (long_mode(env)) {
        deliver_long(env, ev, 0);
    } else {
        deliver_protected(env, ev, 0);
    }
}

/* contributory exceptions (SDM vol. 3A, 6.15 "Interrupt 8", table 6-5) */
static bool contributory(int intno)
{
    return intno == 0 || (intno >= 10 && intno <= 13);
}

/*
 * An exception raised while delivering the previous one becomes #DF when both are
 * contributory or page faults (table 6-5); one while delivering #DF shuts down.
 * Returns false on a triple fault.
 */
static bool check_double_fault(CPUX86State *env, Event *ev)
{
    int old = env->old_exception;
    bool is_cf = contributory(ev->intno), is_pf = ev->intno == EXCP0E_PAGE;

    if (old == EXCP08_DBLE && (is_cf || is_pf)) {
        return false;
    }
    if ((contributory(old) && is_cf) || (old == EXCP0E_PAGE && (is_cf || is_pf))) {
        ev->intno = EXCP08_DBLE;
        ev->error = 0;
        ev->push_error = true;
    }
    return true;
}

static void triple_fault(CPUX86State *env)
{
    env->triple_fault = true;
    env->old_exception = -1;
    if (env->board && env->board->request_reset) {
        env->board->request_reset(env->board_opaque, "triple fault");
    }
    env->exec->exception_index = EXCP_HLT;
    cpu_set_halted(env->exec, true);
}

void x86_cpu_do_interrupt(CPUX86State *env)
{
    Event ev = { .intno = env->exec->exception_index, .soft = env->exception_is_int,
                 .error = env->error_code, .ret_ip = env->rip, .ext = 1 };

    if (ev.soft) {
        ev.ret_ip = env->exception_next_rip;
        ev.ext = 0;
        env->exception_is_int = 0;
    } else {
        ev.push_error = has_error_code(ev.intno);
        if (!check_double_fault(env, &ev)) {
            triple_fault(env);
            return;
        }
        env->old_exception = ev.intno;
    }
    if (!(env->cr[0] & CR0_PE)) {
        ev.push_error = false;
    }
    deliver(env, &ev);
    env->old_exception = -1;
    env->exec->exception_index = -1;
}

bool x86_cpu_exec_interrupt(CPUX86State *env, int request)
{
    Event ev = { .ret_ip = env->rip, .ext = 1 };

    if (env->hflags & HF_INHIBIT_IRQ) {
        return false;
    }
    if ((request & CPU_INTERRUPT_NMI) && !env->nmi_blocked) {
        cpu_reset_interrupt(env->exec, CPU_INTERRUPT_NMI);
        env->nmi_blocked = true;
        ev.intno = EXCP02_NMI;
    } else if ((request & CPU_INTERRUPT_HARD) && (env->eflags & EFL_IF)) {
        int vec = env->board && env->board->get_interrupt
                      ? env->board->get_interrupt(env->board_opaque) : -1;
        if (vec < 0) {
            return false;
        }
        ev.intno = vec;
    } else {
        return false;
    }
    cpu_set_halted(env->exec, false);
    env->old_exception = -1;
    deliver(env, &ev);
    return true;
}

void helper_raise_interrupt(CPUX86State *env, uint32_t intno, uint32_t next_eip_addend)
{
    env->exception_next_rip = env->rip + next_eip_addend;
    if (!(env->hflags & HF_CS64)) {
        env->exception_next_rip = (uint32_t)env->exception_next_rip;
    }
    env->exception_is_int = 1;
    env->error_code = 0;
    env->exec->exception_index = intno;
    cpu_loop_exit(env->exec);
}

void helper_raise_exception_err(CPUX86State *env, uint32_t intno, uint32_t error_code)
{
    x86_raise_exception(env, intno, error_code, 0);
}

/* ---------------------------------------------------------------- fast system calls */

void helper_syscall(CPUX86State *env, uint32_t next_eip_addend)
{
    uint32_t sel = (env->star >> 32) & 0xfffc;
    uint64_t next = env->rip + next_eip_addend;

    if (!(env->efer & EFER_SCE)) {
        x86_raise_exception(env, EXCP06_ILLOP, 0, 0);
    }
    if (long_mode(env)) {
        bool from64 = env->hflags & HF_CS64;
        env->regs[R_ECX] = from64 ? next : (uint32_t)next;
        env->regs[R_R11] = x86_cpu_get_eflags(env) & ~(uint64_t)EFL_RF;
        x86_cpu_set_eflags(env, x86_cpu_get_eflags(env) & ~(env->fmask | EFL_RF));
        set_flat(env, R_CS, sel, DESC_CS | DESC_R | DESC_L | (11u << DESC_TYPE_SHIFT));
        env->rip = from64 ? env->lstar : env->cstar;
    } else {
        env->regs[R_ECX] = (uint32_t)next;
        env->eflags &= ~(uint64_t)(EFL_IF | EFL_VM | EFL_RF);
        set_flat(env, R_CS, sel, DESC_B | (11u << DESC_TYPE_SHIFT));
        env->rip = (uint32_t)env->star;
    }
    set_flat(env, R_SS, sel + 8, DESC_B | (3u << DESC_TYPE_SHIFT));
    set_cpl(env, 0);
    x86_update_hflags(env);
}

void helper_sysret(CPUX86State *env, uint32_t ot)
{
    uint32_t sel = (env->star >> 48) & 0xffff;
    const uint32_t dpl3 = 3u << DESC_DPL_SHIFT;

    if (!(env->efer & EFER_SCE)) {
        x86_raise_exception(env, EXCP06_ILLOP, 0, GETPC());
    }
    if (!(env->cr[0] & CR0_PE) || cpl(env) != 0) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    if (long_mode(env)) {
        if (ot == MO_64) {
            if ((uint64_t)((int64_t)(env->regs[R_ECX] << 16) >> 16) != env->regs[R_ECX]) {
                x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
            }
            set_flat(env, R_CS, (sel + 16) | 3, dpl3 | DESC_CS | DESC_R | DESC_L | DESC_A);
            env->rip = env->regs[R_ECX];
        } else {
            set_flat(env, R_CS, sel | 3, dpl3 | DESC_CS | DESC_R | DESC_B);
            env->rip = (uint32_t)env->regs[R_ECX];
        }
        x86_cpu_set_eflags(env, (env->regs[R_R11] & 0x3c7fd7ull) | 2);
    } else {
        set_flat(env, R_CS, sel | 3, dpl3 | DESC_CS | DESC_R | DESC_B);
        env->rip = (uint32_t)env->regs[R_ECX];
        env->eflags |= EFL_IF;
    }
    set_flat(env, R_SS, (sel + 8) | 3, dpl3 | DESC_W | DESC_B);
    set_cpl(env, 3);
    x86_update_hflags(env);
}

void helper_sysenter(CPUX86State *env)
{
    uint32_t sel = env->sysenter_cs & 0xfffc;

    if (!(env->cr[0] & CR0_PE) || sel == 0) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    env->eflags &= ~(uint64_t)(EFL_VM | EFL_IF | EFL_RF);
    if (long_mode(env)) {
        set_flat(env, R_CS, sel, DESC_CS | DESC_R | DESC_L);
    } else {
        set_flat(env, R_CS, sel, DESC_CS | DESC_R | DESC_B);
    }
    set_flat(env, R_SS, sel + 8, DESC_W | DESC_B);
    set_cpl(env, 0);
    env->regs[R_ESP] = long_mode(env) ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    env->rip = long_mode(env) ? env->sysenter_eip : (uint32_t)env->sysenter_eip;
    x86_update_hflags(env);
}

void helper_sysexit(CPUX86State *env, uint32_t ot)
{
    uint32_t sel = env->sysenter_cs & 0xfffc;
    const uint32_t dpl3 = 3u << DESC_DPL_SHIFT;

    if (!(env->cr[0] & CR0_PE) || sel == 0 || cpl(env) != 0) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    if (ot == MO_64) {
        set_flat(env, R_CS, (sel + 32) | 3, dpl3 | DESC_CS | DESC_R | DESC_L);
        set_flat(env, R_SS, (sel + 40) | 3, dpl3 | DESC_W | DESC_B);
        env->regs[R_ESP] = env->regs[R_ECX];
        env->rip = env->regs[R_EDX];
    } else {
        set_flat(env, R_CS, (sel + 16) | 3, dpl3 | DESC_CS | DESC_R | DESC_B);
        set_flat(env, R_SS, (sel + 24) | 3, dpl3 | DESC_W | DESC_B);
        env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
        env->rip = (uint32_t)env->regs[R_EDX];
    }
    set_cpl(env, 3);
    x86_update_hflags(env);
}

void helper_swapgs(CPUX86State *env)
{
    uint64_t t = env->segs[R_GS].base;

    if (cpl(env) != 0) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    env->segs[R_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = t;
}

/* ---------------------------------------------------------------- LLDT, LTR */

static void load_system_seg(CPUX86State *env, SegmentCache *sc, uint32_t sel, bool ltr,
                            uintptr_t ra)
{
    Desc d;
    int type;

    if (!(env->cr[0] & CR0_PE) || (env->eflags & EFL_VM)) {
        raise_err(env, EXCP06_ILLOP, 0, ra);
    }
    if (cpl(env) != 0) {
        raise_err(env, EXCP0D_GPF, 0, ra);
    }
    sel &= 0xffff;
    if ((sel & 0xfffc) == 0) {
        if (ltr) {
            raise_err(env, EXCP0D_GPF, 0, ra);
        }
        sc->selector = sel;
        sc->base = 0;
        sc->limit = 0;
        sc->flags = 0;
        return;
    }
    if ((sel & 4) || !read_desc(env, sel, &d, ra)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    type = (d.hi >> DESC_TYPE_SHIFT) & 15;
    if ((d.hi & DESC_S) || (ltr ? !(type == SYS_TSS32 || (type == SYS_TSS16 && !long_mode(env)))
                                : type != SYS_LDT)) {
        raise_err(env, EXCP0D_GPF, SEL_ERR(sel), ra);
    }
    if (!(d.hi & DESC_P)) {
        raise_err(env, EXCP0B_NOSEG, SEL_ERR(sel), ra);
    }
    sc->selector = sel;
    sc->base = desc_base(&d);
    sc->limit = desc_limit(&d);
    sc->flags = d.hi & 0x00f0ff00u;
    if (long_mode(env)) {
        sc->base |= (uint64_t)read_desc_high(env, sel, &d, ra) << 32;
    }
    if (ltr) {
        d.hi |= 2u << DESC_TYPE_SHIFT;   /* busy */
        st_kernel(env, d.addr + 4, d.hi, MO_32, ra);
        sc->flags |= 2u << DESC_TYPE_SHIFT;
    }
}

void helper_lldt(CPUX86State *env, uint32_t selector)
{
    load_system_seg(env, &env->ldt, selector, false, GETPC());
}

void helper_ltr(CPUX86State *env, uint32_t selector)
{
    load_system_seg(env, &env->tr, selector, true, GETPC());
}

/* ---------------------------------------------------------------- LAR, LSL, VERR, VERW */

static void set_zf(CPUX86State *env, bool zf)
{
    uint64_t fl = x86_cc_compute_all(env);

    env->cc_src = zf ? fl | CC_Z : fl & ~(uint64_t)CC_Z;
    env->cc_op = CC_OP_EFLAGS;
}

/* LAR/LSL/VERR/VERW common part: the descriptor when visible at CPL/RPL, else NULL */
static bool visible_desc(CPUX86State *env, uint32_t sel, Desc *d, uint32_t sys_types,
                         uintptr_t ra)
{
    int rpl = sel & 3, c = cpl(env);

    if ((sel & 0xfffc) == 0 || !read_desc(env, sel, d, ra)) {
        return false;
    }
    if (d->hi & DESC_S) {
        if ((d->hi & DESC_CS) && (d->hi & DESC_C)) {
            return true;
        }
    } else if (!(sys_types & (1u << ((d->hi >> DESC_TYPE_SHIFT) & 15)))) {
        return false;
    }
    return dpl_of(d->hi) >= c && dpl_of(d->hi) >= rpl;
}

#define LEGACY_LAR_TYPES 0x1a3eu   /* 1,2,3,4,5,9,11,12 */
#define LONG_LAR_TYPES   0x1a04u   /* 2,9,11,12 */
#define LEGACY_LSL_TYPES 0x0a0eu   /* 1,2,3,9,11 */
#define LONG_LSL_TYPES   0x0a04u   /* 2,9,11 */

uint64_t helper_lar(CPUX86State *env, uint32_t selector)
{
    Desc d;
    bool ok = visible_desc(env, selector & 0xffff, &d,
                           long_mode(env) ? LONG_LAR_TYPES : LEGACY_LAR_TYPES, GETPC());

    set_zf(env, ok);
    return ok ? (d.hi & 0x00f0ff00u) : 0;
}

uint64_t helper_lsl(CPUX86State *env, uint32_t selector)
{
    Desc d;
    bool ok = visible_desc(env, selector & 0xffff, &d,
                           long_mode(env) ? LONG_LSL_TYPES : LEGACY_LSL_TYPES, GETPC());

    set_zf(env, ok);
    return ok ? desc_limit(&d) : 0;
}

void helper_verr(CPUX86State *env, uint32_t selector)
{
    Desc d;
    bool ok = visible_desc(env, selector & 0xffff, &d, 0, GETPC());

    set_zf(env, ok && (d.hi & DESC_S) && (!(d.hi & DESC_CS) || (d.hi & DESC_R)));
}

void helper_verw(CPUX86State *env, uint32_t selector)
{
    Desc d;
    bool ok = visible_desc(env, selector & 0xffff, &d, 0, GETPC());

    set_zf(env, ok && (d.hi & DESC_S) && !(d.hi & DESC_CS) && (d.hi & DESC_W));
}

/* ---------------------------------------------------------------- ENTER */

/*
 * ENTER with nesting level > 0 (SDM vol. 2A, ENTER), called after rBP was pushed
 * and frame_temp (= rSP then) computed: pushes level - 1 frame pointers copied
 * from [rBP - i * size] and then frame_temp, updating rSP. The translator then sets
 * rBP = frame_temp and subtracts the frame size from rSP.
 */
void helper_enter_level(CPUX86State *env, uint32_t level, uint32_t ot, uint64_t frame_temp)
{
    uintptr_t ra = GETPC();
    Stack st = current_stack(env);
    uint64_t bp = env->regs[R_EBP];

    level &= 31;
    for (uint32_t i = 1; i < level; i++) {
        uint64_t v;
        bp -= 1u << ot;
        v = cpu_ld_mmu(env->exec, st.base + (bp & st.mask), ot | MO_MMUIDX(st.mmu_idx), ra);
        push(env, &st, v, ot, ra);
    }
    push(env, &st, frame_temp, ot, ra);
    set_rsp(env, &st);
}
