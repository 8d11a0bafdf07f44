/*
 * Character back ends: where a serial port's or a monitor's bytes go and come
 * from (-serial/-monitor/-qmp stdio|mon:stdio|file:PATH|null|none|
 * unix:PATH,server=on,wait=off|tcp:HOST:PORT,server=on,wait=off, -nographic).
 * A front end (a device, a monitor) writes with chardev_write and receives
 * through the handlers it sets; input arrives from the main loop.
 */
#ifndef SYSTEM_CHAR_H
#define SYSTEM_CHAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "system/main-loop.h"

typedef struct CharDev CharDev;

/* Events for a front end: a socket client connected or left; on mon:stdio the
 * monitor got or lost the keyboard (Ctrl-A c). */
enum { CHR_EVENT_OPENED, CHR_EVENT_CLOSED, CHR_EVENT_FOCUS_IN, CHR_EVENT_FOCUS_OUT };

typedef struct CharFrontEnd {
    /* how many bytes the front end takes now (FIFO room); receive gets at most that */
    int (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void (*event)(void *opaque, int event);     /* may be NULL */
    void *opaque;
} CharFrontEnd;

/* Opens spec; on error returns NULL and sets *err to a malloc'd one-line reason. */
CharDev *chardev_open(MainLoop *ml, const char *spec, char **err);
void chardev_close(CharDev *c);
void chardev_write(CharDev *c, const uint8_t *buf, size_t len);
void chardev_set_handlers(CharDev *c, int (*can_receive)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          void *opaque);
/* The same with an event handler (socket connections); a socket that already has
 * its client reports CHR_EVENT_OPENED at once. */
void chardev_set_front_end(CharDev *c, const CharFrontEnd *fe);
/* The device has room again (FIFO drained): poll the input now. */
void chardev_accept_input(CharDev *c);

/* mon:stdio: the monitor's front end on the multiplexer (Ctrl-A c switches the
 * keyboard between the device and the monitor). false when c is no mux. */
bool chardev_mux_set_monitor(CharDev *c, const CharFrontEnd *fe);
bool chardev_is_mux(const CharDev *c);
/* The spec it was opened with ("stdio", "unix:/tmp/m,server=on,wait=off"). */
const char *chardev_filename(const CharDev *c);
/* Whether it is the terminal (stdio, mon:stdio): readline edits its lines. */
bool chardev_is_stdio(const CharDev *c);
bool chardev_connected(const CharDev *c);

/* system/char-socket.c: the listening socket of a unix:/tcp: spec, or -1 with
 * *err; *wait says whether to wait for the first client (wait=on). */
int chardev_socket_listen(const char *spec, bool *wait, char **err);

#endif
