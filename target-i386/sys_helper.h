/*
 * The C helpers of system-mode instructions (Intel SDM vol. 3A chapters 3-7),
 * called from generated code. The translator (translate*.c) decides which helper an
 * instruction needs and passes decoded operands; the helpers check privilege,
 * descriptors and limits and raise the architectural exception themselves (with
 * GETPC(), so the faulting instruction is restored).
 *
 * Files: seg_helper.c (segment loads, far transfers, interrupts/exceptions,
 * IRET, task state), mmu.c (page walks, tlb_fill), misc_helper.c (CRn/DRn,
 * MSRs, CPUID, I/O ports, HLT, descriptor-table instructions).
 *
 * Conventions: ot is the operand size (MO_16/MO_32/MO_64); next_eip_addend is the
 * instruction length (the return address is rip + addend); the translator syncs
 * rip and cc_op before every call here. Helpers that change hflags (mode,
 * CPL, IF) return to the main loop through the block end the translator emits
 * right after them (DISAS_EOB_DYNAMIC).
 */
#ifndef TARGET_I386_SYS_HELPER_H
#define TARGET_I386_SYS_HELPER_H

#include "target-i386/cpu.h"

/* --- segments (seg_helper.c) --- */
/* MOV Sreg / POP Sreg / LxS in any mode: real mode and VM86 load base = sel << 4;
 * protected mode checks the descriptor and raises #GP/#NP/#SS (SDM 3.4.3, 5.10). */
void helper_load_seg(CPUX86State *env, uint32_t seg, uint32_t selector);
void helper_lldt(CPUX86State *env, uint32_t selector);
void helper_ltr(CPUX86State *env, uint32_t selector);
/* LAR/LSL/VERR/VERW: result (or unchanged), ZF in env->cc_src as CC_Z (CC_OP_EFLAGS) */
uint64_t helper_lar(CPUX86State *env, uint32_t selector);
uint64_t helper_lsl(CPUX86State *env, uint32_t selector);
void helper_verr(CPUX86State *env, uint32_t selector);
void helper_verw(CPUX86State *env, uint32_t selector);
/* ARPL: new selector; ZF into the flags the same way */
/* Far transfers (SDM vol. 2 CALL/JMP/RET/IRET, vol. 3A 5.8): */
void helper_ljmp(CPUX86State *env, uint32_t selector, uint64_t offset, uint32_t next_eip_addend);
void helper_lcall(CPUX86State *env, uint32_t selector, uint64_t offset, uint32_t ot,
                  uint32_t next_eip_addend);
void helper_lret(CPUX86State *env, uint32_t ot, uint32_t imm16);
void helper_iret(CPUX86State *env, uint32_t ot, uint32_t next_eip_addend);
/* INT n / INT3 / INTO / INT1: software interrupt through the IDT */
void helper_raise_interrupt(CPUX86State *env, uint32_t intno, uint32_t next_eip_addend)
    __attribute__((noreturn));
/* raise exception with an error code (#GP(0) from the translator etc.) */
void helper_raise_exception_err(CPUX86State *env, uint32_t intno, uint32_t error_code)
    __attribute__((noreturn));
void helper_syscall(CPUX86State *env, uint32_t next_eip_addend);
void helper_sysret(CPUX86State *env, uint32_t ot);
void helper_sysenter(CPUX86State *env);
void helper_sysexit(CPUX86State *env, uint32_t ot);
void helper_swapgs(CPUX86State *env);
/* ENTER with nesting level > 0 (SDM vol. 2A ENTER) */
void helper_enter_level(CPUX86State *env, uint32_t level, uint32_t ot, uint64_t frame_temp);

/* Delivery of exceptions and interrupts through the IDT in every mode
 * (TargetTranslateOps.do_interrupt / exec_interrupt call these). */
void x86_cpu_do_interrupt(CPUX86State *env);
bool x86_cpu_exec_interrupt(CPUX86State *env, int interrupt_request);

/* --- paging (mmu.c) --- */
bool x86_cpu_tlb_fill(CPUX86State *env, uint64_t vaddr, unsigned size, int access_type,
                      int mmu_idx, bool probe, uintptr_t ra);
/* Linear -> physical for the debugger/monitor (no fault, no A/D update); -1 unmapped */
uint64_t x86_cpu_get_phys_addr_debug(CPUX86State *env, uint64_t vaddr);
void helper_invlpg(CPUX86State *env, uint64_t addr);

/* --- privileged and miscellaneous (misc_helper.c) --- */
void helper_write_crN(CPUX86State *env, uint32_t reg, uint64_t value);
uint64_t helper_read_crN(CPUX86State *env, uint32_t reg);
void helper_lmsw(CPUX86State *env, uint32_t value);
void helper_clts(CPUX86State *env);
void helper_set_dr(CPUX86State *env, uint32_t reg, uint64_t value);
uint64_t helper_get_dr(CPUX86State *env, uint32_t reg);
void helper_rdmsr(CPUX86State *env);                /* ECX -> EDX:EAX, #GP if unknown */
void helper_wrmsr(CPUX86State *env);
void helper_rdtscp(CPUX86State *env);
void helper_rdpmc(CPUX86State *env);
uint64_t helper_rdpid(CPUX86State *env);
void helper_xsetbv(CPUX86State *env);
void helper_xgetbv(CPUX86State *env);
void helper_hlt(CPUX86State *env, uint32_t next_eip_addend) __attribute__((noreturn));
/* Halts the CPU at env->rip until an interrupt (HLT's state, SDM vol. 2A
 * "HLT"; also FWAIT waiting on FERR#): leaves the execution loop. */
void x86_cpu_halt(CPUX86State *env) __attribute__((noreturn));
/* descriptor-table registers: LGDT/LIDT read limit:base at addr (ot selects the
 * 24/32-bit base in 16-bit operand size) */
void helper_lgdt(CPUX86State *env, uint64_t addr, uint32_t ot);
void helper_lidt(CPUX86State *env, uint64_t addr, uint32_t ot);
void helper_sgdt(CPUX86State *env, uint64_t addr);
void helper_sidt(CPUX86State *env, uint64_t addr);
/* I/O permission check (SDM vol. 1, 19.5): #GP unless CPL <= IOPL or the TSS
 * bitmap allows size bytes at port */
void helper_check_io(CPUX86State *env, uint32_t port, uint32_t size);
uint32_t helper_in(CPUX86State *env, uint32_t port, uint32_t size);
void helper_out(CPUX86State *env, uint32_t port, uint32_t value, uint32_t size);
/* CLI/STI/POPF/IRET IF rules live in helper_write_eflags with the CPL/IOPL masks */
void helper_wbinvd(CPUX86State *env);

#endif
