/*
 * The EDID block the stdvga shows at offset 0 of its MMIO BAR, where Linux's
 * bochs-drm reads its display's modes (as on QEMU's stdvga, whose preferred
 * mode is also 1280x800). Layout from VESA Enhanced EDID Standard (E-EDID,
 * release A.2) for EDID 1.4: header, vendor/product, basic display
 * parameters, chromaticity, established and standard timings, four 18-byte
 * descriptors (the preferred detailed timing, the monitor name, range limits,
 * a dummy) and the checksum byte that makes the 128 bytes sum to zero.
 */
#include <string.h>
#include "hw/vga.h"

/* 1280x800 at 60 Hz, CVT reduced blanking: 71 MHz, h 1280+48+32+80, v 800+3+6+14 */
static const struct { unsigned clock_10khz, hact, hblank, hfront, hsync, vact, vblank, vfront, vsync; }
    preferred = { 7100, 1280, 160, 48, 32, 800, 23, 3, 6 };

static void detailed_timing(uint8_t *d)
{
    d[0] = preferred.clock_10khz;
    d[1] = preferred.clock_10khz >> 8;
    d[2] = preferred.hact;
    d[3] = preferred.hblank;
    d[4] = (preferred.hact >> 8) << 4 | preferred.hblank >> 8;
    d[5] = preferred.vact;
    d[6] = preferred.vblank;
    d[7] = (preferred.vact >> 8) << 4 | preferred.vblank >> 8;
    d[8] = preferred.hfront;
    d[9] = preferred.hsync;
    d[10] = (preferred.vfront & 15) << 4 | (preferred.vsync & 15);
    d[11] = (preferred.hfront >> 8) << 6 | (preferred.hsync >> 8) << 4 |
            (preferred.vfront >> 4) << 2 | preferred.vsync >> 4;
    d[12] = 0x1a;                   /* image size 282 x 176 mm (16:10) */
    d[13] = 0xb0;
    d[14] = 0x10;
    d[17] = 0x1a;                   /* digital separate sync, +hsync -vsync */
}

static void text_descriptor(uint8_t *d, uint8_t tag, const char *s)
{
    d[3] = tag;
    size_t n = strlen(s);
    memset(d + 5, ' ', 13);
    memcpy(d + 5, s, n);
    d[5 + n] = '\n';
}

void vga_edid_build(uint8_t e[128])
{
    static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    static const uint8_t srgb[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54 };
    memset(e, 0, 128);
    memcpy(e, header, 8);
    uint16_t id = ('Q' - '@') << 10 | ('Z' - '@') << 5 | ('L' - '@');  /* "QZL" */
    e[8] = id >> 8;
    e[9] = id;
    e[10] = 0x11;                   /* product code 0x1111, as the PCI device id */
    e[11] = 0x11;
    e[16] = 1;                      /* week 1 of 2024 */
    e[17] = 2024 - 1990;
    e[18] = 1;                      /* EDID 1.4 */
    e[19] = 4;
    e[20] = 0xa0;                   /* digital, 8 bits per colour */
    e[21] = 28;                     /* 28 x 18 cm */
    e[22] = 18;
    e[23] = 120;                    /* gamma 2.2 */
    e[24] = 0x06;                   /* sRGB, preferred timing is native */
    memcpy(e + 25, srgb, 10);
    e[35] = 0x21;                   /* 640x480@60, 800x600@60 */
    e[36] = 0x08;                   /* 1024x768@60 */
    for (int i = 38; i < 54; i++) {
        e[i] = 0x01;                /* standard timings unused */
    }
    detailed_timing(e + 54);
    text_descriptor(e + 72, 0xfc, "QUETZAL");
    static const uint8_t range[18] = { 0, 0, 0, 0xfd, 0, 50, 125, 30, 160, 30, 0, 0x0a,
                                       ' ', ' ', ' ', ' ', ' ', ' ' };
    memcpy(e + 90, range, 18);
    e[108 + 3] = 0x10;              /* dummy descriptor */
    uint8_t sum = 0;
    for (int i = 0; i < 127; i++) {
        sum += e[i];
    }
    e[127] = -sum;
}
