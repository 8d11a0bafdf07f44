/*
 * -netdev socket between two back ends in one process (net/socket.c): frames
 * sent by a NIC stand-in on one side arrive whole and in order on the other,
 * over a TCP stream (listen= / connect=, each frame after its 32-bit
 * big-endian length) and over UDP (udp= / localaddr=); the stream's bytes are
 * also checked against that framing by reading them raw.
 *   test-socket PORT1 PORT2   prints "N passed, N failed"
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/net.h"

typedef struct Sink {
    NetClient nc;
    uint8_t got[64][1600];
    size_t len[64];
    int n;
} Sink;

static bool sink_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Sink *s = nc->opaque;
    if (s->n < 64 && len <= 1600) {
        memcpy(s->got[s->n], buf, len);
        s->len[s->n++] = len;
    }
    return true;
}
static const NetClientOps sink_ops = { sink_receive, NULL };

static int passed, failed;
static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL:", what);
    ok ? passed++ : failed++;
}

/* Sends frames of lengths 60..60+20*k from a to b's sink. */
static bool exchange(MainLoop *ml, NetBackend *a, NetBackend *b)
{
    Sink sa, sb;
    memset(&sb, 0, sizeof(sb));
    net_client_init(&sa.nc, &sink_ops, &sa);
    net_client_init(&sb.nc, &sink_ops, &sb);
    net_client_connect(&sa.nc, &a->nc);
    net_client_connect(&sb.nc, &b->nc);
    uint8_t fr[1514];
    for (int k = 0; k < 20; k++) {
        for (int i = 0; i < (int)sizeof(fr); i++) {
            fr[i] = (uint8_t)(i * 7 + k);
        }
        net_send(&sa.nc, fr, 60 + 70 * k);
    }
    for (int t = 0; t < 200 && sb.n < 20; t++) {
        main_loop_poll(ml, true, 10000000);
    }
    bool ok = sb.n == 20;
    for (int k = 0; ok && k < 20; k++) {
        for (int i = 0; i < (int)sizeof(fr); i++) {
            fr[i] = (uint8_t)(i * 7 + k);
        }
        ok = sb.len[k] == (size_t)(60 + 70 * k) && !memcmp(sb.got[k], fr, sb.len[k]);
    }
    net_client_cleanup(&sa.nc);
    net_client_cleanup(&sb.nc);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        return 2;
    }
    MainLoop *ml = main_loop_new();
    char opts[128], *err = NULL;
    snprintf(opts, sizeof(opts), "id=a,listen=127.0.0.1:%s", argv[1]);
    NetBackend *l = net_socket_new(opts, ml, &err);
    snprintf(opts, sizeof(opts), "id=b,connect=127.0.0.1:%s", argv[1]);
    NetBackend *c = l ? net_socket_new(opts, ml, &err) : NULL;
    check(l && c, "socket-stream-setup");
    if (l && c) {
        for (int t = 0; t < 20; t++) {
            main_loop_poll(ml, true, 10000000);     /* the accept */
        }
        check(exchange(ml, c, l), "socket-stream-connect-to-listen");
        check(exchange(ml, l, c), "socket-stream-listen-to-connect");
    }
    /* raw framing: a plain TCP peer reads a frame as length + bytes */
    snprintf(opts, sizeof(opts), "id=r,listen=127.0.0.1:%s", argv[2]);
    NetBackend *r = net_socket_new(opts, ml, &err);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bool raw_ok = r && fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    for (int t = 0; raw_ok && t < 20; t++) {
        main_loop_poll(ml, true, 10000000);
    }
    if (raw_ok) {
        Sink s;
        net_client_init(&s.nc, &sink_ops, &s);
        net_client_connect(&s.nc, &r->nc);
        net_send(&s.nc, "\x01\x02\x03\x04\x05", 5);
        uint8_t b[9];
        size_t got = 0;
        while (got < 9) {
            ssize_t n = read(fd, b + got, 9 - got);
            if (n <= 0) {
                break;
            }
            got += n;
        }
        raw_ok = got == 9 && !memcmp(b, "\0\0\0\x05\x01\x02\x03\x04\x05", 9);
        net_client_cleanup(&s.nc);
    }
    check(raw_ok, "socket-stream-framing");
    /* UDP: two back ends sending to each other's port */
    char o2[128];
    snprintf(opts, sizeof(opts), "id=u1,udp=127.0.0.1:%s,localaddr=127.0.0.1:%s", argv[2], argv[1]);
    snprintf(o2, sizeof(o2), "id=u2,udp=127.0.0.1:%s,localaddr=127.0.0.1:%s", argv[1], argv[2]);
    NetBackend *u1 = net_socket_new(opts, ml, &err), *u2 = u1 ? net_socket_new(o2, ml, &err) : NULL;
    check(u1 && u2 && exchange(ml, u1, u2) && exchange(ml, u2, u1), "socket-udp");
    NetBackend *all[] = { l, c, r, u1, u2 };
    for (int i = 0; i < 5; i++) {
        if (all[i]) {
            net_client_cleanup(&all[i]->nc);
            all[i]->free(all[i]);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    main_loop_stop(ml);
    main_loop_free(ml);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
