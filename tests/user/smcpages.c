/* Self-modifying code by page: the translator drops the blocks of the page
 * written to, and only those. Covers an instruction that straddles two pages
 * (patched on its second page), a block that goes on backwards on its page, a
 * page remapped with other code, and 48 pages of functions rewritten in a
 * scrambled order while the others must stay as they were. The output is
 * compared with a native run (the same bytes in 32- and 64-bit mode). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096
#define NPAGES 48

typedef uint32_t (*Function)(void);

static uint32_t call(const uint8_t *code)
{
    return ((Function)(uintptr_t)code)();
}

/* mov eax, imm32; ret */
static void emit_return(uint8_t *code, uint32_t value)
{
    code[0] = 0xb8;
    memcpy(code + 1, &value, 4);
    code[5] = 0xc3;
}

static uint8_t *map_rwx(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* mov eax, imm32 with its last two bytes on the next page, then ret there: the
 * block starting on the first page ends after it (page end) */
static void straddle(uint8_t *two_pages)
{
    uint8_t *insn = two_pages + PAGE - 3;
    emit_return(insn, 0x11223344);
    printf("straddle: %08x\n", call(insn));
    insn[4] = 0x99;                       /* the imm32's top byte, second page */
    printf("second page patched: %08x\n", call(insn));
    insn[1] = 0x55;                       /* first page */
    printf("first page patched: %08x\n", call(insn));
}

/* entry: jmp back; back (earlier on the page): mov eax, imm32; ret */
static void backwards(uint8_t *page)
{
    uint8_t *back = page + 256, *entry = page + 512;
    emit_return(back, 1000);
    entry[0] = 0xe9;                      /* jmp rel32 */
    int32_t rel = (int32_t)(back - (entry + 5));
    memcpy(entry + 1, &rel, 4);
    printf("backwards: %u\n", call(entry));
    back[1] = 0xe9;                       /* before the block's first address */
    printf("backwards patched: %u\n", call(entry));
}

/* munmap and a new mapping at the same address with other code */
static int remap(void)
{
    uint8_t *p = map_rwx(PAGE);
    if (!p) {
        return 1;
    }
    emit_return(p, 7);
    printf("remap before: %u\n", call(p));
    munmap(p, PAGE);
    uint8_t *q = mmap(p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (q != p) {
        return 1;
    }
    q[0] = 0x05;                          /* add eax, 0; then mov eax, 8; ret */
    memset(q + 1, 0, 4);
    emit_return(q + 5, 8);
    printf("remap after: %u\n", call(q));
    munmap(q, PAGE);
    return 0;
}

/* four functions per page; each round rewrites one function on some pages and
 * calls every function of every page */
static void many_pages(uint8_t *pages)
{
    for (int p = 0; p < NPAGES; p++) {
        for (int k = 0; k < 4; k++) {
            emit_return(pages + p * PAGE + k * 1024, (uint32_t)(p * 4 + k));
        }
    }
    for (int round = 0; round < 12; round++) {
        uint32_t sum = 0;
        for (int p = (round * 7) % NPAGES, n = 0; n < NPAGES / 3; n++, p = (p + 17) % NPAGES) {
            int k = (round + p) % 4;
            emit_return(pages + p * PAGE + k * 1024, (uint32_t)(round * 100000 + p * 4 + k));
        }
        for (int p = 0; p < NPAGES; p++) {
            for (int k = 0; k < 4; k++) {
                uint32_t v = call(pages + p * PAGE + k * 1024);
                sum = sum * 31 + v;
            }
        }
        printf("round %d: %08x\n", round, sum);
    }
}

int main(void)
{
    uint8_t *two = map_rwx(2 * PAGE), *one = map_rwx(PAGE), *pages = map_rwx(NPAGES * PAGE);
    if (!two || !one || !pages) {
        return 2;
    }
    straddle(two);
    backwards(one);
    if (remap()) {
        return 3;
    }
    many_pages(pages);
    return 0;
}
