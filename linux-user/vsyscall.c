/*
 * The x86-64 vsyscall page: old static programs call gettimeofday at
 * 0xffffffffff600000, time at +0x400 and getcpu at +0x800. Linux maps the page
 * execute-only and emulates each call when the fetch faults
 * (arch/x86/entry/vsyscall/vsyscall_64.c, emulate_vsyscall); so do we: the
 * fetch fault at one of these entries runs the system call and returns to the
 * caller's return address on the stack.
 */
#include "linux-user/user.h"

#define VSYSCALL_ADDR 0xffffffffff600000ULL

/* Linux's system call numbers for the three entries (syscall_64.tbl) */
static const uint64_t vsyscall_numbers[3] = { 96 /* gettimeofday */, 201 /* time */,
                                              309 /* getcpu */ };

bool vsyscall_emulate(UserProcess *p, int exception)
{
    CPUX86State *env = p->env;
    uint64_t addr = env->rip;
    if (!p->abi->is64 || exception != EXCP0E_PAGE || env->fault_addr != addr ||
        (addr & GUEST_PAGE_MASK) != VSYSCALL_ADDR) {
        return false;
    }
    unsigned entry = (unsigned)((addr & 0xc00) >> 10);
    if ((addr & 0x3ff) != 0 || entry > 2) {
        return false;           /* a misaligned entry: SIGSEGV, as in Linux */
    }
    uint64_t ret_addr;
    if (!copy_from_guest(p, &ret_addr, env->regs[R_ESP], 8)) {
        return false;           /* no return address: the fault stands */
    }
    uint64_t args[6] = { env->regs[R_EDI], env->regs[R_ESI], env->regs[R_EDX], 0, 0, 0 };
    env->regs[R_EAX] = (uint64_t)do_syscall(p, vsyscall_numbers[entry], args);
    env->rip = ret_addr;
    env->regs[R_ESP] += 8;
    return true;
}
