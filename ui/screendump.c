/*
 * Image files of the screen: PPM (Netpbm "P6": header "P6\n<w> <h>\n255\n",
 * then R, G, B bytes row after row, as QEMU's screendump writes) and PNG
 * through libpng (8-bit RGB, no interlace).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config-host.h"
#include "ui/console.h"
#ifdef CONFIG_PNG
#include <png.h>
#endif

static FILE *open_out(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    }
    return f;
}

static void row_rgb(const uint32_t *px, int width, uint8_t *out)
{
    for (int x = 0; x < width; x++) {
        out[3 * x] = px[x] >> 16;
        out[3 * x + 1] = px[x] >> 8;
        out[3 * x + 2] = px[x];
    }
}

static int close_out(FILE *f, const char *path, bool ok, char *err, size_t errlen)
{
    if (fclose(f) != 0 || !ok) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int image_write_ppm(const char *path, const uint32_t *px, int width, int height,
                    char *err, size_t errlen)
{
    FILE *f = open_out(path, err, errlen);
    if (!f) {
        return -1;
    }
    uint8_t *row = malloc(3 * (size_t)width + 1);
    bool ok = fprintf(f, "P6\n%d %d\n255\n", width, height) > 0;
    for (int y = 0; ok && y < height; y++) {
        row_rgb(px + (size_t)y * width, width, row);
        ok = fwrite(row, 3, width, f) == (size_t)width;
    }
    free(row);
    return close_out(f, path, ok, err, errlen);
}

#ifdef CONFIG_PNG
/* libpng reports errors by longjmp to the point png_jmpbuf() set */
int image_write_png(const char *path, const uint32_t *px, int width, int height,
                    char *err, size_t errlen)
{
    FILE *f = open_out(path, err, errlen);
    if (!f) {
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *volatile row = malloc(3 * (size_t)width + 1);
    if (!png || !info || !row || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        fclose(f);
        snprintf(err, errlen, "cannot write PNG '%s'", path);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        row_rgb(px + (size_t)y * width, width, row);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return close_out(f, path, true, err, errlen);
}
#else
int image_write_png(const char *path, const uint32_t *px, int width, int height,
                    char *err, size_t errlen)
{
    snprintf(err, errlen, "PNG support not built in (configure with libpng-dev); use -f ppm");
    return -1;
}
#endif
