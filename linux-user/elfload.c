/*
 * Loading an ELF program and its interpreter (System V gABI, "ELF Header",
 * "Program Header" and "Program Interpreter"; x86-64 and i386 psABI for the
 * machine numbers). The file is checked before anything is mapped. Segments
 * are mapped from the file as Linux's binfmt_elf does (so /proc/self/maps
 * names it), the bss zeroed after p_filesz; a file whose segments share a page
 * or are not congruent with their offsets modulo the page size is copied into
 * anonymous memory instead. ET_EXEC and ET_DYN (PIE, static-pie, ld.so itself)
 * are accepted; PT_INTERP names the dynamic linker, loaded at a base of ours.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "linux-user/user.h"

#define MAX_PHNUM 256
/* Lowest address a segment may use (Linux: vm.mmap_min_addr). */
#define MIN_SEGMENT_ADDR 0x10000ULL
/* Where static-pie programs go, as on Linux (ELF_ET_DYN_BASE of each ABI). */
#define ET_DYN_BASE_64 0x555555554000ULL
#define ET_DYN_BASE_32 0x56555000ULL
/* Longest PT_INTERP path we take (Linux: PATH_MAX). */
#define MAX_INTERP_LEN 4096

/* The fields we use, from either ELF class. */
typedef struct ProgramHeader {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
} ProgramHeader;

typedef struct ElfFile {
    const char *path;
    const char *name;               /* for messages: the path, or "PROGRAM: interpreter PATH" */
    const char *prog;               /* emulator name for messages */
    int fd;
    uint64_t size;
    unsigned type, machine;
    uint64_t entry, phoff, phentsize, phnum;
    bool is_interp;                 /* loading the interpreter: no PT_INTERP of its own */
    bool fd_given;                  /* opened by the kernel (binfmt_misc O flag) */
    char *interp;                   /* PT_INTERP path (malloc'd), NULL: none */
    ProgramHeader ph[MAX_PHNUM];
} ElfFile;

static bool load_error(const ElfFile *elf, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: %s: ", elf->prog, elf->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return false;
}

static bool read_exact(int fd, void *buf, uint64_t len, uint64_t offset)
{
    uint8_t *dst = buf;
    while (len > 0) {
        ssize_t n = pread(fd, dst, len > (1u << 30) ? (1u << 30) : len, (off_t)offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        dst += n;
        len -= (uint64_t)n;
        offset += (uint64_t)n;
    }
    return true;
}

static const char *machine_name(unsigned machine)
{
    switch (machine) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_ARM: return "ARM";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_MIPS: return "MIPS";
    case EM_S390: return "S/390";
    case EM_SPARC: return "SPARC";
    default: return "another machine";
    }
}

/* e_ident and the class-independent checks (gABI, "ELF Identification"). */
static bool check_ident(ElfFile *elf, const UserABI *abi, const unsigned char *ident,
                        uint64_t got)
{
    if (got < 4 || memcmp(ident, ELFMAG, SELFMAG) != 0) {
        return load_error(elf, "not an ELF executable");
    }
    if (got < EI_NIDENT) {
        return load_error(elf, "truncated ELF header");
    }
    int want_class = abi->is64 ? ELFCLASS64 : ELFCLASS32;
    if (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64) {
        return load_error(elf, "invalid ELF class %u", ident[EI_CLASS]);
    }
    if (ident[EI_CLASS] != want_class) {
        return load_error(elf, "%s ELF file, but quetzal-%s runs %s programs",
                          ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "32-bit",
                          abi->name, abi->is64 ? "64-bit" : "32-bit");
    }
    if (ident[EI_DATA] != ELFDATA2LSB) {
        return load_error(elf, "not a little-endian ELF file");
    }
    if (ident[EI_VERSION] != EV_CURRENT) {
        return load_error(elf, "unknown ELF version %u", ident[EI_VERSION]);
    }
    return true;
}

static void convert_phdr64(ProgramHeader *ph, const Elf64_Phdr *raw)
{
    *ph = (ProgramHeader){ raw->p_type, raw->p_flags, raw->p_offset, raw->p_vaddr,
                           raw->p_filesz, raw->p_memsz, raw->p_align };
}

static void convert_phdr32(ProgramHeader *ph, const Elf32_Phdr *raw)
{
    *ph = (ProgramHeader){ raw->p_type, raw->p_flags, raw->p_offset, raw->p_vaddr,
                           raw->p_filesz, raw->p_memsz, raw->p_align };
}

static bool read_header(ElfFile *elf, const UserABI *abi)
{
    union { Elf64_Ehdr h64; Elf32_Ehdr h32; unsigned char ident[EI_NIDENT]; } raw;
    memset(&raw, 0, sizeof(raw));
    uint64_t want = abi->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    uint64_t got = elf->size < want ? elf->size : want;
    if (!read_exact(elf->fd, &raw, got, 0)) {
        return load_error(elf, "cannot read: %s", errno ? strerror(errno) : "short read");
    }
    if (!check_ident(elf, abi, raw.ident, got)) {
        return false;
    }
    if (got < want) {
        return load_error(elf, "truncated ELF header");
    }
    if (abi->is64) {
        elf->type = raw.h64.e_type; elf->machine = raw.h64.e_machine;
        elf->entry = raw.h64.e_entry; elf->phoff = raw.h64.e_phoff;
        elf->phentsize = raw.h64.e_phentsize; elf->phnum = raw.h64.e_phnum;
    } else {
        elf->type = raw.h32.e_type; elf->machine = raw.h32.e_machine;
        elf->entry = raw.h32.e_entry; elf->phoff = raw.h32.e_phoff;
        elf->phentsize = raw.h32.e_phentsize; elf->phnum = raw.h32.e_phnum;
    }
    if (elf->machine != abi->elf_machine) {
        return load_error(elf, "ELF file for %s (e_machine %u), not %s",
                          machine_name(elf->machine), elf->machine,
                          machine_name(abi->elf_machine));
    }
    if (elf->type != ET_EXEC && elf->type != ET_DYN) {
        return load_error(elf, "not an executable (ELF type %u)", elf->type);
    }
    return true;
}

static bool read_program_headers(ElfFile *elf, const UserABI *abi)
{
    uint64_t entsize = abi->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (elf->phnum == 0) {
        return load_error(elf, "no program headers");
    }
    if (elf->phentsize != entsize) {
        return load_error(elf, "bad program header size %" PRIu64, elf->phentsize);
    }
    if (elf->phnum > MAX_PHNUM) {
        return load_error(elf, "too many program headers (%" PRIu64 ")", elf->phnum);
    }
    uint64_t table = elf->phnum * entsize;
    if (elf->phoff > elf->size || table > elf->size - elf->phoff) {
        return load_error(elf, "program headers beyond the end of the file");
    }
    unsigned char *buf = malloc(table);
    if (!buf || !read_exact(elf->fd, buf, table, elf->phoff)) {
        free(buf);
        return load_error(elf, "cannot read the program headers");
    }
    for (uint64_t i = 0; i < elf->phnum; i++) {
        if (abi->is64) {
            Elf64_Phdr ph;
            memcpy(&ph, buf + i * entsize, sizeof(ph));
            convert_phdr64(&elf->ph[i], &ph);
        } else {
            Elf32_Phdr ph;
            memcpy(&ph, buf + i * entsize, sizeof(ph));
            convert_phdr32(&elf->ph[i], &ph);
        }
    }
    free(buf);
    return true;
}

/* PT_INTERP: a NUL-terminated path inside the file (gABI, "Program
 * Interpreter"); an interpreter may not have one itself (Linux: -ELIBBAD). */
static bool read_interp(ElfFile *elf, const ProgramHeader *ph)
{
    if (elf->is_interp) {
        return load_error(elf, "the interpreter has an interpreter itself");
    }
    if (elf->interp) {
        return load_error(elf, "more than one PT_INTERP");
    }
    if (ph->filesz < 2 || ph->filesz > MAX_INTERP_LEN || ph->offset > elf->size ||
        ph->filesz > elf->size - ph->offset) {
        return load_error(elf, "bad PT_INTERP (offset 0x%" PRIx64 ", size %" PRIu64 ")",
                          ph->offset, ph->filesz);
    }
    elf->interp = malloc(ph->filesz);
    if (!elf->interp || !read_exact(elf->fd, elf->interp, ph->filesz, ph->offset)) {
        return load_error(elf, "cannot read PT_INTERP");
    }
    if (memchr(elf->interp, 0, ph->filesz) != elf->interp + ph->filesz - 1) {
        return load_error(elf, "PT_INTERP path is not a NUL-terminated string");
    }
    return true;
}

/* PT_LOAD segments: inside the file, inside the address space, ascending and
 * disjoint (gABI: "Loadable segment entries ... appear in ascending order"). */
static bool check_segments(ElfFile *elf, const UserABI *abi, uint64_t *lo, uint64_t *hi)
{
    uint64_t prev_end = 0;
    bool any = false;
    for (uint64_t i = 0; i < elf->phnum; i++) {
        const ProgramHeader *ph = &elf->ph[i];
        if (ph->type == PT_INTERP && !read_interp(elf, ph)) {
            return false;
        }
        if (ph->type != PT_LOAD || ph->memsz == 0) {
            continue;
        }
        if (ph->filesz > ph->memsz) {
            return load_error(elf, "segment %" PRIu64 ": file size exceeds memory size", i);
        }
        if (ph->offset > elf->size || ph->filesz > elf->size - ph->offset) {
            return load_error(elf, "segment %" PRIu64 " beyond the end of the file", i);
        }
        uint64_t end = ph->vaddr + ph->memsz;
        if (end < ph->vaddr || end > abi->address_space_end) {
            return load_error(elf, "segment %" PRIu64 " outside the address space", i);
        }
        if (any && ph->vaddr < prev_end) {
            return load_error(elf, "segment %" PRIu64 " overlaps or is out of order", i);
        }
        if (!any) {
            *lo = ph->vaddr & GUEST_PAGE_MASK;
        }
        prev_end = end;
        any = true;
    }
    if (!any) {
        return load_error(elf, "no loadable segment");
    }
    *hi = GUEST_PAGE_ALIGN(prev_end);
    if (*hi > abi->address_space_end) {
        return load_error(elf, "segments outside the address space");
    }
    if (elf->type == ET_EXEC && *lo < MIN_SEGMENT_ADDR) {
        return load_error(elf, "segment below the lowest mappable address 0x%llx",
                          MIN_SEGMENT_ADDR);
    }
    return true;
}

static int segment_prot(const ProgramHeader *ph)
{
    return ((ph->flags & PF_R) ? PROT_READ : 0) | ((ph->flags & PF_W) ? PROT_WRITE : 0) |
           ((ph->flags & PF_X) ? PROT_EXEC : 0);
}

/* Final page protections: each segment's own, the union on a page two segments
 * share, nothing on the gaps. */
static void protect_segments(UserProcess *p, const ElfFile *elf, uint64_t bias,
                             uint64_t lo, uint64_t hi)
{
    target_mprotect(p, lo + bias, hi - lo, PROT_NONE);
    uint64_t prev_last_page = UINT64_MAX;
    int prev_prot = 0;
    for (uint64_t i = 0; i < elf->phnum; i++) {
        const ProgramHeader *ph = &elf->ph[i];
        if (ph->type != PT_LOAD || ph->memsz == 0) {
            continue;
        }
        uint64_t start = (ph->vaddr + bias) & GUEST_PAGE_MASK;
        uint64_t end = GUEST_PAGE_ALIGN(ph->vaddr + bias + ph->memsz);
        int prot = segment_prot(ph);
        if (start == prev_last_page) {
            target_mprotect(p, start, GUEST_PAGE_SIZE, prot | prev_prot);
            start += GUEST_PAGE_SIZE;
        }
        if (start < end) {
            target_mprotect(p, start, end - start, prot);
        }
        prev_last_page = end - GUEST_PAGE_SIZE;
        prev_prot = prot;
    }
}

static uint64_t find_phdr_addr(const ElfFile *elf, uint64_t bias)
{
    uint64_t table = elf->phnum * elf->phentsize;
    for (uint64_t i = 0; i < elf->phnum; i++) {
        if (elf->ph[i].type == PT_PHDR) {
            return elf->ph[i].vaddr + bias;
        }
    }
    for (uint64_t i = 0; i < elf->phnum; i++) {
        const ProgramHeader *ph = &elf->ph[i];
        if (ph->type == PT_LOAD && ph->offset <= elf->phoff &&
            elf->phoff + table <= ph->offset + ph->filesz) {
            return ph->vaddr + (elf->phoff - ph->offset) + bias;
        }
    }
    return 0;
}

/* Linux maps each segment from the file, which needs its address and offset
 * congruent modulo the page size; and a page two segments share would need
 * both. Either way we copy instead. */
static bool segments_mappable(const ElfFile *elf)
{
    uint64_t prev_end = 0;
    bool any = false;
    for (uint64_t i = 0; i < elf->phnum; i++) {
        const ProgramHeader *ph = &elf->ph[i];
        if (ph->type != PT_LOAD || ph->memsz == 0) {
            continue;
        }
        if ((ph->vaddr - ph->offset) & ~GUEST_PAGE_MASK) {
            return false;
        }
        if (any && (ph->vaddr & GUEST_PAGE_MASK) < prev_end) {
            return false;
        }
        prev_end = GUEST_PAGE_ALIGN(ph->vaddr + ph->memsz);
        any = true;
    }
    return true;
}

/* One segment from the file with its own protection, as Linux maps it: the
 * pages holding p_filesz bytes, the rest of the last one zeroed (writable for
 * that moment), anonymous zero pages up to p_memsz (the bss). A read-only
 * segment is never mapped writable: the host kernel would account it as
 * writable memory and merge it with the RELRO pages next to it, which
 * /proc/self/maps would show. */
static bool map_segment(UserProcess *p, ElfFile *elf, uint64_t i, uint64_t bias)
{
    const ProgramHeader *ph = &elf->ph[i];
    uint64_t vaddr = ph->vaddr + bias;
    uint64_t start = vaddr & GUEST_PAGE_MASK;
    uint64_t file_end = vaddr + ph->filesz;
    uint64_t anon_start = start, mem_end = GUEST_PAGE_ALIGN(vaddr + ph->memsz);
    int prot = segment_prot(ph);
    if (ph->filesz) {
        anon_start = GUEST_PAGE_ALIGN(file_end);
        bool zero_tail = ph->memsz > ph->filesz && file_end < anon_start;
        int64_t got = target_mmap(p, start, anon_start - start,
                                  prot | (zero_tail ? PROT_READ | PROT_WRITE : 0),
                                  MAP_PRIVATE | MAP_FIXED, elf->fd,
                                  ph->offset - (vaddr - start));
        if (got < 0) {
            return load_error(elf, "cannot map segment %" PRIu64 ": %s", i,
                              strerror((int)-got));
        }
        if (zero_tail) {
            memset(guest_to_host(p, file_end), 0, anon_start - file_end);
            if (!(prot & PROT_WRITE)) {
                target_mprotect(p, start, anon_start - start, prot);
            }
        }
    }
    if (anon_start < mem_end) {
        int64_t got = target_mmap(p, anon_start, mem_end - anon_start, prot,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (got < 0) {
            return load_error(elf, "cannot map segment %" PRIu64 ": %s", i,
                              strerror((int)-got));
        }
    }
    return true;
}

static bool copy_segments(UserProcess *p, ElfFile *elf, uint64_t bias)
{
    for (uint64_t i = 0; i < elf->phnum; i++) {
        const ProgramHeader *ph = &elf->ph[i];
        if (ph->type == PT_LOAD && ph->filesz &&
            !read_exact(elf->fd, guest_to_host(p, ph->vaddr + bias), ph->filesz, ph->offset)) {
            return load_error(elf, "cannot read segment %" PRIu64, i);
        }
    }
    return true;
}

/* Where an ET_DYN file goes: a PIE program at ELF_ET_DYN_BASE as on Linux, the
 * interpreter wherever mmap would put it. */
static uint64_t dyn_base_hint(UserProcess *p, const ElfFile *elf)
{
    if (elf->is_interp) {
        return 0;
    }
    return p->abi->is64 ? ET_DYN_BASE_64 : ET_DYN_BASE_32;
}

static bool map_image(UserProcess *p, ElfFile *elf, uint64_t lo, uint64_t hi, uint64_t *bias)
{
    uint64_t span = hi - lo;
    bool from_file = segments_mappable(elf);
    *bias = 0;
    if (elf->type == ET_DYN) {
        uint64_t base = guest_find_free(p, span, dyn_base_hint(p, elf));
        if (base == 0) {
            return load_error(elf, "no room for a %" PRIu64 "-byte image", span);
        }
        *bias = base - lo;
    }
    /* the whole span first: it checks the place, and holds the gaps */
    int64_t got = target_mmap(p, lo + *bias, span, from_file ? PROT_NONE : PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (got < 0) {
        return load_error(elf, "cannot map segments at 0x%" PRIx64 "-0x%" PRIx64 ": %s",
                          lo + *bias, hi + *bias,
                          got == -ENOMEM ? "overlaps the emulator or out of memory"
                                         : strerror((int)-got));
    }
    if (from_file) {
        for (uint64_t i = 0; i < elf->phnum; i++) {
            if (elf->ph[i].type == PT_LOAD && elf->ph[i].memsz &&
                !map_segment(p, elf, i, *bias)) {
                return false;
            }
        }
        return true;
    }
    if (!copy_segments(p, elf, *bias)) {
        return false;
    }
    protect_segments(p, elf, *bias, lo, hi);
    return true;
}

static bool open_program(ElfFile *elf)
{
    struct stat st;
    elf->fd_given = elf->fd >= 0;
    if (!elf->fd_given) {
        elf->fd = open(elf->path, O_RDONLY | O_CLOEXEC);
    }
    if (elf->fd < 0) {
        return load_error(elf, "%s", strerror(errno));
    }
    if (fstat(elf->fd, &st) != 0) {
        return load_error(elf, "%s", strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        return load_error(elf, "%s", strerror(EISDIR));
    }
    if (!S_ISREG(st.st_mode)) {
        return load_error(elf, "not a regular file");
    }
    /* as execve(2): the file must be executable, even for root (the kernel
     * checked a descriptor it gave us) */
    if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) ||
        (!elf->fd_given && access(elf->path, X_OK) != 0)) {
        return load_error(elf, "%s", strerror(EACCES));
    }
    elf->size = (uint64_t)st.st_size;
    return true;
}

/* Checks and maps one ELF file; its PT_INTERP path (malloc'd) into *interp. */
static bool load_file(UserProcess *p, const char *path, const char *name, bool is_interp,
                      LoadedImage *image, char **interp)
{
    ElfFile *elf = calloc(1, sizeof(*elf));
    char prog[64];
    snprintf(prog, sizeof(prog), "quetzal-%s", p->abi->name);
    elf->path = path;
    elf->name = name;
    elf->prog = prog;
    elf->is_interp = is_interp;
    /* binfmt_misc's O flag opened the program for us (binfmt.c) */
    elf->fd = !is_interp && p->exec_fd > 0 ? fcntl(p->exec_fd, F_DUPFD_CLOEXEC, 3) : -1;
    uint64_t lo = 0, hi = 0, bias = 0;
    bool ok = open_program(elf) && read_header(elf, p->abi) &&
              read_program_headers(elf, p->abi) && check_segments(elf, p->abi, &lo, &hi) &&
              map_image(p, elf, lo, hi, &bias);
    if (ok) {
        memset(image, 0, sizeof(*image));
        image->entry = elf->entry + bias;
        image->load_bias = bias;
        image->phdr_addr = find_phdr_addr(elf, bias);
        image->phent = elf->phentsize;
        image->phnum = elf->phnum;
        image->image_end = hi + bias;
        image->image_start = lo + bias;
        for (uint64_t i = 0; i < elf->phnum; i++) {
            if (elf->ph[i].type == PT_GNU_STACK) {
                image->exec_stack = (elf->ph[i].flags & PF_X) != 0;
            }
        }
        *interp = elf->interp;
        elf->interp = NULL;
    }
    if (elf->fd >= 0) {
        close(elf->fd);
    }
    free(elf->interp);
    free(elf);
    return ok;
}

/* The interpreter a program names: looked for under the -L prefix first, as
 * every absolute path the guest opens; it starts the program (AT_BASE). */
static bool load_interpreter(UserProcess *p, const char *program, const char *interp,
                             LoadedImage *image)
{
    char buf[PATH_MAX], name[PATH_MAX + 64];
    const char *host = user_prefix_path(p, interp, buf, sizeof(buf));
    /* every message names both: "PROGRAM: interpreter PATH: reason" */
    snprintf(name, sizeof(name), "%s: interpreter %s", program, interp);
    LoadedImage ld;
    char *none = NULL;
    if (!load_file(p, host, name, true, &ld, &none)) {
        return false;
    }
    image->interp_base = ld.load_bias;
    image->start = ld.entry;
    if (ld.exec_stack) {
        image->exec_stack = true;
    }
    return true;
}

bool elf_load(UserProcess *p, const char *path, LoadedImage *image)
{
    char *interp = NULL;
    bool loaded = load_file(p, path, path, false, image, &interp);
    if (p->exec_fd > 0) {
        close(p->exec_fd);      /* binfmt_misc's descriptor is not the guest's */
        p->exec_fd = 0;
    }
    if (!loaded) {
        return false;
    }
    image->start = image->entry;
    p->brk_start = p->brk_current = p->brk_mapped_end = image->image_end;
    bool ok = !interp || load_interpreter(p, path, interp, image);
    free(interp);
    return ok;
}
