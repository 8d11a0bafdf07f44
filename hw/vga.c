/*
 * The standard VGA core: general, sequencer, graphics, CRT and attribute
 * controller registers, the DAC, the 0xA0000-0xBFFFF host window with its
 * chain-4, odd/even and planar addressing, write modes 0-3 and read modes 0-1
 * through the four latches, and the Bochs VBE dispi registers.
 *
 * References: IBM VGA Technical Reference and FreeVGA (Graphics Registers:
 * Set/Reset GR0, Enable Set/Reset GR1, Color Compare GR2, Data Rotate GR3
 * (rotate count bits 0-2, logical operation bits 3-4), Read Map Select GR4,
 * Graphics Mode GR5 (write mode bits 0-1, read mode bit 3, host odd/even bit
 * 4, shift modes bits 5-6), Miscellaneous GR6 (memory map bits 2-3), Color
 * Don't Care GR7, Bit Mask GR8; Sequencer Map Mask SR2, Memory Mode SR4
 * (odd/even write disable bit 2, chain 4 bit 3); CRTC register protect
 * CR11 bit 7); Bochs vbe_display_api.txt for the dispi interface.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/vga.h"

enum { SR_MAP_MASK = 2, SR_MEM_MODE = 4 };
enum { GR_SET_RESET, GR_ENABLE_SR, GR_COLOR_CMP, GR_ROTATE, GR_READ_MAP, GR_MODE, GR_MISC,
       GR_DONT_CARE, GR_BIT_MASK };
#define SR4_ODD_EVEN_OFF 0x04
#define SR4_CHAIN4 0x08
#define GR5_HOST_ODD_EVEN 0x10

/* --- the host window --- */

/* Window-relative addr to an offset in the mapped area (GR6 bits 2-3: 0 =
 * A0000 128K, 1 = A0000 64K (plus the VBE bank), 2 = B0000 32K, 3 = B8000 32K). */
static bool window_offset(VGAState *s, uint32_t addr, uint32_t *out)
{
    static const uint32_t base[4] = { 0, 0, 0x10000, 0x18000 };
    static const uint32_t size[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
    unsigned map = (s->gr[GR_MISC] >> 2) & 3;
    if (addr < base[map] || addr - base[map] >= size[map]) {
        return false;
    }
    *out = addr - base[map];
    if (map == 1) {
        *out += (uint32_t)s->vbe_regs[VBE_DISPI_INDEX_BANK] << 16;
    }
    return true;
}

/* Each low bit p of bits becomes 0xff in byte p. */
static uint32_t expand4(unsigned bits)
{
    uint32_t v = 0;
    for (int p = 0; p < 4; p++) {
        if (bits & (1u << p)) {
            v |= 0xffu << (8 * p);
        }
    }
    return v;
}

static void load_latch(VGAState *s, uint32_t off)
{
    memcpy(&s->latch, s->vram + 4 * off, 4);
}

uint8_t vga_mem_read(VGAState *s, uint32_t addr)
{
    uint32_t a, off;
    unsigned plane;
    if (!window_offset(s, addr, &a)) {
        return 0xff;
    }
    if (s->sr[SR_MEM_MODE] & SR4_CHAIN4) {
        plane = a & 3;
        off = a >> 2;
    } else if (s->gr[GR_MODE] & GR5_HOST_ODD_EVEN) {
        plane = (s->gr[GR_READ_MAP] & 2) | (a & 1);
        off = a >> 1;
    } else {
        plane = s->gr[GR_READ_MAP] & 3;
        off = a;
    }
    if (4 * (uint64_t)off + 3 >= s->vram_size) {
        return 0xff;
    }
    load_latch(s, off);
    if (!(s->gr[GR_MODE] & 8)) {                /* read mode 0 */
        return s->latch >> (8 * plane);
    }
    /* read mode 1: 1 where every plane that counts equals the compare colour */
    uint32_t counted = expand4(s->gr[GR_DONT_CARE]);
    uint32_t diff = (s->latch ^ expand4(s->gr[GR_COLOR_CMP])) & counted;
    uint8_t any = diff | diff >> 8 | diff >> 16 | diff >> 24;
    return ~any;
}

/* The four plane bytes write mode 0-3 produce from the host byte v. */
static uint32_t write_pipeline(VGAState *s, uint8_t v)
{
    unsigned rot = s->gr[GR_ROTATE] & 7;
    uint8_t r = (uint8_t)((v >> rot) | (v << ((8 - rot) & 7)));
    uint32_t data, mask = s->gr[GR_BIT_MASK];
    switch (s->gr[GR_MODE] & 3) {
    case 0: {
        uint32_t en = expand4(s->gr[GR_ENABLE_SR]);
        data = (r * 0x01010101u & ~en) | (expand4(s->gr[GR_SET_RESET]) & en);
        break;
    }
    case 1:
        return s->latch;
    case 2:
        data = expand4(v & 0xf);
        break;
    default:                                    /* 3 */
        data = expand4(s->gr[GR_SET_RESET]);
        mask &= r;
        break;
    }
    switch ((s->gr[GR_ROTATE] >> 3) & 3) {
    case 1: data &= s->latch; break;
    case 2: data |= s->latch; break;
    case 3: data ^= s->latch; break;
    }
    mask *= 0x01010101u;
    return (data & mask) | (s->latch & ~mask);
}

void vga_mem_write(VGAState *s, uint32_t addr, uint8_t val)
{
    uint32_t a, off;
    unsigned planes = s->sr[SR_MAP_MASK] & 0xf;
    if (!window_offset(s, addr, &a)) {
        return;
    }
    if (s->sr[SR_MEM_MODE] & SR4_CHAIN4) {
        planes &= 1u << (a & 3);
        off = a >> 2;
    } else if (!(s->sr[SR_MEM_MODE] & SR4_ODD_EVEN_OFF)) {
        planes &= (a & 1) ? 0xa : 0x5;
        off = a >> 1;
    } else {
        off = a;
    }
    if (4 * (uint64_t)off + 3 >= s->vram_size) {
        return;
    }
    uint32_t v = write_pipeline(s, val);
    for (int p = 0; p < 4; p++) {
        if (planes & (1u << p)) {
            s->vram[4 * off + p] = v >> (8 * p);
        }
    }
}

/* --- the registers --- */

/* Ports 0x3b4/0x3b5/0x3ba answer in monochrome emulation (misc bit 0 clear),
 * 0x3d4/0x3d5/0x3da in colour emulation; the other set is absent. */
static bool port_absent(VGAState *s, uint16_t port)
{
    bool color = s->misc & 1;
    return (port >= 0x3b0 && port <= 0x3bf && color) ||
           (port >= 0x3d0 && port <= 0x3df && !color);
}

static uint8_t dac_read(VGAState *s)
{
    uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_sub];
    if (++s->dac_sub == 3) {
        s->dac_sub = 0;
        s->dac_read_index++;
    }
    return v;
}

uint8_t vga_ioport_read(VGAState *s, uint16_t port)
{
    if (port_absent(s, port)) {
        return 0xff;
    }
    switch (port) {
    case 0x3c0: return s->ar_index;
    case 0x3c1: return (s->ar_index & 0x1f) < 0x15 ? s->ar[s->ar_index & 0x1f] : 0;
    case 0x3c2: return 0;                       /* input status 0 */
    case 0x3c4: return s->sr_index;
    case 0x3c5: return s->sr[s->sr_index & 7];
    case 0x3c6: return s->pel_mask;
    case 0x3c7: return s->dac_state;
    case 0x3c8: return s->dac_write_index;
    case 0x3c9: return dac_read(s);
    case 0x3ca: return s->fcr;
    case 0x3cc: return s->misc;
    case 0x3ce: return s->gr_index;
    case 0x3cf: return s->gr[s->gr_index & 15];
    case 0x3b4: case 0x3d4: return s->cr_index;
    case 0x3b5: case 0x3d5: return s->cr[s->cr_index];
    case 0x3ba: case 0x3da:
        /* no real timing: display-enable and vertical retrace alternate at
         * every read, which ends any guest's wait loop */
        s->st01 ^= 0x09;
        s->ar_flip = false;
        return s->st01;
    default: return 0xff;
    }
}

static void dac_write(VGAState *s, uint8_t v)
{
    bool eight = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;
    s->dac_cache[s->dac_sub++] = eight ? v : (v & 0x3f);
    if (s->dac_sub == 3) {
        memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
        s->dac_sub = 0;
        s->dac_write_index++;
    }
}

static void ar_write(VGAState *s, uint8_t v)
{
    if (!s->ar_flip) {
        s->ar_index = v & 0x3f;
    } else if ((s->ar_index & 0x1f) < 0x15) {
        s->ar[s->ar_index & 0x1f] = v;
    }
    s->ar_flip = !s->ar_flip;
}

static void cr_write(VGAState *s, uint8_t v)
{
    uint8_t i = s->cr_index;
    if ((s->cr[0x11] & 0x80) && i <= 7) {
        if (i == 7) {           /* CR11.7 protects CR0-7 except line compare bit 8 */
            s->cr[7] = (s->cr[7] & ~0x10) | (v & 0x10);
        }
        return;
    }
    s->cr[i] = v;
}

void vga_ioport_write(VGAState *s, uint16_t port, uint8_t v)
{
    if (port_absent(s, port)) {
        return;
    }
    s->generation++;
    switch (port) {
    case 0x3c0: ar_write(s, v); break;
    case 0x3c2: s->misc = v; break;
    case 0x3c4: s->sr_index = v & 7; break;
    case 0x3c5: s->sr[s->sr_index & 7] = v; break;
    case 0x3c6: s->pel_mask = v; break;
    case 0x3c7: s->dac_read_index = v; s->dac_sub = 0; s->dac_state = 3; break;
    case 0x3c8: s->dac_write_index = v; s->dac_sub = 0; s->dac_state = 0; break;
    case 0x3c9: dac_write(s, v); break;
    case 0x3ce: s->gr_index = v & 15; break;
    case 0x3cf: s->gr[s->gr_index & 15] = v; break;
    case 0x3b4: case 0x3d4: s->cr_index = v; break;
    case 0x3b5: case 0x3d5: cr_write(s, v); break;
    case 0x3ba: case 0x3da: s->fcr = v & 0x10; break;
    }
}

/* --- Bochs VBE --- */

static unsigned vbe_bytes_pp(const VGAState *s)
{
    return (s->vbe_regs[VBE_DISPI_INDEX_BPP] + 7) / 8;
}

static void vbe_update_layout(VGAState *s)
{
    uint16_t *r = s->vbe_regs;
    if (r[VBE_DISPI_INDEX_BPP] == 4) {
        s->vbe_line_offset = r[VBE_DISPI_INDEX_VIRT_WIDTH] / 2;
        s->vbe_start = r[VBE_DISPI_INDEX_X_OFFSET] / 2;
    } else {
        s->vbe_line_offset = r[VBE_DISPI_INDEX_VIRT_WIDTH] * vbe_bytes_pp(s);
        s->vbe_start = r[VBE_DISPI_INDEX_X_OFFSET] * vbe_bytes_pp(s);
    }
    s->vbe_start += (uint32_t)r[VBE_DISPI_INDEX_Y_OFFSET] * s->vbe_line_offset;
    if (s->vbe_line_offset) {
        uint32_t h = s->vram_size / s->vbe_line_offset;
        r[VBE_DISPI_INDEX_VIRT_HEIGHT] = h > 0xffff ? 0xffff : h;
    }
}

/* Entering a dispi mode: the frame at offset 0, and the legacy registers set
 * so that the 64K window at 0xA0000 is a plain linear (chain-4, write mode 0
 * with nothing applied) view of the banks. */
static void vbe_enable(VGAState *s, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
    r[VBE_DISPI_INDEX_X_OFFSET] = r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    vbe_update_layout(s);
    if (!(val & VBE_DISPI_NOCLEARMEM)) {
        uint64_t n = (uint64_t)s->vbe_line_offset * r[VBE_DISPI_INDEX_YRES];
        memset(s->vram, 0, n < s->vram_size ? n : s->vram_size);
    }
    s->gr[GR_MISC] = (s->gr[GR_MISC] & ~0x0c) | 0x05;      /* graphics, A0000 64K */
    s->gr[GR_MODE] = (s->gr[GR_MODE] & ~0x60) | (r[VBE_DISPI_INDEX_BPP] == 4 ? 0 : 0x40);
    s->gr[GR_ENABLE_SR] = 0;                                /* write mode 0, no */
    s->gr[GR_ROTATE] = 0;                                   /* set/reset, rotation, */
    s->gr[GR_BIT_MASK] = 0xff;                              /* logic or bit mask */
    s->gr[GR_MODE] &= ~0x0b;
    s->cr[0x17] |= 3;
    s->cr[9] &= ~0x9f;
    s->sr[1] &= ~8;
    if (r[VBE_DISPI_INDEX_BPP] != 4) {
        s->sr[SR_MEM_MODE] |= SR4_CHAIN4;
        s->sr[SR_MAP_MASK] |= 0xf;
    }
}

uint16_t vbe_read(VGAState *s, uint16_t index)
{
    bool caps = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS;
    switch (index) {
    case VBE_DISPI_INDEX_XRES: return caps ? VBE_DISPI_MAX_XRES : s->vbe_regs[index];
    case VBE_DISPI_INDEX_YRES: return caps ? VBE_DISPI_MAX_YRES : s->vbe_regs[index];
    case VBE_DISPI_INDEX_BPP: return caps ? VBE_DISPI_MAX_BPP : s->vbe_regs[index];
    case VBE_DISPI_INDEX_VIDEO_MEMORY_64K: return s->vram_size >> 16;
    default: return index < VBE_DISPI_INDEX_NB ? s->vbe_regs[index] : 0;
    }
}

void vbe_write(VGAState *s, uint16_t index, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    s->generation++;
    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (val >= 0xB0C0 && val <= VBE_DISPI_ID5) {
            r[index] = val;
        }
        break;
    case VBE_DISPI_INDEX_XRES:
        if (val <= VBE_DISPI_MAX_XRES && !(val & 7)) {
            r[index] = val;
        }
        break;
    case VBE_DISPI_INDEX_YRES:
        if (val <= VBE_DISPI_MAX_YRES) {
            r[index] = val;
        }
        break;
    case VBE_DISPI_INDEX_BPP:
        val = val ? val : 8;
        if (val == 4 || val == 8 || val == 15 || val == 16 || val == 24 || val == 32) {
            r[index] = val;
        }
        break;
    case VBE_DISPI_INDEX_BANK:
        r[index] = val & ((s->vram_size >> 16) - 1);
        break;
    case VBE_DISPI_INDEX_ENABLE:
        if ((val & VBE_DISPI_ENABLED) && !vbe_enabled(s)) {
            vbe_enable(s, val);
        }
        r[index] = val;
        break;
    case VBE_DISPI_INDEX_VIRT_WIDTH:
        if (val >= r[VBE_DISPI_INDEX_XRES]) {
            r[index] = val;
            vbe_update_layout(s);
        }
        break;
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = val;
        vbe_update_layout(s);
        break;
    }
}

/* --- bus glue --- */

static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
    VGAState *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)vga_ioport_read(s, 0x3b0 + off + i) << (8 * i);
    }
    return v;
}

static void io_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {   /* outw 0x3c4, 0x0f02 = index then data */
        vga_ioport_write(opaque, 0x3b0 + off + i, v >> (8 * i));
    }
}

static uint64_t dispi_read(void *opaque, uint64_t off, unsigned size)
{
    VGAState *s = opaque;
    return off == 0 ? s->vbe_index : vbe_read(s, s->vbe_index);
}

static void dispi_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    VGAState *s = opaque;
    if (off == 0) {
        s->vbe_index = v;
    } else {
        vbe_write(s, s->vbe_index, v);
    }
}

static uint64_t window_read(void *opaque, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)vga_mem_read(opaque, off + i) << (8 * i);
    }
    return v;
}

static void window_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        vga_mem_write(opaque, off + i, v >> (8 * i));
    }
}

static const MemOps io_ops = { io_read, io_write };
static const MemOps dispi_ops = { dispi_read, dispi_write };
static const MemOps window_ops = { window_read, window_write };

/* Power-on: colour emulation, everything else zero; the VGA BIOS programs a
 * mode (QEMU's stdvga starts the same way). */
void vga_reset(VGAState *s)
{
    Device dev = s->dev;
    uint8_t *vram = s->vram;
    uint32_t size = s->vram_size;
    MemRegion *region = s->vram_region;
    uint32_t gen = s->generation;
    Device *owner = s->owner;
    memset(s, 0, sizeof(*s));
    s->dev = dev;
    s->vram = vram;
    s->vram_size = size;
    s->vram_region = region;
    s->generation = gen + 1;
    s->owner = owner;
    s->misc = 0x01;
    s->pel_mask = 0xff;
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    s->vbe_regs[VBE_DISPI_INDEX_BPP] = 8;
}

static void vga_dev_reset(void *dev) { vga_reset(dev); }

#define VRAM_PAGE 4096

static bool vram_page_zero(const uint8_t *p, uint32_t n)
{
    static const uint8_t zero[VRAM_PAGE];
    return !memcmp(p, zero, n);
}

static uint32_t vram_chunk(const VGAState *s, uint32_t p)
{
    return s->vram_size - p < VRAM_PAGE ? s->vram_size - p : VRAM_PAGE;
}

/* The registers, then the VRAM a 4 KiB page at a time, each a flag byte (0:
 * all zero, 1: the bytes follow): mostly zero in text mode, so the state a
 * migration sends while the machine is stopped stays small. */
static void vga_save(void *dev, SaveStream *f)
{
    VGAState *s = dev;
    size_t off = offsetof(VGAState, misc);
    save_bytes(f, (uint8_t *)s + off, offsetof(VGAState, generation) - off);
    for (uint32_t p = 0; p < s->vram_size; p += VRAM_PAGE) {
        bool zero = vram_page_zero(s->vram + p, vram_chunk(s, p));
        save_u8(f, !zero);
        if (!zero) {
            save_bytes(f, s->vram + p, vram_chunk(s, p));
        }
    }
}

static void vga_load(void *dev, SaveStream *f)
{
    VGAState *s = dev;
    size_t off = offsetof(VGAState, misc);
    load_bytes(f, (uint8_t *)s + off, offsetof(VGAState, generation) - off);
    for (uint32_t p = 0; p < s->vram_size; p += VRAM_PAGE) {
        if (load_u8(f)) {
            load_bytes(f, s->vram + p, vram_chunk(s, p));
        } else {
            memset(s->vram + p, 0, vram_chunk(s, p));
        }
    }
    s->generation++;
}

static void vga_free(void *dev) { free(dev); }

static const DeviceOps vga_ops = { "VGA", vga_dev_reset, vga_save, vga_load, vga_free, 1 };

VGAState *vga_new(AddressSpace *as, IOSpace *io, uint32_t vram_size)
{
    VGAState *s = calloc(1, sizeof(*s));
    s->dev.ops = &vga_ops;
    s->vram_size = vram_size;
    s->vram_region = memory_add_ram(as, "vga.vram", UINT64_MAX, vram_size);
    s->vram = memory_region_host(s->vram_region);
    ioport_register(io, "vga", 0x3b0, 0x30, &io_ops, s);
    /* 0x1ce index, 0x1cf data; a 16-bit access at 0x1cf spans 0x1d0, which
     * Bochs also decodes as the data port */
    ioport_register(io, "vbe", 0x1ce, 3, &dispi_ops, s);
    memory_add_mmio(as, "vga-lowmem", 0xa0000, 0x20000, &window_ops, s, 2);
    vga_reset(s);
    return s;
}
