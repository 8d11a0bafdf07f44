/*
 * The guest address space. x86-64 guests use guest_base = 0: guest addresses are
 * host addresses, and the host kernel places mappings; we only keep the guest from
 * mapping over or unmapping the emulator's own memory. i386 guests live in a
 * reserved 4 GiB region (PROT_NONE until mapped) starting at guest_base, so every
 * address they see is below 4 GiB; we choose where their mappings go. Guard
 * regions of 2 GiB, never mapped, lie below and above it: guest_base + base +
 * disp32 (base a zero-extended 32-bit register) is then in the region or in a
 * guard, so the translator may fold displacements into host addresses, and an
 * access whose guest sum wraps at 4 GiB faults in a guard (signal.c), where
 * the emulator turns the fold off and runs the instruction again.
 * Page flags (page_set_flags) record every guest mapping, except the large
 * PROT_NONE reservations of x86-64 guests (mmap-reserve.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "linux-user/user.h"

#define I386_REGION_SIZE (1ULL << 32)
#define I386_GUARD_SIZE (1ULL << 31)
/* Where Linux starts looking for i386 mmap space when no hint is given
 * (TASK_UNMAPPED_BASE of a 3 GiB task: TASK_SIZE / 3). */
#define I386_MMAP_BASE 0x40000000ULL
/* The lowest address we hand out (Linux: vm.mmap_min_addr = 65536). */
#define MMAP_MIN_ADDR 0x10000ULL

int page_flags_from_prot(int prot)
{
    int flags = 0;
    /* x86 page tables: writable and executable pages are also readable */
    if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) {
        flags |= PAGE_READ;
    }
    if (prot & PROT_WRITE) {
        flags |= PAGE_WRITE;
    }
    if (prot & PROT_EXEC) {
        flags |= PAGE_EXEC;
    }
    return flags;
}

/* The host never executes guest pages: only the translator reads them. */
static int host_prot(int prot)
{
    int host = prot & (PROT_READ | PROT_WRITE);
    if (prot & PROT_EXEC) {
        host |= PROT_READ;
    }
    return host;
}

static bool is_reserved_region(const UserProcess *p)
{
    return p->reserved_size != 0;
}

bool guest_memory_init(UserProcess *p)
{
    p->guest_base = 0;
    p->reserved_size = 0;
    p->addr_guard = 0;
    p->mmap_next = I386_MMAP_BASE;
    if (p->abi->is64) {
        return true;
    }
    void *region = mmap(NULL, I386_GUARD_SIZE + I386_REGION_SIZE + I386_GUARD_SIZE, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) {
        fprintf(stderr, "quetzal-%s: cannot reserve the 4 GiB guest address space: %s\n",
                p->abi->name, strerror(errno));
        return false;
    }
    p->guest_base = (uintptr_t)region + I386_GUARD_SIZE;
    p->reserved_size = I386_REGION_SIZE;
    p->addr_guard = I386_GUARD_SIZE;
    return true;
}

static bool range_in_space(const UserProcess *p, uint64_t addr, uint64_t len)
{
    return addr + len >= addr && addr + len <= p->abi->address_space_end;
}

/* x86-64 PROT_NONE mappings from this size on are reservations (mmap-reserve.c) */
#define RESERVE_MIN_SIZE (64ULL << 20)

static bool range_is_free(UserProcess *p, uint64_t addr, uint64_t len)
{
    if (!is_reserved_region(p)) {
        /* guest addresses are host addresses: what the host has mapped there
         * (guest pages, reservations, the emulator) is not free; asking the
         * host costs the same whatever len is */
        void *probe = mmap(guest_to_host(p, addr), len, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                           -1, 0);
        if (probe == MAP_FAILED) {
            return false;
        }
        munmap(probe, len);
        return probe == guest_to_host(p, addr);
    }
    for (uint64_t a = addr; a < addr + len; a += GUEST_PAGE_SIZE) {
        if (page_get_flags(p->cpu, a) & PAGE_VALID) {
            return false;
        }
    }
    return true;
}

/* Gives guest [addr, addr+len) back to the reservation (i386) or to the host. */
static void release_host_range(UserProcess *p, uint64_t addr, uint64_t len)
{
    if (is_reserved_region(p)) {
        mmap(guest_to_host(p, addr), len, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    } else {
        munmap(guest_to_host(p, addr), len);
    }
}

uint64_t guest_find_free(UserProcess *p, uint64_t len, uint64_t hint)
{
    len = GUEST_PAGE_ALIGN(len);
    if (!is_reserved_region(p)) {
        /* the host kernel knows what is free, including the emulator's memory;
         * ask it, and give the range back for the caller's fixed mapping */
        void *host = mmap((void *)(uintptr_t)hint, len, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (host == MAP_FAILED) {
            return 0;
        }
        munmap(host, len);
        return host_to_guest(p, host);
    }
    uint64_t end = p->abi->address_space_end;
    uint64_t start = hint ? hint & GUEST_PAGE_MASK : p->mmap_next;
    if (start < MMAP_MIN_ADDR || start >= end) {
        start = MMAP_MIN_ADDR;
    }
    /* first fit from start, then from the bottom */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t run = 0;
        uint64_t a = pass == 0 ? start : MMAP_MIN_ADDR;
        uint64_t limit = pass == 0 ? end : start + len;
        for (; a < limit && a < end; a += GUEST_PAGE_SIZE) {
            if (page_get_flags(p->cpu, a) & PAGE_VALID) {
                run = 0;
                continue;
            }
            run += GUEST_PAGE_SIZE;
            if (run == len) {
                return a + GUEST_PAGE_SIZE - len;
            }
        }
    }
    return 0;
}

/*
 * x86-64: a fixed mapping must not replace emulator memory. Pages the guest owns
 * may be replaced; every other run of pages must be free, which MAP_FIXED_NOREPLACE
 * checks for us (the probe mapping is replaced right after).
 */
static bool fixed_range_allowed(UserProcess *p, uint64_t addr, uint64_t len)
{
    if (is_reserved_region(p)) {
        return true;
    }
    uint64_t a = addr, rs, re;
    while (a < addr + len) {
        if (guest_reserve_next(p, a, addr + len, &rs, &re) && rs == a) {
            a = re;         /* the guest's own reservation */
            continue;
        }
        if (page_get_flags(p->cpu, a) & PAGE_VALID) {
            a += GUEST_PAGE_SIZE;
            continue;
        }
        uint64_t run_end = a;
        uint64_t limit = guest_reserve_next(p, a, addr + len, &rs, &re) ? rs : addr + len;
        while (run_end < limit && !(page_get_flags(p->cpu, run_end) & PAGE_VALID)) {
            run_end += GUEST_PAGE_SIZE;
        }
        void *probe = mmap(guest_to_host(p, a), run_end - a, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                           -1, 0);
        if (probe == MAP_FAILED) {
            return false;
        }
        if (probe != guest_to_host(p, a)) {
            /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
            munmap(probe, run_end - a);
            return false;
        }
        a = run_end;
    }
    return true;
}

/* The mmap flags the guest may pass on (same values in both x86 ABIs). */
static int host_map_flags(int flags)
{
    return flags & (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_ANONYMOUS |
                    MAP_NORESERVE | MAP_POPULATE | MAP_STACK | MAP_LOCKED | MAP_NONBLOCK);
}

/*
 * x86-64: a free range for a mapping the caller makes right after with
 * MAP_FIXED, kept reserved (PROT_NONE) until then: with guest threads, other
 * host threads allocate memory too (thread stacks, malloc arenas), and a range
 * given back in between could be theirs by the time the fixed mapping lands
 * on it. 0 when none.
 */
static uint64_t host_reserve_free(UserProcess *p, uint64_t len, uint64_t hint)
{
    void *host = mmap(hint ? guest_to_host(p, hint) : NULL, len, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        return 0;
    }
    uint64_t guest = host_to_guest(p, host);
    if (!range_in_space(p, guest, len)) {
        munmap(host, len);
        return 0;
    }
    return guest;
}

static int64_t mmap_choose_address(UserProcess *p, uint64_t addr, uint64_t len, int flags)
{
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & ~GUEST_PAGE_MASK) {
            return -EINVAL;
        }
        if (!range_in_space(p, addr, len)) {
            return -ENOMEM;
        }
        if ((flags & MAP_FIXED_NOREPLACE) && !range_is_free(p, addr, len)) {
            return -EEXIST;
        }
        if (!fixed_range_allowed(p, addr, len)) {
            return -ENOMEM;
        }
        return (int64_t)addr;
    }
    uint64_t hint = addr & GUEST_PAGE_MASK;
    if (hint && (!range_in_space(p, hint, len) || !range_is_free(p, hint, len))) {
        hint = 0;
    }
    uint64_t found = is_reserved_region(p) ? guest_find_free(p, len, hint)
                                           : host_reserve_free(p, len, hint);
    return found ? (int64_t)found : -ENOMEM;
}

/* The new mapping in the page flags, or (x86-64, large, PROT_NONE, anonymous)
 * in the reservations, which it replaces where it lands on them. */
static void record_mapping(UserProcess *p, uint64_t start, uint64_t len, int prot, int flags)
{
    if (!is_reserved_region(p) && prot == PROT_NONE && (flags & MAP_ANONYMOUS) &&
        len >= RESERVE_MIN_SIZE && guest_reserve_add(p, start, start + len)) {
        if (flags & MAP_FIXED) {
            page_set_flags(p->cpu, start, start + len, 0);    /* pages it replaced */
        }
        return;
    }
    guest_reserve_cut(p, start, start + len);
    page_set_flags(p->cpu, start, start + len, PAGE_VALID | page_flags_from_prot(prot));
}

int64_t target_mmap(UserProcess *p, uint64_t addr, uint64_t len, int prot, int flags,
                    int fd, uint64_t offset)
{
    if (len == 0 || (offset & ~GUEST_PAGE_MASK) || !(flags & (MAP_SHARED | MAP_PRIVATE))) {
        return -EINVAL;
    }
    len = GUEST_PAGE_ALIGN(len);
    if (len == 0 || len > p->abi->address_space_end) {
        return -ENOMEM;
    }
    int64_t start = mmap_choose_address(p, addr, len, flags);
    if (start < 0) {
        return start;
    }
    if (flags & MAP_ANONYMOUS) {
        fd = -1;
        offset = 0;
    }
    void *host = mmap(guest_to_host(p, (uint64_t)start), len, host_prot(prot),
                      host_map_flags(flags) | MAP_FIXED, fd, (off_t)offset);
    if (host == MAP_FAILED) {
        int err = errno;
        if (!(flags & MAP_FIXED) && range_is_free(p, (uint64_t)start, len)) {
            release_host_range(p, (uint64_t)start, len);
        }
        return -err;
    }
    record_mapping(p, (uint64_t)start, len, prot, flags);
    if (is_reserved_region(p) && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !addr) {
        /* next search from here; a hinted mapping (the stack) does not move it */
        p->mmap_next = (uint64_t)start + len;
    }
    return start;
}

int64_t target_munmap(UserProcess *p, uint64_t addr, uint64_t len)
{
    if ((addr & ~GUEST_PAGE_MASK) || len == 0) {
        return -EINVAL;
    }
    len = GUEST_PAGE_ALIGN(len);
    if (!range_in_space(p, addr, len)) {
        return -EINVAL;
    }
    /* only the guest's own pages and reservations: never the emulator's */
    uint64_t a = addr, rs, re;
    while (a < addr + len) {
        if (guest_reserve_next(p, a, addr + len, &rs, &re) && rs == a) {
            release_host_range(p, rs, re - rs);
            guest_reserve_cut(p, rs, re);
            a = re;
            continue;
        }
        if (!(page_get_flags(p->cpu, a) & PAGE_VALID)) {
            a += GUEST_PAGE_SIZE;
            continue;
        }
        uint64_t run_end = a;
        while (run_end < addr + len && (page_get_flags(p->cpu, run_end) & PAGE_VALID)) {
            run_end += GUEST_PAGE_SIZE;
        }
        release_host_range(p, a, run_end - a);
        page_set_flags(p->cpu, a, run_end, 0);
        a = run_end;
    }
    return 0;
}

/* Every page of the range is the guest's: mapped, or in a reservation. */
static bool range_mapped(UserProcess *p, uint64_t addr, uint64_t len)
{
    uint64_t a = addr, end = addr + len, rs, re;
    while (a < end) {
        bool reserved = guest_reserve_next(p, a, end, &rs, &re);
        if (reserved && rs == a) {
            a = re;
            continue;
        }
        uint64_t gap_end = reserved ? rs : end;
        if (!page_check_range(p->cpu, a, gap_end - a, PAGE_VALID)) {
            return false;
        }
        a = gap_end;
    }
    return true;
}

int64_t target_mprotect(UserProcess *p, uint64_t addr, uint64_t len, int prot)
{
    if (addr & ~GUEST_PAGE_MASK) {
        return -EINVAL;
    }
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) {
        return -EINVAL;
    }
    len = GUEST_PAGE_ALIGN(len);
    if (len == 0) {
        return 0;
    }
    if (!range_in_space(p, addr, len) || !range_mapped(p, addr, len)) {
        return -ENOMEM;
    }
    if (mprotect(guest_to_host(p, addr), len, host_prot(prot)) != 0) {
        return -errno;
    }
    guest_reserve_cut(p, addr, addr + len);
    page_set_flags(p->cpu, addr, addr + len, PAGE_VALID | page_flags_from_prot(prot));
    return 0;
}

static int page_flags_for_remap(UserProcess *p, uint64_t addr)
{
    return page_get_flags(p->cpu, addr) & (PAGE_VALID | PAGE_READ | PAGE_WRITE | PAGE_EXEC);
}

/* i386: grow [addr, addr+old_len) in place when the pages after it are free. */
static bool remap_grow_in_place(UserProcess *p, uint64_t addr, uint64_t old_len,
                                uint64_t new_len)
{
    uint64_t tail = addr + old_len;
    if (!range_in_space(p, addr, new_len) || !range_is_free(p, tail, new_len - old_len)) {
        return false;
    }
    munmap(guest_to_host(p, tail), new_len - old_len);
    if (mremap(guest_to_host(p, addr), old_len, new_len, 0) == MAP_FAILED) {
        release_host_range(p, tail, new_len - old_len);
        return false;
    }
    return true;
}

static int64_t remap_reserved(UserProcess *p, uint64_t old_addr, uint64_t old_len,
                              uint64_t new_len, int flags, uint64_t new_addr)
{
    if (!(flags & MREMAP_FIXED) && remap_grow_in_place(p, old_addr, old_len, new_len)) {
        return (int64_t)old_addr;
    }
    if (!(flags & MREMAP_MAYMOVE)) {
        return -ENOMEM;
    }
    uint64_t dest = new_addr;
    if (flags & MREMAP_FIXED) {
        if ((new_addr & ~GUEST_PAGE_MASK) || !range_in_space(p, new_addr, new_len)) {
            return -EINVAL;
        }
        target_munmap(p, new_addr, new_len);
    } else {
        dest = guest_find_free(p, new_len, 0);
        if (dest == 0) {
            return -ENOMEM;
        }
    }
    if (mremap(guest_to_host(p, old_addr), old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED,
               guest_to_host(p, dest)) == MAP_FAILED) {
        return -errno;
    }
    release_host_range(p, old_addr, old_len);
    return (int64_t)dest;
}

static int64_t remap_host(UserProcess *p, uint64_t old_addr, uint64_t old_len,
                          uint64_t new_len, int flags, uint64_t new_addr)
{
    if ((flags & MREMAP_FIXED) &&
        (!range_in_space(p, new_addr, new_len) || !fixed_range_allowed(p, new_addr, new_len))) {
        return -EINVAL;
    }
    void *host = mremap(guest_to_host(p, old_addr), old_len, new_len,
                        flags & (MREMAP_MAYMOVE | MREMAP_FIXED), guest_to_host(p, new_addr));
    if (host == MAP_FAILED) {
        return -errno;
    }
    uint64_t dest = host_to_guest(p, host);
    if (!range_in_space(p, dest, new_len)) {
        munmap(host, new_len);
        page_set_flags(p->cpu, old_addr, old_addr + old_len, 0);
        return -ENOMEM;
    }
    return (int64_t)dest;
}

int64_t target_mremap(UserProcess *p, uint64_t old_addr, uint64_t old_len,
                      uint64_t new_len, int flags, uint64_t new_addr)
{
    if ((old_addr & ~GUEST_PAGE_MASK) || new_len == 0 ||
        (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))) {
        return -EINVAL;
    }
    old_len = GUEST_PAGE_ALIGN(old_len);
    new_len = GUEST_PAGE_ALIGN(new_len);
    if (old_len == 0 || !range_in_space(p, old_addr, old_len) ||
        !page_check_range(p->cpu, old_addr, old_len, PAGE_VALID)) {
        return -EFAULT;
    }
    int page_flags = page_flags_for_remap(p, old_addr);
    if (new_len <= old_len && !(flags & MREMAP_FIXED)) {
        target_munmap(p, old_addr + new_len, old_len - new_len);
        return (int64_t)old_addr;
    }
    int64_t dest = is_reserved_region(p)
        ? remap_reserved(p, old_addr, old_len, new_len, flags, new_addr)
        : remap_host(p, old_addr, old_len, new_len, flags, new_addr);
    if (dest < 0) {
        return dest;
    }
    page_set_flags(p->cpu, old_addr, old_addr + old_len, 0);
    page_set_flags(p->cpu, (uint64_t)dest, (uint64_t)dest + new_len, page_flags);
    return dest;
}

static bool brk_map_pages(UserProcess *p, uint64_t start, uint64_t end)
{
    if (!range_in_space(p, start, end - start) || !range_is_free(p, start, end - start)) {
        return false;
    }
    int fixed = is_reserved_region(p) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
    void *host = mmap(guest_to_host(p, start), end - start, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
    if (host == MAP_FAILED) {
        return false;
    }
    if (host != guest_to_host(p, start)) {
        munmap(host, end - start);
        return false;
    }
    page_set_flags(p->cpu, start, end, PAGE_VALID | PAGE_READ | PAGE_WRITE);
    return true;
}

uint64_t target_brk(UserProcess *p, uint64_t new_brk)
{
    if (new_brk < p->brk_start) {
        return p->brk_current;
    }
    uint64_t new_end = GUEST_PAGE_ALIGN(new_brk);
    if (new_end < new_brk) {
        return p->brk_current;
    }
    if (new_end > p->brk_mapped_end) {
        if (!brk_map_pages(p, p->brk_mapped_end, new_end)) {
            return p->brk_current;
        }
    } else if (new_end < p->brk_mapped_end) {
        target_munmap(p, new_end, p->brk_mapped_end - new_end);
    }
    p->brk_mapped_end = new_end;
    p->brk_current = new_brk;
    return new_brk;
}

/* --- guest pointers --- */

static bool page_writable(UserProcess *p, uint64_t page)
{
    int flags = page_get_flags(p->cpu, page);
    if (!(flags & PAGE_VALID)) {
        return false;
    }
    if (flags & PAGE_WRITE_ORG) {
        /* holds translated code: the kernel's write must find it writable */
        page_unprotect(p->cpu, page, 0);
        return true;
    }
    return (flags & PAGE_WRITE) != 0;
}

void *guest_ptr(UserProcess *p, uint64_t addr, uint64_t len, int access)
{
    if (len == 0) {
        /* nothing is accessed, whatever addr is: a NULL buffer of size 0
         * (getgroups(0, NULL), getxattr(path, name, NULL, 0), poll(NULL, 0,
         * ms)) is valid, and on x86-64 (guest_base 0) its host address would
         * be NULL, which callers take for a bad pointer; hand the kernel a
         * harmless non-NULL one instead (it reads 0 bytes of it) */
        void *host = guest_to_host(p, addr);
        return host ? host : (void *)p;
    }
    if (!range_in_space(p, addr, len)) {
        return NULL;
    }
    if (access == PAGE_WRITE) {
        for (uint64_t page = addr & GUEST_PAGE_MASK; page < addr + len;
             page += GUEST_PAGE_SIZE) {
            if (!page_writable(p, page)) {
                return NULL;
            }
        }
        return guest_to_host(p, addr);
    }
    bool readable = page_check_range(p->cpu, addr, len, PAGE_VALID | PAGE_READ);
    return readable ? guest_to_host(p, addr) : NULL;
}

const char *guest_string(UserProcess *p, uint64_t addr)
{
    const uint64_t max_len = 1 << 20;
    uint64_t a = addr;
    while (a - addr < max_len) {
        uint64_t page_end = (a & GUEST_PAGE_MASK) + GUEST_PAGE_SIZE;
        if (!guest_ptr(p, a, page_end - a, PAGE_READ)) {
            return NULL;
        }
        if (memchr(guest_to_host(p, a), 0, page_end - a)) {
            return guest_to_host(p, addr);
        }
        a = page_end;
    }
    return NULL;
}

bool copy_from_guest(UserProcess *p, void *dst, uint64_t addr, uint64_t len)
{
    const void *src = guest_ptr(p, addr, len, PAGE_READ);
    if (!src) {
        return false;
    }
    memcpy(dst, src, len);
    return true;
}

bool copy_to_guest(UserProcess *p, uint64_t addr, const void *src, uint64_t len)
{
    void *dst = guest_ptr(p, addr, len, PAGE_WRITE);
    if (!dst) {
        return false;
    }
    memcpy(dst, src, len);
    return true;
}

/* --- the system calls --- */

SYSCALL_HANDLER(brk)
{
    return (int64_t)target_brk(p, args[0]);
}

/* x86-64 mmap: offset in bytes */
SYSCALL_HANDLER(mmap)
{
    return target_mmap(p, args[0], args[1], arg_int(args, 2), arg_int(args, 3),
                       arg_int(args, 4), args[5]);
}

/* i386 mmap2: offset in 4096-byte units */
SYSCALL_HANDLER(mmap2)
{
    return target_mmap(p, args[0], args[1], arg_int(args, 2), arg_int(args, 3),
                       arg_int(args, 4), (args[5] & 0xffffffffu) * GUEST_PAGE_SIZE);
}

/* i386 old mmap: one pointer to six 32-bit arguments */
SYSCALL_HANDLER(old_mmap)
{
    uint32_t words[6];
    if (!copy_from_guest(p, words, args[0], sizeof(words))) {
        return -EFAULT;
    }
    return target_mmap(p, words[0], words[1], (int32_t)words[2], (int32_t)words[3],
                       (int32_t)words[4], words[5]);
}

SYSCALL_HANDLER(munmap)
{
    return target_munmap(p, args[0], args[1]);
}

SYSCALL_HANDLER(mprotect)
{
    return target_mprotect(p, args[0], args[1], arg_int(args, 2));
}

SYSCALL_HANDLER(mremap)
{
    return target_mremap(p, args[0], args[1], args[2], arg_int(args, 3), args[4]);
}

/* A guest range for mlock/munlock/mincore: page-aligned start, mapped
 * (Linux: -ENOMEM for unmapped pages); its host address, or NULL + *error. */
static void *mapped_range(UserProcess *p, uint64_t addr, uint64_t len, int64_t *error)
{
    if (addr & ~GUEST_PAGE_MASK) {
        *error = -EINVAL;
        return NULL;
    }
    if (!range_in_space(p, addr, len) || !page_check_range(p->cpu, addr, len, PAGE_VALID)) {
        *error = -ENOMEM;
        return NULL;
    }
    return guest_to_host(p, addr);
}

/* mlock/munlock: Linux rounds the start down to a page (mm/mlock.c) */
SYSCALL_HANDLER(mlock)
{
    uint64_t start = args[0] & GUEST_PAGE_MASK;
    uint64_t len = GUEST_PAGE_ALIGN(args[0] + args[1]) - start;
    int64_t error;
    void *host = mapped_range(p, start, len, &error);
    return host ? host_result(mlock(host, len)) : error;
}

SYSCALL_HANDLER(munlock)
{
    uint64_t start = args[0] & GUEST_PAGE_MASK;
    uint64_t len = GUEST_PAGE_ALIGN(args[0] + args[1]) - start;
    int64_t error;
    void *host = mapped_range(p, start, len, &error);
    return host ? host_result(munlock(host, len)) : error;
}

/* mincore(addr, len, vec): one byte per page into the guest's vec */
SYSCALL_HANDLER(mincore)
{
    uint64_t len = GUEST_PAGE_ALIGN(args[1]);
    int64_t error;
    void *host = mapped_range(p, args[0], len, &error);
    if (!host) {
        return error;
    }
    unsigned char *vec = guest_ptr(p, args[2], len / GUEST_PAGE_SIZE, PAGE_WRITE);
    if (!vec) {
        return -EFAULT;
    }
    return host_result(mincore(host, len, vec));
}

SYSCALL_HANDLER(madvise)
{
    uint64_t addr = args[0], len = GUEST_PAGE_ALIGN(args[1]);
    int advice = arg_int(args, 2);
    if (addr & ~GUEST_PAGE_MASK) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    if (!range_in_space(p, addr, len) || !page_check_range(p->cpu, addr, len, PAGE_VALID)) {
        return -ENOMEM;
    }
    /* MADV_DONTNEED has a visible effect (private anonymous pages read back as
     * zero); the other advice is only advice. */
    if (advice == MADV_DONTNEED) {
        return host_result(madvise(guest_to_host(p, addr), len, advice));
    }
    return 0;
}

SYSCALL_HANDLER(msync)
{
    uint64_t addr = args[0], len = GUEST_PAGE_ALIGN(args[1]);
    if (addr & ~GUEST_PAGE_MASK) {
        return -EINVAL;
    }
    if (len && (!range_in_space(p, addr, len) ||
                !page_check_range(p->cpu, addr, len, PAGE_VALID))) {
        return -ENOMEM;
    }
    return host_result(msync(guest_to_host(p, addr), len, arg_int(args, 2)));
}

bool guest_range_replaceable(UserProcess *p, uint64_t addr, uint64_t len)
{
    return range_in_space(p, addr, len) && fixed_range_allowed(p, addr, len);
}
