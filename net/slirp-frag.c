/*
 * IPv4 reassembly of the guest's fragmented datagrams (RFC 791 3.2, "an
 * example reassembly procedure"): the fragments of one datagram share
 * source, destination, protocol and identification; each carries its offset
 * in 8-byte units and, but the last, More Fragments (then its length is a
 * multiple of 8). A bit per 8-byte block records what arrived; the header is
 * the first fragment's. Up to FRAG_SLOTS datagrams are pending at once; one is
 * dropped FRAG_TIMEOUT_NS after its first fragment (RFC 1122 3.3.2 asks for a
 * timeout of 60 to 120 s; a lost fragment is a lost datagram either way) or
 * when a new datagram needs its slot (the oldest goes). A datagram may not
 * exceed 65,535 bytes with its header (RFC 791 3.1 "Total Length").
 */
#include <stdlib.h>
#include <string.h>
#include "net/slirp.h"

#define FRAG_SLOTS 4
#define FRAG_TIMEOUT_NS (60ll * 1000000000)
#define DGRAM_MAX 65535
#define MF 0x2000

typedef struct FragSlot {
    bool used, have_first, have_last;
    uint32_t src, dst;
    uint8_t proto;
    uint16_t id;
    int64_t start;
    size_t hlen, total;                   /* header length; payload length once the last came */
    uint8_t hdr[60];                      /* the first fragment's header */
    uint8_t got[DGRAM_MAX / 8 / 8 + 1];   /* one bit per 8-byte block */
    uint8_t pkt[60 + DGRAM_MAX];          /* the payload from 60, its header put before */
} FragSlot;

struct SlirpFrag {
    FragSlot slot[FRAG_SLOTS];
};

void slirp_frag_free(Slirp *s)
{
    free(s->frag);
    s->frag = NULL;
}

static FragSlot *find_slot(Slirp *s, const uint8_t *ip, int64_t now)
{
    FragSlot *free_slot = NULL, *oldest = NULL;
    uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
    uint16_t id = rd16(ip + 4);
    for (int i = 0; i < FRAG_SLOTS; i++) {
        FragSlot *f = &s->frag->slot[i];
        if (f->used && now - f->start > FRAG_TIMEOUT_NS) {
            f->used = false;              /* timed out */
        }
        if (f->used && f->src == src && f->dst == dst && f->proto == ip[9] && f->id == id) {
            return f;
        }
        if (!f->used) {
            free_slot = free_slot ? free_slot : f;
        } else if (!oldest || f->start < oldest->start) {
            oldest = f;
        }
    }
    FragSlot *f = free_slot ? free_slot : oldest;
    memset(f, 0, offsetof(FragSlot, pkt));   /* (the bitmap included) */
    f->used = true;
    f->src = src;
    f->dst = dst;
    f->proto = ip[9];
    f->id = id;
    f->start = now;
    return f;
}

static bool complete(const FragSlot *f)
{
    if (!f->have_first || !f->have_last) {
        return false;
    }
    for (size_t b = 0; b < (f->total + 7) / 8; b++) {
        if (!(f->got[b / 8] & (1u << (b % 8)))) {
            return false;
        }
    }
    return true;
}

const uint8_t *slirp_frag_input(Slirp *s, const uint8_t *ip, size_t hlen, size_t tot,
                                size_t *out_len)
{
    uint16_t ff = rd16(ip + 6);
    size_t off = (size_t)(ff & 0x1fff) * 8, len = tot - hlen;
    if (((ff & MF) && (len % 8 || !len)) || hlen + off + len > DGRAM_MAX) {
        return NULL;                      /* not a fragment RFC 791 allows */
    }
    if (!s->frag && !(s->frag = calloc(1, sizeof(*s->frag)))) {
        return NULL;
    }
    FragSlot *f = find_slot(s, ip, clock_ns(s->ml));
    if (off == 0) {
        memcpy(f->hdr, ip, hlen);
        f->hlen = hlen;
        f->have_first = true;
    }
    memcpy(f->pkt + 60 + off, ip + hlen, len);
    for (size_t b = off / 8; b < (off + len + 7) / 8; b++) {
        f->got[b / 8] |= (uint8_t)(1u << (b % 8));
    }
    if (!(ff & MF)) {
        f->have_last = true;
        f->total = off + len;
    }
    if (!complete(f)) {
        return NULL;
    }
    f->used = false;
    if (f->hlen + f->total > DGRAM_MAX) {
        return NULL;
    }
    /* the header just before the payload, with the whole length and no
     * fragment fields */
    uint8_t *h = f->pkt + 60 - f->hlen;
    memcpy(h, f->hdr, f->hlen);
    wr16(h + 2, (uint16_t)(f->hlen + f->total));
    wr16(h + 6, 0);
    wr16(h + 10, 0);
    wr16(h + 10, slirp_fold(slirp_sum(0, h, f->hlen)));
    *out_len = f->hlen + f->total;
    return h;
}
