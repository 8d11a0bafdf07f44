/*
 * The Display: the surface of a VGA's picture, kept up to date scanline by
 * scanline (see ui/console.h for the dirty-page scheme).
 */
#include <stdlib.h>
#include <string.h>
#include "ui/console.h"
#include "ui/vga-render.h"

#define PAGE_BITS 12

struct Display {
    VGAState *vga;
    uint32_t *pixels;
    int width, height;
    uint8_t *shadow;            /* the video memory the surface shows */
    uint8_t *dirty;             /* one byte per video memory page, this update */
    uint32_t generation;
    VGAModeKind kind;
    bool valid;
};

Display *display_new(VGAState *vga)
{
    Display *d = calloc(1, sizeof(*d));
    d->vga = vga;
    if (vga) {
        d->shadow = calloc(1, vga->vram_size);
        d->dirty = calloc(1, vga->vram_size >> PAGE_BITS);
    }
    return d;
}

void display_free(Display *d)
{
    if (d) {
        free(d->pixels);
        free(d->shadow);
        free(d->dirty);
        free(d);
    }
}

static bool resize(Display *d, int w, int h)
{
    if (d->pixels && w == d->width && h == d->height) {
        return false;
    }
    free(d->pixels);
    d->pixels = calloc((size_t)w * h, sizeof(uint32_t));
    d->width = w;
    d->height = h;
    return true;
}

/* Marks the pages of [lo, hi) that differ from the shadow, and refreshes the
 * shadow there. Returns whether any did. */
static bool scan_pages(Display *d, uint32_t lo, uint32_t hi)
{
    bool any = false;
    const VGAState *s = d->vga;
    for (uint32_t p = lo >> PAGE_BITS; p < (hi + (1u << PAGE_BITS) - 1) >> PAGE_BITS; p++) {
        uint32_t off = p << PAGE_BITS;
        if (d->dirty[p] == 0) {
            bool diff = memcmp(s->vram + off, d->shadow + off, 1u << PAGE_BITS) != 0;
            d->dirty[p] = diff ? 2 : 1;     /* 1: checked and clean */
            if (diff) {
                memcpy(d->shadow + off, s->vram + off, 1u << PAGE_BITS);
            }
        }
        any |= d->dirty[p] == 2;
    }
    return any;
}

void display_update(Display *d, int *y0, int *y1, bool *resized)
{
    VGAMode m;
    *y0 = *y1 = 0;
    *resized = false;
    if (!d->vga) {
        *resized = resize(d, 640, 480);
        *y1 = *resized ? 480 : 0;
        return;
    }
    vga_mode_get(d->vga, &m);
    *resized = resize(d, m.width, m.height);
    bool full = *resized || !d->valid || d->generation != d->vga->generation || d->kind != m.kind;
    d->generation = d->vga->generation;
    d->kind = m.kind;
    d->valid = true;
    memset(d->dirty, 0, d->vga->vram_size >> PAGE_BITS);
    int first = -1, last = -1;
    for (int y = 0; y < m.height; y++) {
        uint32_t lo, hi;
        vga_line_span(d->vga, &m, y, &lo, &hi);
        bool changed = scan_pages(d, lo, hi);   /* always: keeps the shadow current */
        if (full || changed) {
            vga_render_line(d->vga, &m, y, d->pixels + (size_t)y * m.width);
            first = first < 0 ? y : first;
            last = y;
        }
    }
    if (first >= 0) {
        *y0 = first;
        *y1 = last + 1;
    }
}

const uint32_t *display_surface(Display *d, int *width, int *height)
{
    *width = d->width;
    *height = d->height;
    return d->pixels;
}

int display_screendump(Display *d, const char *path, const char *format,
                       char *err, size_t errlen)
{
    int y0, y1;
    bool resized;
    display_update(d, &y0, &y1, &resized);
    if (!format || !strcmp(format, "png")) {
        return image_write_png(path, d->pixels, d->width, d->height, err, errlen);
    }
    if (!strcmp(format, "ppm")) {
        return image_write_ppm(path, d->pixels, d->width, d->height, err, errlen);
    }
    snprintf(err, errlen, "unsupported image format '%s' (png, ppm)", format);
    return -1;
}
