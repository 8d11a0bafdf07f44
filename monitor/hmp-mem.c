/*
 * HMP memory commands: x (virtual), xp (physical), print, memsave and
 * pmemsave. Virtual addresses are linear addresses translated through the
 * guest's page tables without side effects (x86_cpu_get_phys_addr_debug);
 * an unmapped page ends the command with one error line.
 */
#include <inttypes.h>
#include <string.h>
#include "monitor/hmp.h"
#include "target-i386/cpu.h"
#include "target-i386/sys_helper.h"

/* Reads len bytes at addr (virtual unless phys); false when a page is unmapped. */
static bool read_guest(MonitorHost *h, uint64_t addr, void *buf, size_t len, bool phys)
{
    uint8_t *p = buf;
    while (len) {
        size_t chunk = 4096 - (addr & 4095);
        if (chunk > len) {
            chunk = len;
        }
        uint64_t pa = addr;
        if (!phys) {
            pa = x86_cpu_get_phys_addr_debug(h->v.env, addr);
            if (pa == (uint64_t)-1) {
                return false;
            }
        }
        if (memory_lookup(h->v.as, pa).kind == MEM_UNASSIGNED) {
            return false;   /* nothing there, as QEMU's debug access says */
        }
        address_space_read(h->v.as, pa, p, chunk);
        p += chunk;
        addr += chunk;
        len -= chunk;
    }
    return true;
}

static void print_char(FILE *out, unsigned c)
{
    fputc('\'', out);
    switch (c) {
    case '\'': fputs("\\'", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    default:
        if (c >= 32 && c <= 126) {
            fprintf(out, "%c", c);
        } else {
            fprintf(out, "\\x%02x", c);
        }
    }
    fputc('\'', out);
}

static void print_value(FILE *out, const HMPFormat *f, uint64_t v)
{
    int size = f->size;
    switch (f->fmt) {
    case 'o':
        fprintf(out, " %#*" PRIo64, (size * 8 + 2) / 3, v);
        break;
    case 'd': {
        int64_t s = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : size == 4 ? (int32_t)v : (int64_t)v;
        fprintf(out, " %*" PRId64, size * 8 * 10 / 33 + 1, s);
        break;
    }
    case 'u':
        fprintf(out, " %*" PRIu64, size * 8 * 10 / 33 + 1, v);
        break;
    case 'c':
        fputc(' ', out);
        print_char(out, (unsigned)(v & 0xff));
        break;
    default:    /* x */
        fprintf(out, " 0x%0*" PRIx64, size * 2, v);
        break;
    }
}

void hmp_memory_dump(MonitorHost *h, FILE *out, const HMPFormat *f, uint64_t addr, bool phys)
{
    if (f->fmt == 'i') {
        if (phys) {
            fprintf(out, "xp: the i format needs a virtual address (use x/i)\n");
            return;
        }
        hmp_disas(h, out, addr, f->count);
        return;
    }
    size_t total = (size_t)f->count * f->size, line = f->size == 1 ? 8 : 16;
    /* c prints every byte of count units of the size in force, as QEMU does */
    size_t step = f->fmt == 'c' ? 1 : f->size;
    for (size_t off = 0; off < total; off += line) {
        size_t n = total - off < line ? total - off : line;
        uint8_t buf[16];
        fprintf(out, "%016" PRIx64 ":", addr + off);
        if (!read_guest(h, addr + off, buf, n, phys)) {
            fprintf(out, " Cannot access memory\n");
            return;
        }
        for (size_t i = 0; i < n; i += step) {
            uint64_t v = 0;
            memcpy(&v, buf + i, step);       /* little-endian host and guest */
            print_value(out, f, v);
        }
        fputc('\n', out);
    }
}

void hmp_x(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    hmp_memory_dump(h, out, &a->a[0].f, (uint64_t)a->a[1].num, false);
}

void hmp_xp(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    hmp_memory_dump(h, out, &a->a[0].f, (uint64_t)a->a[1].num, true);
}

void hmp_print(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    uint64_t v = (uint64_t)a->a[1].num;
    switch (a->a[0].f.fmt) {
    case 'o': fprintf(out, "%#" PRIo64 "\n", v); break;
    case 'u': fprintf(out, "%" PRIu64 "\n", v); break;
    case 'd': fprintf(out, "%" PRId64 "\n", (int64_t)v); break;
    case 'c': print_char(out, (unsigned)(v & 0xff)); fputc('\n', out); break;
    default: fprintf(out, "%#" PRIx64 "\n", v); break;
    }
}

static void save(MonitorHost *h, const HMPArgs *a, FILE *out, bool phys)
{
    uint64_t addr = (uint64_t)a->a[0].num, size = (uint64_t)a->a[1].num;
    const char *name = a->a[2].str;
    FILE *f = fopen(name, "wb");
    if (!f) {
        fprintf(out, "could not open '%s'\n", name);
        return;
    }
    uint8_t buf[4096];
    for (uint64_t off = 0; off < size; off += sizeof(buf)) {
        size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
        if (!read_guest(h, addr + off, buf, n, phys)) {
            fprintf(out, "Invalid addr 0x%016" PRIx64 "/size %" PRIu64 " specified\n", addr, size);
            break;
        }
        if (fwrite(buf, 1, n, f) != n) {
            fprintf(out, "could not write '%s'\n", name);
            break;
        }
    }
    fclose(f);
}

void hmp_memsave(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    save(h, a, out, false);
}

void hmp_pmemsave(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    save(h, a, out, true);
}
