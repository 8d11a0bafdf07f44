/*
 * -netdev tap: frames through a Linux TAP interface (the kernel's
 * Documentation/networking/tuntap.rst: open /dev/net/tun, TUNSETIFF with
 * IFF_TAP | IFF_NO_PI; each read/write is one frame). We never run the
 * ifup/ifdown scripts: script= and downscript= must be "no" or absent, and the
 * interface is configured by the user (e.g. ip tuntap add ... user ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "net/net.h"

typedef struct TapBackend {
    NetBackend b;
    MainLoop *ml;
    int fd;
    uint8_t buf[NET_FRAME_MAX];
} TapBackend;

static bool tap_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TapBackend *t = nc->opaque;
    if (write(t->fd, buf, len) < 0) {
        /* a full or down interface drops the frame, as a wire would */
    }
    return true;
}

static void tap_readable(void *opaque)
{
    TapBackend *t = opaque;
    ssize_t n = read(t->fd, t->buf, sizeof(t->buf));
    if (n > 0) {
        net_send(&t->b.nc, t->buf, n);
    }
}

static void tap_free(NetBackend *b)
{
    TapBackend *t = (TapBackend *)b;
    if (t->fd >= 0) {
        main_loop_set_fd_handler(t->ml, t->fd, NULL, NULL);
        close(t->fd);
    }
    free(t);
}

static const NetClientOps tap_ops = { tap_receive, NULL };

NetBackend *net_tap_new(const char *opts, MainLoop *ml, char **err)
{
    static const char *const keys[] = { "id", "ifname", "script", "downscript", NULL };
    if ((*err = net_opt_check(opts, keys, "tap"))) {
        return NULL;
    }
    char *script = net_opt_get(opts, "script"), *down = net_opt_get(opts, "downscript");
    bool scripts = (script && strcmp(script, "no")) || (down && strcmp(down, "no"));
    free(script);
    free(down);
    if (scripts) {
        *err = errmsg("interface scripts are not supported (script=no,downscript=no)");
        return NULL;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *err = errmsg("cannot open /dev/net/tun: %s", strerror(errno));
        return NULL;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    char *name = net_opt_get(opts, "ifname");
    if (name) {
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        *err = errmsg("cannot create tap interface '%s': %s", name ? name : "tap%d", strerror(errno));
        free(name);
        close(fd);
        return NULL;
    }
    free(name);
    TapBackend *t = calloc(1, sizeof(*t));
    t->ml = ml;
    t->fd = fd;
    t->b.free = tap_free;
    net_client_init(&t->b.nc, &tap_ops, t);
    main_loop_set_fd_handler(ml, fd, tap_readable, t);
    return &t->b;
}
