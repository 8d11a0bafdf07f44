/*
 * Character back ends (system/char.h): stdio (the terminal in raw mode, restored
 * at exit and on fatal signals; POSIX termios, tcsetattr), mon:stdio (stdio with
 * the Ctrl-A escape prefix: Ctrl-A x quits, Ctrl-A h lists the keys, Ctrl-A c
 * switches between the device and the monitor, Ctrl-A Ctrl-A sends Ctrl-A),
 * file:PATH (output only), null and none (nothing), and server sockets
 * (unix:/tcp:, system/char-socket.c) that take one client at a time.
 *
 * Input reaches the front end from the main loop: the input fd handler is
 * installed only while the front end has room, so a full FIFO does not make the
 * loop spin; chardev_accept_input installs it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "system/char.h"
#include "system/errmsg.h"

typedef enum { CHR_NULL, CHR_STDIO, CHR_FILE, CHR_SOCKET } CharKind;

struct CharDev {
    CharKind kind;
    char *filename;
    bool mux;                   /* mon:stdio escape handling */
    bool escape;                /* Ctrl-A seen */
    int focus;                  /* mux: 0 the device, 1 the monitor */
    int in_fd, out_fd;
    int listen_fd;              /* socket: -1 when none */
    bool watching;
    MainLoop *ml;
    CharFrontEnd fe[2];         /* [1]: the monitor on a mux */
};

/* The terminal state to put back: process-wide by nature (one controlling tty). */
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;

static void restore_tty(void)
{
    if (tty_saved) {
        tcsetattr(0, TCSANOW, &saved_tty);
        tty_saved = 0;
    }
}

static void fatal_signal(int sig)
{
    restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Raw input like a serial line: no echo, no line editing, no CR/NL mapping;
 * output keeps OPOST. mux (mon:stdio) also passes Ctrl-C and Ctrl-Z to the
 * guest, as QEMU's -nographic does. */
static void set_raw(bool mux)
{
    struct termios t;
    if (!isatty(0) || tcgetattr(0, &t) != 0) {
        return;
    }
    if (!tty_saved) {
        saved_tty = t;
        tty_saved = 1;
        atexit(restore_tty);
        static const int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGABRT, SIGBUS };
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
            signal(sigs[i], fatal_signal);
        }
    }
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (mux) {
        t.c_lflag &= ~ISIG;
    }
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &t);
}

/* Writes everything; false when the other side went away (a socket client). */
static bool write_all(int fd, const uint8_t *buf, size_t len, bool sock)
{
    while (len) {
        ssize_t n = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                struct timespec ts = { 0, 1000000 };
                nanosleep(&ts, NULL);
                continue;
            }
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

static void send_event(CharDev *c, int i, int event)
{
    if (c->fe[i].event) {
        c->fe[i].event(c->fe[i].opaque, event);
    }
}

static const char mux_help[] =
    "\r\nC-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a c    switch between console and monitor\r\n"
    "C-a C-a  sends C-a\r\n";

/* mon:stdio: the key after Ctrl-A. */
static void mux_escape(CharDev *c, uint8_t b)
{
    if (b == 'x') {
        write_all(c->out_fd, (const uint8_t *)"QEMU: Terminated\r\n", 18, false);
        main_loop_request(c->ml, REQ_EXIT_CODE, 0);
    } else if (b == 'h' || b == '?') {
        write_all(c->out_fd, (const uint8_t *)mux_help, sizeof(mux_help) - 1, false);
    } else if (b == 'c' && c->fe[1].receive) {
        send_event(c, c->focus, CHR_EVENT_FOCUS_OUT);
        c->focus ^= 1;
        send_event(c, c->focus, CHR_EVENT_FOCUS_IN);
    }
    /* s, b, t: no block devices, break or timestamps: ignored */
}

/* Delivers buf to the front end in focus, handling the mux escapes. */
static void deliver(CharDev *c, uint8_t *buf, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; c->mux && i < len; i++) {
        uint8_t b = buf[i];
        if (!c->escape && b != 0x01) {
            continue;
        }
        int focus = c->focus;
        if (i > start && c->fe[focus].receive) {
            c->fe[focus].receive(c->fe[focus].opaque, buf + start, i - start);
        }
        start = i + 1;
        if (!c->escape) {
            c->escape = true;
            continue;
        }
        c->escape = false;
        if (b == 0x01) {
            start = i;      /* Ctrl-A Ctrl-A: the second one goes through */
        } else {
            mux_escape(c, b);
        }
    }
    CharFrontEnd *fe = &c->fe[c->focus];
    if (len > start && fe->receive) {
        fe->receive(fe->opaque, buf + start, len - start);
    }
}

static void input_readable(void *opaque);

static void watch(CharDev *c, bool on)
{
    if (c->in_fd < 0 || c->watching == on) {
        return;
    }
    c->watching = on;
    main_loop_set_fd_handler(c->ml, c->in_fd, on ? input_readable : NULL, c);
}

static void accept_ready(void *opaque);

/* A socket client left: listen for the next one. */
static void disconnect(CharDev *c)
{
    watch(c, false);
    if (c->kind == CHR_SOCKET) {
        if (c->in_fd >= 0) {
            close(c->in_fd);
        }
        c->out_fd = -1;
        main_loop_set_fd_handler(c->ml, c->listen_fd, accept_ready, c);
    }
    c->in_fd = -1;
    if (c->kind == CHR_SOCKET) {
        send_event(c, 0, CHR_EVENT_CLOSED);
    }
}

static void input_readable(void *opaque)
{
    CharDev *c = opaque;
    CharFrontEnd *fe = &c->fe[c->focus];
    int room = fe->can_receive ? fe->can_receive(fe->opaque) : 0;
    if (room <= 0 || !fe->receive) {
        watch(c, false);     /* back on with chardev_accept_input */
        return;
    }
    uint8_t buf[4096];
    if ((size_t)room > sizeof(buf)) {
        room = sizeof(buf);
    }
    ssize_t n = read(c->in_fd, buf, room);
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            disconnect(c);   /* EOF: no more input (socket: the next client) */
        }
        return;
    }
    deliver(c, buf, n);
}

static void connected(CharDev *c, int fd)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    c->in_fd = c->out_fd = fd;
    main_loop_set_fd_handler(c->ml, c->listen_fd, NULL, NULL);
    send_event(c, 0, CHR_EVENT_OPENED);
    if (c->fe[0].receive && c->in_fd >= 0) {
        watch(c, true);
    }
}

static void accept_ready(void *opaque)
{
    CharDev *c = opaque;
    int fd = accept(c->listen_fd, NULL, NULL);
    if (fd >= 0) {
        connected(c, fd);
    }
}

static bool open_socket(CharDev *c, const char *spec, char **err)
{
    bool wait;
    c->kind = CHR_SOCKET;
    c->listen_fd = chardev_socket_listen(spec, &wait, err);
    if (c->listen_fd < 0) {
        return false;
    }
    if (wait) {     /* wait=on: the machine starts once a client is there */
        fprintf(stderr, "QEMU waiting for connection on: %s\n", spec);
        int fd = accept(c->listen_fd, NULL, NULL);
        if (fd >= 0) {
            c->in_fd = c->out_fd = fd;
            return true;
        }
    }
    main_loop_set_fd_handler(c->ml, c->listen_fd, accept_ready, c);
    return true;
}

CharDev *chardev_open(MainLoop *ml, const char *spec, char **err)
{
    CharDev *c = calloc(1, sizeof(*c));
    c->ml = ml;
    c->in_fd = c->out_fd = c->listen_fd = -1;
    c->filename = strdup(spec);
    if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
        c->kind = CHR_NULL;
    } else if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        c->kind = CHR_STDIO;
        c->mux = spec[0] == 'm';
        c->in_fd = 0;
        c->out_fd = 1;
        set_raw(c->mux);
    } else if (!strncmp(spec, "file:", 5)) {
        c->kind = CHR_FILE;
        c->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (c->out_fd < 0) {
            *err = errmsg("could not open '%s'", spec + 5);
            goto fail;
        }
    } else if (!strncmp(spec, "unix:", 5) || !strncmp(spec, "tcp:", 4)) {
        if (!open_socket(c, spec, err)) {
            goto fail;
        }
    } else {
        *err = errmsg("chardev: '%s' is not a supported back end (stdio, mon:stdio, "
                    "file:PATH, null, none, unix:PATH,server=on,wait=off, "
                    "tcp:HOST:PORT,server=on,wait=off)", spec);
        goto fail;
    }
    return c;
fail:
    free(c->filename);
    free(c);
    return NULL;
}

void chardev_close(CharDev *c)
{
    if (!c) {
        return;
    }
    watch(c, false);
    if (c->kind == CHR_FILE) {
        close(c->out_fd);
    }
    if (c->kind == CHR_SOCKET) {
        main_loop_set_fd_handler(c->ml, c->listen_fd, NULL, NULL);
        close(c->listen_fd);
        if (c->in_fd >= 0) {
            close(c->in_fd);
        }
    }
    if (c->kind == CHR_STDIO) {
        restore_tty();
    }
    free(c->filename);
    free(c);
}

void chardev_write(CharDev *c, const uint8_t *buf, size_t len)
{
    if (c && c->out_fd >= 0 && !write_all(c->out_fd, buf, len, c->kind == CHR_SOCKET) &&
        c->kind == CHR_SOCKET) {
        disconnect(c);
    }
}

void chardev_set_front_end(CharDev *c, const CharFrontEnd *fe)
{
    c->fe[0] = *fe;
    if (c->kind == CHR_SOCKET && c->in_fd >= 0) {
        send_event(c, 0, CHR_EVENT_OPENED);
    }
    watch(c, fe->receive != NULL);
}

void chardev_set_handlers(CharDev *c, int (*can_receive)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          void *opaque)
{
    CharFrontEnd fe = { can_receive, receive, NULL, opaque };
    chardev_set_front_end(c, &fe);
}

void chardev_accept_input(CharDev *c)
{
    if (c && c->fe[c->focus].receive) {
        watch(c, true);
    }
}

bool chardev_mux_set_monitor(CharDev *c, const CharFrontEnd *fe)
{
    if (!c || !c->mux) {
        return false;
    }
    c->fe[1] = *fe;
    return true;
}

bool chardev_is_mux(const CharDev *c)
{
    return c && c->mux;
}

const char *chardev_filename(const CharDev *c)
{
    return c->filename;
}

bool chardev_is_stdio(const CharDev *c)
{
    return c->kind == CHR_STDIO;
}

bool chardev_connected(const CharDev *c)
{
    return c->out_fd >= 0;
}
