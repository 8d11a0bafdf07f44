/*
 * Guest program for the MMX suite: MMX encodings that do not exist raise #UD
 * (SIGILL) as on the hardware (Intel SDM vol. 2: register-only or memory-only
 * forms, PSRLDQ/PSLLDQ which have no MMX form), and the valid neighbours do
 * not. Usage: guest-mmx-faults CASE: runs one case; the process exits 0 or
 * dies of the case's signal (exit status 3: no such case). Native and emulated
 * runs must end the same way.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned char buffer[64] __attribute__((aligned(16)));

/* each case is a byte sequence executed with rax/rdi pointing into buffer */
#define CASE(name, ...) \
    static void name(void) \
    { \
        __asm__ volatile(".byte " #__VA_ARGS__ "\n\temms" : : "a"(buffer + 8), "D"(buffer + 8) \
                         : "memory"); \
    }

CASE(movntq_register, 0x0f, 0xe7, 0xc1)           /* MOVNTQ mm1, mm0: memory only */
CASE(movntq_memory, 0x0f, 0xe7, 0x00)             /* MOVNTQ [rax], mm0 */
CASE(maskmovq_memory, 0x0f, 0xf7, 0x00)           /* MASKMOVQ: register only */
CASE(maskmovq_register, 0x0f, 0xf7, 0xc1)
CASE(pmovmskb_memory, 0x0f, 0xd7, 0x00)
CASE(pextrw_memory, 0x0f, 0xc5, 0x00, 0x01)
CASE(psrldq_mmx, 0x0f, 0x73, 0xd8, 0x01)          /* 0F 73 /3: XMM only */
CASE(pslldq_mmx, 0x0f, 0x73, 0xf8, 0x01)          /* 0F 73 /7: XMM only */
CASE(psrlq_imm_mmx, 0x0f, 0x73, 0xd0, 0x01)       /* 0F 73 /2: PSRLQ mm, imm8 */
CASE(group12_reg1, 0x0f, 0x71, 0xc8, 0x01)        /* 0F 71 /1: undefined */
CASE(shift_imm_memory, 0x0f, 0x71, 0x10, 0x01)    /* 0F 71 /2 with memory */
CASE(movq2dq_memory, 0xf3, 0x0f, 0xd6, 0x00)
CASE(movdq2q_memory, 0xf2, 0x0f, 0xd6, 0x00)
CASE(movq2dq_register, 0xf3, 0x0f, 0xd6, 0xc1)
CASE(emms_alone, 0x0f, 0x77)
CASE(pshufw_memory, 0x0f, 0x70, 0x00, 0x1b)
CASE(lock_paddb, 0xf0, 0x0f, 0xfc, 0x00)          /* LOCK: #UD */

static void (*const cases[])(void) = {
    movntq_register, movntq_memory, maskmovq_memory, maskmovq_register, pmovmskb_memory,
    pextrw_memory, psrldq_mmx, pslldq_mmx, psrlq_imm_mmx, group12_reg1, shift_imm_memory,
    movq2dq_memory, movdq2q_memory, movq2dq_register, emms_alone, pshufw_memory, lock_paddb,
};

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
    if (n >= sizeof(cases) / sizeof(cases[0])) {
        return 3;
    }
    cases[n]();
    printf("case %u done\n", n);
    return 0;
}
