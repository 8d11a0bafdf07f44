/*
 * virtio-net-pci (hw/virtio-net.c over hw/virtio-pci.c) driven the way the
 * virtio 1.1 spec tells a driver to (3.1.1 initialization, 4.1.4 the PCI
 * capabilities, 2.6 split queues, 5.1.6 the net header), with a NetClient of
 * this program as its peer. Checked against the spec and this file's own
 * RFC 1071 checksums: the offered features and configuration (MAC, link
 * up); a plain frame sent as it is; CSUM finishing a partial UDP checksum;
 * HOST_TSO4 cutting a 10,000-byte TCP/IPv4 frame into gso_size segments
 * (lengths, IP ids, sequence numbers, FIN/PSH on the last, both checksums,
 * payload); GUEST_CSUM's DATA_VALID on right sums only; receiving into one buffer (num_buffers 1) and with MRG_RXBUF
 * across several small ones made visible at once; a frame kept by the back
 * end until the driver adds buffers; hostile chains (a loop, a readable
 * receive buffer, an avail index far ahead) setting NEEDS_RESET, and the
 * device working again after a reset; save/load: a second device loaded from
 * the first's state, over a copy of its RAM, writes the next frame exactly
 * where the first does, and a stream of a NIC with another MAC is refused.
 *   test-vnet   prints "N passed, N failed"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/pci.h"
#include "net/net.h"
#include "system/memory.h"

#define RAM_SIZE (1u << 20)
#define BAR 0xfeb00000u
#define QSIZE 16
enum { F_CSUM = 0, F_GUEST_CSUM = 1, F_MAC = 5, F_HOST_TSO4 = 11, F_MRG_RXBUF = 15, F_STATUS = 16, F_CTRL_VQ = 17,
       F_VERSION_1 = 32 };
enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 0x40 };
/* queue rings: desc, avail, used; buffers */
static const uint32_t ring[2][3] = { { 0x1000, 0x2000, 0x3000 }, { 0x4000, 0x5000, 0x6000 } };
#define RXBUF(i) (0x10000u + (i) * 0x1000u)
#define TXBUF 0x40000u

typedef struct Peer {
    NetClient nc;
    int n;
    uint8_t frames[16][2048];
    size_t lens[16];
} Peer;

typedef struct Drv {
    AddressSpace *as;
    PCIBus *bus;
    PCIDevice *dev;
    Peer peer;
    uint32_t common, notify, device, notify_mult;
    uint16_t avail[2];
    bool caps_ok;
} Drv;

static int passed, failed;
static const uint8_t mac[6] = { 0x52, 0x54, 0, 0xab, 0xcd, 0x02 };

static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL:", what);
    ok ? passed++ : failed++;
}

static bool peer_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Peer *p = nc->opaque;
    if (len <= sizeof(p->frames[0])) {
        memcpy(p->frames[p->n % 16], buf, len);
        p->lens[p->n % 16] = len;
    }
    p->n++;
    return true;
}
static const NetClientOps peer_ops = { peer_receive, NULL };

/* --- memory and registers --- */

static uint64_t rd(Drv *d, uint64_t a, unsigned n)
{
    uint64_t v = 0;
    address_space_read(d->as, a, &v, n);
    return v;
}

static void wr(Drv *d, uint64_t a, uint64_t v, unsigned n)
{
    address_space_write(d->as, a, &v, n);
}

static uint64_t creg(Drv *d, unsigned off, unsigned n) { return rd(d, BAR + d->common + off, n); }
static void cset(Drv *d, unsigned off, uint64_t v, unsigned n) { wr(d, BAR + d->common + off, v, n); }
static uint8_t status(Drv *d) { return (uint8_t)creg(d, 0x14, 1); }

/* The vendor capabilities (4.1.4): where each structure is in the BAR. */
static bool find_caps(Drv *d)
{
    int found = 0;
    for (uint32_t p = pci_config_read(d->bus, d->dev->devfn, PCI_CAPABILITY_LIST, 1); p;
         p = pci_config_read(d->bus, d->dev->devfn, p + 1, 1)) {
        if (pci_config_read(d->bus, d->dev->devfn, p, 1) != 9) {
            continue;
        }
        uint32_t type = pci_config_read(d->bus, d->dev->devfn, p + 3, 1);
        uint32_t off = pci_config_read(d->bus, d->dev->devfn, p + 8, 4);
        if (pci_config_read(d->bus, d->dev->devfn, p + 4, 1) != 4) {
            return false;                  /* all in BAR 4 */
        }
        if (type == 1) { d->common = off; found |= 1; }
        if (type == 2) {
            d->notify = off;
            d->notify_mult = pci_config_read(d->bus, d->dev->devfn, p + 16, 4);
            found |= 2;
        }
        if (type == 4) { d->device = off; found |= 4; }
    }
    return found == 7;
}

static void kick(Drv *d, int q)
{
    uint16_t noff = (uint16_t)(cset(d, 0x16, q, 2), creg(d, 0x1e, 2));
    wr(d, BAR + d->notify + (uint64_t)noff * d->notify_mult, q, 2);
}

/* 3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK. */
static bool driver_init(Drv *d, uint64_t want)
{
    cset(d, 0x14, 0, 1);
    cset(d, 0x14, S_ACK, 1);
    cset(d, 0x14, S_ACK | S_DRIVER, 1);
    cset(d, 0x08, 0, 4);
    cset(d, 0x0c, (uint32_t)want, 4);
    cset(d, 0x08, 1, 4);
    cset(d, 0x0c, want >> 32, 4);
    cset(d, 0x14, S_ACK | S_DRIVER | S_FEATURES_OK, 1);
    if (!(status(d) & S_FEATURES_OK)) {
        return false;
    }
    for (int q = 0; q < 2; q++) {
        cset(d, 0x16, q, 2);
        cset(d, 0x18, QSIZE, 2);
        cset(d, 0x20, ring[q][0], 8);
        cset(d, 0x28, ring[q][1], 8);
        cset(d, 0x30, ring[q][2], 8);
        for (int k = 0; k < 3; k++) {
            for (uint32_t i = 0; i < 0x1000; i += 8) {
                wr(d, ring[q][k] + i, 0, 8);
            }
        }
        cset(d, 0x1c, 1, 2);
        d->avail[q] = 0;
    }
    cset(d, 0x14, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK, 1);
    return true;
}

static void set_desc(Drv *d, int q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint64_t a = ring[q][0] + 16ull * i;
    wr(d, a, addr, 8);
    wr(d, a + 8, len, 4);
    wr(d, a + 12, flags, 2);
    wr(d, a + 14, next, 2);
}

static void offer(Drv *d, int q, uint16_t head)
{
    wr(d, ring[q][1] + 4 + 2u * (d->avail[q] % QSIZE), head, 2);
    d->avail[q]++;
    wr(d, ring[q][1] + 2, d->avail[q], 2);
}

static uint16_t used_idx(Drv *d, int q) { return (uint16_t)rd(d, ring[q][2] + 2, 2); }
static uint32_t used_len(Drv *d, int q, uint16_t k) { return (uint32_t)rd(d, ring[q][2] + 8 + 8u * (k % QSIZE), 4); }
static uint32_t used_id(Drv *d, int q, uint16_t k) { return (uint32_t)rd(d, ring[q][2] + 4 + 8u * (k % QSIZE), 4); }

/* Sends header + frame in two descriptors (header alone, as Linux may). */
static void send(Drv *d, const uint8_t hdr[12], const uint8_t *f, size_t len)
{
    address_space_write(d->as, TXBUF, hdr, 12);
    address_space_write(d->as, TXBUF + 0x100, f, len);
    set_desc(d, 1, 0, TXBUF, 12, 1, 1);
    set_desc(d, 1, 1, TXBUF + 0x100, (uint32_t)len, 0, 0);
    offer(d, 1, 0);
    kick(d, 1);
}

/* --- checksums (RFC 1071) and frames --- */

static uint32_t sum(uint32_t s, const uint8_t *p, size_t n)
{
    for (; n >= 2; p += 2, n -= 2) {
        s += (uint32_t)(p[0] << 8 | p[1]);
    }
    if (n) {
        s += (uint32_t)p[0] << 8;
    }
    return s;
}

static uint16_t folded(uint32_t s)
{
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t)s;
}

static void w16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static uint16_t r16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t r32(const uint8_t *p) { return (uint32_t)r16(p) << 16 | r16(p + 2); }

/* Whether the IPv4 header and the TCP/UDP checksums of frame f add up. */
static bool sums_ok(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14;
    size_t hl = (ip[0] & 15) * 4, tot = r16(ip + 2);
    if (len < 14 + hl || 14 + tot != len || folded(sum(0, ip, hl)) != 0xffff) {
        return false;
    }
    uint32_t ps = sum(0, ip + 12, 8) + ip[9] + (uint32_t)(tot - hl);
    return folded(sum(ps, ip + hl, tot - hl)) == 0xffff;
}

/* Ethernet + IPv4 (+ TCP or UDP header) with n payload bytes of pattern. */
static size_t ip_frame(uint8_t *f, int proto, size_t n)
{
    size_t l4 = proto == 6 ? 20 : 8;
    memset(f, 0, 14 + 20 + l4);
    memcpy(f, "\x52\x55\x0a\x00\x02\x02", 6);
    memcpy(f + 6, mac, 6);
    f[12] = 8;
    uint8_t *ip = f + 14, *t = ip + 20;
    ip[0] = 0x45; ip[8] = 64; ip[9] = (uint8_t)proto;
    w16(ip + 2, (uint16_t)(20 + l4 + n));
    w16(ip + 4, 0x1234);
    memcpy(ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    w16(ip + 10, (uint16_t)~folded(sum(0, ip, 20)));
    w16(t, 40000); w16(t + 2, 80);
    if (proto == 6) {
        w16(t + 4, 0x0001); w16(t + 6, 0x0000);      /* seq 65536 */
        t[12] = 0x50; t[13] = 0x19;                 /* FIN PSH ACK */
    } else {
        w16(t + 4, (uint16_t)(8 + n));
    }
    for (size_t i = 0; i < n; i++) {
        t[l4 + i] = (uint8_t)(i * 7 + i / 251);
    }
    return 14 + 20 + l4 + n;
}

/* --- tests --- */

static void test_config(Drv *d)
{
    cset(d, 0x00, 0, 4);
    uint64_t f = creg(d, 0x04, 4);
    cset(d, 0x00, 1, 4);
    f |= creg(d, 0x04, 4) << 32;
    uint64_t need = 1ull << F_MAC | 1ull << F_STATUS | 1ull << F_CSUM | 1ull << F_MRG_RXBUF |
                    1ull << F_HOST_TSO4 | 1ull << F_VERSION_1 | 1ull << F_GUEST_CSUM;
    check((f & need) == need && !(f & 1ull << F_CTRL_VQ),
          "vnet-features: MAC STATUS CSUM GUEST_CSUM HOST_TSO4 MRG_RXBUF VERSION_1, no CTRL_VQ");
    uint8_t m[6];
    for (int i = 0; i < 6; i++) {
        m[i] = (uint8_t)rd(d, BAR + d->device + i, 1);
    }
    check(!memcmp(m, mac, 6) && (rd(d, BAR + d->device + 6, 2) & 1),
          "vnet-config: the -device mac= and link up (5.1.4)");
    check(pci_config_read(d->bus, d->dev->devfn, 0, 4) == 0x10411af4 &&
          pci_config_read(d->bus, d->dev->devfn, 8, 4) >> 8 == 0x020000,
          "vnet-pci-id: 1AF4:1041, class 020000h (4.1.2)");
}

static void test_tx(Drv *d)
{
    uint8_t f[12000], hdr[12] = { 0 };
    size_t len = ip_frame(f, 17, 300);
    int n0 = d->peer.n;
    send(d, hdr, f, len);
    check(d->peer.n == n0 + 1 && d->peer.lens[n0 % 16] == len &&
          !memcmp(d->peer.frames[n0 % 16], f, len) && used_idx(d, 1) == 1,
          "vnet-tx-plain: the frame as it is, the buffer used");
    /* CSUM: the pseudo-header sum in the field, the device finishes (5.1.6.2) */
    uint8_t *udp = f + 34;
    uint32_t ps = sum(0, f + 26, 8) + 17 + 308;
    w16(udp + 6, folded(ps));
    hdr[0] = 1;                          /* NEEDS_CSUM */
    hdr[6] = 34; hdr[8] = 6;             /* csum_start, csum_offset */
    n0 = d->peer.n;
    send(d, hdr, f, len);
    check(d->peer.n == n0 + 1 && sums_ok(d->peer.frames[n0 % 16], len) &&
          !memcmp(d->peer.frames[n0 % 16] + 42, f + 42, 300),
          "vnet-tx-csum: the UDP checksum finished");
    /* HOST_TSO4: 10,000 bytes of TCP payload at gso_size 1448 */
    len = ip_frame(f, 6, 10000);
    uint8_t *tcp = f + 34;
    tcp[16] = tcp[17] = 0;
    w16(tcp + 16, folded(sum(0, f + 26, 8) + 6));   /* as Linux: pseudo-header, length 0 */
    memset(hdr, 0, 12);
    hdr[0] = 1; hdr[1] = 1;                          /* NEEDS_CSUM, GSO_TCPV4 */
    hdr[2] = 54; hdr[4] = 1448 & 0xff; hdr[5] = 1448 >> 8;
    hdr[6] = 34; hdr[8] = 16;
    n0 = d->peer.n;
    send(d, hdr, f, len);
    int nseg = d->peer.n - n0;
    bool ok = nseg == 7;
    uint8_t payload[10000];
    size_t got = 0;
    for (int i = 0; ok && i < nseg; i++) {
        const uint8_t *g = d->peer.frames[(n0 + i) % 16];
        size_t gl = d->peer.lens[(n0 + i) % 16], chunk = i < 6 ? 1448 : 10000 - 6 * 1448;
        ok = gl == 54 + chunk && sums_ok(g, gl) && r16(g + 18) == 0x1234 + i &&
             r32(g + 38) == 65536u + 1448u * i &&
             (g[47] & 0x09) == (i == nseg - 1 ? 0x09 : 0) && !memcmp(g, f, 14);
        if (ok) {
            memcpy(payload + got, g + 54, chunk);
            got += chunk;
        }
    }
    check(ok && got == 10000 && !memcmp(payload, f + 54, 10000),
          "vnet-tx-tso4: 7 segments, ids, sequence numbers, FIN/PSH last, checksums, payload");
}

static void post_rx(Drv *d, unsigned i, uint32_t len)
{
    set_desc(d, 0, i, RXBUF(i), len, 2, 0);
    offer(d, 0, (uint16_t)i);
}

static void test_rx(Drv *d, bool mrg)
{
    uint8_t f[1600], buf[2048];
    size_t len = ip_frame(f, 17, 1000);
    uint16_t u0 = used_idx(d, 0);
    if (!mrg) {
        post_rx(d, 0, 1526);
        net_send(&d->peer.nc, f, len);
        address_space_read(d->as, RXBUF(0), buf, 12 + len);
        check(used_idx(d, 0) == u0 + 1 && used_len(d, 0, u0) == 12 + len &&
              buf[0] == 0 && buf[3] == 0 && buf[10] == 1 && buf[11] == 0 &&
              !memcmp(buf + 12, f, len),
              "vnet-rx-single: header (no GSO, num_buffers 1) and the frame");
        return;
    }
    /* 256-byte buffers: 12 + 1042 bytes need 5 of them */
    net_send(&d->peer.nc, f, len);          /* no buffers yet: the back end keeps it */
    check(used_idx(d, 0) == u0 && d->peer.nc.queue_len == 1,
          "vnet-rx-kept: nothing written without buffers, the frame queued");
    for (unsigned i = 0; i < 8; i++) {
        post_rx(d, i, 256);
    }
    kick(d, 0);
    size_t got = 0;
    bool ids = true;
    for (uint16_t k = 0; k < 5 && used_idx(d, 0) == u0 + 5; k++) {
        uint32_t l = used_len(d, 0, u0 + k);
        ids &= used_id(d, 0, u0 + k) == k && l == (k < 4 ? 256 : 12 + len - 4 * 256);
        address_space_read(d->as, RXBUF(k), buf + got, l);
        got += l;
    }
    check(used_idx(d, 0) == u0 + 5 && ids && got == 12 + len && buf[10] == 5 &&
          !memcmp(buf + 12, f, len),
          "vnet-rx-mrg: 5 buffers at once after the kick, num_buffers 5, the frame");
}

/* GUEST_CSUM: a frame whose TCP/UDP checksum is right comes marked
 * DATA_VALID (5.1.6.4); a damaged or absent one does not. */
static void test_guest_csum(Drv *d)
{
    driver_init(d, 1ull << F_VERSION_1 | 1ull << F_GUEST_CSUM);
    uint8_t f[1600], hdr[12];
    size_t len = ip_frame(f, 17, 200);
    uint32_t ps = sum(0, f + 26, 8) + 17 + 208;
    w16(f + 40, (uint16_t)~folded(sum(ps, f + 34, 208)));
    uint8_t flags[4];
    for (int i = 0; i < 4; i++) {
        if (i == 1) {
            f[100] ^= 1;                   /* the UDP data damaged */
        } else if (i == 2) {
            f[100] ^= 1;
            w16(f + 40, 0);                /* no UDP checksum */
        } else if (i == 3) {
            len = ip_frame(f, 6, 300);
            w16(f + 50, (uint16_t)~folded(sum(sum(0, f + 26, 8) + 6 + 320, f + 34, 320)));
        }
        post_rx(d, (unsigned)i, 1526);
        net_send(&d->peer.nc, f, len);
        address_space_read(d->as, RXBUF(i), hdr, 12);
        flags[i] = hdr[0];
    }
    check(used_idx(d, 0) == 4 && flags[0] == 2 && flags[1] == 0 && flags[2] == 0 && flags[3] == 2,
          "vnet-guest-csum: DATA_VALID on right UDP/TCP sums only");
}

static void test_hostile(Drv *d)
{
    /* a transmit chain that loops: 0 -> 1 -> 0 */
    set_desc(d, 1, 0, TXBUF, 12, 1, 1);
    set_desc(d, 1, 1, TXBUF, 64, 1, 0);
    offer(d, 1, 0);
    kick(d, 1);
    check(status(d) & S_NEEDS_RESET, "vnet-hostile-loop: NEEDS_RESET, no hang");
    driver_init(d, 1ull << F_VERSION_1 | 1ull << F_MRG_RXBUF);
    check(!(status(d) & S_NEEDS_RESET), "vnet-hostile-reset: cleared by a reset");
    /* a receive buffer the device may only read */
    set_desc(d, 0, 0, RXBUF(0), 2048, 0, 0);
    offer(d, 0, 0);
    uint8_t f[100];
    size_t len = ip_frame(f, 17, 30);
    net_send(&d->peer.nc, f, len);
    check((status(d) & S_NEEDS_RESET) && used_idx(d, 0) == 0,
          "vnet-hostile-readonly-rx: NEEDS_RESET, nothing written");
    driver_init(d, 1ull << F_VERSION_1);
    /* the avail index far ahead of the ring */
    wr(d, ring[1][1] + 2, 1000, 2);
    kick(d, 1);
    check(status(d) & S_NEEDS_RESET, "vnet-hostile-avail: NEEDS_RESET");
    driver_init(d, 1ull << F_VERSION_1 | 1ull << F_MRG_RXBUF);
    uint8_t hdr[12] = { 0 };
    int n0 = d->peer.n;
    send(d, hdr, f, len);
    check(d->peer.n == n0 + 1, "vnet-hostile-after: sends again after the reset");
}

static Drv *drv_new(IOSpace *io)
{
    Drv *d = calloc(1, sizeof(*d));
    d->as = address_space_new();
    memory_add_ram(d->as, "ram", 0, RAM_SIZE);
    d->bus = pci_bus_new(io, d->as);
    net_client_init(&d->peer.nc, &peer_ops, &d->peer);
    d->dev = virtio_net_new(d->bus, PCI_DEVFN(3, 0), d->as, NULL, mac, &d->peer.nc);
    pci_config_write(d->bus, PCI_DEVFN(3, 0), PCI_BASE_ADDRESS_0 + 16, BAR, 4);
    pci_config_write(d->bus, PCI_DEVFN(3, 0), PCI_COMMAND, 6, 2);
    d->caps_ok = find_caps(d);
    return d;
}

static void drv_free(Drv *d)
{
    net_client_cleanup(&d->peer.nc);
    d->dev->dev.ops->free(d->dev);
    pci_bus_free(d->bus);
    address_space_free(d->as);
    free(d);
}

/* The state of a in the middle of a receive ring; b loads it over a copy
 * of a's RAM; the next frame must land the same in both. */
static void test_save_load(Drv *a, IOSpace *io2)
{
    driver_init(a, 1ull << F_VERSION_1 | 1ull << F_MRG_RXBUF);
    for (unsigned i = 0; i < 8; i++) {
        post_rx(a, i, 256);
    }
    uint8_t f[1600];
    size_t len = ip_frame(f, 17, 600);
    net_send(&a->peer.nc, f, len);          /* 3 buffers used, 5 left */
    FILE *tmp = tmpfile();
    SaveStream ss = { tmp, false };
    a->dev->dev.ops->save(a->dev, &ss);
    bool saved = !ss.error;
    Drv *b = drv_new(io2);
    static uint8_t ram[RAM_SIZE];
    address_space_read(a->as, 0, ram, RAM_SIZE);
    address_space_write(b->as, 0, ram, RAM_SIZE);
    rewind(tmp);
    ss = (SaveStream){ tmp, false };
    b->dev->dev.ops->load(b->dev, &ss);
    check(saved && !ss.error && status(b) == status(a), "vnet-load: the stream loads");
    len = ip_frame(f, 6, 400);
    net_send(&a->peer.nc, f, len);
    net_send(&b->peer.nc, f, len);
    static uint8_t ram2[RAM_SIZE];
    address_space_read(a->as, 0, ram, RAM_SIZE);
    address_space_read(b->as, 0, ram2, RAM_SIZE);
    check(used_idx(a, 0) == 5 && !memcmp(ram, ram2, RAM_SIZE),
          "vnet-save-load: the next frame lands the same in the loaded copy");
    uint8_t hdr[12] = { 0 };
    int n0 = b->peer.n;
    send(b, hdr, f, len);                  /* the loaded copy's transmit queue */
    check(b->peer.n == n0 + 1 && b->peer.lens[n0 % 16] == len, "vnet-load-tx: the copy sends");
    drv_free(b);
    /* a stream of a NIC with another MAC: refused */
    rewind(tmp);
    uint8_t other[6] = { 0x52, 0x54, 0, 1, 2, 3 };
    AddressSpace *as = address_space_new();
    memory_add_ram(as, "ram", 0, RAM_SIZE);
    PCIBus *bus = pci_bus_new(io2, as);
    PCIDevice *c = virtio_net_new(bus, PCI_DEVFN(3, 0), as, NULL, other, NULL);
    ss = (SaveStream){ tmp, false };
    c->dev.ops->load(c, &ss);
    check(ss.error, "vnet-load-other-mac: refused");
    /* a truncated stream: refused */
    FILE *cut = tmpfile();
    char part[300];
    rewind(tmp);
    fwrite(part, 1, fread(part, 1, sizeof(part), tmp), cut);
    rewind(cut);
    ss = (SaveStream){ cut, false };
    c->dev.ops->load(c, &ss);
    check(ss.error, "vnet-load-truncated: refused");
    fclose(cut);
    c->dev.ops->free(c);
    pci_bus_free(bus);
    address_space_free(as);
    fclose(tmp);
}

int main(void)
{
    IOSpace *io = io_space_new(), *io2 = io_space_new();
    Drv *d = drv_new(io);
    check(d->caps_ok, "vnet-caps: common, notify and device structures in BAR 4");
    test_config(d);
    check(driver_init(d, 1ull << F_VERSION_1 | 1ull << F_MAC | 1ull << F_STATUS |
                         1ull << F_CSUM | 1ull << F_HOST_TSO4), "vnet-init: FEATURES_OK kept");
    test_tx(d);
    test_rx(d, false);
    driver_init(d, 1ull << F_VERSION_1 | 1ull << F_MRG_RXBUF);
    test_rx(d, true);
    test_guest_csum(d);
    test_hostile(d);
    test_save_load(d, io2);
    drv_free(d);
    io_space_free(io);
    io_space_free(io2);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
