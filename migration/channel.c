/*
 * Migration channels: QEMU's URIs exec:CMD (sh -c CMD, its stdin or stdout),
 * tcp:HOST:PORT, unix:PATH and file:PATH, as a FILE that counts its bytes.
 * The receiving tcp: and unix: sides listen and accept one connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "migration/migration.h"

struct Channel {
    int fd;
    pid_t pid;              /* exec: the command, else 0 */
    FILE *f;                /* over fd, counting */
    uint64_t bytes;
};

static ssize_t ch_read(void *c, char *buf, size_t len)
{
    Channel *ch = c;
    ssize_t r;
    do {
        r = read(ch->fd, buf, len);
    } while (r < 0 && errno == EINTR);
    if (r > 0) {
        ch->bytes += r;
    }
    return r;
}

static ssize_t ch_write(void *c, const char *buf, size_t len)
{
    Channel *ch = c;
    size_t done = 0;
    while (done < len) {
        ssize_t r = write(ch->fd, buf + done, len - done);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return done ? (ssize_t)done : -1;
        }
        done += r;
    }
    ch->bytes += len;
    return len;
}

static void reap(pid_t pid, int *status)
{
    while (pid > 0 && waitpid(pid, status, 0) < 0 && errno == EINTR) {
    }
}

/* The FILE has no close function: fclose flushes it and leaves fd to
 * channel_close, which closes it once. */
static Channel *wrap(int fd, pid_t pid, bool out, char **err)
{
    Channel *c = calloc(1, sizeof(*c));
    cookie_io_functions_t io = { .read = ch_read, .write = ch_write };
    if (c && (c->f = fopencookie(c, out ? "w" : "r", io))) {
        c->fd = fd;
        c->pid = pid;
        setvbuf(c->f, NULL, _IOFBF, 1 << 20);
        return c;
    }
    *err = errmsg("migration channel: out of memory");
    free(c);
    close(fd);
    reap(pid, &(int){ 0 });
    return NULL;
}

/* sh -c cmd with its stdin (out) or stdout (in) on a pipe */
static int spawn(const char *cmd, bool out, pid_t *pid)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -1;
    }
    *pid = fork();
    if (*pid == 0) {
        dup2(out ? p[0] : p[1], out ? 0 : 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(out ? p[0] : p[1]);
    if (*pid < 0) {
        close(out ? p[1] : p[0]);
        return -1;
    }
    return out ? p[1] : p[0];
}

/* tcp:HOST:PORT or unix:PATH: a connected socket (out) or an accepted one (in) */
static int sock_open(const char *uri, bool out, char **err)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = out ? 0 : AI_PASSIVE };
    struct addrinfo *ai = NULL;
    const struct sockaddr *sa = (const struct sockaddr *)&un;
    socklen_t salen = sizeof(un);
    int family = AF_UNIX;
    if (!strncmp(uri, "unix:", 5)) {
        snprintf(un.sun_path, sizeof(un.sun_path), "%s", uri + 5);
        if (!out) {
            unlink(un.sun_path);
        }
    } else {
        const char *hp = uri + 4, *colon = strrchr(hp, ':');
        char host[256];
        if (!colon || (size_t)(colon - hp) >= sizeof(host)) {
            *err = errmsg("bad migration address '%s' (tcp:HOST:PORT)", uri);
            return -1;
        }
        snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
        if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai) != 0 || !ai) {
            *err = errmsg("cannot resolve '%s'", uri);
            return -1;
        }
        sa = ai->ai_addr;
        salen = ai->ai_addrlen;
        family = ai->ai_family;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, c = -1;
    if (fd >= 0 && out) {
        c = connect(fd, sa, salen) == 0 ? fd : -1;
    } else if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, sa, salen) == 0 && listen(fd, 1) == 0) {
            c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        }
        close(fd);
        if (family == AF_UNIX) {
            unlink(un.sun_path);
        }
    }
    if (c < 0) {
        *err = errmsg("%s '%s': %s", out ? "cannot connect to" : "cannot listen on", uri,
                       strerror(errno));
        if (fd >= 0 && out) {
            close(fd);
        }
    }
    if (ai) {
        freeaddrinfo(ai);
    }
    return c;
}

static Channel *open_channel(const char *uri, bool out, char **err)
{
    pid_t pid = 0;
    int fd;
    if (!strncmp(uri, "file:", 5)) {
        fd = out ? open(uri + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                 : open(uri + 5, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            *err = errmsg("cannot open '%s': %s", uri + 5, strerror(errno));
            return NULL;
        }
    } else if (!strncmp(uri, "exec:", 5)) {
        if ((fd = spawn(uri + 5, out, &pid)) < 0) {
            *err = errmsg("cannot run '%s': %s", uri + 5, strerror(errno));
            return NULL;
        }
    } else if (!strncmp(uri, "tcp:", 4) || !strncmp(uri, "unix:", 5)) {
        if ((fd = sock_open(uri, out, err)) < 0) {
            return NULL;
        }
    } else {
        *err = errmsg("unknown migration protocol: '%s' (exec:, tcp:, unix:, file:)", uri);
        return NULL;
    }
    return wrap(fd, pid, out, err);
}

Channel *channel_open_out(const char *uri, char **err)
{
    /* a reader that goes away is an error of the write, not the end of the
     * emulator (QEMU ignores SIGPIPE too) */
    signal(SIGPIPE, SIG_IGN);
    return open_channel(uri, true, err);
}

Channel *channel_open_in(const char *uri, char **err)
{
    return open_channel(uri, false, err);
}

FILE *channel_file(Channel *c)
{
    return c->f;
}

uint64_t channel_bytes(Channel *c)
{
    return c->bytes;
}

char *channel_close(Channel *c)
{
    char *err = NULL;
    if (fclose(c->f) != 0) {
        err = errmsg("cannot write the migration stream: %s", strerror(errno));
    }
    close(c->fd);
    if (c->pid > 0) {
        int st = 0;
        reap(c->pid, &st);
        if (!err && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            err = errmsg("the migration command failed (status %d)",
                          WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
    }
    free(c);
    return err;
}
