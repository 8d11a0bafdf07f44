/*
 * i386 thread-local storage: the GDT in guest memory that set_thread_area
 * writes and MOV to a segment register reads (through env->gdt). Descriptor
 * format: Intel SDM vol. 3A, 3.4.5 "Segment Descriptors". Entry numbers follow
 * Linux on x86: user code 0x23 (entry 4), user data 0x2b (entry 5), TLS entries
 * 12..14 (GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_ENTRIES).
 */
#include <string.h>
#include <sys/mman.h>
#include "linux-user/user.h"

#define GDT_ENTRIES 32
#define GDT_ENTRY_USER_CS 4
#define GDT_ENTRY_USER_DS 5
#define GDT_ENTRY_TLS_MIN 12
#define GDT_ENTRY_TLS_COUNT 3

/* flat 4 GiB, DPL 3, present, 32-bit, 4 KiB granularity: code type 0xa, data 0x2 */
#define DESCRIPTOR_USER_CODE 0x00cffa000000ffffULL
#define DESCRIPTOR_USER_DATA 0x00cff2000000ffffULL

/* struct user_desc (Linux asm/ldt.h): four 32-bit words, flags as bits */
typedef struct UserDesc {
    uint32_t entry_number;
    uint32_t base_addr;
    uint32_t limit;
    uint32_t flags;
} UserDesc;

enum {
    USER_DESC_SEG_32BIT = 1 << 0,
    USER_DESC_CONTENTS_SHIFT = 1,      /* 2 bits */
    USER_DESC_READ_EXEC_ONLY = 1 << 3,
    USER_DESC_LIMIT_IN_PAGES = 1 << 4,
    USER_DESC_SEG_NOT_PRESENT = 1 << 5,
    USER_DESC_USEABLE = 1 << 6,
};

static void gdt_write(UserProcess *p, unsigned entry, uint64_t descriptor)
{
    memcpy(guest_to_host(p, p->gdt_addr + entry * 8ULL), &descriptor, 8);
}

static uint64_t gdt_read(UserProcess *p, unsigned entry)
{
    uint64_t descriptor;
    memcpy(&descriptor, guest_to_host(p, p->gdt_addr + entry * 8ULL), 8);
    return descriptor;
}

bool gdt_init(UserProcess *p)
{
    int64_t addr = target_mmap(p, 0, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr < 0) {
        return false;
    }
    p->gdt_addr = (uint64_t)addr;
    gdt_write(p, GDT_ENTRY_USER_CS, DESCRIPTOR_USER_CODE);
    gdt_write(p, GDT_ENTRY_USER_DS, DESCRIPTOR_USER_DATA);
    p->env->gdt.base = p->gdt_addr;
    p->env->gdt.limit = GDT_ENTRIES * 8 - 1;
    return true;
}

static bool user_desc_is_empty(const UserDesc *d)
{
    return d->base_addr == 0 && d->limit == 0 &&
           (d->flags & 0x7f) == (USER_DESC_READ_EXEC_ONLY | USER_DESC_SEG_NOT_PRESENT);
}

/* Linux's encoding of struct user_desc into a descriptor (two 32-bit words). */
static uint64_t descriptor_from_user_desc(const UserDesc *d)
{
    if (user_desc_is_empty(d)) {
        return 0;
    }
    uint32_t f = d->flags;
    uint32_t low = ((d->base_addr & 0xffff) << 16) | (d->limit & 0xffff);
    uint32_t high = (d->base_addr & 0xff000000) | ((d->base_addr >> 16) & 0xff) |
                    (d->limit & 0xf0000) |
                    ((((f & USER_DESC_READ_EXEC_ONLY) ? 0u : 1u)) << 9) |
                    (((f >> USER_DESC_CONTENTS_SHIFT) & 3) << 10) |
                    0x7000 |                                  /* S = 1, DPL = 3 */
                    (((f & USER_DESC_SEG_NOT_PRESENT) ? 0u : 1u) << 15) |
                    (((f & USER_DESC_USEABLE) ? 1u : 0u) << 20) |
                    (((f & USER_DESC_SEG_32BIT) ? 1u : 0u) << 22) |
                    (((f & USER_DESC_LIMIT_IN_PAGES) ? 1u : 0u) << 23);
    return ((uint64_t)high << 32) | low;
}

SYSCALL_HANDLER(set_thread_area)
{
    UserDesc desc;
    if (p->abi->is64 || !p->gdt_addr) {
        return -ENOSYS;
    }
    if (!copy_from_guest(p, &desc, args[0], sizeof(desc))) {
        return -EFAULT;
    }
    unsigned entry = desc.entry_number;
    if (entry == UINT32_MAX) {
        for (entry = GDT_ENTRY_TLS_MIN; entry < GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_COUNT;
             entry++) {
            if (gdt_read(p, entry) == 0) {
                break;
            }
        }
        if (entry == GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_COUNT) {
            return -ESRCH;
        }
        desc.entry_number = entry;
        if (!copy_to_guest(p, args[0], &desc, sizeof(desc))) {
            return -EFAULT;
        }
    }
    if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_COUNT) {
        return -EINVAL;
    }
    gdt_write(p, entry, descriptor_from_user_desc(&desc));
    return 0;
}

SYSCALL_HANDLER(get_thread_area)
{
    UserDesc desc;
    if (p->abi->is64 || !p->gdt_addr) {
        return -ENOSYS;
    }
    if (!copy_from_guest(p, &desc, args[0], sizeof(desc))) {
        return -EFAULT;
    }
    unsigned entry = desc.entry_number;
    if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_COUNT) {
        return -EINVAL;
    }
    uint64_t d = gdt_read(p, entry);
    uint32_t low = (uint32_t)d, high = (uint32_t)(d >> 32);
    desc.base_addr = (low >> 16) | ((high & 0xff) << 16) | (high & 0xff000000);
    desc.limit = (low & 0xffff) | (high & 0xf0000);
    desc.flags = (((high >> 22) & 1) ? USER_DESC_SEG_32BIT : 0) |
                 (((high >> 10) & 3) << USER_DESC_CONTENTS_SHIFT) |
                 (((high >> 9) & 1) ? 0 : USER_DESC_READ_EXEC_ONLY) |
                 (((high >> 23) & 1) ? USER_DESC_LIMIT_IN_PAGES : 0) |
                 (((high >> 15) & 1) ? 0 : USER_DESC_SEG_NOT_PRESENT) |
                 (((high >> 20) & 1) ? USER_DESC_USEABLE : 0);
    return copy_to_guest(p, args[0], &desc, sizeof(desc)) ? 0 : -EFAULT;
}

int64_t gdt_thread_init(UserProcess *child, uint64_t tls_desc)
{
    user_mem_lock(child);
    int64_t addr = target_mmap(child, 0, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    user_mem_unlock(child);
    if (addr < 0) {
        return addr;
    }
    /* Linux keeps the TLS entries per thread: the new thread starts with its
     * creator's (copy_thread), in a GDT of its own here */
    memcpy(guest_to_host(child, (uint64_t)addr), guest_to_host(child, child->gdt_addr),
           GDT_ENTRIES * 8);
    child->gdt_addr = (uint64_t)addr;
    child->env->gdt.base = child->gdt_addr;
    if (!tls_desc) {
        return 0;
    }
    UserDesc desc;
    if (!copy_from_guest(child, &desc, tls_desc, sizeof(desc))) {
        return -EFAULT;
    }
    unsigned entry = desc.entry_number;
    if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_COUNT) {
        return -EINVAL;
    }
    gdt_write(child, entry, descriptor_from_user_desc(&desc));
    /* a segment register holding that selector uses the new descriptor from
     * the child's first instruction on, as after Linux's context switch */
    for (int seg = 0; seg < 6; seg++) {
        if ((child->env->segs[seg].selector >> 3) == entry) {
            child->env->segs[seg].base = desc.base_addr;
        }
    }
    return 0;
}

void gdt_thread_exit(UserProcess *p)
{
    user_mem_lock(p);
    target_munmap(p, p->gdt_addr, GUEST_PAGE_SIZE);
    user_mem_unlock(p);
}
