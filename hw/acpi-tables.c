/*
 * ACPI tables for the "pc" machine (ACPI 6.4 specification, ch. 5): RSDP
 * (5.2.5, revision 2), RSDT, XSDT, FADT (5.2.9, revision 3, 244 bytes), FACS
 * (5.2.10), MADT (5.2.12: local APIC, I/O APIC, interrupt source overrides,
 * local APIC NMI), HPET (IA-PC HPET specification 1.0a, 3.2.4) and a DSDT whose
 * AML (ch. 20) a small emitter below writes: \_S5, \_PIC, the processors,
 * \_SB.PCI0 (PNP0A03) with its _CRS windows, a _PRT routing every slot's
 * INTA-D to the PCI interrupt link devices LNKA-D (PNP0C0F, ACPI 6.4 6.2.13),
 * which program the PIIX3 PIRQ route registers (ISA IRQ 5, 10 or 11, level,
 * active high, as on QEMU's pc), the ISA devices and the fw_cfg device.
 *
 * The tables are built once into one blob whose table pointers are relative to
 * a base: the firmware-less boot writes it at that base in guest memory; for
 * SeaBIOS the base is 0 and the "etc/table-loader" commands (ALLOCATE,
 * ADD_POINTER, ADD_CHECKSUM, 128 bytes each, as QEMU's BIOS linker defines
 * them) relocate it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/acpi.h"

/* --- a growable byte buffer --- */

typedef struct Buf {
    uint8_t *p;
    size_t len, cap;
} Buf;

static void buf_reserve(Buf *b, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            abort();
        }
    }
}

static void buf_put(Buf *b, const void *data, size_t n)
{
    if (n == 0) {
        return;     /* data and b->p may be NULL */
    }
    buf_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void buf_le(Buf *b, uint64_t v, unsigned n)
{
    buf_reserve(b, n);
    for (unsigned i = 0; i < n; i++) {
        b->p[b->len++] = v >> (8 * i);
    }
}

static void buf_u8(Buf *b, uint8_t v) { buf_le(b, v, 1); }
static void buf_u16(Buf *b, uint16_t v) { buf_le(b, v, 2); }
static void buf_u32(Buf *b, uint32_t v) { buf_le(b, v, 4); }

static void buf_zero(Buf *b, size_t n)
{
    if (n == 0) {
        return;     /* b->p may still be NULL */
    }
    buf_reserve(b, n);
    memset(b->p + b->len, 0, n);
    b->len += n;
}

static void buf_align(Buf *b, size_t a)
{
    buf_zero(b, (a - b->len % a) % a);
}

static void set_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = v >> (8 * i);
    }
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    while (n--) {
        sum += *p++;
    }
    return (uint8_t)-sum;
}

/* --- AML emitter (ACPI 6.4, 20.2) --- */

enum {
    AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0a, AML_WORD = 0x0b,
    AML_DWORD = 0x0c, AML_STRING = 0x0d, AML_QWORD = 0x0e, AML_SCOPE = 0x10,
    AML_BUFFER = 0x11, AML_PACKAGE = 0x12, AML_METHOD = 0x14, AML_RETURN = 0xa4,
    AML_ONES = 0xff, AML_EXT = 0x5b, AML_DEVICE = 0x82, AML_OPREGION = 0x80,
    AML_FIELD = 0x81, AML_STORE = 0x70, AML_AND = 0x7b, AML_OR = 0x7d,
    AML_CREATE_DWORD_FIELD = 0x8a, AML_LNOT = 0x92, AML_IF = 0xa0, AML_ARG0 = 0x68,
    AML_DUAL_NAME = 0x2e, AML_MULTI_NAME = 0x2f, AML_ROOT = 0x5c, AML_PARENT = 0x5e,
};

/* PkgLength (20.2.4): one byte up to 63, else 2-4 bytes with the low nibble in
 * the lead byte; the length counts its own bytes. */
static void aml_pkglen(Buf *b, size_t body)
{
    if (body + 1 < 0x40) {
        buf_u8(b, body + 1);
        return;
    }
    for (unsigned n = 2; n <= 4; n++) {
        size_t total = body + n;
        if (total < (size_t)1 << (4 + 8 * (n - 1))) {
            buf_u8(b, (uint8_t)((n - 1) << 6 | (total & 15)));
            buf_le(b, total >> 4, n - 1);
            return;
        }
    }
    abort();
}

/* NameString (20.2.2): "\_SB.PCI0", "^FOO", "_HID"; segments padded with '_'. */
static void aml_name(Buf *b, const char *s)
{
    int nseg = 0;
    const char *p;
    while (*s == '\\' || *s == '^') {
        buf_u8(b, *s == '\\' ? AML_ROOT : AML_PARENT);
        s++;
    }
    if (!*s) {
        buf_u8(b, 0);                     /* NullName */
        return;
    }
    for (p = s, nseg = 1; *p; p++) {
        nseg += *p == '.';
    }
    if (nseg == 2) {
        buf_u8(b, AML_DUAL_NAME);
    } else if (nseg > 2) {
        buf_u8(b, AML_MULTI_NAME);
        buf_u8(b, nseg);
    }
    while (*s) {
        char seg[4] = { '_', '_', '_', '_' };
        for (int i = 0; *s && *s != '.'; s++, i++) {
            if (i < 4) {
                seg[i] = *s;
            }
        }
        buf_put(b, seg, 4);
        s += *s == '.';
    }
}

/* Integer constants with the shortest encoding. */
static void aml_int(Buf *b, uint64_t v)
{
    if (v == 0 || v == 1) {
        buf_u8(b, v ? AML_ONE : AML_ZERO);
    } else if (v <= 0xff) {
        buf_u8(b, AML_BYTE);
        buf_u8(b, v);
    } else if (v <= 0xffff) {
        buf_u8(b, AML_WORD);
        buf_u16(b, v);
    } else if (v <= 0xffffffffu) {
        buf_u8(b, AML_DWORD);
        buf_u32(b, v);
    } else {
        buf_u8(b, AML_QWORD);
        buf_le(b, v, 8);
    }
}

static void aml_string(Buf *b, const char *s)
{
    buf_u8(b, AML_STRING);
    buf_put(b, s, strlen(s) + 1);
}

/* EISA id "PNP0A03": three 5-bit letters and four hex digits, big-endian. */
static void aml_eisaid(Buf *b, const char *id)
{
    uint16_t letters = (id[0] & 0x1f) << 10 | (id[1] & 0x1f) << 5 | (id[2] & 0x1f);
    uint16_t hex = (uint16_t)strtoul(id + 3, NULL, 16);
    buf_u8(b, AML_DWORD);
    buf_u8(b, letters >> 8);
    buf_u8(b, letters);
    buf_u8(b, hex >> 8);
    buf_u8(b, hex);
}

/* Op PkgLength body, for the ops that carry a package length; frees body. */
static void aml_block(Buf *b, const uint8_t *op, size_t oplen, Buf *body)
{
    buf_put(b, op, oplen);
    aml_pkglen(b, body->len);
    buf_put(b, body->p, body->len);
    free(body->p);
    *body = (Buf){ 0 };
}

/* Scope/Device/Method: the name first in the body; body holds the terms. */
static void aml_named_block(Buf *b, const uint8_t *op, size_t oplen, const char *name,
                            int method_flags, Buf *terms)
{
    Buf body = { 0 };
    aml_name(&body, name);
    if (method_flags >= 0) {
        buf_u8(&body, method_flags);
    }
    buf_put(&body, terms->p, terms->len);
    free(terms->p);
    *terms = (Buf){ 0 };
    aml_block(b, op, oplen, &body);
}

static void aml_scope(Buf *b, const char *name, Buf *terms)
{
    static const uint8_t op[] = { AML_SCOPE };
    aml_named_block(b, op, 1, name, -1, terms);
}

static void aml_device(Buf *b, const char *name, Buf *terms)
{
    static const uint8_t op[] = { AML_EXT, AML_DEVICE };
    aml_named_block(b, op, 2, name, -1, terms);
}

/* flags: the argument count, | 8 for Serialized */
static void aml_method(Buf *b, const char *name, int flags, Buf *terms)
{
    static const uint8_t op[] = { AML_METHOD };
    aml_named_block(b, op, 1, name, flags & 15, terms);
}

/* Method(name, 0) { Return (v) } */
static void aml_method_return_int(Buf *b, const char *name, uint64_t v)
{
    Buf t = { 0 };
    buf_u8(&t, AML_RETURN);
    aml_int(&t, v);
    aml_method(b, name, 0, &t);
}

/* Name(name, <the object already encoded in obj>); frees obj. */
static void aml_name_obj(Buf *b, const char *name, Buf *obj)
{
    buf_u8(b, AML_NAME);
    aml_name(b, name);
    buf_put(b, obj->p, obj->len);
    free(obj->p);
    *obj = (Buf){ 0 };
}

static void aml_name_int(Buf *b, const char *name, uint64_t v)
{
    Buf o = { 0 };
    aml_int(&o, v);
    aml_name_obj(b, name, &o);
}

static void aml_name_eisaid(Buf *b, const char *name, const char *id)
{
    Buf o = { 0 };
    aml_eisaid(&o, id);
    aml_name_obj(b, name, &o);
}

static void aml_name_string(Buf *b, const char *name, const char *s)
{
    Buf o = { 0 };
    aml_string(&o, s);
    aml_name_obj(b, name, &o);
}

/* Package(n) { elements already encoded }; frees elems. */
static void aml_package(Buf *b, int n, Buf *elems)
{
    static const uint8_t op[] = { AML_PACKAGE };
    Buf body = { 0 };
    buf_u8(&body, n);
    buf_put(&body, elems->p, elems->len);
    free(elems->p);
    *elems = (Buf){ 0 };
    aml_block(b, op, 1, &body);
}

/* Buffer() { bytes } */
static void aml_buffer(Buf *b, const Buf *bytes)
{
    static const uint8_t op[] = { AML_BUFFER };
    Buf body = { 0 };
    aml_int(&body, bytes->len);
    buf_put(&body, bytes->p, bytes->len);
    aml_block(b, op, 1, &body);
}

/* If (pred) { then }; both already encoded; frees them. */
static void aml_if(Buf *b, Buf *pred, Buf *then)
{
    static const uint8_t op[] = { AML_IF };
    buf_put(pred, then->p, then->len);
    free(then->p);
    *then = (Buf){ 0 };
    aml_block(b, op, 1, pred);
}

/* And/Or(name, mask, target) with target a name or NULL (no store). */
static void aml_logic(Buf *b, uint8_t op, const char *src, uint64_t mask, const char *target)
{
    buf_u8(b, op);
    aml_name(b, src);
    aml_int(b, mask);
    if (target) {
        aml_name(b, target);
    } else {
        buf_u8(b, 0);                         /* NullName: no target */
    }
}

/* OperationRegion(name, PCI_Config, offset, len) */
static void aml_pci_region(Buf *b, const char *name, uint8_t offset, uint8_t len)
{
    buf_u8(b, AML_EXT);
    buf_u8(b, AML_OPREGION);
    aml_name(b, name);
    buf_u8(b, 2);                             /* RegionSpace: PCI_Config */
    aml_int(b, offset);
    aml_int(b, len);
}

/* Field(region, ByteAcc, NoLock, Preserve) { names[i], 8 bits each } */
static void aml_byte_fields(Buf *b, const char *region, const char *const *names, int n)
{
    static const uint8_t op[] = { AML_EXT, AML_FIELD };
    Buf body = { 0 };
    aml_name(&body, region);
    buf_u8(&body, 0x01);                      /* ByteAcc, NoLock, Preserve */
    for (int i = 0; i < n; i++) {
        buf_put(&body, names[i], 4);
        buf_u8(&body, 8);                     /* PkgLength-encoded bit count */
    }
    aml_block(b, op, 2, &body);
}

/* CreateDWordField(src, index, name) with src an encoded operand (Arg0 or a name). */
static void aml_create_dword_field(Buf *b, const Buf *src, uint8_t index, const char *name)
{
    buf_u8(b, AML_CREATE_DWORD_FIELD);
    buf_put(b, src->p, src->len);
    aml_int(b, index);
    aml_name(b, name);
}

/* --- resource descriptors (ACPI 6.4, 6.4) --- */

static void res_io(Buf *r, uint16_t base, uint8_t len)
{
    buf_u8(r, 0x47);                     /* I/O port, 7 bytes */
    buf_u8(r, 1);                        /* 16-bit decode */
    buf_u16(r, base);
    buf_u16(r, base);
    buf_u8(r, 1);
    buf_u8(r, len);
}

static void res_irq(Buf *r, int irq)
{
    buf_u8(r, 0x22);                     /* IRQ, 2 bytes: edge, active high */
    buf_u16(r, 1u << irq);
}

static void res_mem32_fixed(Buf *r, uint32_t base, uint32_t len, bool rw)
{
    buf_u8(r, 0x86);
    buf_u16(r, 9);
    buf_u8(r, rw);
    buf_u32(r, base);
    buf_u32(r, len);
}

/* Word address space (0x88): type 1 I/O, 2 bus number; producer, min/max fixed. */
static void res_word(Buf *r, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
    buf_u8(r, 0x88);
    buf_u16(r, 13);
    buf_u8(r, type);
    buf_u8(r, 0x0c);
    buf_u8(r, tflags);
    buf_u16(r, 0);                       /* granularity */
    buf_u16(r, min);
    buf_u16(r, max);
    buf_u16(r, 0);                       /* translation */
    buf_u16(r, max - min + 1);
}

/* DWord memory window (0x87): producer, min/max fixed, cacheable, read-write. */
static void res_dword_mem(Buf *r, uint32_t min, uint32_t max)
{
    buf_u8(r, 0x87);
    buf_u16(r, 23);
    buf_u8(r, 0);
    buf_u8(r, 0x0c);
    buf_u8(r, 0x03);
    buf_u32(r, 0);
    buf_u32(r, min);
    buf_u32(r, max);
    buf_u32(r, 0);
    buf_u32(r, max - min + 1);
}

/* Extended interrupt (0x89): consumer, level, active high, shared. */
static void res_interrupts(Buf *r, const uint32_t *irqs, int n)
{
    buf_u8(r, 0x89);
    buf_u16(r, 2 + 4 * n);
    buf_u8(r, 0x09);
    buf_u8(r, n);
    for (int i = 0; i < n; i++) {
        buf_u32(r, irqs[i]);
    }
}

/* ResourceTemplate() { r... EndTag } as a Buffer object; frees r. */
static void aml_template(Buf *b, Buf *r)
{
    buf_u8(r, 0x79);                     /* end tag, checksum 0 */
    buf_u8(r, 0);
    aml_buffer(b, r);
    free(r->p);
    *r = (Buf){ 0 };
}

/* Name(name, ResourceTemplate() { r... EndTag }); frees r. */
static void aml_name_crs(Buf *b, const char *name, Buf *r)
{
    Buf o = { 0 };
    aml_template(&o, r);
    aml_name_obj(b, name, &o);
}

/* --- the DSDT --- */

typedef struct IsaDev {
    const char *name, *hid;
    uint16_t io[2];                      /* port bases, 0: none */
    uint8_t io_len[2];
    int irq;                             /* -1: none */
    int uid;                             /* -1: no _UID */
} IsaDev;

static const IsaDev isa_devs[] = {
    { "RTC", "PNP0B00", { 0x70 }, { 8 }, 8, -1 },
    { "KBD", "PNP0303", { 0x60, 0x64 }, { 1, 1 }, 1, -1 },
    { "MOU", "PNP0F13", { 0 }, { 0 }, 12, -1 },
    { "COM1", "PNP0501", { 0x3f8 }, { 8 }, 4, 1 },
};

static void dsdt_isa_dev(Buf *b, const IsaDev *d)
{
    Buf t = { 0 }, r = { 0 };
    aml_name_eisaid(&t, "_HID", d->hid);
    if (d->uid >= 0) {
        aml_name_int(&t, "_UID", d->uid);
    }
    for (int i = 0; i < 2; i++) {
        if (d->io[i]) {
            res_io(&r, d->io[i], d->io_len[i]);
        }
    }
    if (d->irq >= 0) {
        res_irq(&r, d->irq);
    }
    aml_name_crs(&t, "_CRS", &r);
    aml_device(b, d->name, &t);
}

static void dsdt_isa(Buf *b, const AcpiConfig *cfg)
{
    Buf t = { 0 };
    static const char *const prq[] = { "PRQ0", "PRQ1", "PRQ2", "PRQ3" };
    aml_name_int(&t, "_ADR", 0x00010000);          /* 00:01.0, the PIIX3 */
    aml_pci_region(&t, "P40C", 0x60, 4);           /* PIRQ route control */
    aml_byte_fields(&t, "P40C", prq, 4);
    for (size_t i = 0; i < sizeof(isa_devs) / sizeof(isa_devs[0]); i++) {
        dsdt_isa_dev(&t, &isa_devs[i]);
    }
    if (cfg->hpet) {
        Buf h = { 0 }, r = { 0 };
        aml_name_eisaid(&h, "_HID", "PNP0103");
        aml_name_int(&h, "_UID", 0);
        aml_method_return_int(&h, "_STA", 0x0f);
        res_mem32_fixed(&r, 0xfed00000, 0x400, false);
        aml_name_crs(&h, "_CRS", &r);
        aml_device(&t, "HPET", &h);
    }
    aml_device(b, "ISA", &t);
}

/* _PRT: slot s pin p (0 = INTA) is PIRQ (s + p) & 3, the link device LNKA-D. */
static void dsdt_prt(Buf *b)
{
    Buf all = { 0 };
    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            Buf e = { 0 };
            char link[5] = "LNKA";
            link[3] = 'A' + ((slot + pin) & 3);
            aml_int(&e, (uint32_t)slot << 16 | 0xffff);
            aml_int(&e, pin);
            aml_name(&e, link);                     /* source: the link device */
            aml_int(&e, 0);
            aml_package(&all, 4, &e);
        }
    }
    Buf o = { 0 };
    aml_package(&o, 128, &all);
    aml_name_obj(b, "_PRT", &o);
}

/* The fw_cfg device (QEMU's "QEMU0002"), for the guest's qemu_fw_cfg driver. */
static void dsdt_fw_cfg(Buf *b)
{
    Buf t = { 0 }, r = { 0 };
    aml_name_string(&t, "_HID", "QEMU0002");
    aml_method_return_int(&t, "_STA", 0x0b);      /* present, enabled, not shown */
    res_io(&r, FW_CFG_IO_BASE, 0x0c);
    aml_name_crs(&t, "_CRS", &r);
    aml_device(b, "FWCF", &t);
}

static void dsdt_pci0(Buf *b, const AcpiConfig *cfg)
{
    Buf t = { 0 }, r = { 0 };
    uint64_t hole = cfg->ram_below_4g < 0xe0000000u ? cfg->ram_below_4g : 0xe0000000u;
    aml_name_eisaid(&t, "_HID", "PNP0A03");
    aml_name_int(&t, "_UID", 0);
    res_word(&r, 2, 0, 0x00, 0xff);               /* bus numbers */
    res_io(&r, 0xcf8, 8);                          /* config ports */
    res_word(&r, 1, 0x03, 0x0000, 0x0cf7);
    res_word(&r, 1, 0x03, 0x0d00, 0xffff);
    res_dword_mem(&r, 0x000a0000, 0x000bffff);     /* VGA window */
    res_dword_mem(&r, (uint32_t)hole, 0xfebfffff); /* the 32-bit PCI hole */
    aml_name_crs(&t, "_CRS", &r);
    dsdt_prt(&t);
    dsdt_isa(&t, cfg);
    dsdt_fw_cfg(&t);
    aml_device(b, "PCI0", &t);
}

/* The ISA IRQs a link can take, as QEMU's pc offers them. */
static const uint32_t link_irqs[] = { 5, 10, 11 };

/* \_SB.IQCR(route): a one-interrupt template holding route & 15 when the route
 * is enabled (bit 7 clear), else interrupt 0. */
static void dsdt_iqcr(Buf *b)
{
    Buf t = { 0 }, r = { 0 }, o = { 0 }, pred = { 0 }, then = { 0 }, arg = { 0 };
    uint32_t zero = 0;
    res_interrupts(&r, &zero, 1);
    aml_template(&o, &r);
    aml_name_obj(&t, "PRR0", &o);
    aml_name(&arg, "PRR0");
    aml_create_dword_field(&t, &arg, 5, "PRRI");
    free(arg.p);
    /* If (!(Arg0 & 0x80)) -> encoded as If (LNot (And (Arg0, 0x80))) */
    buf_u8(&pred, AML_LNOT);
    buf_u8(&pred, AML_AND);
    buf_u8(&pred, AML_ARG0);
    aml_int(&pred, 0x80);
    buf_u8(&pred, 0);
    buf_u8(&then, AML_AND);                    /* PRRI = Arg0 & 0x0F */
    buf_u8(&then, AML_ARG0);
    aml_int(&then, 0x0f);
    aml_name(&then, "PRRI");
    aml_if(&t, &pred, &then);
    buf_u8(&t, AML_RETURN);
    aml_name(&t, "PRR0");
    aml_method(b, "IQCR", 1 | 8, &t);          /* serialized: it creates names */
}

/* Device LNKx over PIIX3 route register PRQn (PCI interrupt link, PNP0C0F). */
static void dsdt_link(Buf *b, int n)
{
    Buf t = { 0 }, r = { 0 }, o = { 0 }, m = { 0 }, pred = { 0 }, then = { 0 };
    char name[5] = "LNKA", prq[32];
    name[3] = 'A' + n;
    snprintf(prq, sizeof(prq), "\\_SB.PCI0.ISA.PRQ%d", n);
    aml_name_eisaid(&t, "_HID", "PNP0C0F");
    aml_name_int(&t, "_UID", n);
    res_interrupts(&r, link_irqs, 3);
    aml_name_crs(&t, "_PRS", &r);
    /* _STA: disabled (0x09) when the route's bit 7 is set, else 0x0B */
    aml_logic(&pred, AML_AND, prq, 0x80, NULL);
    buf_u8(&then, AML_RETURN);
    aml_int(&then, 0x09);
    aml_if(&m, &pred, &then);
    buf_u8(&m, AML_RETURN);
    aml_int(&m, 0x0b);
    aml_method(&t, "_STA", 0, &m);
    aml_logic(&m, AML_OR, prq, 0x80, prq);      /* _DIS: route off */
    aml_method(&t, "_DIS", 0, &m);
    buf_u8(&m, AML_RETURN);                     /* _CRS: IQCR(PRQn) */
    aml_name(&m, "\\_SB.IQCR");
    aml_name(&m, prq);
    aml_method(&t, "_CRS", 0, &m);
    buf_u8(&o, AML_ARG0);                       /* _SRS: PRQn = the chosen IRQ */
    aml_create_dword_field(&m, &o, 5, "PRRI");
    free(o.p);
    buf_u8(&m, AML_STORE);
    aml_name(&m, "PRRI");
    aml_name(&m, prq);
    aml_method(&t, "_SRS", 1 | 8, &m);
    aml_device(b, name, &t);
}

static void dsdt_cpus(Buf *b, const AcpiConfig *cfg)
{
    for (int i = 0; i < cfg->ncpus && i < 256; i++) {
        Buf t = { 0 };
        char name[8];
        aml_name_string(&t, "_HID", "ACPI0007");
        aml_name_int(&t, "_UID", i);
        snprintf(name, sizeof(name), "C%03X", i);
        aml_device(b, name, &t);
    }
}

static void dsdt_body(Buf *b, const AcpiConfig *cfg)
{
    Buf sb = { 0 }, s5 = { 0 }, pic = { 0 }, o = { 0 };
    /* \_S5: SLP_TYPa, SLP_TYPb, reserved, reserved */
    aml_int(&s5, ACPI_S5_SLP_TYP);
    aml_int(&s5, ACPI_S5_SLP_TYP);
    aml_int(&s5, 0);
    aml_int(&s5, 0);
    aml_package(&o, 4, &s5);
    aml_name_obj(b, "\\_S5", &o);
    aml_method(b, "\\_PIC", 1, &pic);               /* interrupt model: nothing to do */
    dsdt_pci0(&sb, cfg);
    dsdt_iqcr(&sb);
    for (int n = 0; n < 4; n++) {
        dsdt_link(&sb, n);
    }
    dsdt_cpus(&sb, cfg);
    aml_scope(b, "\\_SB", &sb);
}

/* --- tables --- */

enum {
    LOADER_ALLOCATE = 1, LOADER_ADD_POINTER = 2, LOADER_ADD_CHECKSUM = 3,
    LOADER_ZONE_HIGH = 1, LOADER_ZONE_FSEG = 2, LOADER_ENTRY = 128,
};
#define TABLES_FILE "etc/acpi/tables"
#define RSDP_FILE "etc/acpi/rsdp"

/* The build: the blob, its base, and the loader commands patching it. */
typedef struct Build {
    const AcpiConfig *cfg;
    Buf blob;
    uint64_t base;
    Buf loader;
} Build;

static void loader_name(Buf *l, const char *name)
{
    char f[FW_CFG_MAX_FILE_PATH] = { 0 };
    strncpy(f, name, sizeof(f) - 1);
    buf_put(l, f, sizeof(f));
}

static void loader_allocate(Buf *l, const char *file, uint32_t align, uint8_t zone)
{
    size_t start = l->len;
    buf_u32(l, LOADER_ALLOCATE);
    loader_name(l, file);
    buf_u32(l, align);
    buf_u8(l, zone);
    buf_zero(l, LOADER_ENTRY - (l->len - start));
}

/* The size-byte field at dest+offset holds an offset into src: add src's address. */
static void loader_pointer(Buf *l, const char *dest, const char *src, uint32_t offset,
                           uint8_t size)
{
    size_t start = l->len;
    buf_u32(l, LOADER_ADD_POINTER);
    loader_name(l, dest);
    loader_name(l, src);
    buf_u32(l, offset);
    buf_u8(l, size);
    buf_zero(l, LOADER_ENTRY - (l->len - start));
}

static void loader_checksum(Buf *l, const char *file, uint32_t offset, uint32_t start,
                            uint32_t len)
{
    size_t at = l->len;
    buf_u32(l, LOADER_ADD_CHECKSUM);
    loader_name(l, file);
    buf_u32(l, offset);
    buf_u32(l, start);
    buf_u32(l, len);
    buf_zero(l, LOADER_ENTRY - (l->len - at));
}

/* A pointer field in the blob at field_off to the table at target_off. */
static void table_pointer(Build *b, size_t field_off, size_t target_off, unsigned size)
{
    set_le(b->blob.p + field_off, b->base + target_off, size);
    loader_pointer(&b->loader, TABLES_FILE, TABLES_FILE, field_off, size);
}

static size_t table_begin(Build *b, const char *sig, uint8_t rev, const char *table_id)
{
    const char *oem = b->cfg->oem_id ? b->cfg->oem_id : "QUETZL";
    char id6[6], id8[8];
    size_t start;
    buf_align(&b->blob, 64);
    start = b->blob.len;
    memset(id6, ' ', 6);
    memcpy(id6, oem, strnlen(oem, 6));
    memset(id8, ' ', 8);
    memcpy(id8, table_id, strnlen(table_id, 8));
    buf_put(&b->blob, sig, 4);
    buf_u32(&b->blob, 0);                 /* length, set by table_end */
    buf_u8(&b->blob, rev);
    buf_u8(&b->blob, 0);                  /* checksum */
    buf_put(&b->blob, id6, 6);
    buf_put(&b->blob, id8, 8);
    buf_u32(&b->blob, 1);                 /* OEM revision */
    buf_put(&b->blob, "QZTL", 4);         /* creator id */
    buf_u32(&b->blob, 1);                 /* creator revision */
    return start;
}

/* Sets length and checksum; adds the loader's checksum command (which must
 * follow the pointer commands of the table). */
static void table_end(Build *b, size_t start)
{
    uint32_t len = b->blob.len - start;
    set_le(b->blob.p + start + 4, len, 4);
    b->blob.p[start + 9] = 0;
    b->blob.p[start + 9] = checksum(b->blob.p + start, len);
    loader_checksum(&b->loader, TABLES_FILE, start + 9, start, len);
}

static size_t build_facs(Build *b)
{
    size_t start;
    buf_align(&b->blob, 64);
    start = b->blob.len;
    buf_put(&b->blob, "FACS", 4);
    buf_u32(&b->blob, 64);
    buf_zero(&b->blob, 24);               /* hw signature, waking vectors, lock, flags */
    buf_u8(&b->blob, 1);                  /* version: ACPI 2.0 layout */
    buf_zero(&b->blob, 64 - 33);
    return start;
}

static size_t build_dsdt(Build *b)
{
    size_t start = table_begin(b, "DSDT", 1, "QZTLDSDT");
    Buf aml = { 0 };
    dsdt_body(&aml, b->cfg);
    buf_put(&b->blob, aml.p, aml.len);
    free(aml.p);
    table_end(b, start);
    return start;
}

/* Generic Address Structure (ACPI 6.4, 5.2.3.2). */
static void gas(Buf *t, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
    buf_u8(t, space);
    buf_u8(t, bits);
    buf_u8(t, 0);
    buf_u8(t, access);
    buf_le(t, addr, 8);
}

static void fadt_blocks(Buf *t)
{
    buf_u32(t, ACPI_PM_BASE + ACPI_PM1_EVT_OFF);  /* PM1a_EVT_BLK */
    buf_u32(t, 0);
    buf_u32(t, ACPI_PM_BASE + ACPI_PM1_CNT_OFF);  /* PM1a_CNT_BLK */
    buf_u32(t, 0);
    buf_u32(t, 0);                                /* PM2_CNT_BLK */
    buf_u32(t, ACPI_PM_BASE + ACPI_PM_TMR_OFF);   /* PM_TMR_BLK */
    buf_u32(t, ACPI_PM_BASE + ACPI_GPE0_OFF);     /* GPE0_BLK */
    buf_u32(t, 0);
    buf_u8(t, 4);                                 /* PM1_EVT_LEN */
    buf_u8(t, 2);                                 /* PM1_CNT_LEN */
    buf_u8(t, 0);
    buf_u8(t, 4);                                 /* PM_TMR_LEN */
    buf_u8(t, ACPI_GPE0_LEN);
    buf_u8(t, 0);
    buf_u8(t, 0);                                 /* GPE1_BASE */
    buf_u8(t, 0);                                 /* CST_CNT */
    buf_u16(t, 0xfff);                            /* P_LVL2_LAT: no C2 */
    buf_u16(t, 0xfff);                            /* P_LVL3_LAT: no C3 */
    buf_zero(t, 6);                               /* flush, duty cycle */
    buf_u8(t, 0);                                 /* DAY_ALRM */
    buf_u8(t, 0);                                 /* MON_ALRM */
    buf_u8(t, 0x32);                              /* CENTURY: CMOS byte 0x32 */
}

enum {
    FADT_WBINVD = 1 << 0, FADT_PROC_C1 = 1 << 2, FADT_SLP_BUTTON = 1 << 5,
    FADT_RTC_S4 = 1 << 7, FADT_RESET_REG_SUP = 1 << 10,
};

static size_t build_fadt(Build *b, size_t facs, size_t dsdt)
{
    size_t start = table_begin(b, "FACP", 3, "QZTLFACP");
    Buf *t = &b->blob;
    buf_u32(t, 0);                                /* FIRMWARE_CTRL (patched) */
    buf_u32(t, 0);                                /* DSDT (patched) */
    buf_u8(t, 0);
    buf_u8(t, 0);                                 /* preferred PM profile: unspecified */
    buf_u16(t, ACPI_SCI_IRQ);
    buf_u32(t, ACPI_SMI_CMD_PORT);
    buf_u8(t, ACPI_ENABLE_VALUE);
    buf_u8(t, ACPI_DISABLE_VALUE);
    buf_u8(t, 0);                                 /* S4BIOS_REQ */
    buf_u8(t, 0);                                 /* PSTATE_CNT */
    fadt_blocks(t);
    buf_u16(t, 0x0003);                           /* IAPC_BOOT_ARCH: legacy devices, 8042 */
    buf_u8(t, 0);
    buf_u32(t, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RTC_S4 |
               FADT_RESET_REG_SUP);
    gas(t, 1, 8, 1, 0xcf9);                       /* RESET_REG: PIIX3 RCR */
    buf_u8(t, 0x06);                              /* RESET_VALUE */
    buf_zero(t, 3);
    buf_le(t, 0, 8);                              /* X_FIRMWARE_CTRL: FIRMWARE_CTRL used */
    buf_le(t, 0, 8);                              /* X_DSDT (patched) */
    gas(t, 1, 32, 0, ACPI_PM_BASE + ACPI_PM1_EVT_OFF);
    gas(t, 0, 0, 0, 0);
    gas(t, 1, 16, 0, ACPI_PM_BASE + ACPI_PM1_CNT_OFF);
    gas(t, 0, 0, 0, 0);
    gas(t, 0, 0, 0, 0);
    gas(t, 1, 32, 0, ACPI_PM_BASE + ACPI_PM_TMR_OFF);
    gas(t, 1, 8 * ACPI_GPE0_LEN, 0, ACPI_PM_BASE + ACPI_GPE0_OFF);
    gas(t, 0, 0, 0, 0);
    table_pointer(b, start + 36, facs, 4);
    table_pointer(b, start + 40, dsdt, 4);
    table_pointer(b, start + 140, dsdt, 8);
    table_end(b, start);
    return start;
}

static void madt_iso(Buf *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    buf_u8(t, 2);
    buf_u8(t, 10);
    buf_u8(t, 0);                                 /* bus: ISA */
    buf_u8(t, irq);
    buf_u32(t, gsi);
    buf_u16(t, flags);
}

static size_t build_madt(Build *b)
{
    size_t start = table_begin(b, "APIC", 1, "QZTLAPIC");
    Buf *t = &b->blob;
    buf_u32(t, 0xfee00000);                       /* local APIC address */
    buf_u32(t, 1);                                /* PCAT_COMPAT: 8259s present */
    for (int i = 0; i < b->cfg->ncpus && i < 255; i++) {
        buf_u8(t, 0);                             /* processor local APIC */
        buf_u8(t, 8);
        buf_u8(t, i);                             /* ACPI processor UID (_UID) */
        buf_u8(t, b->cfg->apic_ids ? b->cfg->apic_ids[i] : i);     /* APIC id */
        buf_u32(t, 1);                            /* enabled */
    }
    buf_u8(t, 1);                                 /* I/O APIC */
    buf_u8(t, 12);
    buf_u8(t, 0);                                 /* id */
    buf_u8(t, 0);
    buf_u32(t, 0xfec00000);
    buf_u32(t, 0);                                /* GSI base */
    madt_iso(t, 0, 2, 0);                         /* PIT on pin 2, bus-conforming */
    /* the SCI and the PCI link IRQs: level, active high (as the _PRS say) */
    madt_iso(t, ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0x000d);
    for (size_t i = 0; i < sizeof(link_irqs) / sizeof(link_irqs[0]); i++) {
        madt_iso(t, link_irqs[i], link_irqs[i], 0x000d);
    }
    buf_u8(t, 4);                                 /* local APIC NMI */
    buf_u8(t, 6);
    buf_u8(t, 0xff);                              /* all processors */
    buf_u16(t, 0);
    buf_u8(t, 1);                                 /* LINT1 */
    table_end(b, start);
    return start;
}

static size_t build_hpet(Build *b)
{
    size_t start = table_begin(b, "HPET", 1, "QZTLHPET");
    Buf *t = &b->blob;
    buf_u32(t, 0x8086a201);     /* vendor 8086, legacy route, 64-bit, 3 timers, rev 1 */
    gas(t, 0, 64, 0, 0xfed00000);
    buf_u8(t, 0);                                 /* HPET number */
    buf_u16(t, 0);                                /* minimum tick */
    buf_u8(t, 0);                                 /* no page protection */
    table_end(b, start);
    return start;
}

/* RSDT (4-byte entries) or XSDT (8-byte entries) listing tables[]. */
static size_t build_sdt(Build *b, const char *sig, unsigned size, const size_t *tables,
                        int n)
{
    size_t start = table_begin(b, sig, 1, size == 4 ? "QZTLRSDT" : "QZTLXSDT");
    size_t first = b->blob.len;
    buf_zero(&b->blob, (size_t)size * n);
    for (int i = 0; i < n; i++) {
        table_pointer(b, first + size * i, tables[i], size);
    }
    table_end(b, start);
    return start;
}

static void build_rsdp(Build *b, uint8_t *rsdp, size_t rsdt, size_t xsdt)
{
    const char *oem = b->cfg->oem_id ? b->cfg->oem_id : "QUETZL";
    memset(rsdp, 0, 36);
    memcpy(rsdp, "RSD PTR ", 8);
    memset(rsdp + 9, ' ', 6);
    memcpy(rsdp + 9, oem, strnlen(oem, 6));
    rsdp[15] = 2;                                 /* revision: ACPI 2.0+ */
    set_le(rsdp + 16, b->base + rsdt, 4);
    set_le(rsdp + 20, 36, 4);
    set_le(rsdp + 24, b->base + xsdt, 8);
    rsdp[8] = checksum(rsdp, 20);
    rsdp[32] = checksum(rsdp, 36);
    loader_pointer(&b->loader, RSDP_FILE, TABLES_FILE, 16, 4);
    loader_pointer(&b->loader, RSDP_FILE, TABLES_FILE, 24, 8);
    loader_checksum(&b->loader, RSDP_FILE, 8, 0, 20);
    loader_checksum(&b->loader, RSDP_FILE, 32, 0, 36);
}

void acpi_build(const AcpiConfig *cfg, uint64_t tables_base, AcpiTables *out)
{
    Build b = { .cfg = cfg, .base = tables_base };
    size_t list[3];
    int n = 0;
    loader_allocate(&b.loader, TABLES_FILE, 64, LOADER_ZONE_HIGH);
    size_t facs = build_facs(&b);
    size_t dsdt = build_dsdt(&b);
    list[n++] = build_fadt(&b, facs, dsdt);
    list[n++] = build_madt(&b);
    if (cfg->hpet) {
        list[n++] = build_hpet(&b);
    }
    size_t rsdt = build_sdt(&b, "RSDT", 4, list, n);
    size_t xsdt = build_sdt(&b, "XSDT", 8, list, n);
    buf_align(&b.blob, 64);
    loader_allocate(&b.loader, RSDP_FILE, 16, LOADER_ZONE_FSEG);
    build_rsdp(&b, out->rsdp, rsdt, xsdt);
    out->tables = b.blob.p;
    out->tables_len = b.blob.len;
    out->loader = b.loader.p;
    out->loader_len = b.loader.len;
}

void acpi_tables_free(AcpiTables *t)
{
    free(t->tables);
    free(t->loader);
    t->tables = t->loader = NULL;
}

size_t acpi_install(const AcpiConfig *cfg, AddressSpace *as, uint64_t tables_addr,
                    uint64_t rsdp_addr)
{
    AcpiTables t;
    size_t len;
    acpi_build(cfg, tables_addr, &t);
    address_space_write_rom(as, tables_addr, t.tables, t.tables_len);
    address_space_write_rom(as, rsdp_addr, t.rsdp, sizeof(t.rsdp));
    len = t.tables_len;
    acpi_tables_free(&t);
    return len;
}

void acpi_add_fw_cfg(const AcpiConfig *cfg, FWCfgState *fw)
{
    AcpiTables t;
    acpi_build(cfg, 0, &t);
    fw_cfg_add_file(fw, TABLES_FILE, t.tables, t.tables_len);
    fw_cfg_add_file(fw, RSDP_FILE, t.rsdp, sizeof(t.rsdp));
    fw_cfg_add_file(fw, "etc/table-loader", t.loader, t.loader_len);
    acpi_tables_free(&t);
}
