/*
 * Fuzz test of the guest network's untrusted inputs: an e1000 (hw/e1000.c) on
 * a PCI bus with 1 MiB of RAM, linked to the user-mode NAT (net/slirp-*.c).
 * Each round either hands the NAT a frame (valid seeds -- ARP, DHCP, ICMP,
 * UDP, TCP SYN/data/FIN/RST -- mutated: flipped bytes, truncation, extension,
 * length fields; often with their checksums fixed so the parsers go deep), or
 * acts as a hostile driver: random register writes and random descriptor
 * rings and TX descriptors (legacy, context with TSO, data) in RAM, so the
 * NAT's answers go through the receive path and the guest's frames through the
 * transmit path. A second NAT feeds a virtio-net-pci (hw/virtio-net.c) driven
 * by a hostile virtio driver: random common-configuration writes and resets,
 * random queue sizes and addresses, descriptor chains with random flags,
 * lengths and next links (loops, indirect tables, readable receive buffers),
 * avail indexes far ahead, and net headers with random GSO and checksum
 * fields over the seed frames. Addresses are confined to the host's
 * loopback: the NAT's connections only reach this program's own TCP listener
 * and UDP socket.
 *
 *   fuzz-net [ROUNDS] [SEED]   exits 0 when it survived (no crash, no hang)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hw/pci.h"
#include "net/net.h"
#include "system/memory.h"

#define RAM_SIZE (1u << 20)
#define BAR0 0xfebc0000u
#define VBAR 0xfeb00000u                  /* the virtio-net's BAR 4 */

typedef struct Fuzz {
    uint64_t rng;
    NetBackend *nat, *nat2;
    AddressSpace *as;
    PCIBus *bus;
    PCIDevice *nic, *vnic;
    uint16_t tcp_port, udp_port;
    long vused;                           /* virtio used elements seen */
} Fuzz;

static uint32_t rnd(Fuzz *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (uint32_t)(f->rng >> 11);
}

static void w16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void w32(uint8_t *p, uint32_t v) { w16(p, v >> 16); w16(p + 2, (uint16_t)v); }

static uint16_t sum_fold(uint32_t s, const uint8_t *p, size_t n)
{
    for (; n >= 2; p += 2, n -= 2) {
        s += (uint32_t)(p[0] << 8 | p[1]);
    }
    if (n) {
        s += (uint32_t)p[0] << 8;
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t)~s;
}

/* Fixes the IPv4 header and TCP/UDP/ICMP checksums of an Ethernet frame,
 * as far as the (possibly damaged) lengths allow. */
static void fix_sums(uint8_t *fr, size_t len)
{
    if (len < 34 || fr[12] != 8 || fr[13] != 0) {
        return;
    }
    uint8_t *ip = fr + 14;
    size_t hl = (ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
    if (hl < 20 || 14 + hl > len) {
        return;
    }
    ip[10] = ip[11] = 0;
    w16(ip + 10, sum_fold(0, ip, hl));
    if (tot < hl || 14 + tot > len) {
        return;
    }
    uint8_t *l4 = ip + hl;
    size_t l4len = tot - hl;
    uint32_t ps = (uint32_t)(ip[12] << 8 | ip[13]) + (uint32_t)(ip[14] << 8 | ip[15]) +
                  (uint32_t)(ip[16] << 8 | ip[17]) + (uint32_t)(ip[18] << 8 | ip[19]) + ip[9] +
                  (uint32_t)l4len;
    if (ip[9] == 6 && l4len >= 20) {
        l4[16] = l4[17] = 0;
        w16(l4 + 16, sum_fold(ps, l4, l4len));
    } else if (ip[9] == 17 && l4len >= 8) {
        l4[6] = l4[7] = 0;
        w16(l4 + 6, sum_fold(ps, l4, l4len));
    } else if (ip[9] == 1 && l4len >= 4) {
        l4[2] = l4[3] = 0;
        w16(l4 + 2, sum_fold(0, l4, l4len));
    }
}

/* A valid frame from the guest (10.0.2.15) of a random kind. */
static size_t seed_frame(Fuzz *f, uint8_t *fr)
{
    static const uint8_t gmac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
    memset(fr, 0, 1514);
    memset(fr, 0xff, 6);
    memcpy(fr + 6, gmac, 6);
    unsigned kind = rnd(f) % 6;
    if (kind == 0) {                      /* ARP who-has 10.0.2.2 */
        fr[12] = 8; fr[13] = 6;
        uint8_t *a = fr + 14;
        w16(a, 1); w16(a + 2, 0x800); a[4] = 6; a[5] = 4; w16(a + 6, 1);
        memcpy(a + 8, gmac, 6);
        w32(a + 14, 0x0a00020f);
        w32(a + 24, 0x0a000200 | (2 + rnd(f) % 2));
        return 42;
    }
    fr[12] = 8;
    uint8_t *ip = fr + 14, *l4 = ip + 20;
    ip[0] = 0x45; ip[8] = 64;
    w32(ip + 12, 0x0a00020f);
    w32(ip + 16, 0x0a000202);
    size_t l4len, plen = rnd(f) % 64;
    if (kind == 1) {                      /* ICMP echo */
        ip[9] = 1; l4[0] = 8; l4len = 8 + plen;
    } else if (kind == 2) {               /* DHCP discover/request */
        ip[9] = 17;
        w32(ip + 12, 0); w32(ip + 16, 0xffffffff);
        w16(l4, 68); w16(l4 + 2, 67);
        uint8_t *m = l4 + 8;
        m[0] = 1; m[1] = 1; m[2] = 6; memcpy(m + 28, gmac, 6);
        w32(m + 236, 0x63825363);
        m[240] = 53; m[241] = 1; m[242] = rnd(f) & 1 ? 1 : 3;
        m[243] = 50; m[244] = 4; w32(m + 245, 0x0a00020f); m[249] = 255;
        l4len = 8 + 300;
    } else if (kind == 3) {               /* UDP to our socket */
        ip[9] = 17;
        w16(l4, 1024 + rnd(f) % 4); w16(l4 + 2, f->udp_port);
        l4len = 8 + plen;
    } else {                              /* TCP: SYN, ACK, data, FIN, RST */
        static const uint8_t flags[] = { 0x02, 0x10, 0x18, 0x11, 0x04, 0x12, 0x01 };
        ip[9] = 6;
        w16(l4, 2000 + rnd(f) % 4); w16(l4 + 2, f->tcp_port);
        w32(l4 + 4, rnd(f) % 3 ? 1000 : rnd(f));
        w32(l4 + 8, rnd(f));
        l4[12] = 0x50; l4[13] = flags[rnd(f) % sizeof(flags)];
        w16(l4 + 14, (uint16_t)rnd(f));
        if (l4[13] & 2 && rnd(f) & 1) {
            l4[12] = 0x60; l4[20] = 2; l4[21] = 4; w16(l4 + 22, (uint16_t)rnd(f));
        }
        l4len = (l4[12] >> 4) * 4 + (l4[13] & 8 ? plen : 0);
    }
    for (size_t i = 20; i < l4len && kind != 2; i++) {
        if (kind != 4 && kind != 5) {
            l4[i] = (uint8_t)rnd(f);
        }
    }
    w16(ip + 2, (uint16_t)(20 + l4len));
    if (kind == 3 || kind == 2) {
        w16(l4 + 4, (uint16_t)l4len);
    }
    fix_sums(fr, 14 + 20 + l4len);
    return 14 + 20 + l4len;
}

static void mutate(Fuzz *f, uint8_t *fr, size_t *len)
{
    unsigned n = rnd(f) % 6;
    for (unsigned i = 0; i < n; i++) {
        switch (rnd(f) % 5) {
        case 0: fr[rnd(f) % *len] ^= (uint8_t)(1u << (rnd(f) % 8)); break;
        case 1: fr[rnd(f) % *len] = (uint8_t)rnd(f); break;
        case 2: *len = 1 + rnd(f) % *len; break;
        case 3: {
            size_t grow = rnd(f) % 200;
            for (size_t k = 0; k < grow && *len < 1514; k++) {
                fr[(*len)++] = (uint8_t)rnd(f);
            }
            break;
        }
        default: {                        /* IP total, IHL, TCP offset, UDP, IP fragment fields */
            unsigned at = (unsigned[]){ 16, 17, 14, 46, 38, 39, 20, 21 }[rnd(f) % 8];
            if (at < *len) {
                fr[at] = (uint8_t)rnd(f);
            }
        }
        }
    }
    /* keep every destination on the loopback side: 10.0.2.x only */
    if (*len >= 34 && fr[12] == 8 && fr[13] == 0) {
        fr[30] = 10; fr[31] = 0; fr[32] = 2;
        if (fr[33] == 3 && *len >= 38 && fr[23] == 17) {
            fr[36] = 0; fr[37] = 54;          /* nothing to the host's real resolver */
        }
        size_t hl = (fr[14] & 15) * 4;
        if (fr[33] == 2 && 14 + hl + 4 <= *len && hl >= 20 && (fr[23] == 6 || fr[23] == 17)) {
            w16(fr + 14 + hl + 2, fr[23] == 6 ? f->tcp_port : f->udp_port);
        }
    }
    if (rnd(f) % 4) {
        fix_sums(fr, *len);
    }
}

static void mmio(Fuzz *f, uint32_t reg, uint32_t v)
{
    (void)f;
    address_space_write(f->as, BAR0 + reg, &v, 4);
}

/* A hostile driver: random rings, descriptors and register values. */
static void driver_round(Fuzz *f)
{
    static const uint32_t regs[] = { 0x0, 0x10, 0x14, 0x20, 0xc0, 0xc8, 0xd0, 0xd8, 0x100, 0x400,
                                     0x2800, 0x2804, 0x2808, 0x2810, 0x2818, 0x3800, 0x3804,
                                     0x3808, 0x3810, 0x3818, 0x5200, 0x5400, 0x5404, 0x4074 };
    unsigned what = rnd(f) % 4;
    if (what == 0) {
        uint32_t reg = regs[rnd(f) % (sizeof(regs) / sizeof(regs[0]))];
        uint32_t v = rnd(f) % 2 ? rnd(f) : rnd(f) % 64;
        if (reg == 0 && rnd(f) % 8) {
            v &= ~(1u << 26);             /* resets now and then only */
        }
        mmio(f, reg, v);
        uint32_t r;
        address_space_read(f->as, BAR0 + regs[rnd(f) % (sizeof(regs) / sizeof(regs[0]))], &r, 4);
        return;
    }
    /* sane rings somewhere in RAM, with random descriptors */
    uint32_t rx = 0x10000, tx = 0x20000, nd = 8 + 8 * (rnd(f) % 4);
    mmio(f, 0x2800, rx); mmio(f, 0x2804, 0); mmio(f, 0x2808, nd * 16);
    mmio(f, 0x3800, tx); mmio(f, 0x3804, 0); mmio(f, 0x3808, nd * 16);
    mmio(f, 0x100, 0x8002 | (rnd(f) % 4) << 16 | (rnd(f) % 2) << 26 | (rnd(f) % 2) << 25);
    mmio(f, 0x400, 2);
    uint8_t d[16];
    for (uint32_t i = 0; i < nd; i++) {
        uint64_t buf = rnd(f) % 8 ? 0x40000 + i * 0x4000 : ((uint64_t)rnd(f) << 32 | rnd(f));
        memcpy(d, &buf, 8);
        memset(d + 8, 0, 8);
        address_space_write(f->as, rx + i * 16, d, 16);
        for (int k = 8; k < 16; k++) {
            d[k] = (uint8_t)rnd(f);
        }
        unsigned kind = rnd(f) % 3;
        if (kind == 0) {
            d[11] &= ~0x20;               /* legacy */
        } else if (kind == 1) {
            d[11] |= 0x20; d[10] &= 0x0f; /* context */
            for (int k = 0; k < 8; k++) {
                d[k] = (uint8_t)(rnd(f) % 80);
            }
            d[13] = (uint8_t)(14 + rnd(f) % 60);
            w16(d + 14, (uint16_t)(rnd(f) % 2000));
        } else {
            d[11] |= 0x20; d[10] = (d[10] & 0x0f) | 0x10;   /* data */
        }
        if (kind != 1) {
            d[8] = (uint8_t)rnd(f);
            d[9] = (uint8_t)(rnd(f) % 0x20);
        }
        address_space_write(f->as, tx + i * 16, d, 16);
        /* the buffers: seed frames, so that TSO sees plausible headers */
        uint8_t fr[1600];
        size_t len = seed_frame(f, fr);
        address_space_write(f->as, 0x40000 + i * 0x4000, fr, len);
    }
    mmio(f, 0x2810, 0); mmio(f, 0x2818, rnd(f) % nd);
    mmio(f, 0x3810, 0); mmio(f, 0x3818, rnd(f) % nd);
}

static void vreg(Fuzz *f, uint32_t off, uint64_t v, unsigned size)
{
    address_space_write(f->as, VBAR + off, &v, size);
}

static void put_desc(Fuzz *f, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    address_space_write(f->as, table + 16ull * i, d, 16);
}

/* A chain of 1-3 descriptors from slot i of table (queue size qsize) over the
 * seed buffers: writable for the receive queue, readable for transmit; one
 * time in four with a field spoiled (a loop, a bad next, a wrong direction,
 * an indirect table, a huge length or a wild address). */
static void vchain(Fuzz *f, uint64_t table, unsigned i, unsigned qsize, bool rx)
{
    unsigned n = 1 + rnd(f) % 3;
    for (unsigned k = 0; k < n; k++) {
        unsigned at = (i + k) % qsize;
        uint64_t addr = 0x60000 + (rnd(f) % 32) * 0x800;
        uint32_t len = k == 0 && !rx ? 12 + (rnd(f) % 2) * 1514 : 64 + rnd(f) % 1536;
        uint16_t flags = (rx ? 2 : 0) | (k + 1 < n ? 1 : 0);
        put_desc(f, table, at, addr, len, flags, (uint16_t)((at + 1) % qsize));
    }
    if (rnd(f) % 4) {
        return;
    }
    unsigned at = (i + rnd(f) % n) % qsize;
    uint64_t addr = 0x60000 + (rnd(f) % 32) * 0x800;
    switch (rnd(f) % 6) {
    case 0: put_desc(f, table, at, addr, 100, (rx ? 2 : 0) | 1, (uint16_t)i); break;  /* loop */
    case 1: put_desc(f, table, at, addr, 100, 1, (uint16_t)rnd(f)); break;
    case 2: put_desc(f, table, at, addr, 100, rx ? 0 : 2, 0); break;
    case 3:                                /* an indirect table of chains */
        put_desc(f, table, at, 0x58000, 16 * (1 + rnd(f) % 8), 4 | (rnd(f) % 4 == 0), 0);
        vchain(f, 0x58000, 0, 8, rx);
        break;
    case 4: put_desc(f, table, at, addr, rnd(f), rx ? 2 : 0, 0); break;
    default: put_desc(f, table, at, (uint64_t)rnd(f) << 32 | rnd(f), 1514, rx ? 2 : 0, 0);
    }
}

/* A hostile virtio driver: the setup of 3.1.1 done in a random order with
 * random values, then chains and kicks. */
static void virtio_round(Fuzz *f)
{
    unsigned what = rnd(f) % 16;
    if (what == 0) {                      /* any common-configuration register */
        static const unsigned sizes[] = { 1, 2, 4, 8 };
        uint32_t off = rnd(f) % 0x40;
        vreg(f, off, rnd(f) % 2 ? rnd(f) : rnd(f) % 8, sizes[rnd(f) % 4]);
        uint64_t r;
        address_space_read(f->as, VBAR + rnd(f) % 0x4000, &r, 1 + rnd(f) % 4);
        return;
    }
    uint64_t st = 0;
    address_space_read(f->as, VBAR + 0x14, &st, 1);
    if (what == 1 || (st & 0x44) != 4) {  /* (re)initialize, features at random */
        vreg(f, 0x14, 0, 1);
        vreg(f, 0x14, 3, 1);
        vreg(f, 0x08, 0, 4);
        vreg(f, 0x0c, rnd(f), 4);
        vreg(f, 0x08, 1, 4);
        vreg(f, 0x0c, rnd(f) % 4 ? 1 : rnd(f), 4);
        vreg(f, 0x14, 11, 1);
        for (unsigned q = 0; q < 2; q++) {
            uint32_t base = 0x50000 + q * 0x3000;
            vreg(f, 0x16, q, 2);
            vreg(f, 0x18, rnd(f) % 8 ? 1u << (rnd(f) % 9) : rnd(f), 2);
            static const uint8_t zero[0x3000];
            address_space_write(f->as, base, zero, sizeof(zero));   /* fresh rings */
            vreg(f, 0x20, base, 8);
            vreg(f, 0x28, rnd(f) % 16 ? base + 0x1000 : rnd(f), 8);
            vreg(f, 0x30, base + 0x2000, 8);
            vreg(f, 0x1c, 1, 2);
        }
        vreg(f, 0x14, rnd(f) % 8 ? 15 : rnd(f), 1);
        return;
    }
    /* chains in both queues, the buffers and an indirect table, a kick */
    for (unsigned q = 0; q < 2; q++) {
        uint32_t base = 0x50000 + q * 0x3000;
        vreg(f, 0x16, q, 2);
        uint64_t qsize = 0;
        address_space_read(f->as, VBAR + 0x18, &qsize, 2);
        qsize = qsize ? qsize : 1;
        uint16_t idx = 0;
        address_space_read(f->as, base + 0x1000 + 2, &idx, 2);
        unsigned n = 1 + rnd(f) % 4;
        for (unsigned k = 0; k < n; k++) {
            uint16_t head = (uint16_t)(rnd(f) % qsize);
            vchain(f, base, head, (unsigned)qsize, q == 0);
            address_space_write(f->as, base + 0x1000 + 4 + 2 * (idx % qsize), &head, 2);
            idx++;
        }
        if (rnd(f) % 32 == 0) {
            idx += (uint16_t)rnd(f);      /* far ahead of the ring */
        }
        address_space_write(f->as, base + 0x1000 + 2, &idx, 2);
    }
    for (unsigned b = 0; b < 32; b++) {
        uint8_t buf[12 + 1600];
        for (int k = 0; k < 12; k++) {
            buf[k] = (uint8_t)(rnd(f) % 4 ? rnd(f) % 4 : rnd(f));
        }
        buf[4] = (uint8_t)rnd(f);             /* gso_size */
        buf[6] = (uint8_t)(rnd(f) % 4 ? 34 : rnd(f));
        buf[8] = (uint8_t)(rnd(f) % 4 ? 16 : rnd(f));
        size_t len = seed_frame(f, buf + 12);
        if (rnd(f) % 4 == 0) {
            mutate(f, buf + 12, &len);
        }
        address_space_write(f->as, 0x60000 + b * 0x800, buf, 12 + len);
    }
    uint16_t q = (uint16_t)(rnd(f) % 3), before[2], after[2];
    for (int k = 0; k < 2; k++) {
        address_space_read(f->as, 0x50000 + k * 0x3000 + 0x2002, &before[k], 2);
    }
    vreg(f, 0x3000, q, 2);
    for (int k = 0; k < 2; k++) {
        address_space_read(f->as, 0x50000 + k * 0x3000 + 0x2002, &after[k], 2);
        uint16_t n = (uint16_t)(after[k] - before[k]);
        f->vused += n <= 256 ? n : 0;     /* how deep the rounds reach (not a reset's jump) */
    }
}

static int listener(uint16_t *port, int type)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
        (type == SOCK_STREAM && listen(fd, 64)) || getsockname(fd, (struct sockaddr *)&sa, &l)) {
        perror("fuzz-net: socket");
        exit(2);
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    Fuzz f = { .rng = (argc > 2 ? strtoull(argv[2], NULL, 0) : 1) * 0x9e3779b97f4a7c15ull + 1 };
    int tfd = listener(&f.tcp_port, SOCK_STREAM), ufd = listener(&f.udp_port, SOCK_DGRAM);
    MainLoop *ml = main_loop_new();
    f.as = address_space_new();
    IOSpace *io = io_space_new();
    memory_add_ram(f.as, "ram", 0, RAM_SIZE);
    f.bus = pci_bus_new(io, f.as);
    char *err = NULL;
    f.nat = net_user_new("id=n0", ml, &err);
    if (!f.nat) {
        fprintf(stderr, "fuzz-net: %s\n", err);
        return 2;
    }
    uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
    f.nic = e1000_new(f.bus, PCI_DEVFN(3, 0), f.as, ml, mac, &f.nat->nc);
    f.nat2 = net_user_new("id=n1", ml, &err);
    if (!f.nat2) {
        fprintf(stderr, "fuzz-net: %s\n", err);
        return 2;
    }
    f.vnic = virtio_net_new(f.bus, PCI_DEVFN(4, 0), f.as, ml, mac, &f.nat2->nc);
    pci_config_write(f.bus, PCI_DEVFN(4, 0), PCI_BASE_ADDRESS_0 + 16, VBAR, 4);
    pci_config_write(f.bus, PCI_DEVFN(4, 0), PCI_COMMAND, 6, 2);
    pci_config_write(f.bus, PCI_DEVFN(3, 0), PCI_BASE_ADDRESS_0, BAR0, 4);
    pci_config_write(f.bus, PCI_DEVFN(3, 0), PCI_COMMAND, 7, 2);
    long frames = 0, driver = 0, vdriver = 0;
    for (long r = 0; r < rounds; r++) {
        unsigned pick = rnd(&f) % 10;
        if (pick < 2) {
            driver_round(&f);
            driver++;
        } else if (pick < 4) {
            virtio_round(&f);
            vdriver++;
        } else {
            uint8_t fr[1600];
            size_t len = seed_frame(&f, fr);
            mutate(&f, fr, &len);
            NetBackend *nat = pick % 2 ? f.nat : f.nat2;
            nat->nc.ops->receive(&nat->nc, fr, len);
            frames++;
        }
        if (r % 64 == 0) {
            int c = accept4(tfd, NULL, NULL, SOCK_NONBLOCK);   /* let connections complete */
            if (c >= 0 && rnd(&f) % 2) {
                (void)!write(c, "hello", 5);
            }
            if (c >= 0 && rnd(&f) % 2) {
                close(c);
            }
            char b[64];
            struct sockaddr_in from;
            socklen_t fl = sizeof(from);
            ssize_t n = recvfrom(ufd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
            if (n > 0) {
                sendto(ufd, b, n, 0, (struct sockaddr *)&from, fl);
            }
            main_loop_poll(ml, false, 0);
        }
    }
    printf("fuzz-net: %ld rounds (%ld frames into the NATs, %ld e1000 and %ld virtio-net driver "
           "rounds, %ld virtio buffers used), seed survived\n", rounds, frames, driver, vdriver,
           f.vused);
    net_client_cleanup(&f.nat->nc);
    f.nat->free(f.nat);
    net_client_cleanup(&f.nat2->nc);
    f.nat2->free(f.nat2);
    f.nic->dev.ops->free(f.nic);
    f.vnic->dev.ops->free(f.vnic);
    pci_bus_free(f.bus);
    main_loop_stop(ml);
    main_loop_free(ml);
    io_space_free(io);
    address_space_free(f.as);
    close(tfd);
    close(ufd);
    return 0;
}
