/*
 * The guest's screen as the rest of the emulator sees it: a Display follows
 * one VGA and keeps an RGB surface of its picture, re-rendering only the
 * scanlines whose video memory changed (a dirty bitmap over the 4 KiB pages of
 * video memory, found by comparing them with the copy the surface was drawn
 * from, so that guest writes to the framebuffer BAR run at RAM speed) or all
 * of them when a register changed. Nothing runs unless someone asks: with no
 * window and no screendump the emulator behaves exactly as without a display.
 *
 * The monitor's `screendump FILE [-f png|ppm]` calls display_screendump().
 */
#ifndef UI_CONSOLE_H
#define UI_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/vga.h"

typedef struct Display Display;

/* vga may be NULL (-vga none): the screen is then a 640x480 black picture. */
Display *display_new(VGAState *vga);
void display_free(Display *d);

/* Brings the surface up to date. Returns the scanlines redrawn as [*y0, *y1)
 * (empty when nothing changed); *resized when the size changed. */
void display_update(Display *d, int *y0, int *y1, bool *resized);
/* The surface: width x height pixels 0x00RRGGBB, row after row. */
const uint32_t *display_surface(Display *d, int *width, int *height);

/* Writes the current screen (brought up to date first) to path as a PNG
 * (format "png" or NULL; needs libpng at build time) or a binary PPM
 * ("ppm", P6 as QEMU's). Returns 0, or -1 with a one-line reason in err. */
int display_screendump(Display *d, const char *path, const char *format,
                       char *err, size_t errlen);

/* Writes width x height 0x00RRGGBB pixels as PNG / PPM (ui/screendump.c). */
int image_write_png(const char *path, const uint32_t *px, int width, int height,
                    char *err, size_t errlen);
int image_write_ppm(const char *path, const uint32_t *px, int width, int height,
                    char *err, size_t errlen);

#endif
