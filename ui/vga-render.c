/*
 * The VGA picture from its registers (FreeVGA / IBM VGA Technical Reference):
 * CR1 horizontal display end (characters - 1), CR12 with CR7 bits 1 and 6
 * vertical display end (scanlines - 1), CR9 maximum scan line (bits 0-4) and
 * double scan (bit 7), CR0C/CR0D start address, CR13 offset (half the address
 * step between rows), CR0A/CR0B cursor start/end (bit 5 of CR0A: off),
 * CR0E/CR0F cursor location; SR1 bit 0 8-dot characters (else 9), bit 3 dot
 * clock halved, bit 5 screen off; GR5 bits 5-6 shift mode (CGA interleave,
 * 256 colours), GR6 bit 0 graphics; AR0-AR15 palette, AR10 bit 2 line-graphics
 * 9th column, bit 3 blink, bit 7 P5/P4 from AR14, AR12 colour plane enable,
 * AR14 colour select; the DAC's 6-bit (VBE: optionally 8-bit) entries.
 * Text is drawn through Quetzal's own font (ui/font.h).
 */
#include <string.h>
#include "ui/font.h"
#include "ui/vga-render.h"

static uint32_t dac_rgb(const VGAState *s, uint8_t index)
{
    const uint8_t *p = &s->palette[3 * index];
    if (s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) {
        return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
    }
    /* 6 to 8 bits as QEMU's screendumps have them (bit 0 fills the two new
     * low bits: 0x3f -> 0xff, 0x2a -> 0xa8, 0x15 -> 0x57), so that screens
     * compare equal colour for colour */
    uint32_t rgb = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t v = p[i] & 0x3f;
        rgb = rgb << 8 | (uint8_t)(v << 2 | (v & 1) * 3);
    }
    return rgb;
}

/* A 4-bit attribute colour through the attribute controller's palette. */
static uint32_t attr_rgb(const VGAState *s, unsigned c)
{
    uint8_t v = s->ar[c & 15];
    if (s->ar[0x10] & 0x80) {
        v = (v & 0x0f) | (s->ar[0x14] & 3) << 4;
    } else {
        v &= 0x3f;
    }
    v |= (s->ar[0x14] & 0x0c) << 4;
    return dac_rgb(s, v & s->pel_mask);
}

static void vbe_mode(const VGAState *s, VGAMode *m)
{
    m->kind = VGA_MODE_VBE;
    m->width = s->vbe_regs[VBE_DISPI_INDEX_XRES];
    m->height = s->vbe_regs[VBE_DISPI_INDEX_YRES];
    m->bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];
    m->start = s->vbe_start;
    m->row_inc = s->vbe_line_offset;
    if (!m->width || !m->height || m->bpp == 4) {
        m->kind = VGA_MODE_BLANK;
    }
}

void vga_mode_get(const VGAState *s, VGAMode *m)
{
    memset(m, 0, sizeof(*m));
    m->kind = VGA_MODE_BLANK;
    m->width = 640;
    m->height = 480;
    if (vbe_enabled(s)) {
        vbe_mode(s, m);
        if (m->kind == VGA_MODE_BLANK) {
            m->width = 640;
            m->height = 480;
        }
        return;
    }
    int lines = (s->cr[0x12] | (s->cr[7] & 2) << 7 | (s->cr[7] & 0x40) << 3) + 1;
    int scan = (s->cr[9] & 0x1f) + 1;
    int chars = s->cr[1] + 1;
    if ((s->sr[1] & 0x20) || !(s->ar_index & 0x20) || chars < 2 || lines < 2) {
        return;     /* screen off, palette being programmed, or nothing set up */
    }
    m->start = s->cr[0x0c] << 8 | s->cr[0x0d];
    m->row_inc = s->cr[0x13] * 2;
    if (!(s->gr[6] & 1)) {
        m->kind = VGA_MODE_TEXT;
        m->cols = chars;
        m->cell_h = scan;
        m->rows = lines / scan;
        m->cell_w = (s->sr[1] & 1) ? 8 : 9;
        m->dot_double = s->sr[1] & 8;
        m->width = m->cols * m->cell_w * (m->dot_double ? 2 : 1);
        m->height = m->rows * m->cell_h;
        return;
    }
    /* every scanline and dot the CRTC sends, as QEMU's screendumps have them:
     * rows repeat for the maximum scan line and double scanning, dots for
     * the halved dot clock and the 256-colour shift mode's two-dot pixels */
    m->height = lines;
    m->yrep = scan * ((s->cr[9] & 0x80) ? 2 : 1);
    m->xrep = (s->sr[1] & 8) ? 2 : 1;
    m->width = chars * 8 * m->xrep;
    if (s->gr[5] & 0x40) {
        m->kind = VGA_MODE_256;
        m->xrep *= 2;
    } else {
        m->kind = (s->gr[5] & 0x20) ? VGA_MODE_CGA2 : VGA_MODE_PLANAR;
    }
}

/* Plane offset of the first byte graphics scanline y shows. CR17 bit 0 clear
 * (CGA compatibility) puts odd rows 8 KiB of host memory (4 KiB of plane)
 * further, as the CGA's interleaved rows. */
static uint32_t gfx_row_start(const VGAState *s, const VGAMode *m, int y)
{
    y /= m->yrep;
    if (m->kind == VGA_MODE_CGA2 && !(s->cr[0x17] & 1)) {
        return m->start + (y >> 1) * m->row_inc + (y & 1) * 0x1000;
    }
    return m->start + y * m->row_inc;
}

static int vbe_bytes_pp(int bpp)
{
    return (bpp + 7) / 8;
}

void vga_line_span(const VGAState *s, const VGAMode *m, int y, uint32_t *lo, uint32_t *hi)
{
    uint64_t a, b;
    switch (m->kind) {
    case VGA_MODE_TEXT:
        a = 4ull * (m->start + (y / m->cell_h) * m->row_inc);
        b = a + 4ull * m->cols;
        break;
    case VGA_MODE_PLANAR:
    case VGA_MODE_CGA2:
    case VGA_MODE_256:
        a = 4ull * gfx_row_start(s, m, y);
        b = a + 4ull * (m->width / m->xrep / 8 + 1);
        break;
    case VGA_MODE_VBE:
        a = m->start + (uint64_t)y * m->row_inc;
        b = a + (uint64_t)m->width * vbe_bytes_pp(m->bpp);
        break;
    default:
        a = b = 0;
    }
    *lo = a < s->vram_size ? a : s->vram_size;
    *hi = b < s->vram_size ? b : s->vram_size;
}

static uint8_t vram_at(const VGAState *s, uint64_t off)
{
    return off < s->vram_size ? s->vram[off] : 0;
}

static void text_line(const VGAState *s, const VGAMode *m, int y, uint32_t *dst)
{
    int row = y / m->cell_h, sl = y % m->cell_h;
    int fr = m->cell_h == 16 ? sl : sl * 16 / m->cell_h;
    uint32_t cursor = s->cr[0x0e] << 8 | s->cr[0x0f];
    bool cursor_on = !(s->cr[0x0a] & 0x20) && sl >= (s->cr[0x0a] & 0x1f) &&
                     sl <= (s->cr[0x0b] & 0x1f);
    int rep = m->dot_double ? 2 : 1;
    for (int col = 0; col < m->cols; col++) {
        uint32_t c = m->start + row * m->row_inc + col;
        uint8_t ch = vram_at(s, 4ull * c), at = vram_at(s, 4ull * c + 1);
        unsigned bits = quetzal_font8x16[ch][fr] << 1;
        if (m->cell_w == 9 && ch >= 0xc0 && ch <= 0xdf && (s->ar[0x10] & 4)) {
            bits |= (bits >> 1) & 1;    /* line graphics: the 9th dot repeats the 8th */
        }
        if (c == cursor && cursor_on) {
            bits = 0x1ff;
        }
        unsigned bg = (s->ar[0x10] & 8) ? (at >> 4) & 7 : at >> 4;
        uint32_t fgc = attr_rgb(s, at & 15), bgc = attr_rgb(s, bg);
        for (int x = 0; x < m->cell_w; x++) {
            uint32_t px = (bits >> (8 - x)) & 1 ? fgc : bgc;
            for (int r = 0; r < rep; r++) {
                *dst++ = px;
            }
        }
    }
}

static void planar_line(const VGAState *s, const VGAMode *m, int y, uint32_t *dst)
{
    uint32_t c = gfx_row_start(s, m, y);
    uint8_t enable = s->ar[0x12] & 0xf;
    for (int x = 0; x < m->width; x++) {
        int sx = x / m->xrep, b = 7 - (sx & 7);
        const uint8_t *p = &s->vram[4ull * (c + sx / 8) < s->vram_size ? 4ull * (c + sx / 8) : 0];
        unsigned v = ((p[0] >> b) & 1) | ((p[1] >> b) & 1) << 1 |
                     ((p[2] >> b) & 1) << 2 | ((p[3] >> b) & 1) << 3;
        *dst++ = attr_rgb(s, v & enable);
    }
}

/* CGA 4-colour (GR5 bit 5): 2 bits a pixel, plane 0 then plane 1 per offset */
static void cga2_line(const VGAState *s, const VGAMode *m, int y, uint32_t *dst)
{
    uint32_t c = gfx_row_start(s, m, y);
    for (int x = 0; x < m->width; x++) {
        int sx = x / m->xrep;
        uint8_t byte = vram_at(s, 4ull * (c + sx / 8) + ((sx / 4) & 1));
        *dst++ = attr_rgb(s, (byte >> (6 - 2 * (sx & 3))) & 3);
    }
}

static void vbe_line(const VGAState *s, const VGAMode *m, int y, uint32_t *dst)
{
    uint64_t a = m->start + (uint64_t)y * m->row_inc;
    int bpp = vbe_bytes_pp(m->bpp);
    for (int x = 0; x < m->width; x++, a += bpp) {
        uint32_t v = 0;
        for (int i = 0; i < bpp; i++) {
            v |= (uint32_t)vram_at(s, a + i) << (8 * i);
        }
        uint32_t r, g, b;
        switch (m->bpp) {
        case 8: *dst++ = dac_rgb(s, v); continue;
        case 15: r = (v >> 10) & 31; g = (v >> 5) & 31; b = v & 31;
            r = r << 3 | r >> 2; g = g << 3 | g >> 2; b = b << 3 | b >> 2; break;
        case 16: r = (v >> 11) & 31; g = (v >> 5) & 63; b = v & 31;
            r = r << 3 | r >> 2; g = g << 2 | g >> 4; b = b << 3 | b >> 2; break;
        default: *dst++ = v & 0xffffff; continue;     /* 24, 32: B, G, R(, X) */
        }
        *dst++ = r << 16 | g << 8 | b;
    }
}

void vga_render_line(const VGAState *s, const VGAMode *m, int y, uint32_t *dst)
{
    switch (m->kind) {
    case VGA_MODE_TEXT: text_line(s, m, y, dst); break;
    case VGA_MODE_PLANAR: planar_line(s, m, y, dst); break;
    case VGA_MODE_CGA2: cga2_line(s, m, y, dst); break;
    case VGA_MODE_256: {
        uint32_t c = gfx_row_start(s, m, y);
        for (int x = 0; x < m->width; x++) {
            int sx = x / m->xrep;
            dst[x] = dac_rgb(s, vram_at(s, 4ull * (c + sx / 4) + (sx & 3)) & s->pel_mask);
        }
        break;
    }
    case VGA_MODE_VBE: vbe_line(s, m, y, dst); break;
    default: memset(dst, 0, m->width * sizeof(*dst)); break;
    }
}
