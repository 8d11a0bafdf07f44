/*
 * The user-mode NAT seen from a scripted guest (net/slirp-*.c), for what the
 * boot test in check-net.sh does not reach: the DNS relay (a query to
 * 10.0.2.3:53 reaches the host resolver -- here a fake one on 127.0.0.1 put in
 * place of /etc/resolv.conf's -- and its answer comes back from 10.0.2.3:53),
 * UDP to 10.0.2.2 (the host's 127.0.0.1) both ways, ARP replies for 10.0.2.2
 * and 10.0.2.3 and none for other addresses, ICMP echo to 10.0.2.3, and
 * frames whose checksums are wrong being dropped, and a TCP connection to a
 * host listener through its whole life: handshake, data both ways, the host's
 * FIN and the guest's, each acknowledged. Every frame the NAT sends
 * is checked: IPv4 header checksum and UDP checksum (RFC 768/1071). Also
 * hostfwd=udp both ways, IPv4 fragments reassembled and answers past the MTU
 * sent in fragments, TCP segments out of order kept until the hole is filled.
 *   test-slirp   prints "N passed, N failed"
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/slirp.h"

typedef struct Guest {
    NetClient nc;
    uint8_t last[1600];
    size_t len;
    int n;
    uint8_t frames[16][1600];            /* the last 16, by n % 16 */
    size_t lens[16];
} Guest;

static bool guest_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Guest *g = nc->opaque;
    if (len <= sizeof(g->last)) {
        memcpy(g->last, buf, len);
        g->len = len;
        memcpy(g->frames[g->n % 16], buf, len);
        g->lens[g->n % 16] = len;
        g->n++;
    }
    return true;
}
static const NetClientOps guest_ops = { guest_receive, NULL };
static const uint8_t gmac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
static int passed, failed;

static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL:", what);
    ok ? passed++ : failed++;
}

/* An Ethernet + IPv4 + UDP frame from 10.0.2.15:sport. */
static size_t udp_frame(uint8_t *f, uint32_t dst, uint16_t sport, uint16_t dport,
                        const void *data, size_t n, bool bad_sum)
{
    memset(f, 0, 64);
    memcpy(f, "\x52\x55\x0a\x00\x02\x02", 6);
    memcpy(f + 6, gmac, 6);
    wr16(f + 12, ETH_P_IP);
    uint8_t *ip = f + 14, *u = ip + 20;
    ip[0] = 0x45; wr16(ip + 2, 28 + n); ip[8] = 64; ip[9] = 17;
    wr32(ip + 12, 0x0a00020f); wr32(ip + 16, dst);
    wr16(ip + 10, slirp_fold(slirp_sum(0, ip, 20)));
    wr16(u, sport); wr16(u + 2, dport); wr16(u + 4, 8 + n);
    memcpy(u + 8, data, n);
    uint16_t c = slirp_fold(slirp_sum(slirp_pseudo_sum(0x0a00020f, dst, 17, 8 + n), u, 8 + n));
    wr16(u + 6, (c ? c : 0xffff) ^ (bad_sum ? 0x1111 : 0));
    return 14 + 28 + n;
}

/* The NAT's last frame is UDP from src:sport to 10.0.2.15:dport with data. */
static bool udp_reply_ok(Guest *g, uint32_t src, uint16_t sport, uint16_t dport, const void *data,
                         size_t n)
{
    const uint8_t *f = g->last, *ip = f + 14, *u = ip + 20;
    if (g->len < 42 || memcmp(f, gmac, 6) || rd16(f + 12) != ETH_P_IP ||
        slirp_fold(slirp_sum(0, ip, 20)) || ip[9] != 17 || rd32(ip + 12) != src ||
        rd32(ip + 16) != 0x0a00020f || rd16(ip + 2) != 28 + n) {
        return false;
    }
    return rd16(u) == sport && rd16(u + 2) == dport && rd16(u + 4) == 8 + n &&
           !slirp_fold(slirp_sum(slirp_pseudo_sum(src, 0x0a00020f, 17, 8 + n), u, 8 + n)) &&
           !memcmp(u + 8, data, n);
}

static int udp_socket(struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t l = sizeof(*sa);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) || getsockname(fd, (struct sockaddr *)sa, &l)) {
        perror("test-slirp");
        exit(2);
    }
    struct timeval tv = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static void poll_until(MainLoop *ml, Guest *g, int n)
{
    for (int i = 0; i < 200 && g->n < n; i++) {
        main_loop_poll(ml, true, 10000000);
    }
}

static void test_udp(Slirp *s, MainLoop *ml, Guest *g, uint32_t dst, int host_fd, const char *what)
{
    char msg[64];
    uint8_t f[256], buf[256];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    snprintf(msg, sizeof(msg), "query for %s", what);
    struct sockaddr_in hs;
    socklen_t hl = sizeof(hs);
    getsockname(host_fd, (struct sockaddr *)&hs, &hl);
    uint16_t dport = dst == s->dns ? 53 : ntohs(hs.sin_port);
    size_t len = udp_frame(f, dst, 5353, dport, msg, strlen(msg), false);
    s->b.nc.ops->receive(&s->b.nc, f, len);
    ssize_t n = recvfrom(host_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
    char name[96];
    snprintf(name, sizeof(name), "slirp-%s-out", what);
    check(n == (ssize_t)strlen(msg) && !memcmp(buf, msg, n), name);
    int before = g->n;
    sendto(host_fd, "the answer", 10, 0, (struct sockaddr *)&from, fl);
    poll_until(ml, g, before + 1);
    snprintf(name, sizeof(name), "slirp-%s-back", what);
    check(g->n == before + 1 && udp_reply_ok(g, dst, dport, 5353, "the answer", 10), name);
    /* a wrong UDP checksum: dropped */
    len = udp_frame(f, dst, 5353, dport, msg, strlen(msg), true);
    s->b.nc.ops->receive(&s->b.nc, f, len);
    struct timeval tv = { 0, 300000 };
    setsockopt(host_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    n = recv(host_fd, buf, sizeof(buf), 0);
    snprintf(name, sizeof(name), "slirp-%s-bad-checksum-dropped", what);
    check(n < 0, name);
}

static void test_arp(Slirp *s, Guest *g, uint32_t target, bool answered, const char *name)
{
    uint8_t f[60] = { 0 };
    memset(f, 0xff, 6);
    memcpy(f + 6, gmac, 6);
    wr16(f + 12, ETH_P_ARP);
    uint8_t *a = f + 14;
    wr16(a, 1); wr16(a + 2, ETH_P_IP); a[4] = 6; a[5] = 4; wr16(a + 6, 1);
    memcpy(a + 8, gmac, 6); wr32(a + 14, 0x0a00020f); wr32(a + 24, target);
    int before = g->n;
    s->b.nc.ops->receive(&s->b.nc, f, sizeof(f));
    const uint8_t *r = g->last + 14;
    bool ok = answered ? g->n == before + 1 && rd16(g->last + 12) == ETH_P_ARP && rd16(r + 6) == 2 &&
                         rd32(r + 14) == target && !memcmp(r + 8, s->mac, 6) &&
                         !memcmp(r + 18, gmac, 6) && rd32(r + 24) == 0x0a00020f
                       : g->n == before;
    check(ok, name);
}

static void test_ping(Slirp *s, Guest *g)
{
    uint8_t f[100] = { 0 };
    memcpy(f, s->mac, 6);
    memcpy(f + 6, gmac, 6);
    wr16(f + 12, ETH_P_IP);
    uint8_t *ip = f + 14, *ic = ip + 20;
    ip[0] = 0x45; wr16(ip + 2, 20 + 16); ip[8] = 64; ip[9] = 1;
    wr32(ip + 12, 0x0a00020f); wr32(ip + 16, s->dns);
    wr16(ip + 10, slirp_fold(slirp_sum(0, ip, 20)));
    ic[0] = 8; wr16(ic + 4, 0x1234); wr16(ic + 6, 7); memcpy(ic + 8, "pingdata", 8);
    wr16(ic + 2, slirp_fold(slirp_sum(0, ic, 16)));
    int before = g->n;
    s->b.nc.ops->receive(&s->b.nc, f, 14 + 36);
    const uint8_t *rip = g->last + 14, *r = rip + 20;
    check(g->n == before + 1 && rip[9] == 1 && rd32(rip + 12) == s->dns && r[0] == 0 &&
          rd16(r + 4) == 0x1234 && rd16(r + 6) == 7 && !memcmp(r + 8, "pingdata", 8) &&
          !slirp_fold(slirp_sum(0, r, 16)), "slirp-icmp-echo-dns");
}

/* A TCP segment from 10.0.2.15:4000 to 10.0.2.2:port. */
static void tcp_send(Slirp *s, uint16_t port, uint32_t seq, uint32_t ack, uint8_t flags,
                     const char *data)
{
    uint8_t f[200] = { 0 };
    size_t n = data ? strlen(data) : 0, hl = flags & 2 ? 24 : 20;
    memcpy(f, s->mac, 6);
    memcpy(f + 6, gmac, 6);
    wr16(f + 12, ETH_P_IP);
    uint8_t *ip = f + 14, *t = ip + 20;
    ip[0] = 0x45; wr16(ip + 2, 20 + hl + n); ip[8] = 64; ip[9] = 6;
    wr32(ip + 12, 0x0a00020f); wr32(ip + 16, s->host);
    wr16(ip + 10, slirp_fold(slirp_sum(0, ip, 20)));
    wr16(t, 4000); wr16(t + 2, port); wr32(t + 4, seq); wr32(t + 8, ack);
    t[12] = (uint8_t)((hl / 4) << 4); t[13] = flags; wr16(t + 14, 16384);
    if (hl == 24) {
        t[20] = 2; t[21] = 4; wr16(t + 22, 1460);
    }
    memcpy(t + hl, data ? data : "", n);
    wr16(t + 16, slirp_fold(slirp_sum(slirp_pseudo_sum(0x0a00020f, s->host, 6, hl + n), t, hl + n)));
    s->b.nc.ops->receive(&s->b.nc, f, 14 + 20 + hl + n);
}

/* Finds a frame (since index from) that is TCP to port 4000 with these flags;
 * its sequence, acknowledgement and payload. */
static bool tcp_seen(Guest *g, int from, uint8_t flags, uint32_t *seq, uint32_t *ack, char *data)
{
    for (int i = from; i < g->n; i++) {
        const uint8_t *f = g->frames[i % 16], *ip = f + 14, *t = ip + 20;
        size_t len = g->lens[i % 16];
        if (len < 54 || ip[9] != 6 || rd16(t + 2) != 4000 || t[13] != flags) {
            continue;
        }
        size_t tot = rd16(ip + 2), hl = (t[12] >> 4) * 4;
        if (slirp_fold(slirp_sum(slirp_pseudo_sum(rd32(ip + 12), rd32(ip + 16), 6, tot - 20), t,
                                 tot - 20))) {
            continue;
        }
        *seq = rd32(t + 4);
        *ack = rd32(t + 8);
        if (data) {
            memcpy(data, t + hl, tot - 20 - hl);
            data[tot - 20 - hl] = 0;
        }
        return true;
    }
    return false;
}

static void test_tcp(Slirp *s, MainLoop *ml, Guest *g)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof(sa);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
        getsockname(lfd, (struct sockaddr *)&sa, &l)) {
        check(false, "slirp-tcp-setup");
        return;
    }
    uint16_t port = ntohs(sa.sin_port);
    uint32_t iss, ack, seq;
    char data[1600];
    int mark = g->n;
    tcp_send(s, port, 1000, 0, 0x02, NULL);                       /* SYN */
    poll_until(ml, g, mark + 1);
    bool ok = tcp_seen(g, mark, 0x12, &iss, &ack, NULL) && ack == 1001;
    check(ok, "slirp-tcp-syn-ack");
    if (!ok) {
        close(lfd);
        return;
    }
    mark = g->n;
    tcp_send(s, port, 1001, iss + 1, 0x18, "hello");              /* ACK + data */
    int hfd = accept(lfd, NULL, NULL);
    struct timeval tv = { 2, 0 };
    setsockopt(hfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[16] = { 0 };
    ssize_t n = recv(hfd, buf, sizeof(buf) - 1, 0);
    check(n == 5 && !strcmp(buf, "hello"), "slirp-tcp-guest-to-host");
    (void)!write(hfd, "world", 5);
    shutdown(hfd, SHUT_WR);                                       /* the host's FIN */
    for (int i = 0; i < 100 && !tcp_seen(g, mark, 0x11, &seq, &ack, NULL); i++) {
        main_loop_poll(ml, true, 10000000);
    }
    bool got = false;
    for (int i = mark; i < g->n && !got; i++) {
        got = tcp_seen(g, i, 0x18, &seq, &ack, data) && seq == iss + 1 && !strcmp(data, "world") &&
              ack == 1006;
    }
    check(got, "slirp-tcp-host-to-guest");
    check(tcp_seen(g, mark, 0x11, &seq, &ack, NULL) && seq == iss + 6 && ack == 1006,
          "slirp-tcp-host-fin");
    mark = g->n;
    tcp_send(s, port, 1006, iss + 7, 0x11, NULL);                 /* ACK of all + our FIN */
    poll_until(ml, g, mark + 1);
    check(tcp_seen(g, mark, 0x10, &seq, &ack, NULL) && ack == 1007 && seq == iss + 7,
          "slirp-tcp-guest-fin-acked");
    n = recv(hfd, buf, sizeof(buf), 0);
    check(n == 0, "slirp-tcp-host-sees-eof");
    close(hfd);
    close(lfd);
}

/* One IPv4 fragment of a UDP datagram (udp, ulen bytes: header and data) from
 * 10.0.2.15 to dst: bytes [off, off + n), More Fragments unless it ends it. */
static void send_fragment(Slirp *s, uint32_t dst, uint16_t id, const uint8_t *udp, size_t ulen,
                          size_t off, size_t n)
{
    static uint8_t f[14 + 20 + 1480];
    memset(f, 0, 34);
    memcpy(f, s->mac, 6);
    memcpy(f + 6, gmac, 6);
    wr16(f + 12, ETH_P_IP);
    uint8_t *ip = f + 14;
    ip[0] = 0x45; wr16(ip + 2, (uint16_t)(20 + n)); wr16(ip + 4, id); ip[8] = 64; ip[9] = 17;
    wr16(ip + 6, (uint16_t)((off / 8) | (off + n < ulen ? 0x2000 : 0)));
    wr32(ip + 12, 0x0a00020f); wr32(ip + 16, dst);
    wr16(ip + 10, slirp_fold(slirp_sum(0, ip, 20)));
    memcpy(ip + 20, udp + off, n);
    s->b.nc.ops->receive(&s->b.nc, f, 34 + n);
}

/* A 3,000-byte UDP datagram in three fragments sent out of order reaches the
 * host whole; with its middle fragment missing, nothing does; a fragment past
 * 65,535 bytes is dropped. */
static void test_fragments(Slirp *s, int host_fd)
{
    struct sockaddr_in hs;
    socklen_t hl = sizeof(hs);
    getsockname(host_fd, (struct sockaddr *)&hs, &hl);
    static uint8_t udp[8 + 3000], buf[4000];
    for (int i = 0; i < 3000; i++) {
        udp[8 + i] = (uint8_t)(i * 13 + i / 256);
    }
    wr16(udp, 5353); wr16(udp + 2, ntohs(hs.sin_port)); wr16(udp + 4, sizeof(udp));
    wr16(udp + 6, 0);
    uint16_t c = slirp_fold(slirp_sum(slirp_pseudo_sum(0x0a00020f, s->host, 17, sizeof(udp)), udp,
                                      sizeof(udp)));
    wr16(udp + 6, c ? c : 0xffff);
    send_fragment(s, s->host, 77, udp, sizeof(udp), 2960, sizeof(udp) - 2960);
    send_fragment(s, s->host, 77, udp, sizeof(udp), 0, 1480);
    send_fragment(s, s->host, 77, udp, sizeof(udp), 1480, 1480);
    struct timeval tv = { 2, 0 };
    setsockopt(host_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t n = recv(host_fd, buf, sizeof(buf), 0);
    check(n == 3000 && !memcmp(buf, udp + 8, 3000),
          "slirp-ip-fragments: 3 fragments out of order reassembled (3000 bytes)");
    send_fragment(s, s->host, 78, udp, sizeof(udp), 0, 1480);
    send_fragment(s, s->host, 78, udp, sizeof(udp), 2960, sizeof(udp) - 2960);
    send_fragment(s, s->host, 79, udp, sizeof(udp), 1480, 1480);   /* another datagram's */
    tv = (struct timeval){ 0, 300000 };
    setsockopt(host_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    check(recv(host_fd, buf, sizeof(buf), 0) < 0, "slirp-ip-fragment-missing: nothing sent");
    /* offset 8184 * 8 + 1480 bytes: past 65,535 */
    send_fragment(s, s->host, 80, udp, sizeof(udp), 0, 1480);
    uint8_t big[8 + 1480 + 65536];
    memset(big, 0, sizeof(big));
    send_fragment(s, s->host, 80, big, sizeof(big), 8184 * 8, 1480);
    check(recv(host_fd, buf, sizeof(buf), 0) < 0, "slirp-ip-fragment-too-big: dropped");
}

/* The IPv4 payload of proto the NAT sent since frame index from, put back
 * together from its fragments: each with a right header checksum, the same
 * identification, offsets following each other, More Fragments on all but
 * the last. 0 when something is wrong. */
static size_t reassemble(Guest *g, int from, uint8_t proto, uint8_t *out, size_t cap)
{
    size_t got = 0;
    int id = -1;
    for (int i = from; i < g->n; i++) {
        const uint8_t *ip = g->frames[i % 16] + 14;
        if (ip[9] != proto) {
            continue;
        }
        size_t n = rd16(ip + 2) - 20, off = (rd16(ip + 6) & 0x1fff) * 8u;
        bool mf = rd16(ip + 6) & 0x2000;
        if (slirp_fold(slirp_sum(0, ip, 20)) || (id >= 0 && rd16(ip + 4) != id) || off != got ||
            got + n > cap || (mf && n % 8)) {
            return 0;
        }
        id = rd16(ip + 4);
        memcpy(out + got, ip + 20, n);
        got += n;
        if (!mf) {
            return got;
        }
    }
    return 0;
}

/* Past the MTU the NAT answers in fragments: a 3,000-byte ping to 10.0.2.3
 * (itself sent in fragments) and a 3,000-byte UDP datagram from the host. */
static void test_big_replies(Slirp *s, MainLoop *ml, Guest *g, int host_fd)
{
    static uint8_t icmp[8 + 3000], out[4000];
    memset(icmp, 0, 8);
    icmp[0] = 8;
    wr16(icmp + 4, 0x4242); wr16(icmp + 6, 1);
    for (int i = 0; i < 3000; i++) {
        icmp[8 + i] = (uint8_t)(i * 7);
    }
    wr16(icmp + 2, slirp_fold(slirp_sum(0, icmp, sizeof(icmp))));
    static uint8_t f[14 + 20 + 1480];
    int mark = g->n;
    for (size_t off = 0; off < sizeof(icmp); off += 1480) {
        size_t n = sizeof(icmp) - off < 1480 ? sizeof(icmp) - off : 1480;
        memset(f, 0, 34);
        memcpy(f, s->mac, 6);
        memcpy(f + 6, gmac, 6);
        wr16(f + 12, ETH_P_IP);
        uint8_t *ip = f + 14;
        ip[0] = 0x45; wr16(ip + 2, (uint16_t)(20 + n)); wr16(ip + 4, 99); ip[8] = 64; ip[9] = 1;
        wr16(ip + 6, (uint16_t)(off / 8 | (off + n < sizeof(icmp) ? 0x2000 : 0)));
        wr32(ip + 12, 0x0a00020f); wr32(ip + 16, s->dns);
        wr16(ip + 10, slirp_fold(slirp_sum(0, ip, 20)));
        memcpy(ip + 20, icmp + off, n);
        s->b.nc.ops->receive(&s->b.nc, f, 34 + n);
    }
    size_t n = reassemble(g, mark, 1, out, sizeof(out));
    check(g->n - mark == 3 && n == sizeof(icmp) && out[0] == 0 &&
          !slirp_fold(slirp_sum(0, out, n)) && !memcmp(out + 4, icmp + 4, n - 4),
          "slirp-icmp-big: a 3000-byte echo answered in 3 fragments");
    /* the host answers a guest datagram with 3,000 bytes */
    uint8_t small[128], big[3000];
    struct sockaddr_in hs;
    socklen_t hl = sizeof(hs);
    getsockname(host_fd, (struct sockaddr *)&hs, &hl);
    size_t len = udp_frame(small, s->host, 6000, ntohs(hs.sin_port), "q", 1, false);
    s->b.nc.ops->receive(&s->b.nc, small, len);
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    struct timeval tv = { 2, 0 };
    setsockopt(host_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (recvfrom(host_fd, small, sizeof(small), 0, (struct sockaddr *)&from, &fl) != 1) {
        check(false, "slirp-udp-big: the query reached the host");
        return;
    }
    for (int i = 0; i < 3000; i++) {
        big[i] = (uint8_t)(i * 11 + 3);
    }
    mark = g->n;
    sendto(host_fd, big, sizeof(big), 0, (struct sockaddr *)&from, fl);
    poll_until(ml, g, mark + 3);
    n = reassemble(g, mark, 17, out, sizeof(out));
    check(n == 8 + 3000 && rd16(out + 2) == 6000 && rd16(out + 4) == n &&
          !slirp_fold(slirp_sum(slirp_pseudo_sum(s->host, 0x0a00020f, 17, n), out, n)) &&
          !memcmp(out + 8, big, 3000),
          "slirp-udp-big: a 3000-byte datagram to the guest in fragments");
}

/* hostfwd=udp: a host datagram to the rule's port reaches the guest's port
 * from 10.0.2.2 and the sender's port; the guest's answer comes back to the
 * sender from the rule's address and port. */
static void test_udp_fwd(MainLoop *ml)
{
    struct sockaddr_in fsa, csa;
    int probe = udp_socket(&fsa);         /* a free port for the rule */
    close(probe);
    char opts[96], *err = NULL;
    snprintf(opts, sizeof(opts), "id=u1,hostfwd=udp:127.0.0.1:%d-:5555", ntohs(fsa.sin_port));
    Slirp *s = (Slirp *)net_user_new(opts, ml, &err);
    if (!s) {
        check(false, "slirp-udp-hostfwd-setup");
        free(err);
        return;
    }
    Guest *g = calloc(1, sizeof(*g));
    net_client_init(&g->nc, &guest_ops, g);
    net_client_connect(&g->nc, &s->b.nc);
    memcpy(s->guest_mac, gmac, 6);
    s->guest_mac_known = true;
    int cfd = udp_socket(&csa);
    uint16_t cport = ntohs(csa.sin_port);
    sendto(cfd, "to the guest", 12, 0, (struct sockaddr *)&fsa, sizeof(fsa));
    poll_until(ml, g, 1);
    check(g->n == 1 && udp_reply_ok(g, s->host, cport, 5555, "to the guest", 12),
          "slirp-udp-hostfwd-in: from 10.0.2.2 and the sender's port");
    uint8_t f[128];
    size_t len = udp_frame(f, s->host, 5555, cport, "from the guest", 14, false);
    s->b.nc.ops->receive(&s->b.nc, f, len);
    char buf[64];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(cfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
    check(n == 14 && !memcmp(buf, "from the guest", 14) && from.sin_port == fsa.sin_port &&
          from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "slirp-udp-hostfwd-out: the answer from the rule's port");
    net_client_cleanup(&g->nc);
    s->b.free(&s->b);
    free(g);
    close(cfd);
    /* the rule's syntax errors */
    err = NULL;
    NetBackend *b = net_user_new("id=u2,hostfwd=udp:127.0.0.1:x-:1", ml, &err);
    check(!b && err, "slirp-udp-hostfwd-bad-port refused");
    free(err);
}

/* Reads from fd until want bytes came or 2 s passed (the NAT is polled). */
static size_t host_read(MainLoop *ml, int fd, char *buf, size_t want)
{
    size_t got = 0;
    for (int i = 0; i < 200 && got < want; i++) {
        main_loop_poll(ml, true, 10000000);
        ssize_t n = recv(fd, buf + got, want - got, MSG_DONTWAIT);
        got += n > 0 ? (size_t)n : 0;
    }
    return got;
}

/* Segments past a hole are kept (and a duplicate ACK sent), then delivered
 * with the hole's filling; a retransmission overlapping new data gives the
 * host only the new part. */
static void test_tcp_ooo(Slirp *s, MainLoop *ml, Guest *g)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof(sa);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
        getsockname(lfd, (struct sockaddr *)&sa, &l)) {
        check(false, "slirp-tcp-ooo-setup");
        return;
    }
    uint16_t port = ntohs(sa.sin_port);
    uint32_t iss, ack, seq;
    int mark = g->n;
    tcp_send(s, port, 5000, 0, 0x02, NULL);
    poll_until(ml, g, mark + 1);
    if (!tcp_seen(g, mark, 0x12, &iss, &ack, NULL)) {
        check(false, "slirp-tcp-ooo-syn-ack");
        close(lfd);
        return;
    }
    tcp_send(s, port, 5001, iss + 1, 0x10, NULL);
    int hfd = accept(lfd, NULL, NULL);
    char buf[64] = { 0 };
    mark = g->n;
    tcp_send(s, port, 5011, iss + 1, 0x18, "CCCCC");             /* 5001-5010 missing */
    tcp_send(s, port, 5021, iss + 1, 0x18, "EEEEE");             /* and 5016-5020 */
    size_t got = host_read(ml, hfd, buf, 1);
    bool dup = tcp_seen(g, mark, 0x10, &seq, &ack, NULL) && ack == 5001;
    check(got == 0 && dup, "slirp-tcp-ooo-held: nothing to the host, a duplicate ACK of 5001");
    mark = g->n;
    tcp_send(s, port, 5001, iss + 1, 0x18, "AAAAABBBBB");       /* fills the first hole */
    got = host_read(ml, hfd, buf, 15);
    bool acked = false;
    for (int i = mark; i < g->n && !acked; i++) {
        acked = tcp_seen(g, i, 0x10, &seq, &ack, NULL) && ack == 5016;
    }
    check(got == 15 && !memcmp(buf, "AAAAABBBBBCCCCC", 15) && acked,
          "slirp-tcp-ooo-filled: AAAAABBBBBCCCCC delivered, ACK 5016");
    mark = g->n;
    tcp_send(s, port, 5011, iss + 1, 0x18, "CCCCCDDDDD");       /* old and new */
    got = host_read(ml, hfd, buf, 10);
    acked = false;
    for (int i = mark; i < g->n && !acked; i++) {
        acked = tcp_seen(g, i, 0x10, &seq, &ack, NULL) && ack == 5026;
    }
    check(got == 10 && !memcmp(buf, "DDDDDEEEEE", 10) && acked,
          "slirp-tcp-ooo-overlap: only the new DDDDD, then the kept EEEEE, ACK 5026");
    tcp_send(s, port, 5026, iss + 1, 0x04, NULL);               /* reset: done */
    close(hfd);
    close(lfd);
}

int main(void)
{
    MainLoop *ml = main_loop_new();
    char *err = NULL;
    Slirp *s = (Slirp *)net_user_new("id=n0", ml, &err);
    if (!s) {
        fprintf(stderr, "test-slirp: %s\n", err);
        return 2;
    }
    Guest g;
    memset(&g, 0, sizeof(g));
    net_client_init(&g.nc, &guest_ops, &g);
    net_client_connect(&g.nc, &s->b.nc);
    struct sockaddr_in dns_sa, udp_sa;
    int dns_fd = udp_socket(&dns_sa), udp_fd = udp_socket(&udp_sa);
    s->resolver = dns_sa;                 /* the fake resolver instead of resolv.conf's */
    test_arp(s, &g, s->host, true, "slirp-arp-gateway");
    test_arp(s, &g, s->dns, true, "slirp-arp-dns");
    test_arp(s, &g, 0x0a000209, false, "slirp-arp-other-silent");
    test_udp(s, ml, &g, s->dns, dns_fd, "dns-relay");
    test_udp(s, ml, &g, s->host, udp_fd, "udp-host");
    test_ping(s, &g);
    test_fragments(s, udp_fd);
    test_big_replies(s, ml, &g, udp_fd);
    test_tcp(s, ml, &g);
    test_tcp_ooo(s, ml, &g);
    /* restrict=on: the same UDP datagram to the host goes nowhere */
    s->restricted = true;
    uint8_t f[128], b[16];
    size_t len = udp_frame(f, s->host, 5353, ntohs(udp_sa.sin_port), "x", 1, false);
    s->b.nc.ops->receive(&s->b.nc, f, len);
    struct timeval tv = { 0, 300000 };
    setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    check(recv(udp_fd, b, sizeof(b), 0) < 0, "slirp-restrict-on");
    test_udp_fwd(ml);
    net_client_cleanup(&g.nc);
    s->b.free(&s->b);
    main_loop_stop(ml);
    main_loop_free(ml);
    close(dns_fd);
    close(udp_fd);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
