/*
 * UDP in the user-mode NAT (RFC 768): DHCP (port 67) is answered here; other
 * datagrams leave through one host socket per guest source address and port
 * (10.0.2.3:53 goes to the host's resolver), and replies come back to the
 * guest from the address it sent to. Idle sockets close after a minute.
 * hostfwd=udp: a datagram to the rule's host socket reaches the guest's port
 * from 10.0.2.2 and the sender's port; what the guest sends back from that
 * port leaves through the rule's socket, so the host sender sees the answer
 * come from the address it wrote to (as QEMU's slirp does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/slirp.h"

#define UDP_HLEN 8
#define UDP_IDLE_TICKS (60 * 100)      /* 60 s of 10 ms ticks */
#define UDP_MAX_SOCKETS 64

struct UdpConn {
    UdpConn *next;
    Slirp *s;
    int fd;
    uint32_t gaddr;
    uint16_t gport;
    int idle;
};

static void udp_free(Slirp *s, UdpConn *u)
{
    for (UdpConn **pp = &s->udp; *pp; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    }
    main_loop_set_fd_handler(s->ml, u->fd, NULL, NULL);
    close(u->fd);
    free(u);
}

static void udp_send_to_guest(Slirp *s, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                              const uint8_t *data, size_t len, bool broadcast)
{
    uint8_t *pkt = s->scratch;
    if (len > SLIRP_PAYLOAD_MAX - UDP_HLEN) {
        return;
    }
    wr16(pkt, sport);
    wr16(pkt + 2, dport);
    wr16(pkt + 4, UDP_HLEN + len);
    wr16(pkt + 6, 0);
    memcpy(pkt + UDP_HLEN, data, len);
    uint16_t c = slirp_fold(slirp_sum(slirp_pseudo_sum(src, dst, 17, UDP_HLEN + len), pkt,
                                      UDP_HLEN + len));
    wr16(pkt + 6, c ? c : 0xffff);
    slirp_send_ip(s, src, dst, 17, pkt, UDP_HLEN + len, broadcast);
}

/* DHCP replies: from the gateway's port 67 to the client's port 68, broadcast
 * (RFC 2131 4.1: a client without an address may not take unicast). */
void slirp_dhcp_reply(Slirp *s, const uint8_t *msg, size_t len);
void slirp_dhcp_reply(Slirp *s, const uint8_t *msg, size_t len)
{
    udp_send_to_guest(s, s->host, 67, 0xffffffff, 68, msg, len, true);
}

static void udp_readable(void *opaque)
{
    UdpConn *u = opaque;
    uint8_t *buf = u->s->scratch_in;
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t n = recvfrom(u->fd, buf, SLIRP_PAYLOAD_MAX - UDP_HLEN, MSG_DONTWAIT | MSG_TRUNC,
                         (struct sockaddr *)&from, &flen);
    if (n < 0 || n > SLIRP_PAYLOAD_MAX - UDP_HLEN) {
        return;                          /* errors and truncated datagrams */
    }
    u->idle = 0;
    uint32_t src = slirp_map_in(u->s, &from);
    uint16_t sport = src == u->s->dns ? 53 : ntohs(from.sin_port);   /* the resolver's answer */
    udp_send_to_guest(u->s, src, sport, u->gaddr, u->gport, buf, n, false);
}

void slirp_udp_fwd_readable(void *opaque)
{
    HostFwd *f = opaque;
    uint8_t *buf = f->s->scratch_in;
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t n = recvfrom(f->fd, buf, SLIRP_PAYLOAD_MAX - UDP_HLEN, MSG_DONTWAIT | MSG_TRUNC,
                         (struct sockaddr *)&from, &flen);
    if (n < 0 || n > SLIRP_PAYLOAD_MAX - UDP_HLEN || flen != sizeof(from)) {
        return;
    }
    udp_send_to_guest(f->s, slirp_map_in(f->s, &from), ntohs(from.sin_port), f->gaddr, f->gport,
                      buf, n, false);
}

/* The udp hostfwd rule whose guest end is gaddr:gport, if any. */
static HostFwd *udp_fwd_find(Slirp *s, uint32_t gaddr, uint16_t gport)
{
    for (int i = 0; i < s->nfwd; i++) {
        if (s->fwd[i].udp && s->fwd[i].gaddr == gaddr && s->fwd[i].gport == gport) {
            return &s->fwd[i];
        }
    }
    return NULL;
}

static UdpConn *udp_find(Slirp *s, uint32_t gaddr, uint16_t gport)
{
    int n = 0;
    for (UdpConn *u = s->udp; u; u = u->next, n++) {
        if (u->gaddr == gaddr && u->gport == gport) {
            return u;
        }
    }
    if (n >= UDP_MAX_SOCKETS) {
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return NULL;
    }
    UdpConn *u = calloc(1, sizeof(*u));
    u->s = s;
    u->fd = fd;
    u->gaddr = gaddr;
    u->gport = gport;
    u->next = s->udp;
    s->udp = u;
    main_loop_set_fd_handler(s->ml, fd, udp_readable, u);
    slirp_arm_timer(s);
    return u;
}

void slirp_udp_input(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
    if (len < UDP_HLEN) {
        return;
    }
    size_t ulen = rd16(p + 4);
    if (ulen < UDP_HLEN || ulen > len) {
        return;
    }
    if (rd16(p + 6) && slirp_fold(slirp_sum(slirp_pseudo_sum(src, dst, 17, ulen), p, ulen)) != 0) {
        return;                          /* a checksum is present and wrong */
    }
    uint16_t sport = rd16(p), dport = rd16(p + 2);
    if (dport == 67 && sport == 68) {
        slirp_dhcp_input(s, p + UDP_HLEN, ulen - UDP_HLEN);
        return;
    }
    struct sockaddr_in sa;
    if (!slirp_map_out(s, dst, dport, &sa)) {
        return;
    }
    HostFwd *f = udp_fwd_find(s, src, sport);
    if (f) {
        sendto(f->fd, p + UDP_HLEN, ulen - UDP_HLEN, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
        return;
    }
    UdpConn *u = udp_find(s, src, sport);
    if (u) {
        u->idle = 0;
        sendto(u->fd, p + UDP_HLEN, ulen - UDP_HLEN, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
    }
}

bool slirp_udp_tick(Slirp *s)
{
    for (UdpConn *u = s->udp, *next; u; u = next) {
        next = u->next;
        if (++u->idle > UDP_IDLE_TICKS) {
            udp_free(s, u);
        }
    }
    return s->udp != NULL;
}

void slirp_udp_free_all(Slirp *s)
{
    while (s->udp) {
        udp_free(s, s->udp);
    }
}
