/*
 * The VGA core, renderer and display driven like a guest driver would: port
 * writes and window accesses through system/ memory and I/O spaces, checked
 * against the rules of the VGA reference (IBM VGA Technical Reference /
 * FreeVGA: write modes 0-3 with set/reset, rotate, logical operation and bit
 * mask on the latches; read modes 0 and 1; map mask; chain-4 and odd/even
 * plane selection; memory map select; CRTC protect; DAC auto-increment;
 * attribute flip-flop; mono/colour port decode) and the Bochs dispi
 * interface; then what the renderer makes of mode 13h, a 16-colour planar
 * mode and the VBE pixel formats, the dirty-line tracking and the image files;
 * and the input side: QEMU key names to PS/2 set 2 bytes through the 8042
 * (Microsoft Keyboard Scan Code Specification), PS/2 mouse stream packets.
 * Prints "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/vga.h"
#include "system/memory.h"
#include "hw/isa.h"
#include "ui/console.h"
#include "ui/keymap.h"
#include "ui/vga-render.h"

typedef struct T {
    AddressSpace *as;
    IOSpace *io;
    VGAState *vga;
    int passed, failed;
} T;

#define CHECK(t, cond, ...) do { \
        if (cond) { (t)->passed++; } \
        else { (t)->failed++; printf("FAIL %s:%d: ", __func__, __LINE__); \
               printf(__VA_ARGS__); printf("\n"); } \
    } while (0)

static void outb(T *t, uint16_t port, uint8_t v) { ioport_write(t->io, port, v, 1); }
static uint8_t inb(T *t, uint16_t port) { return ioport_read(t->io, port, 1); }
static void outw(T *t, uint16_t port, uint16_t v) { ioport_write(t->io, port, v, 2); }
static uint16_t inw(T *t, uint16_t port) { return ioport_read(t->io, port, 2); }
static void sr(T *t, uint8_t i, uint8_t v) { outb(t, 0x3c4, i); outb(t, 0x3c5, v); }
static void gr(T *t, uint8_t i, uint8_t v) { outb(t, 0x3ce, i); outb(t, 0x3cf, v); }
static void cr(T *t, uint8_t i, uint8_t v) { outb(t, 0x3d4, i); outb(t, 0x3d5, v); }
static void memw(T *t, uint32_t a, uint8_t v) { address_space_write(t->as, a, &v, 1); }
static uint8_t memr(T *t, uint32_t a)
{
    uint8_t v;
    address_space_read(t->as, a, &v, 1);
    return v;
}
static uint8_t plane(T *t, int p, uint32_t off) { return t->vga->vram[4 * off + p]; }
static void set_planes(T *t, uint32_t off, uint8_t p0, uint8_t p1, uint8_t p2, uint8_t p3)
{
    uint8_t *v = t->vga->vram + 4 * off;
    v[0] = p0; v[1] = p1; v[2] = p2; v[3] = p3;
}
static void ar(T *t, uint8_t i, uint8_t v)
{
    inb(t, 0x3da);
    outb(t, 0x3c0, i);
    outb(t, 0x3c0, v);
}

/* planar graphics, A0000 64K, write mode 0 with nothing enabled */
static void planar(T *t)
{
    vga_reset(t->vga);
    sr(t, 2, 0x0f);
    sr(t, 4, 0x06);             /* extended memory, odd/even off, no chain-4 */
    gr(t, 0, 0); gr(t, 1, 0); gr(t, 3, 0); gr(t, 4, 0); gr(t, 5, 0);
    gr(t, 6, 0x05); gr(t, 7, 0x0f); gr(t, 8, 0xff);
}

static void test_write_mode0(T *t)
{
    planar(t);
    memw(t, 0xa0010, 0xa5);
    for (int p = 0; p < 4; p++) {
        CHECK(t, plane(t, p, 0x10) == 0xa5, "plane %d = %02x", p, plane(t, p, 0x10));
        gr(t, 4, p);
        CHECK(t, memr(t, 0xa0010) == 0xa5, "read map %d", p);
    }
    sr(t, 2, 0x05);                             /* map mask: planes 0 and 2 */
    memw(t, 0xa0010, 0x3c);
    CHECK(t, plane(t, 0, 0x10) == 0x3c && plane(t, 2, 0x10) == 0x3c &&
          plane(t, 1, 0x10) == 0xa5 && plane(t, 3, 0x10) == 0xa5, "map mask");
    sr(t, 2, 0x0f);
    gr(t, 0, 0x0a); gr(t, 1, 0x0f);             /* set/reset on every plane */
    memw(t, 0xa0011, 0x12);
    CHECK(t, plane(t, 0, 0x11) == 0 && plane(t, 1, 0x11) == 0xff && plane(t, 2, 0x11) == 0 &&
          plane(t, 3, 0x11) == 0xff, "set/reset");
    gr(t, 1, 0x03);                             /* planes 0-1 set/reset, 2-3 data */
    memw(t, 0xa0012, 0x12);
    CHECK(t, plane(t, 0, 0x12) == 0 && plane(t, 1, 0x12) == 0xff && plane(t, 2, 0x12) == 0x12 &&
          plane(t, 3, 0x12) == 0x12, "enable set/reset 0x03");
    gr(t, 1, 0);
    gr(t, 3, 3);                                /* rotate right by 3 */
    memw(t, 0xa0013, 0x81);
    CHECK(t, plane(t, 0, 0x13) == 0x30, "rotate: %02x", plane(t, 0, 0x13));
    static const struct { uint8_t func; uint8_t want; } ops[] = {
        { 0x08, 0xf0 & 0x3c }, { 0x10, 0xf0 | 0x3c }, { 0x18, 0xf0 ^ 0x3c } };
    for (int i = 0; i < 3; i++) {
        set_planes(t, 0x20, 0xf0, 0xf0, 0xf0, 0xf0);
        gr(t, 3, ops[i].func);
        memr(t, 0xa0020);                       /* loads the latches */
        memw(t, 0xa0020, 0x3c);
        CHECK(t, plane(t, 0, 0x20) == ops[i].want, "logical op %02x: %02x", ops[i].func,
              plane(t, 0, 0x20));
    }
    gr(t, 3, 0);
    gr(t, 8, 0x0f);                             /* bit mask: high nibble from the latch */
    set_planes(t, 0x21, 0xf0, 0xf0, 0xf0, 0xf0);
    memr(t, 0xa0021);
    memw(t, 0xa0021, 0x00);
    CHECK(t, plane(t, 0, 0x21) == 0xf0, "bit mask: %02x", plane(t, 0, 0x21));
}

static void test_write_modes123(T *t)
{
    planar(t);
    set_planes(t, 0x30, 0x11, 0x22, 0x33, 0x44);
    gr(t, 5, 0x01);                             /* write mode 1: the latches */
    memr(t, 0xa0030);
    memw(t, 0xa0031, 0x99);
    CHECK(t, plane(t, 0, 0x31) == 0x11 && plane(t, 1, 0x31) == 0x22 &&
          plane(t, 2, 0x31) == 0x33 && plane(t, 3, 0x31) == 0x44, "write mode 1");
    gr(t, 5, 0x02);                             /* write mode 2: colour 5 */
    gr(t, 8, 0x81);
    set_planes(t, 0x32, 0x00, 0xff, 0x00, 0xff);
    memr(t, 0xa0032);
    memw(t, 0xa0032, 0x05);
    CHECK(t, plane(t, 0, 0x32) == 0x81 && plane(t, 1, 0x32) == 0x7e && plane(t, 2, 0x32) == 0x81 &&
          plane(t, 3, 0x32) == 0x7e, "write mode 2: %02x %02x %02x %02x", plane(t, 0, 0x32),
          plane(t, 1, 0x32), plane(t, 2, 0x32), plane(t, 3, 0x32));
    gr(t, 5, 0x03);                             /* write mode 3: set/reset through data & mask */
    gr(t, 8, 0xff);
    gr(t, 0, 0x06);
    set_planes(t, 0x33, 0x0f, 0x0f, 0x0f, 0x0f);
    memr(t, 0xa0033);
    memw(t, 0xa0033, 0xf0);
    CHECK(t, plane(t, 0, 0x33) == 0x0f && plane(t, 1, 0x33) == 0xff && plane(t, 2, 0x33) == 0xff &&
          plane(t, 3, 0x33) == 0x0f, "write mode 3");
}

static void test_read_modes(T *t)
{
    planar(t);
    set_planes(t, 0x40, 0xf0, 0xcc, 0xaa, 0x00);
    gr(t, 4, 2);
    CHECK(t, memr(t, 0xa0040) == 0xaa, "read mode 0, map 2");
    gr(t, 5, 0x08);                             /* read mode 1 */
    gr(t, 2, 0x03);
    gr(t, 7, 0x0f);
    CHECK(t, memr(t, 0xa0040) == (0xf0 & 0xcc & 0x55 & 0xff), "colour compare: %02x",
          memr(t, 0xa0040));
    gr(t, 7, 0x03);                             /* planes 2-3 don't care */
    CHECK(t, memr(t, 0xa0040) == 0xc0, "colour don't care: %02x", memr(t, 0xa0040));
    gr(t, 7, 0x00);
    CHECK(t, memr(t, 0xa0040) == 0xff, "nothing compared");
}

static void test_chain4_oddeven(T *t)
{
    planar(t);
    sr(t, 4, 0x0e);                             /* chain-4 */
    for (int a = 0; a < 8; a++) {
        memw(t, 0xa0100 + a, 0x50 + a);
    }
    for (int a = 0; a < 8; a++) {
        /* A1:A0 select the plane; the offset is the address over 4 */
        CHECK(t, plane(t, a & 3, (0x100 + a) >> 2) == 0x50 + a, "chain-4 write %d", a);
        CHECK(t, memr(t, 0xa0100 + a) == 0x50 + a, "chain-4 read %d", a);
    }
    sr(t, 4, 0x02);                             /* odd/even writes */
    gr(t, 5, 0x10);                             /* odd/even reads */
    gr(t, 6, 0x0e);                             /* B8000 32K, chain odd/even, text */
    set_planes(t, 0x10, 0, 0, 0x77, 0x77);
    sr(t, 2, 0x03);                             /* text modes: planes 0-1 only */
    memw(t, 0xb8020, 'A');
    memw(t, 0xb8021, 0x1f);
    CHECK(t, plane(t, 0, 0x10) == 'A' && plane(t, 1, 0x10) == 0x1f && plane(t, 2, 0x10) == 0x77,
          "odd/even: A0 selects plane 0/1: %02x %02x %02x", plane(t, 0, 0x10), plane(t, 1, 0x10),
          plane(t, 2, 0x10));
    CHECK(t, memr(t, 0xb8020) == 'A' && memr(t, 0xb8021) == 0x1f, "odd/even read");
    gr(t, 4, 2);                                /* read map bit 1 picks planes 2/3 */
    CHECK(t, memr(t, 0xb8020) == 0x77, "odd/even read of plane 2");
    sr(t, 2, 0x0f);                             /* even addresses: planes 0 and 2 */
    set_planes(t, 0x11, 0, 0, 0, 0);
    memw(t, 0xb8022, 'B');
    CHECK(t, plane(t, 0, 0x11) == 'B' && plane(t, 2, 0x11) == 'B' && plane(t, 1, 0x11) == 0,
          "odd/even: even address to planes 0 and 2");
    memw(t, 0xa0000, 0x12);                     /* outside the B8000 map */
    CHECK(t, memr(t, 0xa0000) == 0xff && plane(t, 0, 0) != 0x12, "memory map select");
}

static void test_registers(T *t)
{
    vga_reset(t->vga);
    cr(t, 0x11, 0x80);                          /* protect CR0-7 */
    cr(t, 0x01, 0x55);
    cr(t, 0x07, 0xff);
    outb(t, 0x3d4, 1);
    CHECK(t, inb(t, 0x3d5) == 0, "CR1 protected");
    outb(t, 0x3d4, 7);
    CHECK(t, inb(t, 0x3d5) == 0x10, "CR7 only line compare bit 8: %02x", inb(t, 0x3d5));
    cr(t, 0x11, 0x00);
    cr(t, 0x01, 0x4f);
    outb(t, 0x3d4, 1);
    CHECK(t, inb(t, 0x3d5) == 0x4f, "CR1 unprotected");
    outb(t, 0x3c2, 0x00);                       /* monochrome: 0x3b4, 0x3d4 absent */
    CHECK(t, inb(t, 0x3d5) == 0xff, "colour CRTC absent in mono");
    outb(t, 0x3b4, 1);
    CHECK(t, inb(t, 0x3b5) == 0x4f, "mono CRTC");
    CHECK(t, inb(t, 0x3cc) == 0x00, "misc read back");
    outb(t, 0x3c2, 0x01);
    outw(t, 0x3c4, 0x0f02);                     /* index and data in one word */
    outb(t, 0x3c4, 2);
    CHECK(t, inb(t, 0x3c5) == 0x0f, "word write to 0x3c4");
    outb(t, 0x3c8, 5);                          /* DAC: write 2 entries from 5 */
    static const uint8_t rgb[6] = { 1, 2, 3, 0x3f, 0x7f, 0xff };
    for (int i = 0; i < 6; i++) {
        outb(t, 0x3c9, rgb[i]);
    }
    outb(t, 0x3c7, 5);
    uint8_t back[6];
    for (int i = 0; i < 6; i++) {
        back[i] = inb(t, 0x3c9);
    }
    CHECK(t, back[0] == 1 && back[2] == 3 && back[3] == 0x3f && back[4] == 0x3f && back[5] == 0x3f,
          "DAC: 6 bits and auto-increment");
    CHECK(t, inb(t, 0x3c7) == 3 && inb(t, 0x3c8) == 7, "DAC state and write index");
    inb(t, 0x3da);                              /* attribute flip-flop to index */
    outb(t, 0x3c0, 0x12);
    outb(t, 0x3c0, 0x0f);
    outb(t, 0x3c0, 0x33);                       /* index again: 0x13 | PAS */
    CHECK(t, inb(t, 0x3c0) == 0x33 && t->vga->ar[0x12] == 0x0f, "attribute flip-flop");
    outb(t, 0x3c0, 0x05);
    CHECK(t, t->vga->ar[0x13] == 0x05, "attribute data after index");
}

static uint16_t vbe(T *t, uint16_t i, int set, uint16_t v)
{
    outw(t, 0x1ce, i);
    if (set) {
        outw(t, 0x1cf, v);
    }
    return inw(t, 0x1cf);
}

static void vbe_mode(T *t, int w, int h, int bpp)
{
    vbe(t, VBE_DISPI_INDEX_ENABLE, 1, 0);
    vbe(t, VBE_DISPI_INDEX_XRES, 1, w);
    vbe(t, VBE_DISPI_INDEX_YRES, 1, h);
    vbe(t, VBE_DISPI_INDEX_BPP, 1, bpp);
    vbe(t, VBE_DISPI_INDEX_ENABLE, 1, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
}

static void test_vbe(T *t)
{
    vga_reset(t->vga);
    CHECK(t, vbe(t, VBE_DISPI_INDEX_ID, 0, 0) == VBE_DISPI_ID5, "ID");
    vbe(t, VBE_DISPI_INDEX_ID, 1, 0xb0c0);
    CHECK(t, vbe(t, VBE_DISPI_INDEX_ID, 0, 0) == 0xb0c0, "ID write");
    vbe(t, VBE_DISPI_INDEX_ENABLE, 1, VBE_DISPI_GETCAPS);
    CHECK(t, vbe(t, VBE_DISPI_INDEX_XRES, 0, 0) == VBE_DISPI_MAX_XRES &&
          vbe(t, VBE_DISPI_INDEX_BPP, 0, 0) == 32, "GETCAPS");
    CHECK(t, vbe(t, VBE_DISPI_INDEX_VIDEO_MEMORY_64K, 0, 0) == 256, "16 MiB");
    memset(t->vga->vram, 0x5a, 64);
    vbe_mode(t, 64, 8, 32);
    CHECK(t, t->vga->vram[0] == 0, "enable clears the frame");
    VGAMode m;
    vga_mode_get(t->vga, &m);
    CHECK(t, m.kind == VGA_MODE_VBE && m.width == 64 && m.height == 8, "VBE geometry");
    vbe(t, VBE_DISPI_INDEX_BANK, 1, 1);         /* the window is bank 1 */
    memw(t, 0xa0004, 0x99);
    CHECK(t, t->vga->vram[0x10004] == 0x99, "banked window");
    static const struct { int bpp; uint32_t pixel; uint32_t rgb; } f[] = {
        { 32, 0x00123456, 0x123456 }, { 24, 0x123456, 0x123456 },
        { 16, 0xf800, 0xff0000 }, { 16, 0x07e0, 0x00ff00 }, { 15, 0x001f, 0x0000ff },
        { 15, 0x4210, 0x848484 },
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        vbe_mode(t, 64, 8, f[i].bpp);
        int bytes = (f[i].bpp + 7) / 8, line = 64 * bytes;
        for (int b = 0; b < bytes; b++) {
            t->vga->vram[3 * line + 5 * bytes + b] = f[i].pixel >> (8 * b);
        }
        uint32_t px[64];
        vga_mode_get(t->vga, &m);
        vga_render_line(t->vga, &m, 3, px);
        CHECK(t, px[5] == f[i].rgb && px[4] == 0, "%d bpp pixel %06x -> %06x", f[i].bpp,
              f[i].pixel, px[5]);
    }
    vbe_mode(t, 64, 8, 8);                      /* 8 bpp: through the DAC */
    outb(t, 0x3c8, 7);
    outb(t, 0x3c9, 0x3f); outb(t, 0x3c9, 0x00); outb(t, 0x3c9, 0x2a);
    t->vga->vram[64 + 2] = 7;
    uint32_t px[64];
    vga_mode_get(t->vga, &m);
    vga_render_line(t->vga, &m, 1, px);
    CHECK(t, px[2] == 0xff00a8, "8 bpp DAC colour %06x", px[2]);
    vbe(t, VBE_DISPI_INDEX_Y_OFFSET, 1, 1);     /* panning: line 1 shows at the top */
    vga_mode_get(t->vga, &m);
    vga_render_line(t->vga, &m, 0, px);
    CHECK(t, px[2] == 0xff00a8, "Y offset");
    vbe(t, VBE_DISPI_INDEX_ENABLE, 1, 0);
}

/* mode 13h (320x200, 256 colours) programmed register by register */
static void mode13(T *t)
{
    vga_reset(t->vga);
    outb(t, 0x3c2, 0x63);
    sr(t, 1, 0x01); sr(t, 2, 0x0f); sr(t, 4, 0x0e);
    gr(t, 5, 0x40); gr(t, 6, 0x05); gr(t, 8, 0xff);
    cr(t, 0x01, 0x4f); cr(t, 0x07, 0x1f); cr(t, 0x09, 0x41); cr(t, 0x12, 0x8f);
    cr(t, 0x13, 0x28); cr(t, 0x0c, 0); cr(t, 0x0d, 0);
    for (int i = 0; i < 16; i++) {
        ar(t, i, i);
    }
    ar(t, 0x10, 0x41);
    inb(t, 0x3da);
    outb(t, 0x3c0, 0x20);                       /* palette address source: display on */
    outb(t, 0x3c8, 9);
    outb(t, 0x3c9, 0x15); outb(t, 0x3c9, 0x2a); outb(t, 0x3c9, 0x3f);
}

static void test_render(T *t)
{
    VGAMode m;
    uint32_t px[640];
    mode13(t);
    vga_mode_get(t->vga, &m);
    /* the CRTC's 640x400: each 320x200 pixel is 2x2 dots */
    CHECK(t, m.kind == VGA_MODE_256 && m.width == 640 && m.height == 400, "mode 13h geometry %dx%d",
          m.width, m.height);
    memw(t, 0xa0000 + 10 * 320 + 33, 9);
    vga_render_line(t->vga, &m, 21, px);
    CHECK(t, px[66] == 0x57a8ff && px[67] == 0x57a8ff && px[65] == 0 && px[68] == 0,
          "mode 13h pixel %06x", px[66]);
    vga_render_line(t->vga, &m, 22, px);
    CHECK(t, px[66] == 0, "mode 13h next row");
    /* 640x480 16 colours: planar, byte mode, attribute palette */
    gr(t, 5, 0x00); sr(t, 4, 0x06); sr(t, 1, 0x01);
    cr(t, 0x09, 0x40); cr(t, 0x12, 0xdf); cr(t, 0x07, 0x3e); cr(t, 0x13, 0x28);
    ar(t, 0x12, 0x0f);
    ar(t, 5, 9);                                /* attribute colour 5 -> DAC 9 */
    inb(t, 0x3da);
    outb(t, 0x3c0, 0x20);
    vga_mode_get(t->vga, &m);
    CHECK(t, m.kind == VGA_MODE_PLANAR && m.width == 640 && m.height == 480,
          "planar geometry %dx%d", m.width, m.height);
    set_planes(t, 7 * 80 + 2, 0x80, 0x00, 0x80, 0x00);  /* pixel (16, 7): colour 5 */
    vga_render_line(t->vga, &m, 7, px);
    CHECK(t, px[16] == 0x57a8ff && px[17] == 0, "planar pixel %06x", px[16]);
    ar(t, 0x12, 0x0b);                          /* colour plane 2 disabled: colour 1 */
    inb(t, 0x3da);
    outb(t, 0x3c0, 0x20);
    vga_render_line(t->vga, &m, 7, px);
    CHECK(t, px[16] == 0, "colour plane enable %06x", px[16]);
    inb(t, 0x3da);
    outb(t, 0x3c0, 0x00);                       /* palette access: display off */
    vga_mode_get(t->vga, &m);
    CHECK(t, m.kind == VGA_MODE_BLANK, "PAS clear blanks");
}

static void test_display(T *t)
{
    Display *d = display_new(t->vga);
    int y0, y1, w, h;
    bool resized;
    vga_reset(t->vga);
    vbe_mode(t, 64, 32, 32);
    display_update(d, &y0, &y1, &resized);
    CHECK(t, resized && y0 == 0 && y1 == 32, "first update draws all: %d-%d", y0, y1);
    display_update(d, &y0, &y1, &resized);
    CHECK(t, !resized && y0 == y1, "nothing changed: %d-%d", y0, y1);
    /* 64 pixels x 4 bytes = 256 bytes a line: line 20 is in page 1 with lines 16-31 */
    t->vga->vram[20 * 256 + 8] = 0xff;
    display_update(d, &y0, &y1, &resized);
    CHECK(t, y0 == 16 && y1 == 32, "only the dirty page's lines: %d-%d", y0, y1);
    const uint32_t *s = display_surface(d, &w, &h);
    CHECK(t, w == 64 && h == 32 && s[20 * 64 + 2] == 0x0000ff, "surface pixel %06x", s[20 * 64 + 2]);
    char err[200];
    const char *ppm = "vga-test-out.ppm", *png = "vga-test-out.png";
    CHECK(t, display_screendump(d, ppm, "ppm", err, sizeof(err)) == 0, "ppm: %s", err);
    FILE *f = fopen(ppm, "rb");
    char hdr[16] = "";
    size_t n = f ? fread(hdr, 1, 13, f) : 0;
    uint8_t pix[3] = { 0 };
    if (f) {
        fseek(f, 13 + 3 * (20 * 64 + 2), SEEK_SET);
        n += fread(pix, 1, 3, f);
        fclose(f);
    }
    CHECK(t, n == 16 && !memcmp(hdr, "P6\n64 32\n255\n", 13) && pix[2] == 0xff && pix[0] == 0,
          "ppm contents");
    int r = display_screendump(d, png, "png", err, sizeof(err));
    f = fopen(png, "rb");
    n = f ? fread(hdr, 1, 8, f) : 0;
    if (f) {
        fclose(f);
    }
    CHECK(t, r == 0 && n == 8 && !memcmp(hdr, "\x89PNG\r\n\x1a\n", 8), "png: %s", r ? err : "");
    CHECK(t, display_screendump(d, "/nonexistent/dir/x.png", "png", err, sizeof(err)) < 0 &&
          strstr(err, "cannot"), "unwritable path: %s", err);
    CHECK(t, display_screendump(d, ppm, "bmp", err, sizeof(err)) < 0, "unknown format");
    remove(ppm);
    remove(png);
    display_free(d);
}

/* E-EDID 1.4: header, checksum, first detailed timing = preferred mode */
static void test_edid(T *t)
{
    uint8_t e[128], sum = 0;
    vga_edid_build(e);
    for (int i = 0; i < 128; i++) {
        sum += e[i];
    }
    CHECK(t, !memcmp(e, "\0\xff\xff\xff\xff\xff\xff\0", 8) && sum == 0, "EDID header/checksum");
    int hact = e[56] | (e[58] >> 4) << 8, vact = e[59] | (e[61] >> 4) << 8;
    CHECK(t, hact == 1280 && vact == 800 && e[18] == 1 && e[19] == 4 && (e[24] & 2),
          "EDID preferred %dx%d", hact, vact);
}

/* every byte waiting in the 8042's output buffer */
static int drain(T *t, uint8_t *out, int max)
{
    int n = 0;
    while (n < max && (inb(t, 0x64) & 1)) {
        out[n++] = inb(t, 0x60);
    }
    return n;
}

static void test_input(T *t)
{
    I8042State *k = i8042_new(t->io, NULL, (IRQ){ 0 }, (IRQ){ 0 }, NULL, NULL);
    uint8_t b[32];
    char err[100];
    CHECK(t, keyboard_sendkey(k, "ctrl-alt-delete", err, sizeof(err)) == 0, "sendkey: %s", err);
    static const uint8_t cad[] = { 0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0, 0x71, 0xf0, 0x11, 0xf0, 0x14 };
    int n = drain(t, b, 32);
    CHECK(t, n == sizeof(cad) && !memcmp(b, cad, n), "ctrl-alt-delete in set 2 (%d bytes)", n);
    keyboard_sendkey(k, "a", err, sizeof(err));
    n = drain(t, b, 32);
    CHECK(t, n == 3 && b[0] == 0x1c && b[1] == 0xf0 && b[2] == 0x1c, "a: make 1c, break f0 1c");
    CHECK(t, keyboard_sendkey(k, "ctrl-nosuchkey", err, sizeof(err)) < 0 && strstr(err, "nosuchkey"),
          "unknown key: %s", err);
    CHECK(t, keyname_to_hid("ret") == 0x28 && keyname_to_hid("f12") == 0x45 &&
          keyname_to_hid("kp_0") == 0x62 && keyname_to_hid("0") == 0x27, "key names");
    i8042_mouse_event(k, 5, -3, 1);             /* reporting off: nothing */
    CHECK(t, drain(t, b, 32) == 0, "mouse silent until enabled");
    outb(t, 0x64, 0xd4);
    outb(t, 0x60, 0xf4);                        /* enable data reporting */
    n = drain(t, b, 32);
    CHECK(t, n == 1 && b[0] == 0xfa, "mouse ack");
    i8042_mouse_event(k, 5, -3, 1);
    n = drain(t, b, 32);
    CHECK(t, n == 3 && b[0] == 0x29 && b[1] == 0x05 && b[2] == 0xfd,
          "mouse packet %02x %02x %02x", b[0], b[1], b[2]);
    i8042_mouse_event(k, 300, 0, 2);            /* overflow: X saturates, bit 6 */
    n = drain(t, b, 32);
    CHECK(t, n == 3 && b[0] == 0x4a && b[1] == 0xff, "mouse overflow %02x", b[0]);
    outb(t, 0x64, 0xd4);
    outb(t, 0x60, 0xe9);                        /* status request */
    n = drain(t, b, 32);
    CHECK(t, n == 4 && b[0] == 0xfa && b[1] == 0x22, "mouse status %02x", b[1]);
    ((Device *)k)->ops->free(k);
}

int main(void)
{
    T t = { 0 };
    t.as = address_space_new();
    t.io = io_space_new();
    t.vga = vga_new(t.as, t.io, VGA_VRAM_SIZE_DEFAULT);
    test_write_mode0(&t);
    test_write_modes123(&t);
    test_read_modes(&t);
    test_chain4_oddeven(&t);
    test_registers(&t);
    test_vbe(&t);
    test_render(&t);
    test_display(&t);
    test_input(&t);
    test_edid(&t);
    /* freed, so that a sanitizer build's leak check at exit speaks only of
     * the device's own allocations */
    t.vga->dev.ops->free(t.vga);
    io_space_free(t.io);
    address_space_free(t.as);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed != 0;
}
