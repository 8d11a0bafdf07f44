/*
 * Loading a PC's boot code: the firmware image, and Linux by the x86 boot
 * protocol (Linux Documentation/arch/x86/boot.rst, "The Linux/x86 Boot
 * Protocol": the real-mode setup header at 0x1F1, protocol 2.06+, the 32-bit
 * boot protocol entry; Documentation/arch/x86/zero-page.rst for boot_params).
 *
 * Two ways to boot a kernel: firmware-less (fast-boot) puts everything in RAM
 * and starts the CPU at the 32-bit entry; with firmware, the pieces go to
 * fw_cfg for an option ROM (QEMU's linuxboot_dma.bin reads FW_CFG_SETUP_*,
 * KERNEL_*, INITRD_*, CMDLINE_*) to load and start through the real-mode setup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hw/fw_cfg.h"
#include "hw/pc.h"
#include "system/errmsg.h"

/* setup header fields (offsets in the image and in boot_params alike) */
enum {
    HDR_SETUP_SECTS = 0x1f1, HDR_BOOT_FLAG = 0x1fe, HDR_JUMP = 0x200, HDR_HEADER = 0x202,
    HDR_VERSION = 0x206, HDR_VID_MODE = 0x1fa, HDR_TYPE_OF_LOADER = 0x210,
    HDR_LOADFLAGS = 0x211, HDR_CODE32_START = 0x214, HDR_RAMDISK_IMAGE = 0x218,
    HDR_RAMDISK_SIZE = 0x21c, HDR_HEAP_END_PTR = 0x224, HDR_CMD_LINE_PTR = 0x228,
    HDR_INITRD_ADDR_MAX = 0x22c, HDR_XLOADFLAGS = 0x236, HDR_CMDLINE_SIZE = 0x238,
};
/* boot_params fields outside the header (zero-page.rst) */
enum {
    BP_ACPI_RSDP_ADDR = 0x070, BP_EXT_RAMDISK_IMAGE = 0x0c0, BP_EXT_RAMDISK_SIZE = 0x0c4,
    BP_EXT_CMD_LINE_PTR = 0x0c8, BP_E820_ENTRIES = 0x1e8, BP_E820_TABLE = 0x2d0,
    BP_SIZE = 4096,
};
#define LOADED_HIGH   0x01
#define CAN_USE_HEAP  0x80
#define KERNEL_LOAD   0x100000u
#define SETUP_ADDR    0x10000u    /* firmware path: where the ROM puts the setup code */

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }

/* The "vga=" option is the boot loader's to read (boot.rst, "Special command
 * line options"): normal 0xffff, ext 0xfffe, ask 0xfffd, or a mode number
 * (0x200 + a VESA mode) for the setup code to set. */
static uint16_t vid_mode(const char *cmdline)
{
    for (const char *p = cmdline; p && (p = strstr(p, "vga=")); p += 4) {
        if (p != cmdline && p[-1] != ' ') {
            continue;
        }
        const char *v = p + 4;
        if (!strncmp(v, "normal", 6)) return 0xffff;
        if (!strncmp(v, "ext", 3)) return 0xfffe;
        if (!strncmp(v, "ask", 3)) return 0xfffd;
        return strtoul(v, NULL, 0);
    }
    return 0xffff;
}
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }

/* Reads a whole file; NULL with errno set. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        buf = malloc(st.st_size ? st.st_size : 1);
        if (buf && fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
            free(buf);
            buf = NULL;
            errno = EIO;
        }
        *size = st.st_size;
    } else {
        errno = EINVAL;
    }
    fclose(f);
    return buf;
}

/* --- memory map --- */

void x86_e820_build(E820Map *map, uint64_t below_4g, uint64_t above_4g, bool reserve_acpi)
{
    map->n = 0;
    uint64_t top = reserve_acpi ? below_4g - X86_ACPI_SIZE : below_4g;
    map->e[map->n++] = (E820Entry){ 0, 0x9fc00, E820_RAM };
    map->e[map->n++] = (E820Entry){ 0x9fc00, 0x400, E820_RESERVED };   /* EBDA */
    map->e[map->n++] = (E820Entry){ 0xf0000, 0x10000, E820_RESERVED }; /* BIOS */
    map->e[map->n++] = (E820Entry){ 0x100000, top - 0x100000, E820_RAM };
    if (reserve_acpi) {
        map->e[map->n++] = (E820Entry){ top, X86_ACPI_SIZE, E820_ACPI };
    }
    map->e[map->n++] = (E820Entry){ 0xfffc0000, 0x40000, E820_RESERVED };
    if (above_4g) {
        map->e[map->n++] = (E820Entry){ 1ull << 32, above_4g, E820_RAM };
    }
}

/* --- firmware --- */

/* As QEMU: a name that exists as given (absolute, or relative to the current
 * directory) is taken as is; a bare name is then looked up in the -L dirs. */
char *x86_find_firmware(const char *const *dirs, const char *name)
{
    struct stat st;
    if (stat(name, &st) == 0 && S_ISREG(st.st_mode)) {
        return strdup(name);
    }
    if (strchr(name, '/')) {
        return NULL;
    }
    for (; dirs && *dirs; dirs++) {
        char *p = errmsg("%s/%s", *dirs, name);
        if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            return p;
        }
        free(p);
    }
    return NULL;
}

char *x86_load_bios(AddressSpace *as, const char *path, MemRegion **rom)
{
    size_t size;
    uint8_t *data = read_file(path, &size);
    if (!data) {
        return errmsg("could not load firmware '%s': %s", path, strerror(errno));
    }
    if (size < 0x10000 || size > (16u << 20) || (size & 0xffff)) {
        free(data);
        return errmsg("firmware '%s' has a bad size (64 KiB multiple up to 16 MiB)", path);
    }
    *rom = memory_add_rom(as, "pc.bios", (1ull << 32) - size, size);
    address_space_write_rom(as, (1ull << 32) - size, data, size);
    free(data);
    x86_reload_bios_shadow(as, *rom);
    return NULL;
}

void x86_reload_bios_shadow(AddressSpace *as, MemRegion *rom)
{
    uint64_t size = memory_region_size(rom);
    uint64_t n = size < 0x20000 ? size : 0x20000;
    address_space_write_rom(as, 0x100000 - n, memory_region_host(rom) + size - n, n);
}

/* --- the kernel image --- */

char *x86_linux_read(LinuxImage *img, const char *kernel, const char *initrd,
                     const char *cmdline)
{
    memset(img, 0, sizeof(*img));
    img->cmdline = cmdline ? cmdline : "";
    img->data = read_file(kernel, &img->size);
    if (!img->data) {
        return errmsg("could not load kernel '%s': %s", kernel, strerror(errno));
    }
    const uint8_t *d = img->data;
    if (img->size < 0x1000 || get16(d + HDR_BOOT_FLAG) != 0xaa55 ||
        memcmp(d + HDR_HEADER, "HdrS", 4) != 0) {
        return errmsg("kernel '%s' is not a bzImage (no \"HdrS\" setup header)", kernel);
    }
    img->version = get16(d + HDR_VERSION);
    if (img->version < 0x206) {
        char v[16];
        snprintf(v, sizeof(v), "%d.%02d", img->version >> 8, img->version & 0xff);
        return errmsg("kernel '%s': boot protocol %s is too old (2.06 or later needed)", kernel, v);
    }
    if (!(d[HDR_LOADFLAGS] & LOADED_HIGH)) {
        return errmsg("kernel '%s' is a zImage (not loaded high)", kernel);
    }
    unsigned sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : 4;
    img->setup_size = (sects + 1) * 512;
    if (img->setup_size >= img->size) {
        return errmsg("kernel '%s' is truncated", kernel);
    }
    img->initrd_max = get32(d + HDR_INITRD_ADDR_MAX);
    img->cmdline_max = get32(d + HDR_CMDLINE_SIZE);
    if (strlen(img->cmdline) > img->cmdline_max) {
        return errmsg("kernel command line too long for '%s'", kernel);
    }
    if (initrd) {
        img->initrd = read_file(initrd, &img->initrd_size);
        if (!img->initrd) {
            return errmsg("could not load initrd '%s': %s", initrd, strerror(errno));
        }
    }
    return NULL;
}

void x86_linux_free(LinuxImage *img)
{
    free(img->data);
    free(img->initrd);
    memset(img, 0, sizeof(*img));
}

/* Where the initrd goes: the highest 4 KiB-aligned address that keeps it below
 * initrd_addr_max and below limit. 0 when it does not fit. */
static uint64_t initrd_place(const LinuxImage *img, uint64_t limit, uint64_t low)
{
    uint64_t max = (uint64_t)img->initrd_max + 1;
    if (limit < max) {
        max = limit;
    }
    if (img->initrd_size > max || max - img->initrd_size < low) {
        return 0;
    }
    return (max - img->initrd_size) & ~0xfffull;
}

/* The setup header (from 0x1F1 to 0x202 + the jump's byte) copied into bp, with
 * the loader's fields filled in. */
static void fill_header(const LinuxImage *img, uint8_t *bp, uint32_t cmdline_addr,
                        uint32_t initrd_addr)
{
    unsigned end = HDR_HEADER + img->data[HDR_JUMP + 1];
    if (end > 0x290 || end <= HDR_SETUP_SECTS) {
        end = 0x290;
    }
    memcpy(bp + HDR_SETUP_SECTS, img->data + HDR_SETUP_SECTS, end - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = 0xff;      /* undefined loader id */
    put16(bp + HDR_VID_MODE, vid_mode(img->cmdline));
    bp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    put16(bp + HDR_HEAP_END_PTR, 0xfe00);
    put32(bp + HDR_CMD_LINE_PTR, cmdline_addr);
    put32(bp + HDR_RAMDISK_IMAGE, initrd_addr);
    put32(bp + HDR_RAMDISK_SIZE, img->initrd ? img->initrd_size : 0);
}

char *x86_linux_load_direct(const LinuxImage *img, AddressSpace *as, const E820Map *map,
                            uint64_t ram_below_4g, uint64_t initrd_limit,
                            uint64_t rsdp_addr, uint32_t *entry_eip)
{
    size_t kernel_len = img->size - img->setup_size;
    uint64_t kernel_end = KERNEL_LOAD + kernel_len;
    if (kernel_end > ram_below_4g) {
        return errmsg("kernel too large for the RAM");
    }
    uint32_t initrd_addr = 0;
    if (img->initrd) {
        initrd_addr = initrd_place(img, initrd_limit, kernel_end);
        if (!initrd_addr) {
            return errmsg("initrd too large: it does not fit below %s",
                          img->initrd_max < initrd_limit ? "initrd_addr_max" : "the end of RAM");
        }
        address_space_write(as, initrd_addr, img->initrd, img->initrd_size);
    }
    address_space_write(as, KERNEL_LOAD, img->data + img->setup_size, kernel_len);
    address_space_write(as, X86_BOOT_CMDLINE, img->cmdline, strlen(img->cmdline) + 1);

    uint8_t bp[BP_SIZE];
    memset(bp, 0, sizeof(bp));
    fill_header(img, bp, X86_BOOT_CMDLINE, initrd_addr);
    put64(bp + BP_ACPI_RSDP_ADDR, rsdp_addr);
    bp[BP_E820_ENTRIES] = map->n;
    for (int i = 0; i < map->n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + 20 * i;
        put64(e, map->e[i].addr);
        put64(e + 8, map->e[i].size);
        put32(e + 16, map->e[i].type);
    }
    address_space_write(as, X86_BOOT_PARAMS, bp, sizeof(bp));

    /* GDT: null, null, 0x10 flat code (exec/read), 0x18 flat data (read/write) */
    static const uint64_t gdt[4] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
    uint8_t g[32];
    for (int i = 0; i < 4; i++) {
        put64(g + 8 * i, gdt[i]);
    }
    address_space_write(as, X86_BOOT_GDT, g, sizeof(g));
    *entry_eip = get32(img->data + HDR_CODE32_START);
    return NULL;
}

/* --- firmware boot: the items linuxboot_dma.bin reads --- */

char *x86_linux_add_fw_cfg(const LinuxImage *img, FWCfgState *fw, uint64_t ram_below_4g)
{
    uint64_t limit = ram_below_4g - X86_ACPI_SIZE;   /* the firmware's tables go on top */
    uint32_t initrd_addr = img->initrd ? initrd_place(img, limit, KERNEL_LOAD) : 0;
    if (img->initrd && !initrd_addr) {
        return errmsg("initrd too large: it does not fit below %s",
                      img->initrd_max < limit ? "initrd_addr_max" : "the end of RAM");
    }
    uint8_t *setup = malloc(img->setup_size);
    memcpy(setup, img->data, img->setup_size);
    /* header fields as the real-mode setup code expects them from a loader */
    uint8_t bp[BP_SIZE];
    memset(bp, 0, sizeof(bp));
    fill_header(img, bp, X86_BOOT_CMDLINE, initrd_addr);
    bp[HDR_TYPE_OF_LOADER] = 0xb0;                  /* QEMU's loader id */
    put16(bp + HDR_HEAP_END_PTR, X86_BOOT_CMDLINE - SETUP_ADDR - 0x200);
    unsigned end = HDR_HEADER + img->data[HDR_JUMP + 1];
    if (end > 0x290 || end <= HDR_SETUP_SECTS) {
        end = 0x290;
    }
    memcpy(setup + HDR_SETUP_SECTS, bp + HDR_SETUP_SECTS, end - HDR_SETUP_SECTS);

    fw_cfg_add_i32(fw, FW_CFG_SETUP_ADDR, SETUP_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_SIZE, img->setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, setup, img->setup_size);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, KERNEL_LOAD);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, img->size - img->setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, img->data + img->setup_size,
                     img->size - img->setup_size);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_ADDR, X86_BOOT_CMDLINE);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_SIZE, strlen(img->cmdline) + 1);
    fw_cfg_add_string(fw, FW_CFG_CMDLINE_DATA, img->cmdline);
    if (img->initrd) {
        fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, initrd_addr);
        fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, img->initrd_size);
        fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, img->initrd, img->initrd_size);
    } else {
        fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, 0);
        fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, 0);
    }
    free(setup);
    return NULL;
}
