/*
 * The initial process stack (System V x86-64 psABI 3.4.1 "Initial Stack and
 * Register State", i386 psABI 2.3.2 likewise): from the top, 8 zero bytes, the
 * strings (AT_EXECFN, environment, arguments, AT_PLATFORM), the 16 AT_RANDOM bytes,
 * then, 16-byte aligned at the stack pointer: argc, argv[], NULL, envp[], NULL,
 * auxv pairs ending in AT_NULL. Words are 8 bytes (x86-64) or 4 (i386).
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>
#include "linux-user/user.h"

/* i386: the stack ends at the top of the address space, as on a 64-bit kernel
 * (TASK_SIZE of a 32-bit task: 0xffffe000). */
#define I386_STACK_TOP 0xffffe000ULL

/* AT_MINSIGSTKSZ: room our largest frame needs (sigframe.c: FXSAVE image,
 * ucontext, siginfo, the x86-64 red zone and alignment come to about 1.3 KiB);
 * the classic MINSIGSTKSZ of <signal.h>, which covers it. */
#define GUEST_MINSIGSTKSZ 2048

typedef struct StackWriter {
    UserProcess *p;
    uint64_t sp;                    /* guest address, moves down */
    uint64_t bottom;
    unsigned word;                  /* 8 or 4 */
} StackWriter;

static bool push_bytes(StackWriter *w, const void *data, uint64_t len, uint64_t *addr)
{
    if (w->sp - w->bottom < len) {
        return false;
    }
    w->sp -= len;
    memcpy(guest_to_host(w->p, w->sp), data, len);
    *addr = w->sp;
    return true;
}

static bool push_string(StackWriter *w, const char *s, uint64_t *addr)
{
    return push_bytes(w, s, strlen(s) + 1, addr);
}

static void put_word(StackWriter *w, uint64_t *cursor, uint64_t value)
{
    if (w->word == 8) {
        memcpy(guest_to_host(w->p, *cursor), &value, 8);
    } else {
        uint32_t v32 = (uint32_t)value;
        memcpy(guest_to_host(w->p, *cursor), &v32, 4);
    }
    *cursor += w->word;
}

static uint64_t map_stack(UserProcess *p, const LoadedImage *image, uint64_t size)
{
    int prot = PROT_READ | PROT_WRITE | (image->exec_stack ? PROT_EXEC : 0);
    uint64_t hint = p->abi->is64 ? 0 : ((I386_STACK_TOP - size) & GUEST_PAGE_MASK);
    int64_t base = target_mmap(p, hint, size, prot,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    return base < 0 ? 0 : (uint64_t)base;
}

/* AT_HWCAP on x86 is CPUID.01H:EDX (Intel SDM vol. 2A, CPUID, Table 3-11), here
 * of the emulated CPU; the guest registers are left as they were. */
static uint64_t guest_hwcap(CPUX86State *env)
{
    uint64_t saved[4] = { env->regs[R_EAX], env->regs[R_EBX], env->regs[R_ECX],
                          env->regs[R_EDX] };
    env->regs[R_EAX] = 1;
    env->regs[R_ECX] = 0;
    helper_cpuid(env);
    uint64_t hwcap = (uint32_t)env->regs[R_EDX];
    env->regs[R_EAX] = saved[0];
    env->regs[R_EBX] = saved[1];
    env->regs[R_ECX] = saved[2];
    env->regs[R_EDX] = saved[3];
    return hwcap;
}

typedef struct AuxEntry {
    uint64_t type, value;
} AuxEntry;

static unsigned build_auxv(UserProcess *p, const LoadedImage *image, uint64_t random_addr,
                           uint64_t platform_addr, uint64_t execfn_addr, AuxEntry *aux)
{
    unsigned n = 0;
    aux[n++] = (AuxEntry){ AT_PHDR, image->phdr_addr };
    aux[n++] = (AuxEntry){ AT_PHENT, image->phent };
    aux[n++] = (AuxEntry){ AT_PHNUM, image->phnum };
    aux[n++] = (AuxEntry){ AT_PAGESZ, GUEST_PAGE_SIZE };
    aux[n++] = (AuxEntry){ AT_BASE, image->interp_base };
    aux[n++] = (AuxEntry){ AT_FLAGS, 0 };
    aux[n++] = (AuxEntry){ AT_ENTRY, image->entry };
    aux[n++] = (AuxEntry){ AT_UID, getuid() };
    aux[n++] = (AuxEntry){ AT_EUID, geteuid() };
    aux[n++] = (AuxEntry){ AT_GID, getgid() };
    aux[n++] = (AuxEntry){ AT_EGID, getegid() };
    aux[n++] = (AuxEntry){ AT_SECURE, 0 };
    aux[n++] = (AuxEntry){ AT_RANDOM, random_addr };
    aux[n++] = (AuxEntry){ AT_HWCAP, guest_hwcap(p->env) };
    /* bit 1 HWCAP2_FSGSBASE (Linux arch/x86/include/uapi/asm/hwcap2.h): not
     * offered, so glibc keeps to arch_prctl for the FS base */
    aux[n++] = (AuxEntry){ AT_HWCAP2, 0 };
    aux[n++] = (AuxEntry){ AT_MINSIGSTKSZ, GUEST_MINSIGSTKSZ };
    aux[n++] = (AuxEntry){ AT_CLKTCK, (uint64_t)sysconf(_SC_CLK_TCK) };
    aux[n++] = (AuxEntry){ AT_PLATFORM, platform_addr };
    aux[n++] = (AuxEntry){ AT_EXECFN, execfn_addr };
    aux[n++] = (AuxEntry){ AT_NULL, 0 };
    return n;
}

#define MAX_AUX 24

/* What the guest's /proc/self/cmdline and auxv show (procfs.c). */
static void keep_for_procfs(UserProcess *p, const StackSetup *setup, uint64_t auxv_addr,
                            unsigned naux, unsigned word)
{
    size_t len = 0;
    for (int i = 0; i < setup->argc; i++) {
        len += strlen(setup->argv[i]) + 1;
    }
    free(p->cmdline);
    p->cmdline = malloc(len ? len : 1);
    p->cmdline_len = 0;
    for (int i = 0; p->cmdline && i < setup->argc; i++) {
        size_t n = strlen(setup->argv[i]) + 1;
        memcpy(p->cmdline + p->cmdline_len, setup->argv[i], n);
        p->cmdline_len += n;
    }
    free(p->auxv);
    p->auxv_len = (size_t)naux * 2 * word;
    p->auxv = malloc(p->auxv_len);
    if (p->auxv) {
        memcpy(p->auxv, guest_to_host(p, auxv_addr), p->auxv_len);
    } else {
        p->auxv_len = 0;
    }
}

uint64_t stack_setup(UserProcess *p, const LoadedImage *image, const StackSetup *setup)
{
    uint64_t size = GUEST_PAGE_ALIGN(setup->stack_size);
    uint64_t base = map_stack(p, image, size);
    if (base == 0) {
        return 0;
    }
    p->stack_start = base;
    p->stack_end = base + size;
    StackWriter w = { p, base + size, base, p->abi->is64 ? 8 : 4 };
    int envc = 0;
    while (setup->envp[envc]) {
        envc++;
    }
    uint64_t *argv_addr = calloc((size_t)setup->argc + 1, sizeof(uint64_t));
    uint64_t *envp_addr = calloc((size_t)envc + 1, sizeof(uint64_t));
    uint64_t execfn_addr, platform_addr, random_addr, sp = 0;
    uint8_t random_bytes[16];
    if (getrandom(random_bytes, sizeof(random_bytes), 0) != sizeof(random_bytes)) {
        memset(random_bytes, 0x5a, sizeof(random_bytes));
    }
    /* Linux keeps the top 8 bytes zero, above AT_EXECFN (fs/exec.c, bprm_mm_init:
     * p = vm_end - sizeof(void *)); glibc's tunable parsing reads one byte past
     * the string it scans, which may be the last one on the stack */
    static const uint8_t top_zero[8];
    uint64_t top_addr;
    bool ok = argv_addr && envp_addr && push_bytes(&w, top_zero, sizeof(top_zero), &top_addr) &&
              push_string(&w, setup->execfn, &execfn_addr);
    for (int i = envc - 1; ok && i >= 0; i--) {
        ok = push_string(&w, setup->envp[i], &envp_addr[i]);
    }
    for (int i = setup->argc - 1; ok && i >= 0; i--) {
        ok = push_string(&w, setup->argv[i], &argv_addr[i]);
    }
    ok = ok && push_string(&w, p->abi->platform, &platform_addr) &&
         push_bytes(&w, random_bytes, sizeof(random_bytes), &random_addr);
    if (ok) {
        AuxEntry aux[MAX_AUX];
        unsigned naux = build_auxv(p, image, random_addr, platform_addr, execfn_addr, aux);
        uint64_t words = 1 + (uint64_t)setup->argc + 1 + (uint64_t)envc + 1 + 2 * naux;
        sp = (w.sp - words * w.word) & ~15ULL;
        ok = sp >= w.bottom;
        uint64_t cursor = sp;
        for (int i = -1; ok && i <= setup->argc; i++) {
            put_word(&w, &cursor, i < 0 ? (uint64_t)setup->argc : argv_addr[i]);
        }
        for (int i = 0; ok && i <= envc; i++) {
            put_word(&w, &cursor, envp_addr[i]);
        }
        uint64_t auxv_addr = cursor;
        for (unsigned i = 0; ok && i < naux; i++) {
            put_word(&w, &cursor, aux[i].type);
            put_word(&w, &cursor, aux[i].value);
        }
        if (ok) {
            keep_for_procfs(p, setup, auxv_addr, naux, w.word);
        }
    }
    free(argv_addr);
    free(envp_addr);
    return ok ? sp : 0;
}
