/*
 * Host faults in generated code, x86-64 Linux host: the guest registers that
 * generated code kept in host registers at a guest memory access (the block's
 * TCGMemSite table) are read from the signal's saved context into the CPU
 * state. User mode's fault handler (linux-user/signal.c) and the differential
 * test's call this before cpu_restore_state / page_unprotect.
 *
 * The host's MXCSR at the fault is put back too: generated code leaves the
 * guest's pending SSE exception flags in it (target-i386/sse_helper.c), and
 * Linux starts a signal handler with a fresh floating-point state (its
 * sigreturn would restore the old one, but a fault handler leaves with
 * siglongjmp), so without this they would be lost.
 */
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include <xmmintrin.h>
#include "accel/tcg/exec.h"

bool cpu_restore_host_context(CPUExec *cpu, uintptr_t host_pc, const void *context)
{
    /* the back end's register numbers in hardware order; <sys/ucontext.h>
     * REG_* index gregs in the kernel's sigcontext order */
    static const int greg_of[TCG_HOST_FAULT_REGS] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
        REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    const ucontext_t *uc = context;
    uint64_t regs[TCG_HOST_FAULT_REGS];

    if (!cpu_exec_pc_in_code(cpu, host_pc)) {
        return false;
    }
    if (uc->uc_mcontext.fpregs) {
        _mm_setcsr(uc->uc_mcontext.fpregs->mxcsr);
    }
    for (int i = 0; i < TCG_HOST_FAULT_REGS; i++) {
        regs[i] = (uint64_t)uc->uc_mcontext.gregs[greg_of[i]];
    }
    return cpu_restore_host_regs(cpu, host_pc, regs);
}
