/*
 * Guest signal frames, byte for byte as Linux builds them on x86-64 and i386
 * (arch/x86/kernel/signal.c, signal_32.c; the structures of
 * arch/x86/include/uapi/asm/sigcontext.h, ucontext.h and asm/sigframe.h), so
 * that handlers can read and change the interrupted state, and sigreturn
 * brings it back. FPU state is saved in the FXSAVE format, and when the CPU
 * model has XSAVE as Linux's XSAVE frame (arch/x86/kernel/fpu/signal.c): the
 * XSAVE area of every enabled component (YMM too), struct _fpx_sw_bytes in
 * the FXSAVE image's bytes 464-511 (XSTATE_MAGIC1, sizes, features) and
 * XSTATE_MAGIC2 after the area. The handler starts with the initial FPU
 * state, as Linux gives it (fpu__clear_user_states).
 */
#include <string.h>
#include <sys/mman.h>
#include "linux-user/user.h"
#include "target-i386/sse_helper.h"
#include "target-i386/xsave_helper.h"

/* EFLAGS bits (Intel SDM vol. 1, 3.4.3) */
#define FL_CF 0x1u
#define FL_PF 0x4u
#define FL_AF 0x10u
#define FL_ZF 0x40u
#define FL_SF 0x80u
#define FL_TF 0x100u
#define FL_DF 0x400u
#define FL_OF 0x800u
#define FL_RF 0x10000u
#define FL_AC 0x40000u
/* what sigreturn takes from the frame (Linux: FIX_EFLAGS) */
#define FL_FIX (FL_AC | FL_OF | FL_DF | FL_TF | FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF | FL_RF)

/* sa_flags: the guest gives the return trampoline (arch/x86/include/uapi/asm/signal.h) */
#define GUEST_SA_RESTORER 0x04000000u

/* uc_flags (arch/x86/include/uapi/asm/ucontext.h) */
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

/* x86-64 rt_sigframe: pretcode, struct ucontext, siginfo */
enum {
    F64_UC = 8, F64_UC_STACK = F64_UC + 16, F64_MC = F64_UC + 40,
    F64_MASK = F64_MC + 256, F64_INFO = F64_MASK + 8, F64_SIZE = F64_INFO + 128,
};
/* sigcontext_64 words after r8..r15 (8 x 8 bytes) */
enum {
    SC64_RDI = 64, SC64_RSI = 72, SC64_RBP = 80, SC64_RBX = 88, SC64_RDX = 96,
    SC64_RAX = 104, SC64_RCX = 112, SC64_RSP = 120, SC64_RIP = 128, SC64_EFLAGS = 136,
    SC64_SEGS = 144, SC64_ERR = 152, SC64_TRAPNO = 160, SC64_OLDMASK = 168, SC64_CR2 = 176,
    SC64_FPSTATE = 184,
};
/* i386 rt_sigframe: pretcode, sig, pinfo, puc, siginfo, ucontext_ia32, retcode */
enum {
    R32_INFO = 16, R32_UC = 144, R32_UC_STACK = R32_UC + 8, R32_MC = R32_UC + 20,
    R32_MASK = R32_MC + 88, R32_RETCODE = R32_MASK + 8, R32_SIZE = R32_RETCODE + 8,
};
/* i386 sigframe: pretcode, sig, sigcontext, unused _fpstate_32, extramask, retcode */
enum {
    S32_SC = 8, S32_EXTRAMASK = S32_SC + 88 + 624, S32_RETCODE = S32_EXTRAMASK + 4,
    S32_SIZE = S32_RETCODE + 8,
};
/* sigcontext_32 */
enum {
    SC32_GS = 0, SC32_FS = 4, SC32_ES = 8, SC32_DS = 12, SC32_EDI = 16, SC32_ESI = 20,
    SC32_EBP = 24, SC32_ESP = 28, SC32_EBX = 32, SC32_EDX = 36, SC32_ECX = 40,
    SC32_EAX = 44, SC32_TRAPNO = 48, SC32_ERR = 52, SC32_EIP = 56, SC32_CS = 60,
    SC32_EFLAGS = 64, SC32_ESP_AT_SIGNAL = 68, SC32_SS = 72, SC32_FPSTATE = 76,
    SC32_OLDMASK = 80, SC32_CR2 = 84,
};
#define FXSAVE_SIZE 512
#define FSAVE_HEADER 112     /* i386: struct fregs_state before the FXSAVE image */
/* struct _fpx_sw_bytes in the FXSAVE image (uapi/asm/sigcontext.h) */
/* FP_XSTATE_MAGIC1/2 (the host headers have the same names) */
#define XSTATE_MAGIC1 0x46505853u
#define XSTATE_MAGIC2 0x46505845u
#define XSTATE_MAGIC2_SIZE 4
enum { SW_MAGIC1 = 464, SW_EXTENDED_SIZE = 468, SW_XFEATURES = 472, SW_XSTATE_SIZE = 480 };

static void put16(uint8_t *b, unsigned off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, unsigned off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, unsigned off, uint64_t v) { memcpy(b + off, &v, 8); }
static uint16_t get16(const uint8_t *b, unsigned off) { uint16_t v; memcpy(&v, b + off, 2); return v; }
static uint32_t get32(const uint8_t *b, unsigned off) { uint32_t v; memcpy(&v, b + off, 4); return v; }
static uint64_t get64(const uint8_t *b, unsigned off) { uint64_t v; memcpy(&v, b + off, 8); return v; }

/* --- FPU state: the FXSAVE image (Intel SDM vol. 1, 10.5.1, table 10-2) --- */

static void fxsave_image(CPUX86State *env, uint8_t *img, int nb_xmm)
{
    helper_sse_sync_mxcsr(env);
    memset(img, 0, FXSAVE_SIZE);
    put16(img, 0, env->fpuc);
    put16(img, 2, (uint16_t)helper_fnstsw(env));
    /* the kernel's FXSAVE64/XSAVE64: FOP, FIP and FDP as the CPU stores them */
    put16(img, 6, (uint16_t)helper_fx_pointer(env, 0));
    put64(img, 8, helper_fx_pointer(env, 3));
    put64(img, 16, helper_fx_pointer(env, 4));
    uint8_t abridged_tags = 0;
    for (int i = 0; i < 8; i++) {
        abridged_tags |= (uint8_t)(!env->fptags[i] << i);
        /* ST(i) is physical register TOP + i; 80-bit values in 16-byte slots */
        memcpy(img + 32 + 16 * i, &env->fpregs[(env->fpstt + i) & 7], 10);
    }
    img[4] = abridged_tags;
    put32(img, 24, env->mxcsr);
    put32(img, 28, MXCSR_WRITABLE);
    for (int i = 0; i < nb_xmm; i++) {
        memcpy(img + 160 + 16 * i, &env->xmm_regs[i], 16);
    }
}

static void fxrstor_image(CPUX86State *env, const uint8_t *img, int nb_xmm)
{
    uint16_t fsw;
    memcpy(&env->fpuc, img, 2);
    memcpy(&fsw, img + 2, 2);
    env->fpus = fsw & ~0x3800u;
    env->fpstt = (fsw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        env->fptags[i] = !((img[4] >> i) & 1);
        long double value = 0;
        memcpy(&value, img + 32 + 16 * i, 10);
        env->fpregs[(env->fpstt + i) & 7] = value;
    }
    helper_fx_load_pointers(env, get16(img, 6), get64(img, 8), get64(img, 16), true);
    /* a reserved MXCSR bit would fault in FXRSTOR; Linux refuses the frame,
     * here the bits are dropped */
    helper_ldmxcsr(env, get32(img, 24) & MXCSR_WRITABLE);
    for (int i = 0; i < nb_xmm; i++) {
        memcpy(&env->xmm_regs[i], img + 160 + 16 * i, 16);
    }
}

/* i386: the legacy FSAVE header before the FXSAVE image (struct _fpstate_32):
 * control, status and full tag words, FIP, CS, FDP, DS (Linux
 * convert_from_fxsr on x86-64: the pointers of the FXSAVE64 image, the
 * task's CS and DS selectors), then ST0-7 packed, status, magic. */
static void fsave_header(CPUX86State *env, uint8_t *buf)
{
    memset(buf, 0, FSAVE_HEADER);
    uint32_t sw = (uint32_t)helper_fnstsw(env);
    put32(buf, 12, (uint32_t)helper_fx_pointer(env, 3));
    put32(buf, 16, env->segs[R_CS].selector);
    put32(buf, 20, (uint32_t)helper_fx_pointer(env, 4));
    put32(buf, 24, 0xffff0000u | env->segs[R_DS].selector);
    uint32_t tags = 0;
    for (int i = 0; i < 8; i++) {
        tags |= (env->fptags[i] ? 3u : 0u) << (2 * i);     /* 11: empty, 00: valid */
        memcpy(buf + 28 + 10 * i, &env->fpregs[(env->fpstt + i) & 7], 10);
    }
    put32(buf, 0, 0xffff0000u | env->fpuc);
    put32(buf, 4, 0xffff0000u | sw);
    put32(buf, 8, 0xffff0000u | tags);
    put16(buf, 108, (uint16_t)sw);
    put16(buf, 110, 0);        /* X86_FXSR_MAGIC: the FXSAVE image follows */
}

/* --- FPU state with XSAVE: the XSAVE area as Linux writes it to a frame --- */

/* the XSAVE area's size, 0 when the model has no XSAVE (the FXSAVE frame) */
static uint32_t xstate_size(CPUX86State *env)
{
    if (!x86_osxsave(env)) {
        return 0;
    }
    return (x86_xcr0(env) & XSTATE_YMM) ? XSAVE_MAX_SIZE : XSAVE_YMM_OFFSET;
}

/* bytes of the FPU area from the FXSAVE image on (xstate_sigframe_size) */
static uint32_t fp_frame_size(CPUX86State *env)
{
    uint32_t xs = xstate_size(env);
    return xs ? xs + XSTATE_MAGIC2_SIZE : FXSAVE_SIZE;
}

/* Linux copy_fpstate_to_sigframe: XSAVE of every enabled component into a
 * cleared header, XSTATE_BV with x87 and SSE always set
 * (save_xstate_epilog), the software bytes (the i386 extended size counts the
 * FSAVE header) and the second magic word after the area */
static void xsave_frame_image(CPUX86State *env, uint8_t *fx, bool is64)
{
    uint32_t xs = xstate_size(env);
    uint64_t xcr0 = x86_xcr0(env);
    memset(fx + FXSAVE_SIZE, 0, xs - FXSAVE_SIZE);
    x86_xsave_image(env, fx, xcr0, XSAVE_STD | XSAVE_W64);   /* the kernel's XSAVE64 */
    put64(fx, XSAVE_HEADER_OFFSET, get64(fx, XSAVE_HEADER_OFFSET) | XSTATE_X87 | XSTATE_SSE);
    put32(fx, SW_MAGIC1, XSTATE_MAGIC1);
    put32(fx, SW_EXTENDED_SIZE, xs + XSTATE_MAGIC2_SIZE + (is64 ? 0 : FSAVE_HEADER));
    put64(fx, SW_XFEATURES, xcr0);
    put32(fx, SW_XSTATE_SIZE, xs);
    put32(fx, xs, XSTATE_MAGIC2);
}

/* Linux __fpu_restore_sig: the FXSAVE image at fxaddr, then the XSAVE area
 * when the software bytes and both magic words say it is there (else only
 * the FXSAVE part, the other components initialized); a NULL fpstate gives
 * the initial state; an XSAVE header XRSTOR refuses kills with SIGSEGV */
static void restore_fpu(UserProcess *p, uint64_t fpstate, uint64_t fxaddr, int nb_xmm)
{
    CPUX86State *env = p->env;
    uint8_t img[XSAVE_MAX_SIZE + XSTATE_MAGIC2_SIZE];
    uint32_t xs = xstate_size(env), size;

    if (!fpstate) {
        x86_xstate_init(env);
        return;
    }
    if (!copy_from_guest(p, img, fxaddr, FXSAVE_SIZE)) {
        user_die_with_signal(p, SIGSEGV);
    }
    size = get32(img, SW_XSTATE_SIZE);
    if (xs && get32(img, SW_MAGIC1) == XSTATE_MAGIC1 && size >= XSAVE_YMM_OFFSET &&
        size <= xs && size <= get32(img, SW_EXTENDED_SIZE) &&
        copy_from_guest(p, img + FXSAVE_SIZE, fxaddr + FXSAVE_SIZE,
                        size + XSTATE_MAGIC2_SIZE - FXSAVE_SIZE) &&
        get32(img, size) == XSTATE_MAGIC2) {
        uint64_t mask = get64(img, SW_XFEATURES) & x86_xcr0(env);
        x86_xstate_init(env);
        if (!x86_xrstor_image(env, img, mask, true)) {
            user_die_with_signal(p, SIGSEGV);
        }
        return;
    }
    x86_xstate_init(env);
    fxrstor_image(env, img, nb_xmm);
}

/* --- the stack the frame goes on --- */

static bool on_alt_stack(const UserProcess *p, uint64_t sp)
{
    return p->sigaltstack[2] && sp - p->sigaltstack[0] < p->sigaltstack[2];
}

/* Linux get_sigframe: the red zone (x86-64), the alternate stack, the FPU
 * area (64-byte aligned), then the frame aligned as after a CALL. Returns the
 * frame address and the FPU area in *fpstate. */
static uint64_t frame_address(UserProcess *p, const GuestSigaction *act, uint64_t size,
                              uint64_t *fpstate)
{
    uint64_t sp = p->env->regs[R_ESP];
    bool is64 = p->abi->is64;
    if (!is64) {
        sp = (uint32_t)sp;
    } else {
        sp -= 128;
    }
    if ((act->flags & SA_ONSTACK) && p->sigaltstack[2] && !on_alt_stack(p, sp)) {
        sp = p->sigaltstack[0] + p->sigaltstack[2];
    }
    /* Linux fpu__alloc_mathframe: the FXSAVE image (XSAVE area) 64-byte
     * aligned, the i386 FSAVE header right below it */
    uint64_t fx = (sp - fp_frame_size(p->env)) & ~63ULL;
    *fpstate = is64 ? fx : fx - FSAVE_HEADER;
    sp = *fpstate - size;
    return is64 ? (sp & ~15ULL) - 8 : ((sp + 4) & ~15ULL) - 4;
}

static void put_stack(const UserProcess *p, uint8_t *b, unsigned off, uint64_t sp)
{
    uint32_t flags = !p->sigaltstack[2] ? SS_DISABLE : on_alt_stack(p, sp) ? SS_ONSTACK : 0;
    if (p->abi->is64) {
        put64(b, off, p->sigaltstack[0]);
        put32(b, off + 8, flags);
        put64(b, off + 16, p->sigaltstack[2]);
    } else {
        put32(b, off, (uint32_t)p->sigaltstack[0]);
        put32(b, off + 4, flags);
        put32(b, off + 8, (uint32_t)p->sigaltstack[2]);
    }
}

static uint64_t handler_eflags(CPUX86State *env)
{
    return x86_cpu_get_eflags(env) & ~(uint64_t)(FL_DF | FL_RF | FL_TF);
}

static uint16_t selector(const CPUX86State *env, int seg)
{
    return (uint16_t)env->segs[seg].selector;
}

/* --- x86-64 --- */

static void sigcontext64(CPUX86State *env, uint8_t *mc, uint64_t mask, uint64_t fpstate)
{
    static const int order[8] = { R_EDI, R_ESI, R_EBP, R_EBX, R_EDX, R_EAX, R_ECX, R_ESP };
    for (int i = 0; i < 8; i++) {
        put64(mc, 8 * i, env->regs[8 + i]);
        put64(mc, SC64_RDI + 8 * i, env->regs[order[i]]);
    }
    put64(mc, SC64_RIP, env->rip);
    put64(mc, SC64_EFLAGS, x86_cpu_get_eflags(env));
    put16(mc, SC64_SEGS, selector(env, R_CS));
    put16(mc, SC64_SEGS + 2, selector(env, R_GS));
    put16(mc, SC64_SEGS + 4, selector(env, R_FS));
    put16(mc, SC64_SEGS + 6, selector(env, R_SS));
    put64(mc, SC64_OLDMASK, mask);
    put64(mc, SC64_FPSTATE, fpstate);
}

/* trapno, err, cr2 of the fault behind the signal (zero for other signals) */
static void fault_words(UserProcess *p, uint64_t out[3])
{
    out[0] = p->fault_trapno;
    out[1] = p->fault_err;
    out[2] = p->fault_cr2;
    p->fault_trapno = p->fault_err = p->fault_cr2 = 0;
}

static bool setup_rt_frame64(UserProcess *p, int sig, const GuestSigaction *act,
                             const siginfo_t *info, uint64_t mask)
{
    CPUX86State *env = p->env;
    uint8_t frame[F64_SIZE], fx[XSAVE_MAX_SIZE + XSTATE_MAGIC2_SIZE];
    uint64_t fpstate;
    uint64_t addr = frame_address(p, act, F64_SIZE, &fpstate);
    if (!(act->flags & GUEST_SA_RESTORER)) {
        return false;     /* x86-64 Linux needs one too (no vDSO trampoline) */
    }
    memset(frame, 0, sizeof(frame));
    put64(frame, 0, act->restorer);
    put64(frame, F64_UC, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS |
                         (xstate_size(env) ? UC_FP_XSTATE : 0));
    put_stack(p, frame, F64_UC_STACK, env->regs[R_ESP]);
    sigcontext64(env, frame + F64_MC, mask, fpstate);
    uint64_t fault[3];
    fault_words(p, fault);
    put64(frame, F64_MC + SC64_TRAPNO, fault[0]);
    put64(frame, F64_MC + SC64_ERR, fault[1]);
    put64(frame, F64_MC + SC64_CR2, fault[2]);
    put64(frame, F64_MASK, mask);
    siginfo_to_guest(p, info, frame + F64_INFO);
    fxsave_image(env, fx, 16);
    if (xstate_size(env)) {
        xsave_frame_image(env, fx, true);
    }
    if (!copy_to_guest(p, fpstate, fx, fp_frame_size(env)) ||
        !copy_to_guest(p, addr, frame, sizeof(frame))) {
        return false;
    }
    x86_xstate_init(env);
    env->regs[R_EDI] = (uint64_t)sig;
    env->regs[R_ESI] = addr + F64_INFO;
    env->regs[R_EDX] = addr + F64_UC;
    env->regs[R_EAX] = 0;
    env->regs[R_ESP] = addr;
    env->rip = act->handler;
    x86_cpu_set_eflags(env, handler_eflags(env));
    return true;
}

static void restore_eflags(CPUX86State *env, uint64_t saved)
{
    uint64_t now = x86_cpu_get_eflags(env);
    x86_cpu_set_eflags(env, (now & ~(uint64_t)FL_FIX) | (saved & FL_FIX));
}

static int64_t rt_return64(UserProcess *p)
{
    CPUX86State *env = p->env;
    uint8_t uc[F64_INFO - F64_UC];
    /* the handler's RET took pretcode: the ucontext is at rsp */
    if (!copy_from_guest(p, uc, env->regs[R_ESP], sizeof(uc))) {
        user_die_with_signal(p, SIGSEGV);
    }
    const uint8_t *mc = uc + (F64_MC - F64_UC);
    static const int order[8] = { R_EDI, R_ESI, R_EBP, R_EBX, R_EDX, R_EAX, R_ECX, R_ESP };
    for (int i = 0; i < 8; i++) {
        env->regs[8 + i] = get64(mc, 8 * i);
        env->regs[order[i]] = get64(mc, SC64_RDI + 8 * i);
    }
    env->rip = get64(mc, SC64_RIP);
    restore_eflags(env, get64(mc, SC64_EFLAGS));
    uint64_t fpstate = get64(mc, SC64_FPSTATE);
    restore_fpu(p, fpstate, fpstate, 16);
    p->sigmask = get64(uc, F64_MASK - F64_UC);
    return (int64_t)env->regs[R_EAX];
}

/* --- i386 --- */

static void sigcontext32(CPUX86State *env, uint8_t *sc, uint64_t mask, uint64_t fpstate)
{
    static const int order[8] = { R_EDI, R_ESI, R_EBP, R_ESP, R_EBX, R_EDX, R_ECX, R_EAX };
    put32(sc, SC32_GS, selector(env, R_GS));
    put32(sc, SC32_FS, selector(env, R_FS));
    put32(sc, SC32_ES, selector(env, R_ES));
    put32(sc, SC32_DS, selector(env, R_DS));
    for (int i = 0; i < 8; i++) {
        put32(sc, SC32_EDI + 4 * i, (uint32_t)env->regs[order[i]]);
    }
    put32(sc, SC32_EIP, (uint32_t)env->rip);
    put32(sc, SC32_CS, selector(env, R_CS));
    put32(sc, SC32_EFLAGS, (uint32_t)x86_cpu_get_eflags(env));
    put32(sc, SC32_ESP_AT_SIGNAL, (uint32_t)env->regs[R_ESP]);
    put32(sc, SC32_SS, selector(env, R_SS));
    put32(sc, SC32_FPSTATE, (uint32_t)fpstate);
    put32(sc, SC32_OLDMASK, (uint32_t)mask);
}

static void fault_words32(UserProcess *p, uint8_t *sc)
{
    uint64_t fault[3];
    fault_words(p, fault);
    put32(sc, SC32_TRAPNO, (uint32_t)fault[0]);
    put32(sc, SC32_ERR, (uint32_t)fault[1]);
    put32(sc, SC32_CR2, (uint32_t)fault[2]);
}

static bool write_fpstate32(UserProcess *p, uint64_t fpstate)
{
    uint8_t buf[FSAVE_HEADER + XSAVE_MAX_SIZE + XSTATE_MAGIC2_SIZE];
    fsave_header(p->env, buf);
    fxsave_image(p->env, buf + FSAVE_HEADER, 8);
    if (xstate_size(p->env)) {
        xsave_frame_image(p->env, buf + FSAVE_HEADER, false);
    }
    return copy_to_guest(p, fpstate, buf, FSAVE_HEADER + fp_frame_size(p->env));
}

/*
 * i386 handlers without SA_RESTORER return through the vDSO's
 * __kernel_sigreturn / __kernel_rt_sigreturn on Linux; here through the same
 * code in a read-only executable page mapped at the first such signal (the
 * stack, where the frame's retcode lies, is usually not executable).
 */
#define TRAMP_RT 8
static uint64_t sigreturn_trampoline(UserProcess *p, bool rt)
{
    static const uint8_t code[16] = {
        0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80,           /* pop %eax; sigreturn */
        0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0x90,           /* rt_sigreturn */
    };
    if (!p->sigtramp) {
        /* per thread (a thread made before it copies 0): the address space
         * lock keeps two threads from picking the same place */
        user_mem_lock(p);
        int64_t addr = target_mmap(p, 0, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        bool ok = addr >= 0 && copy_to_guest(p, (uint64_t)addr, code, sizeof(code)) &&
                  target_mprotect(p, (uint64_t)addr, GUEST_PAGE_SIZE, PROT_READ | PROT_EXEC) >= 0;
        user_mem_unlock(p);
        if (!ok) {
            return 0;
        }
        p->sigtramp = (uint64_t)addr;
    }
    return p->sigtramp + (rt ? TRAMP_RT : 0);
}

static uint32_t return_address32(UserProcess *p, const GuestSigaction *act, bool rt)
{
    if (act->flags & GUEST_SA_RESTORER) {
        return (uint32_t)act->restorer;
    }
    return (uint32_t)sigreturn_trampoline(p, rt);
}

static void enter_handler32(UserProcess *p, const GuestSigaction *act, uint64_t addr)
{
    CPUX86State *env = p->env;
    env->regs[R_ESP] = addr;
    env->rip = (uint32_t)act->handler;
    x86_cpu_set_eflags(env, handler_eflags(env));
}

static bool setup_rt_frame32(UserProcess *p, int sig, const GuestSigaction *act,
                             const siginfo_t *info, uint64_t mask)
{
    /* movl $173 (rt_sigreturn), %eax; int $0x80: what an old libc expects to
     * find at the return address (Linux signal_32.c, rt_retcode) */
    static const uint8_t retcode[8] = { 0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0 };
    uint8_t frame[R32_SIZE];
    uint64_t fpstate;
    uint64_t addr = frame_address(p, act, R32_SIZE, &fpstate);
    memset(frame, 0, sizeof(frame));
    put32(frame, 0, return_address32(p, act, true));
    put32(frame, 4, (uint32_t)sig);
    put32(frame, 8, (uint32_t)(addr + R32_INFO));
    put32(frame, 12, (uint32_t)(addr + R32_UC));
    siginfo_to_guest(p, info, frame + R32_INFO);
    put32(frame, R32_UC, xstate_size(p->env) ? UC_FP_XSTATE : 0);
    put_stack(p, frame, R32_UC_STACK, (uint32_t)p->env->regs[R_ESP]);
    sigcontext32(p->env, frame + R32_MC, mask, fpstate);
    fault_words32(p, frame + R32_MC);
    put64(frame, R32_MASK, mask);
    memcpy(frame + R32_RETCODE, retcode, sizeof(retcode));
    if (!write_fpstate32(p, fpstate) || !copy_to_guest(p, addr, frame, sizeof(frame))) {
        return false;
    }
    p->env->regs[R_EAX] = (uint32_t)sig;
    p->env->regs[R_EDX] = (uint32_t)(addr + R32_INFO);
    p->env->regs[R_ECX] = (uint32_t)(addr + R32_UC);
    enter_handler32(p, act, addr);
    x86_xstate_init(p->env);
    return true;
}

static bool setup_frame32(UserProcess *p, int sig, const GuestSigaction *act, uint64_t mask)
{
    /* popl %eax; movl $119 (sigreturn), %eax; int $0x80 (Linux signal_32.c, retcode) */
    static const uint8_t retcode[8] = { 0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80 };
    uint8_t frame[S32_SIZE];
    uint64_t fpstate;
    uint64_t addr = frame_address(p, act, S32_SIZE, &fpstate);
    memset(frame, 0, sizeof(frame));
    put32(frame, 0, return_address32(p, act, false));
    put32(frame, 4, (uint32_t)sig);
    sigcontext32(p->env, frame + S32_SC, mask, fpstate);
    fault_words32(p, frame + S32_SC);
    put32(frame, S32_EXTRAMASK, (uint32_t)(mask >> 32));
    memcpy(frame + S32_RETCODE, retcode, sizeof(retcode));
    if (!write_fpstate32(p, fpstate) || !copy_to_guest(p, addr, frame, sizeof(frame))) {
        return false;
    }
    p->env->regs[R_EAX] = (uint32_t)sig;
    p->env->regs[R_EDX] = 0;
    p->env->regs[R_ECX] = 0;
    enter_handler32(p, act, addr);
    x86_xstate_init(p->env);
    return true;
}

/* Linux restore_sigcontext: general registers, EIP, the EFLAGS the guest may
 * change, FPU state; segment registers stay (TLS in GS is the guest's own). */
static int64_t restore_sigcontext32(UserProcess *p, const uint8_t *sc)
{
    CPUX86State *env = p->env;
    static const int order[8] = { R_EDI, R_ESI, R_EBP, R_ESP, R_EBX, R_EDX, R_ECX, R_EAX };
    for (int i = 0; i < 8; i++) {
        env->regs[order[i]] = get32(sc, SC32_EDI + 4 * i);
    }
    env->rip = get32(sc, SC32_EIP);
    restore_eflags(env, get32(sc, SC32_EFLAGS));
    uint32_t fpstate = get32(sc, SC32_FPSTATE);
    restore_fpu(p, fpstate, (uint64_t)fpstate + FSAVE_HEADER, 8);
    return (int64_t)(uint32_t)env->regs[R_EAX];
}

static int64_t rt_return32(UserProcess *p)
{
    uint8_t uc[R32_RETCODE - R32_UC];
    /* the handler's RET took pretcode: the frame starts 4 bytes below esp */
    uint64_t frame = (uint32_t)(p->env->regs[R_ESP] - 4);
    if (!copy_from_guest(p, uc, frame + R32_UC, sizeof(uc))) {
        user_die_with_signal(p, SIGSEGV);
    }
    int64_t ret = restore_sigcontext32(p, uc + (R32_MC - R32_UC));
    memcpy(&p->sigmask, uc + (R32_MASK - R32_UC), 8);
    return ret;
}

int64_t sigframe_return_i386(UserProcess *p)
{
    uint8_t frame[S32_RETCODE];
    /* RET took pretcode and the trampoline's POP took sig: 8 bytes */
    uint64_t addr = (uint32_t)(p->env->regs[R_ESP] - 8);
    if (!copy_from_guest(p, frame, addr, sizeof(frame))) {
        user_die_with_signal(p, SIGSEGV);
    }
    int64_t ret = restore_sigcontext32(p, frame + S32_SC);
    p->sigmask = get32(frame, S32_SC + SC32_OLDMASK) |
                 ((uint64_t)get32(frame, S32_EXTRAMASK) << 32);
    return ret;
}

/* --- both --- */

bool sigframe_setup(UserProcess *p, int sig, const GuestSigaction *act,
                    const siginfo_t *info, uint64_t saved_mask)
{
    if (p->abi->is64) {
        return setup_rt_frame64(p, sig, act, info, saved_mask);
    }
    /* i386 Linux: the rt frame only for SA_SIGINFO handlers */
    if (act->flags & SA_SIGINFO) {
        return setup_rt_frame32(p, sig, act, info, saved_mask);
    }
    return setup_frame32(p, sig, act, saved_mask);
}

int64_t sigframe_rt_return(UserProcess *p)
{
    return p->abi->is64 ? rt_return64(p) : rt_return32(p);
}

/* The union after si_signo, si_errno, si_code: 4-byte aligned on i386, 8 on
 * x86-64; longs and pointers shrink (include/uapi/asm-generic/siginfo.h). */
void siginfo_to_guest(const UserProcess *p, const siginfo_t *info, uint8_t out[128])
{
    const uint8_t *in = (const uint8_t *)info;
    memset(out, 0, 128);
    if (p->abi->is64) {
        memcpy(out, in, 128);
        return;
    }
    memcpy(out, in, 12);
    int sig = info->si_signo;
    bool fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                 sig == SIGTRAP;
    if (info->si_code > 0 && fault) {
        put32(out, 12, (uint32_t)get64(in, 16));                  /* si_addr */
    } else if (info->si_code > 0 && sig == SIGCHLD) {
        memcpy(out + 12, in + 16, 12);                            /* pid, uid, status */
        put32(out, 24, (uint32_t)get64(in, 32));                  /* utime */
        put32(out, 28, (uint32_t)get64(in, 40));                  /* stime */
    } else {
        memcpy(out + 12, in + 16, 8);       /* pid, uid / timer id, overrun */
        memcpy(out + 20, in + 24, 4);       /* sigval (its int or pointer) */
    }
}

void siginfo_from_guest(const UserProcess *p, const uint8_t in[128], siginfo_t *info)
{
    uint8_t *out = (uint8_t *)info;
    memset(info, 0, sizeof(*info));
    if (p->abi->is64) {
        memcpy(out, in, 128);
        return;
    }
    /* rt_sigqueueinfo's info: the kill/rt fields (pid, uid, sigval) */
    memcpy(out, in, 12);
    memcpy(out + 16, in + 12, 8);
    put64(out, 24, get32(in, 20));
}
