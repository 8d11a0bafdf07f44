/*
 * USB HID keyboard usages (USB HID Usage Tables, 10 "Keyboard/Keypad Page")
 * to PS/2 scan code set 2 (Microsoft "Keyboard Scan Code Specification",
 * appendix C). Codes with bit 8 set are sent after an E0 prefix; a break is
 * F0 before the code (after the E0). Key names are QEMU's QKeyCode names
 * (its sendkey command's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ui/keymap.h"

#define E0 0x100

static const uint16_t set2[0xe8] = {
    [0x04] = 0x1c, [0x05] = 0x32, [0x06] = 0x21, [0x07] = 0x23, [0x08] = 0x24,
    [0x09] = 0x2b, [0x0a] = 0x34, [0x0b] = 0x33, [0x0c] = 0x43, [0x0d] = 0x3b,
    [0x0e] = 0x42, [0x0f] = 0x4b, [0x10] = 0x3a, [0x11] = 0x31, [0x12] = 0x44,
    [0x13] = 0x4d, [0x14] = 0x15, [0x15] = 0x2d, [0x16] = 0x1b, [0x17] = 0x2c,
    [0x18] = 0x3c, [0x19] = 0x2a, [0x1a] = 0x1d, [0x1b] = 0x22, [0x1c] = 0x35,
    [0x1d] = 0x1a,                                              /* a-z */
    [0x1e] = 0x16, [0x1f] = 0x1e, [0x20] = 0x26, [0x21] = 0x25, [0x22] = 0x2e,
    [0x23] = 0x36, [0x24] = 0x3d, [0x25] = 0x3e, [0x26] = 0x46, [0x27] = 0x45, /* 1-0 */
    [0x28] = 0x5a, [0x29] = 0x76, [0x2a] = 0x66, [0x2b] = 0x0d, [0x2c] = 0x29,
    [0x2d] = 0x4e, [0x2e] = 0x55, [0x2f] = 0x54, [0x30] = 0x5b, [0x31] = 0x5d,
    [0x32] = 0x5d, [0x33] = 0x4c, [0x34] = 0x52, [0x35] = 0x0e, [0x36] = 0x41,
    [0x37] = 0x49, [0x38] = 0x4a, [0x39] = 0x58,
    [0x3a] = 0x05, [0x3b] = 0x06, [0x3c] = 0x04, [0x3d] = 0x0c, [0x3e] = 0x03,
    [0x3f] = 0x0b, [0x40] = 0x83, [0x41] = 0x0a, [0x42] = 0x01, [0x43] = 0x09,
    [0x44] = 0x78, [0x45] = 0x07,                               /* F1-F12 */
    [0x46] = E0 | 0x7c, [0x47] = 0x7e,
    [0x49] = E0 | 0x70, [0x4a] = E0 | 0x6c, [0x4b] = E0 | 0x7d, [0x4c] = E0 | 0x71,
    [0x4d] = E0 | 0x69, [0x4e] = E0 | 0x7a, [0x4f] = E0 | 0x74, [0x50] = E0 | 0x6b,
    [0x51] = E0 | 0x72, [0x52] = E0 | 0x75,
    [0x53] = 0x77, [0x54] = E0 | 0x4a, [0x55] = 0x7c, [0x56] = 0x7b, [0x57] = 0x79,
    [0x58] = E0 | 0x5a, [0x59] = 0x69, [0x5a] = 0x72, [0x5b] = 0x7a, [0x5c] = 0x6b,
    [0x5d] = 0x73, [0x5e] = 0x74, [0x5f] = 0x6c, [0x60] = 0x75, [0x61] = 0x7d,
    [0x62] = 0x70, [0x63] = 0x71, [0x64] = 0x61, [0x65] = E0 | 0x2f,
    [0xe0] = 0x14, [0xe1] = 0x12, [0xe2] = 0x11, [0xe3] = E0 | 0x1f,
    [0xe4] = E0 | 0x14, [0xe5] = 0x59, [0xe6] = E0 | 0x11, [0xe7] = E0 | 0x27,
};

int ps2_set2_bytes(unsigned hid_usage, bool down, uint8_t out[4])
{
    if (hid_usage >= sizeof(set2) / sizeof(set2[0]) || !set2[hid_usage]) {
        return 0;
    }
    int n = 0;
    uint16_t c = set2[hid_usage];
    if (c & E0) {
        out[n++] = 0xe0;
    }
    if (!down) {
        out[n++] = 0xf0;
    }
    out[n++] = c & 0xff;
    return n;
}

static const struct { const char *name; uint8_t hid; } names[] = {
    { "ret", 0x28 }, { "esc", 0x29 }, { "backspace", 0x2a }, { "tab", 0x2b },
    { "spc", 0x2c }, { "minus", 0x2d }, { "equal", 0x2e }, { "bracket_left", 0x2f },
    { "bracket_right", 0x30 }, { "backslash", 0x31 }, { "semicolon", 0x33 },
    { "apostrophe", 0x34 }, { "grave_accent", 0x35 }, { "comma", 0x36 }, { "dot", 0x37 },
    { "slash", 0x38 }, { "caps_lock", 0x39 }, { "print", 0x46 }, { "sysrq", 0x46 },
    { "scroll_lock", 0x47 }, { "insert", 0x49 }, { "home", 0x4a }, { "pgup", 0x4b },
    { "delete", 0x4c }, { "end", 0x4d }, { "pgdn", 0x4e }, { "right", 0x4f },
    { "left", 0x50 }, { "down", 0x51 }, { "up", 0x52 }, { "num_lock", 0x53 },
    { "kp_divide", 0x54 }, { "kp_multiply", 0x55 }, { "asterisk", 0x55 },
    { "kp_subtract", 0x56 }, { "kp_add", 0x57 }, { "kp_enter", 0x58 }, { "kp_decimal", 0x63 },
    { "less", 0x64 }, { "menu", 0x65 }, { "compose", 0x65 },
    { "ctrl", 0xe0 }, { "shift", 0xe1 }, { "alt", 0xe2 }, { "meta_l", 0xe3 },
    { "ctrl_r", 0xe4 }, { "shift_r", 0xe5 }, { "alt_r", 0xe6 }, { "meta_r", 0xe7 },
};

int keyname_to_hid(const char *name)
{
    size_t len = strlen(name);
    if (len == 1 && name[0] >= 'a' && name[0] <= 'z') {
        return 0x04 + name[0] - 'a';
    }
    if (len == 1 && name[0] >= '1' && name[0] <= '9') {
        return 0x1e + name[0] - '1';
    }
    if (!strcmp(name, "0")) {
        return 0x27;
    }
    if (name[0] == 'f' && len <= 3 && atoi(name + 1) >= 1 && atoi(name + 1) <= 12) {
        return 0x3a + atoi(name + 1) - 1;
    }
    if (!strncmp(name, "kp_", 3) && len == 4 && name[3] >= '0' && name[3] <= '9') {
        return name[3] == '0' ? 0x62 : 0x59 + name[3] - '1';
    }
    if (!strncmp(name, "0x", 2)) {
        char *end;
        long v = strtol(name, &end, 16);
        return *end || v < 0 || v > 0xe7 ? -1 : v;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcmp(name, names[i].name)) {
            return names[i].hid;
        }
    }
    return -1;
}

static void send(I8042State *kbd, int hid, bool down)
{
    uint8_t b[4];
    int n = ps2_set2_bytes(hid, down, b);
    for (int i = 0; i < n; i++) {
        i8042_keyboard_input(kbd, b[i]);
    }
}

int keyboard_sendkey(I8042State *kbd, const char *keys, char *err, size_t errlen)
{
    int hid[16], n = 0;
    char name[32];
    for (const char *p = keys; *p;) {
        size_t len = strcspn(p, "-");
        if (len == 0 || len >= sizeof(name) || n == 16) {
            snprintf(err, errlen, "invalid key list '%s'", keys);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = 0;
        if ((hid[n++] = keyname_to_hid(name)) < 0) {
            snprintf(err, errlen, "unknown key '%s'", name);
            return -1;
        }
        p += len + (p[len] == '-');
    }
    for (int i = 0; i < n; i++) {
        send(kbd, hid[i], true);
    }
    for (int i = n - 1; i >= 0; i--) {
        send(kbd, hid[i], false);
    }
    return 0;
}
