/*
 * -netdev socket: frames over a host socket, compatible with QEMU's: on a TCP
 * stream (listen= / connect=) each frame is preceded by its length as a 32-bit
 * big-endian number; with udp=HOST:PORT (and localaddr=HOST:PORT to bind) each
 * datagram is one frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/net.h"

typedef struct SocketBackend {
    NetBackend b;
    MainLoop *ml;
    int listen_fd, fd;
    bool udp;
    struct sockaddr_in dest;
    uint8_t rbuf[4 + NET_FRAME_MAX];  /* stream: the frame being reassembled */
    size_t rlen;
} SocketBackend;

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void drop_conn(SocketBackend *s)
{
    if (s->fd >= 0) {
        main_loop_set_fd_handler(s->ml, s->fd, NULL, NULL);
        close(s->fd);
        s->fd = -1;
    }
    s->rlen = 0;
}

/* Writes all of buf to the stream (the host side is expected to keep up; a
 * frame is never split by a short write). */
static bool write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            fd_set w;
            FD_ZERO(&w);
            FD_SET(fd, &w);
            select(fd + 1, NULL, &w, NULL, NULL);
            continue;
        }
        if (n <= 0) {
            return errno == EINTR;
        }
        p += n;
        len -= n;
    }
    return true;
}

static bool sock_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SocketBackend *s = nc->opaque;
    if (s->udp) {
        sendto(s->fd, buf, len, 0, (struct sockaddr *)&s->dest, sizeof(s->dest));
        return true;
    }
    if (s->fd < 0) {
        return true;                  /* no peer yet: the frame is lost */
    }
    uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
    if (!write_all(s->fd, hdr, 4) || !write_all(s->fd, buf, len)) {
        drop_conn(s);
    }
    return true;
}

static void sock_readable(void *opaque)
{
    SocketBackend *s = opaque;
    if (s->udp) {
        ssize_t n = recv(s->fd, s->rbuf, NET_FRAME_MAX, 0);
        if (n > 0) {
            net_send(&s->b.nc, s->rbuf, n);
        }
        return;
    }
    ssize_t n = recv(s->fd, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop_conn(s);
        return;
    }
    if (n < 0) {
        return;
    }
    s->rlen += n;
    while (s->rlen >= 4) {
        uint32_t flen = (uint32_t)s->rbuf[0] << 24 | s->rbuf[1] << 16 | s->rbuf[2] << 8 | s->rbuf[3];
        if (flen > NET_FRAME_MAX) {
            drop_conn(s);             /* not a QEMU socket peer */
            return;
        }
        if (s->rlen < 4 + flen) {
            break;
        }
        net_send(&s->b.nc, s->rbuf + 4, flen);
        memmove(s->rbuf, s->rbuf + 4 + flen, s->rlen - 4 - flen);
        s->rlen -= 4 + flen;
    }
}

static void sock_accept(void *opaque)
{
    SocketBackend *s = opaque;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) {
        return;
    }
    drop_conn(s);                     /* one peer at a time: the newest */
    set_nonblock(fd);
    s->fd = fd;
    main_loop_set_fd_handler(s->ml, fd, sock_readable, s);
}

static void sock_free(NetBackend *b)
{
    SocketBackend *s = (SocketBackend *)b;
    drop_conn(s);
    if (s->listen_fd >= 0) {
        main_loop_set_fd_handler(s->ml, s->listen_fd, NULL, NULL);
        close(s->listen_fd);
    }
    free(s);
}

static const NetClientOps sock_ops = { sock_receive, NULL };

static char *sock_open(SocketBackend *s, const char *opts)
{
    char *listen_at = net_opt_get(opts, "listen"), *conn = net_opt_get(opts, "connect");
    char *udp = net_opt_get(opts, "udp"), *local = net_opt_get(opts, "localaddr");
    char *e = NULL;
    struct sockaddr_in sa;
    int one = 1;
    if (!!listen_at + !!conn + !!udp != 1) {
        e = errmsg("exactly one of listen=, connect=, udp= is needed");
    } else if (listen_at) {
        if (!net_parse_hostport(listen_at, &sa, false)) {
            e = errmsg("bad address '%s' (HOST:PORT)", listen_at);
        } else if ((s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
                   setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
                   bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(s->listen_fd, 1)) {
            e = errmsg("cannot listen on '%s': %s", listen_at, strerror(errno));
        } else {
            main_loop_set_fd_handler(s->ml, s->listen_fd, sock_accept, s);
        }
    } else if (conn) {
        if (!net_parse_hostport(conn, &sa, true)) {
            e = errmsg("bad address '%s' (HOST:PORT)", conn);
        } else if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
                   connect(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
            e = errmsg("cannot connect to '%s': %s", conn, strerror(errno));
        } else {
            set_nonblock(s->fd);
            main_loop_set_fd_handler(s->ml, s->fd, sock_readable, s);
        }
    } else {
        struct sockaddr_in la = { .sin_family = AF_INET };
        s->udp = true;
        if (!net_parse_hostport(udp, &s->dest, true) || (local && !net_parse_hostport(local, &la, false))) {
            e = errmsg("bad address in udp=/localaddr= (HOST:PORT)");
        } else if ((s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
                   setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
                   bind(s->fd, (struct sockaddr *)&la, sizeof(la))) {
            e = errmsg("cannot bind the UDP socket: %s", strerror(errno));
        } else {
            set_nonblock(s->fd);
            main_loop_set_fd_handler(s->ml, s->fd, sock_readable, s);
        }
    }
    free(listen_at);
    free(conn);
    free(udp);
    free(local);
    return e;
}

NetBackend *net_socket_new(const char *opts, MainLoop *ml, char **err)
{
    static const char *const keys[] = { "id", "listen", "connect", "udp", "localaddr", NULL };
    if ((*err = net_opt_check(opts, keys, "socket"))) {
        return NULL;
    }
    SocketBackend *s = calloc(1, sizeof(*s));
    s->ml = ml;
    s->fd = s->listen_fd = -1;
    s->b.free = sock_free;
    net_client_init(&s->b.nc, &sock_ops, s);
    if ((*err = sock_open(s, opts))) {
        sock_free(&s->b);
        return NULL;
    }
    return &s->b;
}
