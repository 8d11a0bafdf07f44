/*
 * Listening sockets for the socket character back ends (system/char.h):
 * "unix:PATH" and "tcp:[HOST]:PORT" with QEMU's ",server=on,wait=off" options
 * (also the short forms ",server" and ",nowait"). Only server sockets: the
 * emulator listens, a client (socat, nc, a QMP library) connects.
 * POSIX socket(2), bind(2), listen(2); getaddrinfo(3) for TCP.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "system/char.h"

static char *errf2(const char *fmt, const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf(&s, fmt, a, b) < 0) {
        s = NULL;
    }
    return s;
}

/* Splits the options after the address; false with *err on an unknown one. */
static bool parse_opts(char *opts, bool *server, bool *wait, char **err)
{
    *server = false;
    *wait = true;
    for (char *save = NULL, *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "server") || !strcmp(t, "server=on")) {
            *server = true;
        } else if (!strcmp(t, "server=off")) {
            *server = false;
        } else if (!strcmp(t, "nowait") || !strcmp(t, "wait=off")) {
            *wait = false;
        } else if (!strcmp(t, "wait=on")) {
            *wait = true;
        } else if (strcmp(t, "telnet=off") && strcmp(t, "ipv4=on")) {
            *err = errf2("chardev: unknown socket option '%s'%s", t, "");
            return false;
        }
    }
    return true;
}

static int listen_unix(const char *path, char **err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        *err = errf2("chardev: socket path '%s' is too long%s", path, "");
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(path);   /* a stale socket of an earlier run, as QEMU does */
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        *err = errf2("chardev: cannot listen on unix:%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static int listen_tcp(char *addr, char **err)
{
    char *colon = strrchr(addr, ':');
    if (!colon) {
        *err = errf2("chardev: 'tcp:%s' needs HOST:PORT%s", addr, "");
        return -1;
    }
    *colon = 0;
    const char *host = *addr ? addr : NULL, *port = colon + 1;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE }, *res = NULL;
    int fd = -1;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        *err = errf2("chardev: cannot resolve tcp:%s:%s", host ? host : "", port);
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1) < 0) {
        *err = errf2("chardev: cannot listen on tcp port %s: %s", port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int chardev_socket_listen(const char *spec, bool *wait, char **err)
{
    bool unix_sock = !strncmp(spec, "unix:", 5);
    char *copy = strdup(spec + (unix_sock ? 5 : 4));
    char *comma = strchr(copy, ',');
    bool server;
    int fd = -1;
    if (comma) {
        *comma = 0;
    }
    if (!parse_opts(comma ? comma + 1 : copy + strlen(copy), &server, wait, err)) {
        goto out;
    }
    if (!server) {
        *err = errf2("chardev: '%s': only server sockets are supported (add ,server=on,wait=off)%s",
                     spec, "");
        goto out;
    }
    fd = unix_sock ? listen_unix(copy, err) : listen_tcp(copy, err);
out:
    free(copy);
    return fd;
}
