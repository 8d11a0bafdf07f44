/*
 * Blocking host system calls that a guest signal cannot slip past.
 *
 * A guest handler's signal is only queued by the host handler (signal.c) and
 * run by the main loop. If it came after the main loop last looked and before
 * a blocking host call started, the call would block with the handler not yet
 * run: a program that wakes itself from its handler (the self-pipe trick,
 * a handler setting a flag checked around select) would hang where Linux
 * returns. So the blocking calls go through safe_syscall_base: it checks the
 * signal flag and makes the SYSCALL right after, and the host handler moves a
 * thread that is between the check and the SYSCALL to a "not started" exit
 * (safe_syscall_interrupted). A signal during the call makes the kernel return
 * -EINTR, as the host handler has no SA_RESTART; either way the main loop runs
 * the handler and restarts the guest's call or returns -EINTR
 * (SYSCALL_RESTART_*). x86-64 host only, as the translator's back end.
 */
#include <ucontext.h>
#include "linux-user/user.h"

/* Linux's internal ERESTARTSYS: never returned to user space, so free to
 * mean "not started" here */
#define NOT_STARTED 513

long safe_syscall_base(volatile int *flag, long nr, long a1, long a2, long a3, long a4,
                       long a5, long a6);
extern char safe_syscall_start[], safe_syscall_end[], safe_syscall_interrupted[];

/* System V AMD64 calling convention in, Linux system call convention out
 * (nr in rax; arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 clobbered). */
__asm__(".text\n"
        ".globl safe_syscall_base\n"
        ".hidden safe_syscall_base\n"
        ".type safe_syscall_base, @function\n"
        "safe_syscall_base:\n"
        "    .cfi_startproc\n"
        "    mov %rdi, %r11\n"
        "    mov %rsi, %rax\n"
        "    mov %rdx, %rdi\n"
        "    mov %rcx, %rsi\n"
        "    mov %r8, %rdx\n"
        "    mov %r9, %r10\n"
        "    mov 8(%rsp), %r8\n"
        "    mov 16(%rsp), %r9\n"
        ".globl safe_syscall_start\n"
        ".hidden safe_syscall_start\n"
        "safe_syscall_start:\n"
        "    cmpl $0, (%r11)\n"
        "    jne safe_syscall_interrupted\n"
        "    syscall\n"
        ".globl safe_syscall_end\n"
        ".hidden safe_syscall_end\n"
        "safe_syscall_end:\n"
        "    ret\n"
        ".globl safe_syscall_interrupted\n"
        ".hidden safe_syscall_interrupted\n"
        "safe_syscall_interrupted:\n"
        "    mov $-513, %rax\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".size safe_syscall_base, .-safe_syscall_base\n");

int64_t safe_syscall_args(UserProcess *p, long nr, const long a[6])
{
    long ret = safe_syscall_base(&p->signal_flag, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (ret == -NOT_STARTED) {
        p->syscall_not_started = true;
        return -EINTR;
    }
    return ret;
}

void safe_syscall_check_pc(void *context)
{
    ucontext_t *uc = context;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (pc >= (uintptr_t)safe_syscall_start && pc < (uintptr_t)safe_syscall_end) {
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)safe_syscall_interrupted;
    }
}
