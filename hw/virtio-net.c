/*
 * virtio-net (virtio 1.1, 5.1 "Network Device") over the modern PCI transport
 * (hw/virtio-pci.c), PCI 1AF4:1041: queue 0 receives, queue 1 transmits, no
 * control queue. Features: MAC and STATUS (the configuration, 5.1.4), CSUM
 * (the driver leaves a partial checksum for the device to finish, 5.1.6.2),
 * GUEST_CSUM (received TCP/UDP over IPv4 whose checksum this file verified
 * are marked DATA_VALID, so the guest skips it, 5.1.6.4), HOST_TSO4 (the
 * driver hands TCP/IPv4 segments up to 64 KiB that the device cuts to
 * gso_size, 5.1.6.2) and MRG_RXBUF (a frame spans several receive buffers,
 * num_buffers in the first header, 5.1.6.4). The state between frames is
 * the transport's (save/load there); the device adds its MAC as a check.
 *
 * Every buffer starts with the 12-byte struct virtio_net_hdr (5.1.6: flags,
 * gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers; with
 * VIRTIO_F_VERSION_1 num_buffers is always there). Frames carry no FCS.
 * A broken chain sets NEEDS_RESET (hw/virtio-pci.c); a runt or oversized
 * transmit buffer is dropped.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/virtio.h"
#include "net/net.h"

#define F_CSUM (1ull << 0)
#define F_GUEST_CSUM (1ull << 1)
#define F_MAC (1ull << 5)
#define F_HOST_TSO4 (1ull << 11)
#define F_MRG_RXBUF (1ull << 15)
#define F_STATUS (1ull << 16)
#define HDR_LEN 12
#define CONFIG_SIZE 10                    /* mac[6], status, max_virtqueue_pairs */
#define FRAME_MAX NET_FRAME_MAX
enum { Q_RX = 0, Q_TX = 1 };
enum { HDR_F_NEEDS_CSUM = 1, HDR_F_DATA_VALID = 2 };
enum { GSO_NONE = 0, GSO_TCPV4 = 1, GSO_ECN = 0x80 };

typedef struct VirtioNet {
    VirtioPCI *vp;
    NetClient nc;
    uint8_t mac[6];
    uint8_t rx[HDR_LEN + FRAME_MAX];      /* header + frame being received */
    uint8_t tx[HDR_LEN + FRAME_MAX];      /* header + frame being sent */
    uint8_t seg[FRAME_MAX];               /* one TSO segment */
    VirtQueueElement elem, first;         /* receive: the current and first buffers */
    VirtQueueElement tx_elem;             /* apart: a reply may be received while sending */
} VirtioNet;

static uint16_t rd16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint16_t be16(const uint8_t *p) { return p[0] << 8 | p[1]; }
static void wbe16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }

/* The ones' complement sum of p[0..len) as big-endian words (RFC 1071). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (; len >= 2; p += 2, len -= 2) {
        sum += be16(p);
    }
    if (len) {
        sum += (uint32_t)p[0] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void net_read_config(void *opaque, uint8_t *c)
{
    VirtioNet *s = opaque;
    memset(c, 0, CONFIG_SIZE);
    memcpy(c, s->mac, 6);
    c[6] = 1;                              /* VIRTIO_NET_S_LINK_UP */
    c[8] = 1;                              /* one queue pair */
}

/* Copies len bytes from buf into the writable segments, from offset skip. */
static size_t scatter(AddressSpace *as, const VirtSeg *seg, unsigned n, size_t skip,
                      const uint8_t *buf, size_t len)
{
    size_t done = 0;
    for (unsigned i = 0; i < n && done < len; i++) {
        size_t l = seg[i].len;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        l -= skip;
        if (l > len - done) {
            l = len - done;
        }
        address_space_write(as, seg[i].addr + skip, buf + done, l);
        skip = 0;
        done += l;
    }
    return done;
}

static bool net_ready(VirtioNet *s)
{
    return virtio_driver_ok(s->vp);
}

static bool vnet_can_receive(NetClient *nc)
{
    VirtioNet *s = nc->opaque;
    return net_ready(s) && virtqueue_has_avail(s->vp, virtio_queue(s->vp, Q_RX));
}

static void notify_queue(VirtioNet *s, VirtQueue *q)
{
    if (!virtqueue_no_interrupt(s->vp, q)) {
        virtio_notify(s->vp);
    }
}

/* Whether f is TCP or UDP over IPv4 (no fragment) whose checksums, IP
 * header's and transport's, are right (RFC 791, 793, 768; RFC 1071 sums);
 * a UDP datagram without a checksum is not "validated". */
static bool l4_sum_valid(const uint8_t *f, size_t len)
{
    if (len < 14 + 20 || be16(f + 12) != 0x0800 || (f[14] >> 4) != 4) {
        return false;
    }
    const uint8_t *ip = f + 14;
    size_t ihl = (ip[0] & 15) * 4, tot = be16(ip + 2);
    if (ihl < 20 || tot < ihl || 14 + tot > len || (be16(ip + 6) & 0x3fff) ||
        (ip[9] != 6 && ip[9] != 17) || fold(sum16(0, ip, ihl)) != 0) {
        return false;
    }
    size_t l4 = tot - ihl;
    if (l4 < (ip[9] == 6 ? 20u : 8u) || (ip[9] == 17 && be16(ip + ihl + 6) == 0)) {
        return false;
    }
    uint32_t ps = sum16(0, ip + 12, 8) + ip[9] + (uint32_t)l4;
    return fold(sum16(ps, ip + ihl, l4)) == 0;
}

/* Puts back the n buffers popped for a frame that did not fit (2.6.13: the
 * device may take them again later). */
static void unpop(VirtQueue *q, unsigned n)
{
    q->last_avail -= n;
}

/* One frame into as many receive buffers as it needs (one without
 * MRG_RXBUF). False when the buffers run out: the back end keeps the frame
 * and the driver's next kick of the receive queue flushes it. */
static bool vnet_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    VirtioNet *s = nc->opaque;
    if (!net_ready(s) || len > FRAME_MAX) {
        return true;                       /* no driver: the wire drops it */
    }
    VirtioPCI *vp = s->vp;
    VirtQueue *q = virtio_queue(vp, Q_RX);
    AddressSpace *as = virtio_as(vp);
    bool mrg = virtio_driver_features(vp) & F_MRG_RXBUF;
    size_t total = HDR_LEN + len, off = 0;
    memset(s->rx, 0, HDR_LEN);             /* no GSO */
    if ((virtio_driver_features(vp) & F_GUEST_CSUM) && l4_sum_valid(buf, len)) {
        s->rx[0] = HDR_F_DATA_VALID;
    }
    memcpy(s->rx + HDR_LEN, buf, len);
    VirtQueueElement *e = &s->elem;
    unsigned n = 0;
    while (off < total) {
        int r = n < q->size ? virtqueue_pop(vp, q, e) : 0;
        if (r < 0) {
            return true;                   /* broken: needs reset, frame lost */
        }
        if (r == 0) {
            unpop(q, n);                   /* not enough buffers yet */
            return n == q->size && n ? true : false;
        }
        if (e->n_out || !e->n_in) {
            unpop(q, n + 1);               /* a receive buffer the device cannot write */
            virtio_set_needs_reset(vp);
            return true;
        }
        size_t w = scatter(as, e->seg, e->n_in, 0, s->rx + off, total - off);
        if (n == 0 && (w < HDR_LEN || (!mrg && w < total))) {
            virtqueue_push(vp, q, e->head, 0);   /* too small: the frame is dropped */
            notify_queue(s, q);
            return true;
        }
        if (n == 0) {                      /* num_buffers goes in its header */
            s->first.n_in = e->n_in;
            memcpy(s->first.seg, e->seg, sizeof(VirtSeg) * e->n_in);
        }
        virtqueue_fill(vp, q, n++, e->head, w);
        off += w;
    }
    uint8_t nb[2] = { (uint8_t)n, (uint8_t)(n >> 8) };
    scatter(as, s->first.seg, s->first.n_in, 10, nb, 2);
    virtqueue_flush(vp, q, n);
    notify_queue(s, q);
    return true;
}

/* --- transmit --- */

/* NEEDS_CSUM: the sum from csum_start to the end, over the partial sum the
 * driver left in the field, stored at csum_start + csum_offset (5.1.6.2). */
static void finish_csum(uint8_t *f, size_t len, unsigned start, unsigned offset)
{
    if (start + offset + 2 > len || start + offset < start) {
        return;                            /* outside the frame: sent as it is */
    }
    wbe16(f + start + offset, fold(sum16(0, f + start, len - start)));
}

/* HOST_TSO4: cuts a TCP/IPv4 frame into gso_size payloads, each with its own
 * IP length, identification and checksum, TCP sequence number, flags (FIN
 * and PSH on the last only, CWR on the first only; RFC 3168 6.1.2) and TCP
 * checksum (RFC 793 3.1 pseudo-header). */
static void send_tso4(VirtioNet *s, const uint8_t *f, size_t len, unsigned mss)
{
    if (len < 14 + 20 || be16(f + 12) != 0x0800 || mss == 0) {
        return;
    }
    size_t ihl = (f[14] & 15) * 4;
    if (ihl < 20 || 14 + ihl + 20 > len || f[14 + 9] != 6) {
        return;
    }
    size_t thl = (f[14 + ihl + 12] >> 4) * 4, hdr = 14 + ihl + thl;
    if (thl < 20 || hdr > len || hdr + mss > sizeof(s->seg)) {
        return;
    }
    const uint8_t *ip = f + 14;
    uint16_t id = be16(ip + 4);
    uint32_t seq0 = (uint32_t)be16(ip + ihl + 4) << 16 | be16(ip + ihl + 6);
    size_t pay = len - hdr;
    for (size_t at = 0, i = 0; at < pay || (at == 0 && pay == 0); at += mss, i++) {
        size_t chunk = pay - at < mss ? pay - at : mss;
        bool last = at + chunk >= pay;
        uint8_t *g = s->seg, *gip = g + 14, *tcp = gip + ihl;
        memcpy(g, f, hdr);
        memcpy(g + hdr, f + hdr + at, chunk);
        wbe16(gip + 2, (uint16_t)(ihl + thl + chunk));
        wbe16(gip + 4, (uint16_t)(id + i));
        gip[10] = gip[11] = 0;
        wbe16(gip + 10, fold(sum16(0, gip, ihl)));
        uint32_t seq = seq0 + (uint32_t)at;
        wbe16(tcp + 4, seq >> 16);
        wbe16(tcp + 6, (uint16_t)seq);
        if (!last) {
            tcp[13] &= ~0x09;
        }
        if (i) {
            tcp[13] &= ~0x80;
        }
        tcp[16] = tcp[17] = 0;
        size_t tl = thl + chunk;
        uint32_t ps = sum16(0, gip + 12, 8) + 6 + (uint32_t)tl;
        wbe16(tcp + 16, fold(sum16(ps, tcp, tl)));
        net_send(&s->nc, g, hdr + chunk);
        if (last) {
            break;
        }
    }
}

/* One transmit buffer: the header, then the frame. */
static void transmit(VirtioNet *s, size_t total)
{
    if (total < HDR_LEN + 14) {
        return;                            /* a runt: dropped */
    }
    uint8_t *h = s->tx, *f = s->tx + HDR_LEN;
    size_t len = total - HDR_LEN;
    uint64_t feat = virtio_driver_features(s->vp);
    unsigned gso = h[1] & ~GSO_ECN;
    if (gso != GSO_NONE) {
        if (gso == GSO_TCPV4 && (feat & F_HOST_TSO4)) {
            send_tso4(s, f, len, rd16(h + 4));
        }
        return;                            /* other GSO types were not offered */
    }
    if ((h[0] & HDR_F_NEEDS_CSUM) && (feat & F_CSUM)) {
        finish_csum(f, len, rd16(h + 6), rd16(h + 8));
    }
    net_send(&s->nc, f, len);
}

static void tx_run(VirtioNet *s)
{
    VirtioPCI *vp = s->vp;
    VirtQueue *q = virtio_queue(vp, Q_TX);
    AddressSpace *as = virtio_as(vp);
    VirtQueueElement *e = &s->tx_elem;
    bool done = false;
    while (virtqueue_pop(vp, q, e) > 0) {
        size_t total = 0;
        bool big = false;
        for (unsigned i = 0; i < e->n_out && !big; i++) {
            if (e->seg[i].len > sizeof(s->tx) - total) {
                big = true;                /* more than a 64 KiB frame: dropped */
                break;
            }
            address_space_read(as, e->seg[i].addr, s->tx + total, e->seg[i].len);
            total += e->seg[i].len;
        }
        if (!big) {
            transmit(s, total);
        }
        virtqueue_push(vp, q, e->head, 0);
        done = true;
    }
    if (done) {
        notify_queue(s, q);
    }
}

static void vnet_notify(void *opaque, int queue)
{
    VirtioNet *s = opaque;
    if (queue == Q_TX) {
        tx_run(s);
    } else if (queue == Q_RX) {
        net_flush(&s->nc);                 /* new buffers: frames the back end kept */
    }
}

/* --- state --- */

/* The transport (hw/virtio-pci.c) saves the queues; the device has no
 * state between frames but its MAC, saved to refuse a stream of another NIC. */
static void vnet_save(void *opaque, SaveStream *ss)
{
    VirtioNet *s = opaque;
    save_bytes(ss, s->mac, 6);
}

static void vnet_load(void *opaque, SaveStream *ss)
{
    VirtioNet *s = opaque;
    uint8_t mac[6];
    load_bytes(ss, mac, 6);
    if (memcmp(mac, s->mac, 6)) {
        ss->error = true;
        return;
    }
    net_flush(&s->nc);                     /* the back end may hold frames */
}

static void vnet_free(void *opaque)
{
    VirtioNet *s = opaque;
    net_client_cleanup(&s->nc);
    free(s);
}

static const NetClientOps vnet_net_ops = { vnet_receive, vnet_can_receive };

PCIDevice *virtio_net_new(PCIBus *bus, int devfn, AddressSpace *as, MainLoop *ml,
                          const uint8_t mac[6], NetClient *backend)
{
    (void)ml;
    static const VirtioDeviceOps ops = {
        .device_id = 1, .class_code = 0x020000, .config_size = CONFIG_SIZE,
        .features = F_CSUM | F_GUEST_CSUM | F_MAC | F_HOST_TSO4 | F_MRG_RXBUF | F_STATUS,
        .read_config = net_read_config, .notify = vnet_notify, .free = vnet_free,
        .save = vnet_save, .load = vnet_load,
    };
    VirtioNet *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    memcpy(s->mac, mac, 6);
    net_client_init(&s->nc, &vnet_net_ops, s);
    if (backend) {
        net_client_connect(&s->nc, backend);
    }
    s->vp = virtio_pci_new(bus, devfn, as, &ops, s, 2);
    return virtio_pci_device(s->vp);
}
