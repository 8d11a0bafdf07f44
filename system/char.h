/*
 * Character back ends: where a serial port's bytes go and come from
 * (-serial stdio|mon:stdio|file:PATH|null|none, -nographic). A device writes with
 * chardev_write and receives through the handler it sets; input arrives from the
 * main loop.
 */
#ifndef SYSTEM_CHAR_H
#define SYSTEM_CHAR_H

#include <stddef.h>
#include <stdint.h>
#include "system/main-loop.h"

typedef struct CharDev CharDev;

/* Opens spec; on error returns NULL and sets *err to a malloc'd one-line reason. */
CharDev *chardev_open(MainLoop *ml, const char *spec, char **err);
void chardev_close(CharDev *c);
void chardev_write(CharDev *c, const uint8_t *buf, size_t len);
/* can_receive returns how many bytes the device takes now (FIFO room); receive
 * gets at most that many. */
void chardev_set_handlers(CharDev *c, int (*can_receive)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          void *opaque);
/* The device has room again (FIFO drained): poll the input now. */
void chardev_accept_input(CharDev *c);

#endif
