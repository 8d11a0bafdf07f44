/*
 * Keyboard input for the guest: USB HID keyboard usages (what SDL's scancodes
 * are) to PS/2 scan code set 2 bytes, QEMU's key names (the monitor's
 * `sendkey ctrl-alt-delete`) to HID usages, and the sendkey entry point.
 */
#ifndef UI_KEYMAP_H
#define UI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/isa.h"

/* Make (down) or break bytes of a key in set 2 into out[4]; returns the
 * count, 0 for a usage without a code. */
int ps2_set2_bytes(unsigned hid_usage, bool down, uint8_t out[4]);
/* QEMU's key name ("a", "ret", "ctrl", "f1", "kp_add", ...; also "0x1e", a
 * HID usage in hex) to a HID usage; -1 when unknown. */
int keyname_to_hid(const char *name);
/* The monitor's sendkey: keys like "ctrl-alt-delete" are pressed in order and
 * released in reverse. Returns 0, or -1 with err naming the unknown key. */
/* Completion: the i-th key name starting with prefix, NULL past the last. */
const char *keyname_complete(const char *prefix, int i);
int keyboard_sendkey(I8042State *kbd, const char *keys, char *err, size_t errlen);

#endif
