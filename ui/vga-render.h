/*
 * Turning the VGA's registers and video memory into RGB scanlines: the
 * geometry of the current mode, one scanline at a time, and which bytes of
 * video memory a scanline shows (so that the console re-renders only the
 * lines whose memory changed).
 */
#ifndef UI_VGA_RENDER_H
#define UI_VGA_RENDER_H

#include <stdint.h>
#include "hw/vga.h"

typedef enum { VGA_MODE_BLANK, VGA_MODE_TEXT, VGA_MODE_PLANAR, VGA_MODE_CGA2,
               VGA_MODE_256, VGA_MODE_VBE } VGAModeKind;

typedef struct VGAMode {
    VGAModeKind kind;
    int width, height;          /* pixels of the picture */
    /* text: character cell geometry */
    int cols, rows, cell_w, cell_h;
    bool dot_double;            /* 40-column modes: each dot twice */
    /* graphics: QEMU's geometry, the CRTC's own (mode 13h is 640x400): each
     * memory pixel xrep dots wide, each memory row yrep scanlines high */
    int xrep, yrep;
    uint32_t start;             /* CRTC start address (plane offset) or VBE byte offset */
    uint32_t row_inc;           /* plane offsets (VGA) or bytes (VBE) per row */
    int bpp;                    /* VBE */
} VGAMode;

/* The picture the registers describe now (VGA_MODE_BLANK: 640x480 black, the
 * display off or not programmed yet). */
void vga_mode_get(const VGAState *s, VGAMode *m);
/* Scanline y (0 <= y < m->height) as 0x00RRGGBB pixels, m->width of them. */
void vga_render_line(const VGAState *s, const VGAMode *m, int y, uint32_t *dst);
/* The video memory bytes [*lo, *hi) scanline y reads (empty for blank). */
void vga_line_span(const VGAState *s, const VGAMode *m, int y, uint32_t *lo, uint32_t *hi);

#endif
