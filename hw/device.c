/*
 * Saved-state streams (hw/device.h): fields written in a fixed order as
 * little-endian integers. A short read or write sets s->error; loads after an
 * error return zeros, so a device's load function needs no checks of its own.
 */
#include <string.h>
#include "hw/device.h"

void save_bytes(SaveStream *s, const void *buf, size_t len)
{
    if (!s->error && fwrite(buf, 1, len, s->f) != len) {
        s->error = true;
    }
}

static void save_le(SaveStream *s, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++) {
        b[i] = v >> (8 * i);
    }
    save_bytes(s, b, n);
}

void save_u8(SaveStream *s, uint8_t v) { save_le(s, v, 1); }
void save_u16(SaveStream *s, uint16_t v) { save_le(s, v, 2); }
void save_u32(SaveStream *s, uint32_t v) { save_le(s, v, 4); }
void save_u64(SaveStream *s, uint64_t v) { save_le(s, v, 8); }

void load_bytes(SaveStream *s, void *buf, size_t len)
{
    if (s->error || fread(buf, 1, len, s->f) != len) {
        s->error = true;
        memset(buf, 0, len);
    }
}

static uint64_t load_le(SaveStream *s, unsigned n)
{
    uint8_t b[8];
    uint64_t v = 0;
    load_bytes(s, b, n);
    for (unsigned i = n; i-- > 0;) {
        v = v << 8 | b[i];
    }
    return v;
}

uint8_t load_u8(SaveStream *s) { return load_le(s, 1); }
uint16_t load_u16(SaveStream *s) { return load_le(s, 2); }
uint32_t load_u32(SaveStream *s) { return load_le(s, 4); }
uint64_t load_u64(SaveStream *s) { return load_le(s, 8); }
