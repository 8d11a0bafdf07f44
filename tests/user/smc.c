/* Self-modifying code: code written into an mprotect'd buffer runs, is
 * overwritten and runs again (the translator must notice the change). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*Function)(void);

/* mov eax, imm32; ret (the same bytes in 32- and 64-bit mode) */
static void emit_return(uint8_t *code, int32_t value)
{
    code[0] = 0xb8;
    memcpy(code + 1, &value, 4);
    code[5] = 0xc3;
}

int main(void)
{
    uint8_t *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        return 2;
    }
    Function f = (Function)(uintptr_t)buf;
    for (int round = 1; round <= 3; round++) {
        mprotect(buf, 4096, PROT_READ | PROT_WRITE);
        emit_return(buf, round * 1111);
        mprotect(buf, 4096, PROT_READ | PROT_EXEC);
        printf("round %d returns %d\n", round, f());
    }
    /* a writable and executable page changed without mprotect */
    mprotect(buf, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    for (int round = 1; round <= 3; round++) {
        emit_return(buf + 64, -round);
        printf("rwx round %d returns %d\n", round, ((Function)(uintptr_t)(buf + 64))());
    }
    munmap(buf, 4096);
    return 0;
}
