/*
 * Character back ends (system/char.h): stdio (the terminal in raw mode, restored
 * at exit and on fatal signals; POSIX termios, tcsetattr), mon:stdio (stdio with
 * the Ctrl-A escape prefix: Ctrl-A x quits, Ctrl-A h lists the keys, Ctrl-A Ctrl-A
 * sends Ctrl-A), file:PATH (output only), null and none (nothing).
 *
 * Input reaches the device from the main loop: the stdin fd handler is installed
 * only while the device has room, so a full FIFO does not make the loop spin;
 * chardev_accept_input installs it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "system/char.h"

typedef enum { CHR_NULL, CHR_STDIO, CHR_FILE } CharKind;

struct CharDev {
    CharKind kind;
    bool mux;                   /* mon:stdio escape handling */
    bool escape;                /* Ctrl-A seen */
    int in_fd, out_fd;
    bool watching;
    MainLoop *ml;
    int (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
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

static void write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                struct timespec ts = { 0, 1000000 };
                nanosleep(&ts, NULL);
                continue;
            }
            return;
        }
        buf += n;
        len -= n;
    }
}

static const char mux_help[] =
    "\r\nC-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a C-a  sends C-a\r\n";

/* mon:stdio: strips the escapes from buf in place; returns the bytes for the guest. */
static size_t mux_filter(CharDev *c, uint8_t *buf, size_t len)
{
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (!c->escape) {
            if (b == 0x01) {
                c->escape = true;
            } else {
                buf[out++] = b;
            }
            continue;
        }
        c->escape = false;
        if (b == 0x01) {
            buf[out++] = b;
        } else if (b == 'x') {
            write_all(c->out_fd, (const uint8_t *)"QEMU: Terminated\r\n", 18);
            main_loop_request(c->ml, REQ_EXIT_CODE, 0);
        } else if (b == 'h' || b == '?') {
            write_all(c->out_fd, (const uint8_t *)mux_help, sizeof(mux_help) - 1);
        }
        /* c (monitor), s, b, t: no monitor yet, ignored */
    }
    return out;
}

static void stdin_readable(void *opaque);

static void watch(CharDev *c, bool on)
{
    if (c->in_fd < 0 || c->watching == on) {
        return;
    }
    c->watching = on;
    main_loop_set_fd_handler(c->ml, c->in_fd, on ? stdin_readable : NULL, c);
}

static void stdin_readable(void *opaque)
{
    CharDev *c = opaque;
    int room = c->can_receive ? c->can_receive(c->opaque) : 0;
    if (room <= 0 || !c->receive) {
        watch(c, false);     /* back on with chardev_accept_input */
        return;
    }
    uint8_t buf[256];
    if ((size_t)room > sizeof(buf)) {
        room = sizeof(buf);
    }
    ssize_t n = read(c->in_fd, buf, room);
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            watch(c, false); /* EOF: no more input */
            c->in_fd = -1;
        }
        return;
    }
    size_t len = c->mux ? mux_filter(c, buf, n) : (size_t)n;
    if (len) {
        c->receive(c->opaque, buf, len);
    }
}

static char *errf(const char *fmt, const char *arg)
{
    char *s = NULL;
    if (asprintf(&s, fmt, arg) < 0) {
        s = NULL;
    }
    return s;
}

CharDev *chardev_open(MainLoop *ml, const char *spec, char **err)
{
    CharDev *c = calloc(1, sizeof(*c));
    c->ml = ml;
    c->in_fd = c->out_fd = -1;
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
            *err = errf("could not open '%s'", spec + 5);
            free(c);
            return NULL;
        }
    } else {
        *err = errf("chardev: '%s' is not a supported back end (stdio, mon:stdio, "
                    "file:PATH, null, none)", spec);
        free(c);
        return NULL;
    }
    return c;
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
    if (c->kind == CHR_STDIO) {
        restore_tty();
    }
    free(c);
}

void chardev_write(CharDev *c, const uint8_t *buf, size_t len)
{
    if (c && c->out_fd >= 0) {
        write_all(c->out_fd, buf, len);
    }
}

void chardev_set_handlers(CharDev *c, int (*can_receive)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          void *opaque)
{
    c->can_receive = can_receive;
    c->receive = receive;
    c->opaque = opaque;
    watch(c, receive != NULL);
}

void chardev_accept_input(CharDev *c)
{
    if (c && c->receive) {
        watch(c, true);
    }
}
