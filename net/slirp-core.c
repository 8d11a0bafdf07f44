/*
 * The user-mode NAT's core: the -netdev user back end, Ethernet framing, ARP
 * (RFC 826) for the gateway and DNS addresses, IPv4 input checks (RFC 791:
 * version, header length, total length, header checksum; fragments go to
 * slirp-frag.c to be reassembled; what we send past the MTU goes in
 * fragments, RFC 791 3.2), ICMP echo
 * (RFC 792) for the gateway and DNS addresses, and RFC 1071 checksums.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "net/slirp.h"

uint32_t slirp_sum(uint32_t sum, const uint8_t *p, size_t len)
{
    for (; len >= 2; p += 2, len -= 2) {
        sum += rd16(p);
    }
    if (len) {
        sum += (uint32_t)p[0] << 8;
    }
    return sum;
}

uint16_t slirp_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint32_t slirp_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

static void send_eth(Slirp *s, const uint8_t *dst_mac, uint16_t type, uint8_t *frame, size_t len)
{
    memcpy(frame, dst_mac, 6);
    memcpy(frame + 6, s->mac, 6);
    wr16(frame + 12, type);
    net_send(&s->b.nc, frame, len);
}

void slirp_send_ip(Slirp *s, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                   size_t len, bool broadcast)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint8_t frame[ETH_HLEN + SLIRP_MTU];
    if (len > SLIRP_PAYLOAD_MAX) {
        return;
    }
    bool known = s->guest_mac_known && !broadcast;
    uint16_t id = s->ip_id++;
    /* RFC 791 3.2 fragmentation: pieces of a multiple of 8 bytes but the
     * last, each with its offset and More Fragments; DF only when whole */
    const size_t piece = (SLIRP_MTU - IP_HLEN) & ~7u;
    size_t off = 0;
    do {
        size_t n = len - off > SLIRP_MTU - IP_HLEN ? piece : len - off;
        bool more = off + n < len;
        uint8_t *ip = frame + ETH_HLEN;
        memset(ip, 0, IP_HLEN);
        ip[0] = 0x45;
        wr16(ip + 2, (uint16_t)(IP_HLEN + n));
        wr16(ip + 4, id);
        wr16(ip + 6, len <= SLIRP_MTU - IP_HLEN ? 0x4000 : (more ? 0x2000 : 0) | (uint16_t)(off / 8));
        ip[8] = 64;
        ip[9] = proto;
        wr32(ip + 12, src);
        wr32(ip + 16, dst);
        wr16(ip + 10, slirp_fold(slirp_sum(0, ip, IP_HLEN)));
        memcpy(ip + IP_HLEN, l4 + off, n);
        send_eth(s, known ? s->guest_mac : bcast, ETH_P_IP, frame, ETH_HLEN + IP_HLEN + n);
        off += n;
    } while (off < len);
}

/* RFC 826: answer requests for the addresses we own (gateway and DNS). */
static void arp_input(Slirp *s, const uint8_t *a, size_t len)
{
    if (len < 28 || rd16(a) != 1 || rd16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4 ||
        rd16(a + 6) != 1) {
        return;
    }
    uint32_t tpa = rd32(a + 24);
    if (tpa != s->host && tpa != s->dns) {
        return;
    }
    uint8_t frame[ETH_HLEN + 28];
    uint8_t *r = frame + ETH_HLEN;
    wr16(r, 1);
    wr16(r + 2, ETH_P_IP);
    r[4] = 6;
    r[5] = 4;
    wr16(r + 6, 2);                       /* reply */
    memcpy(r + 8, s->mac, 6);
    wr32(r + 14, tpa);
    memcpy(r + 18, a + 8, 10);            /* the requester's hardware and IP address */
    send_eth(s, a + 8, ETH_P_ARP, frame, sizeof(frame));
}

static void icmp_input(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
    if (len < 8 || len > SLIRP_PAYLOAD_MAX || slirp_fold(slirp_sum(0, p, len)) != 0) {
        return;
    }
    if (p[0] != 8 || (dst != s->host && dst != s->dns)) {
        return;                           /* only echo requests to our own addresses */
    }
    uint8_t *reply = s->scratch;         /* (p may be a reassembled datagram: not this) */
    memcpy(reply, p, len);
    reply[0] = 0;                         /* echo reply: same id, sequence, data */
    wr16(reply + 2, 0);
    wr16(reply + 2, slirp_fold(slirp_sum(0, reply, len)));
    slirp_send_ip(s, dst, src, 1, reply, len, false);
}

static void ip_input(Slirp *s, const uint8_t *ip, size_t len)
{
    if (len < IP_HLEN || (ip[0] >> 4) != 4) {
        return;
    }
    size_t hlen = (ip[0] & 15) * 4, tot = rd16(ip + 2);
    if (hlen < IP_HLEN || tot < hlen || tot > len || slirp_fold(slirp_sum(0, ip, hlen)) != 0) {
        return;
    }
    if (rd16(ip + 6) & 0x3fff) {          /* a fragment (MF or an offset) */
        if (!(ip = slirp_frag_input(s, ip, hlen, tot, &tot))) {
            return;
        }
        hlen = (ip[0] & 15) * 4;
    }
    uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
    const uint8_t *p = ip + hlen;
    size_t plen = tot - hlen;
    switch (ip[9]) {
    case 1: icmp_input(s, src, dst, p, plen); break;
    case 6: slirp_tcp_input(s, src, dst, p, plen); break;
    case 17: slirp_udp_input(s, src, dst, p, plen); break;
    default: break;
    }
}

static bool slirp_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Slirp *s = nc->opaque;
    if (len < ETH_HLEN) {
        return true;
    }
    if (!(buf[6] & 1)) {                  /* learn the guest's unicast address */
        memcpy(s->guest_mac, buf + 6, 6);
        s->guest_mac_known = true;
    }
    uint16_t type = rd16(buf + 12);
    if (type == ETH_P_ARP) {
        arp_input(s, buf + ETH_HLEN, len - ETH_HLEN);
    } else if (type == ETH_P_IP) {
        ip_input(s, buf + ETH_HLEN, len - ETH_HLEN);
    }
    return true;
}

static void slirp_tick(void *opaque)
{
    Slirp *s = opaque;
    bool tcp = slirp_tcp_tick(s);
    bool udp = slirp_udp_tick(s);
    if (tcp || udp) {
        timer_mod(s->timer, clock_ns(s->ml) + SLIRP_TICK_NS);
    }
}

void slirp_arm_timer(Slirp *s)
{
    if (!timer_pending(s->timer)) {
        timer_mod(s->timer, clock_ns(s->ml) + SLIRP_TICK_NS);
    }
}

bool slirp_map_out(Slirp *s, uint32_t gdst, uint16_t port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (s->restricted) {
        return false;
    }
    if (gdst == s->host) {
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (gdst == s->dns) {
        if (port != 53) {
            return false;
        }
        *sa = s->resolver;
    } else if ((gdst & s->mask) == s->net || gdst == 0xffffffff || (gdst >> 28) >= 14 ||
               (gdst >> 24) == 0) {
        return false;                     /* our own network, broadcast, multicast */
    } else {
        sa->sin_addr.s_addr = htonl(gdst);
    }
    return true;
}

uint32_t slirp_map_in(Slirp *s, const struct sockaddr_in *sa)
{
    if (sa->sin_addr.s_addr == s->resolver.sin_addr.s_addr && sa->sin_port == s->resolver.sin_port) {
        return s->dns;
    }
    if ((ntohl(sa->sin_addr.s_addr) >> 24) == 127) {
        return s->host;
    }
    return ntohl(sa->sin_addr.s_addr);
}

/* The first IPv4 nameserver of /etc/resolv.conf (resolv.conf(5)); the host's
 * own 127.0.0.1 when there is none. */
static void find_resolver(Slirp *s)
{
    s->resolver.sin_family = AF_INET;
    s->resolver.sin_port = htons(53);
    s->resolver.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    FILE *f = fopen("/etc/resolv.conf", "r");
    char line[256], addr[64];
    while (f && fgets(line, sizeof(line), f)) {
        struct in_addr a;
        if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &a) == 1) {
            s->resolver.sin_addr = a;
            break;
        }
    }
    if (f) {
        fclose(f);
    }
}

/* net=ADDR/BITS (or ADDR/MASK): the guest network; hosts .2, .3, .15 in it. */
static char *parse_net(Slirp *s, const char *v)
{
    char buf[64];
    struct in_addr a;
    snprintf(buf, sizeof(buf), "%s", v);
    char *slash = strchr(buf, '/');
    int bits = 24;
    if (slash) {
        *slash++ = 0;
        struct in_addr m;
        char *end;
        long b = strtol(slash, &end, 10);
        if (!*end && end != slash && b >= 8 && b <= 28) {
            bits = b;
        } else if (inet_pton(AF_INET, slash, &m) == 1) {
            uint32_t mm = ntohl(m.s_addr);
            for (bits = 0; bits < 32 && (mm & (0x80000000u >> bits)); bits++) {
            }
            if (bits < 8 || bits > 28 || mm != ~0u << (32 - bits)) {
                return errmsg("bad netmask in net=%s", v);
            }
        } else {
            return errmsg("bad prefix length in net=%s (8 to 28)", v);
        }
    }
    if (inet_pton(AF_INET, buf, &a) != 1) {
        return errmsg("bad address in net=%s", v);
    }
    s->mask = ~0u << (32 - bits);
    s->net = ntohl(a.s_addr) & s->mask;
    s->host = s->net | 2;
    s->dns = s->net | 3;
    s->guest = s->net | 15;
    return NULL;
}

static void slirp_free(NetBackend *b)
{
    Slirp *s = (Slirp *)b;
    slirp_tcp_free_all(s);
    slirp_udp_free_all(s);
    slirp_hostfwd_free_all(s);
    slirp_frag_free(s);
    timer_free(s->timer);
    free(s);
}

static const NetClientOps slirp_ops = { slirp_receive, NULL };

static char *slirp_parse(Slirp *s, const char *opts)
{
    static const char *const keys[] = { "id", "net", "hostfwd", "restrict", "ipv6", NULL };
    char *e = net_opt_check(opts, keys, "user"), *v;
    if (!e && (v = net_opt_get(opts, "net"))) {
        e = parse_net(s, v);
        free(v);
    }
    if (!e && (v = net_opt_get(opts, "restrict"))) {
        if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "off") || !strcmp(v, "no")) {
            s->restricted = v[0] == 'y' || v[1] == 'n';
        } else {
            e = errmsg("restrict=%s: expected on or off", v);
        }
        free(v);
    }
    /* hostfwd= may be repeated: every one is a rule */
    for (const char *p = opts; !e && *p;) {
        size_t len = strcspn(p, ",");
        if (!strncmp(p, "hostfwd=", 8)) {
            char *rule = strndup(p + 8, len - 8);
            e = slirp_hostfwd_add(s, rule);
            free(rule);
        }
        p += len + (p[len] == ',');
    }
    return e;
}

NetBackend *net_user_new(const char *opts, MainLoop *ml, char **err)
{
    Slirp *s = calloc(1, sizeof(*s));
    static const uint8_t mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
    s->ml = ml;
    s->b.free = slirp_free;
    memcpy(s->mac, mac, 6);
    parse_net(s, "10.0.2.0/24");
    s->seed = (uint32_t)time(NULL) * 2654435761u;
    s->timer = timer_new(ml, slirp_tick, s);
    find_resolver(s);
    net_client_init(&s->b.nc, &slirp_ops, s);
    if ((*err = slirp_parse(s, opts))) {
        slirp_free(&s->b);
        return NULL;
    }
    return &s->b;
}
