/*
 * Writes small ELF executables for the loader tests: a valid one whose code is
 * all INT3 (so wherever it starts, it stops at once), hostile variants that
 * break one rule of the gABI each, and random mutations of the valid one for
 * fuzzing. Usage: elf-gen 64|32 KIND OUTPUT [SEED]
 * Kinds: valid, bad-phoff, bad-phentsize, no-phdr, many-phdr, filesz-gt-memsz,
 * segment-beyond-eof, overlap, wrong-type, interp, huge-memsz, low-vaddr,
 * wrap-vaddr, emulator-overlap (64-bit only), fuzz.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_SIZE 8192
#define BASE 0x400000u
#define NB_PHDR 3

typedef struct Image {
    unsigned char bytes[FILE_SIZE];
    size_t size;
    int is64;
} Image;

/* phdr fields by index: type flags offset vaddr filesz memsz align */
static void set_phdr(Image *im, int i, unsigned type, unsigned flags, unsigned long long offset,
                     unsigned long long vaddr, unsigned long long filesz,
                     unsigned long long memsz)
{
    if (im->is64) {
        Elf64_Phdr ph = { type, flags, offset, vaddr, vaddr, filesz, memsz, 4096 };
        memcpy(im->bytes + sizeof(Elf64_Ehdr) + i * sizeof(ph), &ph, sizeof(ph));
    } else {
        Elf32_Phdr ph = { type, (Elf32_Off)offset, (Elf32_Addr)vaddr, (Elf32_Addr)vaddr,
                          (Elf32_Word)filesz, (Elf32_Word)memsz, flags, 4096 };
        memcpy(im->bytes + sizeof(Elf32_Ehdr) + i * sizeof(ph), &ph, sizeof(ph));
    }
}

static void set_header(Image *im, unsigned type, unsigned phoff, unsigned phentsize,
                       unsigned phnum)
{
    unsigned char ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
                                       im->is64 ? ELFCLASS64 : ELFCLASS32, ELFDATA2LSB,
                                       EV_CURRENT, ELFOSABI_SYSV };
    if (im->is64) {
        Elf64_Ehdr h = { .e_type = type, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                         .e_entry = BASE + 0x800, .e_phoff = phoff,
                         .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = phentsize,
                         .e_phnum = phnum };
        memcpy(h.e_ident, ident, EI_NIDENT);
        memcpy(im->bytes, &h, sizeof(h));
    } else {
        Elf32_Ehdr h = { .e_type = type, .e_machine = EM_386, .e_version = EV_CURRENT,
                         .e_entry = BASE + 0x800, .e_phoff = phoff,
                         .e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = phentsize,
                         .e_phnum = phnum };
        memcpy(h.e_ident, ident, EI_NIDENT);
        memcpy(im->bytes, &h, sizeof(h));
    }
}

static void make_valid(Image *im)
{
    memset(im->bytes, 0xcc, sizeof(im->bytes));     /* INT3 everywhere */
    im->size = FILE_SIZE;
    unsigned ehsize = im->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    unsigned phsize = im->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    memset(im->bytes, 0, ehsize + NB_PHDR * phsize);
    set_header(im, ET_EXEC, ehsize, phsize, NB_PHDR);
    set_phdr(im, 0, PT_LOAD, PF_R | PF_X, 0, BASE, 4096, 4096);
    set_phdr(im, 1, PT_LOAD, PF_R | PF_W, 4096, BASE + 0x1000, 4096, 0x3000);
    set_phdr(im, 2, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
}

static unsigned phdr_offset(const Image *im, int i)
{
    return im->is64 ? sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr)
                    : sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr);
}

/* A random mutation: flipped bytes, or an interesting value in a header field. */
static void mutate(Image *im, unsigned seed)
{
    srand(seed);
    unsigned header_end = phdr_offset(im, NB_PHDR);
    static const unsigned long long interesting[] = {
        0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
        0xfffffffffffff000ULL, 0xffffffffffffffffULL, 4096, FILE_SIZE, FILE_SIZE + 1,
        BASE, 0x1000,
    };
    int count = 1 + rand() % 4;
    for (int i = 0; i < count; i++) {
        unsigned pos = (unsigned)rand() % header_end;
        if (rand() % 2) {
            im->bytes[pos] ^= (unsigned char)(1 + rand() % 255);
        } else {
            unsigned long long v = interesting[rand() % (sizeof(interesting) /
                                                         sizeof(interesting[0]))];
            unsigned width = (unsigned[]){ 2, 4, 8 }[rand() % (im->is64 ? 3 : 2)];
            pos &= ~(width - 1);
            if (pos + width <= header_end) {
                memcpy(im->bytes + pos, &v, width);
            }
        }
    }
    if (rand() % 8 == 0) {
        im->size = (size_t)rand() % FILE_SIZE;      /* truncated */
    }
}

static int make_kind(Image *im, const char *kind, unsigned seed)
{
    unsigned ehsize = im->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    unsigned phsize = im->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    unsigned long long top = im->is64 ? 0xfffffffffffff000ULL : 0xfffff000ULL;
    make_valid(im);
    if (strcmp(kind, "valid") == 0) {
    } else if (strcmp(kind, "bad-phoff") == 0) {
        set_header(im, ET_EXEC, FILE_SIZE - 8, phsize, NB_PHDR);
    } else if (strcmp(kind, "bad-phentsize") == 0) {
        set_header(im, ET_EXEC, ehsize, phsize + 4, NB_PHDR);
    } else if (strcmp(kind, "no-phdr") == 0) {
        set_header(im, ET_EXEC, ehsize, phsize, 0);
    } else if (strcmp(kind, "many-phdr") == 0) {
        set_header(im, ET_EXEC, ehsize, phsize, 0xffff);
    } else if (strcmp(kind, "filesz-gt-memsz") == 0) {
        set_phdr(im, 0, PT_LOAD, PF_R | PF_X, 0, BASE, 4096, 100);
    } else if (strcmp(kind, "segment-beyond-eof") == 0) {
        set_phdr(im, 1, PT_LOAD, PF_R | PF_W, 4096, BASE + 0x1000, 0x100000, 0x100000);
    } else if (strcmp(kind, "overlap") == 0) {
        set_phdr(im, 1, PT_LOAD, PF_R | PF_W, 4096, BASE + 0x800, 4096, 4096);
    } else if (strcmp(kind, "wrong-type") == 0) {
        set_header(im, ET_REL, ehsize, phsize, NB_PHDR);
    } else if (strcmp(kind, "interp") == 0) {
        set_phdr(im, 2, PT_INTERP, PF_R, 0x100, 0, 16, 16);
    } else if (strcmp(kind, "huge-memsz") == 0) {
        set_phdr(im, 1, PT_LOAD, PF_R | PF_W, 4096, BASE + 0x1000, 4096, top);
    } else if (strcmp(kind, "low-vaddr") == 0) {
        set_phdr(im, 0, PT_LOAD, PF_R | PF_X, 0, 0, 4096, 4096);
    } else if (strcmp(kind, "wrap-vaddr") == 0) {
        set_phdr(im, 1, PT_LOAD, PF_R | PF_W, 4096, top, 4096, 0x2000);
    } else if (strcmp(kind, "emulator-overlap") == 0) {
        /* where a PIE program (the emulator) starts with address randomization
         * off (setarch -R) on x86-64 Linux: ELF_ET_DYN_BASE */
        set_phdr(im, 0, PT_LOAD, PF_R | PF_X, 0, 0x555555554000ULL, 4096, 4096);
        set_phdr(im, 1, PT_LOAD, PF_R | PF_W, 4096, 0x555555555000ULL, 4096, 0x100000);
    } else if (strcmp(kind, "fuzz") == 0) {
        mutate(im, seed);
    } else {
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    static Image im;
    if (argc < 4 || (strcmp(argv[1], "64") != 0 && strcmp(argv[1], "32") != 0)) {
        fprintf(stderr, "usage: elf-gen 64|32 KIND OUTPUT [SEED]\n");
        return 2;
    }
    im.is64 = strcmp(argv[1], "64") == 0;
    if (!make_kind(&im, argv[2], argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 1)) {
        fprintf(stderr, "elf-gen: unknown kind '%s'\n", argv[2]);
        return 2;
    }
    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(im.bytes, 1, im.size, f) != im.size || fclose(f) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
