/*
 * TCP in the user-mode NAT (RFC 9293; retransmission timeout after RFC 6298
 * without RTT sampling: 500 ms doubling to 8 s, 8 tries). Each guest
 * connection is a host socket: a guest SYN connect()s one (10.0.2.2 becomes
 * 127.0.0.1) and a hostfwd listening socket's accept() makes us send the SYN.
 * We keep the host's data until the guest acknowledges it (go-back-N
 * retransmission) and the guest's data until the host socket takes it (our
 * advertised window is the room left). A segment past a hole is kept in the
 * receive buffer where it belongs (RFC 9293 3.10.7.4: "segments with higher
 * beginning sequence numbers ... may be held") and acknowledged with what we
 * have, a duplicate ACK that starts the guest's fast retransmit (RFC 5681
 * 3.2); the hole's filling delivers both. Its FIN is not kept (the guest
 * sends it again).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/slirp.h"

#define TCP_HLEN 20
#define TCP_BUF 65535
#define TCP_MSS (SLIRP_MTU - IP_HLEN - TCP_HLEN)
#define RTO_MIN_TICKS 50
#define RTO_MAX_TICKS 800
#define MAX_RETRIES 8
#define TIME_WAIT_TICKS 200
#define MAX_CONNS 256
#define OOO_MAX 8                         /* ranges of out-of-order data kept */
enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };
enum { CONNECTING, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT,
       CLOSING, LAST_ACK, TIME_WAIT };

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)

struct TcpConn {
    TcpConn *next;
    Slirp *s;
    int state, fd;
    uint32_t gaddr, faddr;            /* guest side, and the address it talks to */
    uint16_t gport, fport;
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, fin_seq;
    uint32_t rcv_nxt;
    uint16_t mss;
    bool fin_sent, host_eof, guest_fin, shut_wr, reading, ack_now;
    int rto, rtx_timer, retries, tw_timer;
    size_t slen, rlen;
    /* out-of-order data already in rbuf past rlen, at rlen + (seq - rcv_nxt) */
    uint32_t ooo_start[OOO_MAX], ooo_end[OOO_MAX];
    int nooo;
    uint8_t sbuf[TCP_BUF];            /* from the host, from seq snd_una (+1 before SYN acked) */
    uint8_t rbuf[TCP_BUF];            /* from the guest, not yet written to the host */
};

static void conn_free(Slirp *s, TcpConn *c)
{
    for (TcpConn **pp = &s->tcp; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (c->fd >= 0) {
        main_loop_set_fd_handler(s->ml, c->fd, NULL, NULL);
        close(c->fd);
    }
    free(c);
}

static uint16_t rcv_window(const TcpConn *c)
{
    return (uint16_t)(TCP_BUF - c->rlen);
}

static void send_seg(TcpConn *c, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len)
{
    uint8_t pkt[TCP_HLEN + 4 + TCP_MSS];
    size_t hl = TCP_HLEN + ((flags & F_SYN) ? 4 : 0);
    memset(pkt, 0, hl);
    wr16(pkt, c->fport);
    wr16(pkt + 2, c->gport);
    wr32(pkt + 4, seq);
    wr32(pkt + 8, (flags & F_ACK) ? c->rcv_nxt : 0);
    pkt[12] = (uint8_t)((hl / 4) << 4);
    pkt[13] = flags;
    wr16(pkt + 14, rcv_window(c));
    if (flags & F_SYN) {
        pkt[20] = 2;                      /* MSS option */
        pkt[21] = 4;
        wr16(pkt + 22, TCP_MSS);
    }
    if (len) {
        memcpy(pkt + hl, data, len);
    }
    wr16(pkt + 16, slirp_fold(slirp_sum(slirp_pseudo_sum(c->faddr, c->gaddr, 6, hl + len), pkt,
                                        hl + len)));
    slirp_send_ip(c->s, c->faddr, c->gaddr, 6, pkt, hl + len, false);
    c->ack_now = false;
}

/* A reset for a segment that has no connection (RFC 9293 3.10.7.1). */
static void send_rst_for(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *t, size_t seglen)
{
    TcpConn tmp;
    memset(&tmp, 0, offsetof(TcpConn, sbuf));
    tmp.s = s;
    tmp.faddr = dst;
    tmp.gaddr = src;
    tmp.fport = rd16(t + 2);
    tmp.gport = rd16(t);
    tmp.rlen = TCP_BUF;
    if (t[13] & F_ACK) {
        send_seg(&tmp, rd32(t + 8), F_RST, NULL, 0);
    } else {
        tmp.rcv_nxt = rd32(t + 4) + seglen;
        send_seg(&tmp, 0, F_RST | F_ACK, NULL, 0);
    }
}

static void abort_conn(Slirp *s, TcpConn *c)
{
    if (c->state != CONNECTING) {
        send_seg(c, c->snd_nxt, F_RST | F_ACK, NULL, 0);
    }
    conn_free(s, c);
}

static void start_rtx(TcpConn *c)
{
    if (!c->rtx_timer) {
        c->rtx_timer = c->rto;
    }
}

/* Sends what the guest's window allows, then a FIN once the host is done. */
static void tcp_output(TcpConn *c, bool probe)
{
    bool sent = false;
    if (c->state == SYN_SENT || c->state == SYN_RECEIVED) {
        send_seg(c, c->iss, F_SYN | (c->state == SYN_RECEIVED ? F_ACK : 0), NULL, 0);
        start_rtx(c);
        return;
    }
    if (c->state == TIME_WAIT && c->ack_now) {
        send_seg(c, c->snd_nxt, F_ACK, NULL, 0);   /* the ACK of the guest's FIN */
    }
    if (c->state < ESTABLISHED || c->state == TIME_WAIT) {
        return;
    }
    uint32_t wnd = c->snd_wnd ? c->snd_wnd : (probe ? 1 : 0);
    for (;;) {
        uint32_t off = c->snd_nxt - c->snd_una, room = c->snd_una + wnd - c->snd_nxt;
        if (off < c->slen && SEQ_LT(c->snd_nxt, c->snd_una + wnd)) {
            size_t n = c->slen - off;
            n = n > c->mss ? c->mss : n;
            n = n > room ? room : n;
            send_seg(c, c->snd_nxt, F_ACK | (off + n == c->slen ? F_PSH : 0), c->sbuf + off, n);
            c->snd_nxt += n;
        } else if (off == c->slen && c->host_eof && (!c->fin_sent || c->snd_nxt == c->fin_seq)) {
            send_seg(c, c->snd_nxt, F_FIN | F_ACK, NULL, 0);
            if (!c->fin_sent) {
                c->fin_sent = true;
                c->fin_seq = c->snd_nxt;
                c->state = c->state == CLOSE_WAIT ? LAST_ACK : FIN_WAIT_1;
            }
            c->snd_nxt++;
        } else {
            break;
        }
        sent = true;
        if (SEQ_GT(c->snd_nxt, c->snd_max)) {
            c->snd_max = c->snd_nxt;
        }
    }
    if (sent) {
        start_rtx(c);
    } else if (c->ack_now) {
        send_seg(c, c->snd_nxt, F_ACK, NULL, 0);
    }
}

static void host_readable(void *opaque);

static void set_reading(TcpConn *c, bool on)
{
    on = on && !c->host_eof && c->fd >= 0;
    if (on != c->reading) {
        c->reading = on;
        main_loop_set_fd_handler(c->s->ml, c->fd, on ? host_readable : NULL, c);
    }
}

static void host_readable(void *opaque)
{
    TcpConn *c = opaque;
    Slirp *s = c->s;
    if (c->slen == TCP_BUF) {
        set_reading(c, false);
        return;
    }
    ssize_t n = recv(c->fd, c->sbuf + c->slen, TCP_BUF - c->slen, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n < 0) {
        abort_conn(s, c);                 /* the host side reset */
        return;
    }
    if (n == 0) {
        set_reading(c, false);
        c->host_eof = true;
    }
    c->slen += n;
    if (c->slen == TCP_BUF) {
        set_reading(c, false);
    }
    tcp_output(c, false);
}

/* How far past rlen the out-of-order data reaches. */
static size_t ooo_extent(const TcpConn *c)
{
    size_t ext = 0;
    for (int i = 0; i < c->nooo; i++) {
        size_t e = c->ooo_end[i] - c->rcv_nxt;
        ext = e > ext ? e : ext;
    }
    return ext;
}

/* Writes the guest's data to the host; shuts the host's write side after the
 * guest's FIN. False when the connection was aborted. */
static bool flush_to_host(Slirp *s, TcpConn *c)
{
    if (c->rlen) {
        ssize_t n = send(c->fd, c->rbuf, c->rlen, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            abort_conn(s, c);
            return false;
        }
        if (n > 0) {
            bool was_small = rcv_window(c) < c->mss;
            memmove(c->rbuf, c->rbuf + n, c->rlen - n + ooo_extent(c));
            c->rlen -= n;
            if (was_small && rcv_window(c) >= c->mss) {
                c->ack_now = true;         /* window update */
            }
        }
    }
    if (!c->rlen && c->guest_fin && !c->shut_wr) {
        shutdown(c->fd, SHUT_WR);
        c->shut_wr = true;
    }
    return true;
}

static TcpConn *conn_find(Slirp *s, uint32_t gaddr, uint16_t gport, uint32_t faddr, uint16_t fport)
{
    for (TcpConn *c = s->tcp; c; c = c->next) {
        if (c->gaddr == gaddr && c->gport == gport && c->faddr == faddr && c->fport == fport) {
            return c;
        }
    }
    return NULL;
}

static TcpConn *conn_new(Slirp *s, int fd, uint32_t gaddr, uint16_t gport, uint32_t faddr,
                         uint16_t fport)
{
    int n = 0;
    for (TcpConn *c = s->tcp; c; c = c->next) {
        n++;
    }
    if (n >= MAX_CONNS) {
        return NULL;
    }
    TcpConn *c = calloc(1, sizeof(*c));
    c->s = s;
    c->fd = fd;
    c->gaddr = gaddr;
    c->gport = gport;
    c->faddr = faddr;
    c->fport = fport;
    s->seed = s->seed * 1103515245u + 12345u;
    c->iss = s->seed ^ (uint32_t)clock_ns(s->ml);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->mss = 536;                         /* RFC 9293 3.7.1 default */
    c->rto = RTO_MIN_TICKS;
    c->next = s->tcp;
    s->tcp = c;
    slirp_arm_timer(s);
    return c;
}

static uint16_t parse_mss(const uint8_t *t, size_t hl)
{
    for (size_t i = TCP_HLEN; i < hl;) {
        if (t[i] == 0) {
            break;
        }
        if (t[i] == 1) {
            i++;
            continue;
        }
        if (i + 1 >= hl || t[i + 1] < 2 || i + t[i + 1] > hl) {
            break;
        }
        if (t[i] == 2 && t[i + 1] == 4) {
            uint16_t m = rd16(t + i + 2);
            return m < 64 ? 64 : m > TCP_MSS ? TCP_MSS : m;
        }
        i += t[i + 1];
    }
    return 536;
}

/* A guest SYN for a new connection: connect() a host socket. */
static void guest_syn(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *t, size_t hl)
{
    struct sockaddr_in sa;
    if (!slirp_map_out(s, dst, rd16(t + 2), &sa)) {
        send_rst_for(s, src, dst, t, 1);
        return;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    TcpConn *c = fd < 0 ? NULL : conn_new(s, fd, src, rd16(t), dst, rd16(t + 2));
    if (!c) {
        if (fd >= 0) {
            close(fd);
        }
        send_rst_for(s, src, dst, t, 1);
        return;
    }
    c->rcv_nxt = rd32(t + 4) + 1;
    c->snd_wnd = rd16(t + 14);
    c->mss = parse_mss(t, hl);
    c->state = CONNECTING;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        c->state = SYN_RECEIVED;
        tcp_output(c, false);
    } else if (errno != EINPROGRESS) {
        send_seg(c, 0, F_RST | F_ACK, NULL, 0);
        conn_free(s, c);
    }
}

/* The acknowledgement field (RFC 9293 3.10.7.4, fifth check). */
static void process_ack(TcpConn *c, const uint8_t *t)
{
    uint32_t ack = rd32(t + 8);
    if (SEQ_LT(ack, c->snd_una) || SEQ_GT(ack, c->snd_max)) {
        if (SEQ_GT(ack, c->snd_max)) {
            c->ack_now = true;            /* acknowledges something not yet sent */
        }
        return;
    }
    c->snd_wnd = rd16(t + 14);
    uint32_t acked = ack - c->snd_una;
    if (!acked) {
        return;
    }
    size_t data = acked > c->slen ? c->slen : acked;
    memmove(c->sbuf, c->sbuf + data, c->slen - data);
    c->slen -= data;
    c->snd_una = ack;
    if (SEQ_LT(c->snd_nxt, ack)) {
        c->snd_nxt = ack;
    }
    c->retries = 0;
    c->rto = RTO_MIN_TICKS;
    c->rtx_timer = c->snd_una == c->snd_max ? 0 : c->rto;
    if (c->state == ESTABLISHED || c->state == CLOSE_WAIT) {
        set_reading(c, c->slen < TCP_BUF);
    }
    if (c->fin_sent && ack == c->fin_seq + 1) {
        if (c->state == FIN_WAIT_1) {
            c->state = FIN_WAIT_2;
        } else if (c->state == CLOSING) {
            c->state = TIME_WAIT;
            c->tw_timer = TIME_WAIT_TICKS;
        } else if (c->state == LAST_ACK) {
            conn_free(c->s, c);
            return;
        }
    }
}

static void ooo_remove(TcpConn *c, int i)
{
    c->nooo--;
    c->ooo_start[i] = c->ooo_start[c->nooo];
    c->ooo_end[i] = c->ooo_end[c->nooo];
}

/* Keeps the text of a segment that starts past rcv_nxt, as far as the window
 * goes; its range joins those that overlap or touch it. */
static void ooo_store(TcpConn *c, uint32_t seq, const uint8_t *data, size_t len)
{
    size_t off = seq - c->rcv_nxt, room = TCP_BUF - c->rlen;
    if (off >= room || !len) {
        return;
    }
    size_t n = len > room - off ? room - off : len;
    uint32_t start = seq, end = seq + (uint32_t)n;
    bool joins = false;
    for (int i = 0; i < c->nooo; i++) {
        joins |= SEQ_LEQ(c->ooo_start[i], end) && SEQ_LEQ(start, c->ooo_end[i]);
    }
    if (c->nooo == OOO_MAX && !joins) {
        return;                           /* too many holes: the guest sends it again */
    }
    for (int i = 0; i < c->nooo;) {
        if (SEQ_LEQ(c->ooo_start[i], end) && SEQ_LEQ(start, c->ooo_end[i])) {
            start = SEQ_LT(c->ooo_start[i], start) ? c->ooo_start[i] : start;
            end = SEQ_GT(c->ooo_end[i], end) ? c->ooo_end[i] : end;
            ooo_remove(c, i);
        } else {
            i++;
        }
    }
    memcpy(c->rbuf + c->rlen + off, data, n);
    c->ooo_start[c->nooo] = start;
    c->ooo_end[c->nooo++] = end;
}

/* rcv_nxt moved: kept ranges it reached become in-order data. */
static void ooo_advance(TcpConn *c)
{
    for (int i = 0; i < c->nooo;) {
        if (SEQ_LEQ(c->ooo_start[i], c->rcv_nxt)) {
            if (SEQ_GT(c->ooo_end[i], c->rcv_nxt)) {
                uint32_t n = c->ooo_end[i] - c->rcv_nxt;
                c->rlen += n;
                c->rcv_nxt += n;
            }
            ooo_remove(c, i);
            i = 0;
        } else {
            i++;
        }
    }
}

/* The segment's text and FIN: at rcv_nxt (after trimming what we have
 * already), or past it, then kept for later. */
static void process_data(TcpConn *c, const uint8_t *t, const uint8_t *data, size_t len)
{
    uint32_t seq = rd32(t + 4);
    bool fin = t[13] & F_FIN;
    if (!len && !fin) {
        return;
    }
    c->ack_now = true;
    if (c->guest_fin) {
        return;                           /* a retransmission: re-ACK */
    }
    if (SEQ_LT(seq, c->rcv_nxt)) {
        uint32_t dup = c->rcv_nxt - seq;
        if (dup > len || (dup == len && !fin)) {
            return;                       /* all old: re-ACK */
        }
        data += dup;
        len -= dup;
        seq = c->rcv_nxt;
    }
    bool taking = c->state == ESTABLISHED || c->state == FIN_WAIT_1 || c->state == FIN_WAIT_2;
    if (seq != c->rcv_nxt) {
        if (taking) {
            ooo_store(c, seq, data, len);
        }
        return;                           /* ACK of what we have: a duplicate ACK */
    }
    if (taking) {
        size_t room = TCP_BUF - c->rlen, n = len > room ? room : len;
        memcpy(c->rbuf + c->rlen, data, n);
        c->rlen += n;
        c->rcv_nxt += n;
        uint32_t end = c->rcv_nxt;
        ooo_advance(c);
        if (n < len || c->rcv_nxt != end) {
            fin = false;                  /* data we dropped, or kept data past it */
        }
    }
    if (fin) {
        c->rcv_nxt++;
        c->guest_fin = true;
        if (c->state == ESTABLISHED) {
            c->state = CLOSE_WAIT;
        } else if (c->state == FIN_WAIT_1) {
            c->state = CLOSING;
        } else if (c->state == FIN_WAIT_2) {
            c->state = TIME_WAIT;
            c->tw_timer = TIME_WAIT_TICKS;
        }
    }
}

static void established(TcpConn *c)
{
    c->state = ESTABLISHED;
    c->snd_una = c->snd_nxt = c->snd_max = c->iss + 1;
    c->rtx_timer = 0;
    c->retries = 0;
    set_reading(c, true);
}

static void conn_input(Slirp *s, TcpConn *c, const uint8_t *t, size_t hl, size_t len)
{
    uint8_t fl = t[13];
    uint32_t seq = rd32(t + 4);
    if (fl & F_RST) {
        /* RFC 5961 3.2 simplified: a reset is taken only inside the window */
        if ((c->state == SYN_SENT && (fl & F_ACK) && rd32(t + 8) == c->iss + 1) ||
            (c->state != SYN_SENT && SEQ_LEQ(c->rcv_nxt, seq) &&
             SEQ_LT(seq, c->rcv_nxt + rcv_window(c) + 1))) {
            conn_free(s, c);
        }
        return;
    }
    if (c->state == CONNECTING) {
        return;                           /* the host connect() is still going on */
    }
    if (c->state == SYN_SENT) {
        if ((fl & (F_SYN | F_ACK)) == (F_SYN | F_ACK) && rd32(t + 8) == c->iss + 1) {
            c->rcv_nxt = seq + 1;
            c->mss = parse_mss(t, hl);
            c->snd_wnd = rd16(t + 14);
            established(c);
            send_seg(c, c->snd_nxt, F_ACK, NULL, 0);
        }
        return;
    }
    if (fl & F_SYN) {
        if (c->state == SYN_RECEIVED && seq + 1 == c->rcv_nxt) {
            tcp_output(c, false);         /* the guest did not get our SYN-ACK */
        } else {
            send_seg(c, c->snd_nxt, F_ACK, NULL, 0);
        }
        return;
    }
    if (!(fl & F_ACK)) {
        return;
    }
    if (c->state == SYN_RECEIVED) {
        if (rd32(t + 8) != c->iss + 1) {
            send_rst_for(s, c->gaddr, c->faddr, t, len - hl);
            return;
        }
        c->snd_wnd = rd16(t + 14);
        established(c);
    }
    process_ack(c, t);
    if (!conn_find(s, c->gaddr, c->gport, c->faddr, c->fport)) {
        return;                           /* freed by the ACK of our FIN */
    }
    process_data(c, t, t + hl, len - hl);
    if (flush_to_host(s, c)) {
        tcp_output(c, false);
    }
}

void slirp_tcp_input(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *t, size_t len)
{
    if (len < TCP_HLEN) {
        return;
    }
    size_t hl = (t[12] >> 4) * 4;
    if (hl < TCP_HLEN || hl > len ||
        slirp_fold(slirp_sum(slirp_pseudo_sum(src, dst, 6, len), t, len)) != 0) {
        return;
    }
    TcpConn *c = conn_find(s, src, rd16(t), dst, rd16(t + 2));
    if (c) {
        conn_input(s, c, t, hl, len);
    } else if ((t[13] & (F_SYN | F_ACK | F_RST)) == F_SYN) {
        guest_syn(s, src, dst, t, hl);
    } else if (!(t[13] & F_RST)) {
        send_rst_for(s, src, dst, t, len - hl + !!(t[13] & F_SYN) + !!(t[13] & F_FIN));
    }
}

/* A host connect() finished (or failed). */
static void check_connect(Slirp *s, TcpConn *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLOUT };
    if (poll(&p, 1, 0) <= 0) {
        return;
    }
    int err = 0;
    socklen_t el = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) {
        send_seg(c, 0, F_RST | F_ACK, NULL, 0);
        conn_free(s, c);
        return;
    }
    c->state = SYN_RECEIVED;
    tcp_output(c, false);
}

/* Retransmission timeout: back to the oldest unacknowledged byte. */
static void retransmit(Slirp *s, TcpConn *c)
{
    bool probe = c->snd_wnd == 0 && c->slen;
    if (!probe && ++c->retries > MAX_RETRIES) {
        abort_conn(s, c);
        return;
    }
    c->rto = c->rto * 2 > RTO_MAX_TICKS ? RTO_MAX_TICKS : c->rto * 2;
    c->snd_nxt = c->snd_una;
    tcp_output(c, probe);
    c->rtx_timer = c->rto;
}

bool slirp_tcp_tick(Slirp *s)
{
    for (TcpConn *c = s->tcp, *next; c; c = next) {
        next = c->next;
        if (c->state == CONNECTING) {
            check_connect(s, c);
            continue;
        }
        if (c->state == TIME_WAIT) {
            if (--c->tw_timer <= 0) {
                conn_free(s, c);
            }
            continue;
        }
        if (!flush_to_host(s, c)) {
            continue;
        }
        if (c->ack_now) {
            tcp_output(c, false);
        }
        if (c->rtx_timer && --c->rtx_timer == 0) {
            retransmit(s, c);
        }
    }
    return s->tcp != NULL;
}

void slirp_tcp_free_all(Slirp *s)
{
    while (s->tcp) {
        conn_free(s, s->tcp);
    }
}

/* A host connection on a hostfwd socket: we open the guest side with a SYN
 * from 10.0.2.2 and the host peer's port. */
static void fwd_accept(void *opaque)
{
    HostFwd *f = opaque;
    Slirp *s = f->s;
    struct sockaddr_in peer;
    socklen_t pl = sizeof(peer);
    int fd = accept4(f->fd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        return;
    }
    uint16_t fport = ntohs(peer.sin_port);
    while (conn_find(s, f->gaddr, f->gport, s->host, fport)) {
        fport++;                          /* keep the guest's four-tuple unique */
    }
    TcpConn *c = conn_new(s, fd, f->gaddr, f->gport, s->host, fport);
    if (!c) {
        close(fd);
        return;
    }
    c->state = SYN_SENT;
    tcp_output(c, false);
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (QEMU's syntax;
 * the host address defaults to every address, the guest's to 10.0.2.15). A
 * udp rule's socket is served by slirp-udp.c. */
char *slirp_hostfwd_add(Slirp *s, const char *spec)
{
    static const char usage[] = "hostfwd=%s: expected [tcp|udp]:[HOSTADDR]:PORT-[GUESTADDR]:PORT";
    char hostpart[128], guestpart[128];
    const char *p = spec;
    bool udp = !strncmp(p, "udp:", 4);
    if (!strncmp(p, "tcp:", 4) || udp) {
        p += 4;
    } else if (*p != ':') {
        return errmsg(usage, spec);
    }
    const char *dash = strchr(p, '-');
    if (!dash || (size_t)(dash - p) >= sizeof(hostpart) || strlen(dash + 1) >= sizeof(guestpart)) {
        return errmsg(usage, spec);
    }
    memcpy(hostpart, p, dash - p);
    hostpart[dash - p] = 0;
    strcpy(guestpart, dash + 1);
    struct sockaddr_in hsa, gsa;
    if (!net_parse_hostport(hostpart, &hsa, false) || !net_parse_hostport(guestpart, &gsa, false) ||
        !gsa.sin_port) {
        return errmsg("hostfwd=%s: bad address or port", spec);
    }
    if (s->nfwd == SLIRP_MAX_FWD) {
        return errmsg("hostfwd=%s: too many rules", spec);
    }
    int one = 1, fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(fd, (struct sockaddr *)&hsa, sizeof(hsa)) || (!udp && listen(fd, 16))) {
        char *e = errmsg("hostfwd=%s: could not set up host forwarding rule: %s", spec,
                             strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return e;
    }
    HostFwd *f = &s->fwd[s->nfwd++];
    f->s = s;
    f->fd = fd;
    f->udp = udp;
    f->gaddr = gsa.sin_addr.s_addr ? ntohl(gsa.sin_addr.s_addr) : s->guest;
    f->gport = ntohs(gsa.sin_port);
    main_loop_set_fd_handler(s->ml, fd, udp ? slirp_udp_fwd_readable : fwd_accept, f);
    return NULL;
}

void slirp_hostfwd_free_all(Slirp *s)
{
    for (int i = 0; i < s->nfwd; i++) {
        main_loop_set_fd_handler(s->ml, s->fwd[i].fd, NULL, NULL);
        close(s->fwd[i].fd);
    }
    s->nfwd = 0;
}
