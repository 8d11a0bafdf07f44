/*
 * The HMP command table (names, arguments, help as QEMU's hmp-commands.hx
 * documents them) and the commands that steer the machine: stop, cont,
 * system_reset, system_powerdown, quit, nmi, singlestep, log, logfile,
 * sendkey, screendump, help. Memory commands are in hmp-mem.c, info in
 * hmp-info.c.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/isa.h"
#include "monitor/hmp.h"
#include "target-i386/cpu.h"
#include "tcg/tcg.h"

const HMPCommand hmp_commands[] = {
    { "help|?", "name:S?", "[cmd]", "show the help", hmp_help },
    { "info", "item:s?", "[subcommand]", "show various information about the system state",
      hmp_info },
    { "stop|s", NULL, "", "stop emulation", hmp_stop },
    { "cont|c", NULL, "", "resume emulation", hmp_cont },
    { "system_reset", NULL, "", "reset the system", hmp_system_reset },
    { "system_powerdown", NULL, "", "send system power down event", hmp_system_powerdown },
    { "quit|q", NULL, "", "quit the emulator", hmp_quit },
    { "nmi", NULL, "", "inject an NMI", hmp_nmi },
    { "singlestep", "option:b?", "[on|off]", "run emulation in singlestep mode or switch to "
      "normal mode", hmp_singlestep },
    { "log", "items:s", "item1[,...]", "activate logging of the specified items (see "
      "-d help; 'none' stops)", hmp_log },
    { "logfile", "filename:F", "filename", "output logs to 'filename'", hmp_logfile },
    { "x", "fmt:/,addr:l", "/fmt addr", "virtual memory dump starting at 'addr'", hmp_x },
    { "xp", "fmt:/,addr:l", "/fmt addr", "physical memory dump starting at 'addr'", hmp_xp },
    { "print|p", "fmt:/,val:l", "/fmt expr", "print expression value (use $reg for CPU "
      "register access)", hmp_print },
    { "memsave", "val:l,size:i,filename:F", "addr size file",
      "save to disk virtual memory dump starting at 'addr' of size 'size'", hmp_memsave },
    { "pmemsave", "val:l,size:l,filename:F", "addr size file",
      "save to disk physical memory dump starting at 'addr' of size 'size'", hmp_pmemsave },
    { "sendkey", "keys:K,hold_time:i?", "keys [hold_ms]", "send keys to the VM (e.g. "
      "'sendkey ctrl-alt-f1')", hmp_sendkey },
    { "screendump", "filename:F,opts:S?", "filename [-f png|ppm]",
      "save screen to a file", hmp_screendump },
    { "gdbserver", "device:s?", "[device]", "start gdbserver on given device (default "
      "'tcp::1234')", hmp_gdbserver },
    { NULL, NULL, NULL, NULL, NULL },
};

static void print_entry(FILE *out, const char *prefix, const HMPCommand *c)
{
    fprintf(out, "%s%s %s -- %s\n", prefix, c->name, c->params, c->help);
}

void hmp_help(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *name = a->a[0].present ? a->a[0].str : "";
    if (!strcmp(name, "info")) {
        for (const HMPCommand *c = hmp_info_commands; c->name; c++) {
            print_entry(out, "info ", c);
        }
        return;
    }
    bool found = false;
    for (const HMPCommand *c = hmp_commands; c->name; c++) {
        size_t n = strlen(name);
        const char *bar = strchr(c->name, '|');
        size_t len = bar ? (size_t)(bar - c->name) : strlen(c->name);
        if (!n || (n == len && !strncmp(c->name, name, n)) ||
            (bar && !strcmp(bar + 1, name))) {
            print_entry(out, "", c);
            found = true;
        }
    }
    if (!found) {
        fprintf(out, "unknown command: '%.64s'\n", name);
    }
}

void hmp_info(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    if (!a->a[0].present) {
        for (const HMPCommand *c = hmp_info_commands; c->name; c++) {
            print_entry(out, "info ", c);
        }
        return;
    }
    const char *item = a->a[0].str;
    for (const HMPCommand *c = hmp_info_commands; c->name; c++) {
        if (!strcmp(c->name, item)) {
            c->fn(h, a, out);
            return;
        }
    }
    fprintf(out, "info: unknown sub-command '%.64s' (see 'help info')\n", item);
}

void hmp_stop(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    mc_stop(h);
}

void hmp_cont(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    if (h->state == RUN_SHUTDOWN) {
        fprintf(out, "Resetting the Virtual Machine is required\n");
        return;
    }
    mc_cont(h);
}

void hmp_system_reset(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    mc_reset(h, "host-qmp-system-reset");
}

void hmp_system_powerdown(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    mc_powerdown(h);
}

void hmp_quit(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    mc_quit(h, "host-qmp-quit");
}

void hmp_nmi(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    x86_cpu_nmi(h->v.env);
}

void hmp_singlestep(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    h->singlestep = !a->a[0].present || a->a[0].num;
    monitor_update_debug_hook(h);
}

/* -d items the monitor can switch while the machine runs. */
static const struct {
    const char *name;
    unsigned tcg;           /* TCG_LOG_* */
    int env;                /* 1 int_log, 2 mmu_log */
} log_items[] = {
    { "in_asm", TCG_LOG_IN_ASM, 0 }, { "op", TCG_LOG_OP, 0 }, { "op_opt", TCG_LOG_OP_OPT, 0 },
    { "out_asm", TCG_LOG_OUT_ASM, 0 }, { "exec", TCG_LOG_EXEC, 0 }, { "int", 0, 1 },
    { "mmu", 0, 2 },
};
#define N_LOG_ITEMS (sizeof(log_items) / sizeof(log_items[0]))

static FILE *log_file(MonitorHost *h)
{
    FILE *f = h->log ? h->log : h->v.cfg->log;
    return f ? f : stderr;
}

static void apply_log(MonitorHost *h, unsigned tcg_flags, int env_flags)
{
    FILE *f = log_file(h);
    tcg_set_log(h->v.tcg, tcg_flags, tcg_flags ? f : NULL);
    h->v.env->int_log = (env_flags & 1) ? f : NULL;
    h->v.env->mmu_log = (env_flags & 2) ? f : NULL;
    h->log_tcg = tcg_flags;
    h->log_env = env_flags;
}

void hmp_log(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    unsigned tcg = 0;
    int env = 0;
    const char *s = a->a[0].str;
    if (strcmp(s, "none")) {
        while (*s) {
            size_t len = strcspn(s, ","), i;
            for (i = 0; i < N_LOG_ITEMS; i++) {
                if (strlen(log_items[i].name) == len && !strncmp(log_items[i].name, s, len)) {
                    tcg |= log_items[i].tcg;
                    env |= log_items[i].env;
                    break;
                }
            }
            if (i == N_LOG_ITEMS) {
                fprintf(out, "Invalid parameter '%.*s'\n", (int)(len > 40 ? 40 : len), s);
                return;
            }
            s += len + (s[len] == ',');
        }
    }
    apply_log(h, tcg, env);
}

void hmp_logfile(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    FILE *f = fopen(a->a[0].str, "w");
    if (!f) {
        fprintf(out, "could not open '%s'\n", a->a[0].str);
        return;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    FILE *old = h->log;
    h->log = f;
    apply_log(h, h->log_tcg, h->log_env);
    if (old) {
        fclose(old);
    }
}

void hmp_screendump(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    /* TODO(display): call display_screendump(filename, format) once ui/ has
     * a display; until then there is nothing to dump */
    fprintf(out, "no display: this machine has no graphics card to dump\n");
}

/* --- sendkey: QEMU's key names, sent as PS/2 scan code set 2 (the 8042
 * translates to set 1 when the guest asks) --- */

typedef struct KeyCode {
    const char *name;
    uint8_t code;
    bool ext;               /* E0 prefix */
} KeyCode;

static const KeyCode keys[] = {
    { "a", 0x1c, 0 }, { "b", 0x32, 0 }, { "c", 0x21, 0 }, { "d", 0x23, 0 }, { "e", 0x24, 0 },
    { "f", 0x2b, 0 }, { "g", 0x34, 0 }, { "h", 0x33, 0 }, { "i", 0x43, 0 }, { "j", 0x3b, 0 },
    { "k", 0x42, 0 }, { "l", 0x4b, 0 }, { "m", 0x3a, 0 }, { "n", 0x31, 0 }, { "o", 0x44, 0 },
    { "p", 0x4d, 0 }, { "q", 0x15, 0 }, { "r", 0x2d, 0 }, { "s", 0x1b, 0 }, { "t", 0x2c, 0 },
    { "u", 0x3c, 0 }, { "v", 0x2a, 0 }, { "w", 0x1d, 0 }, { "x", 0x22, 0 }, { "y", 0x35, 0 },
    { "z", 0x1a, 0 }, { "1", 0x16, 0 }, { "2", 0x1e, 0 }, { "3", 0x26, 0 }, { "4", 0x25, 0 },
    { "5", 0x2e, 0 }, { "6", 0x36, 0 }, { "7", 0x3d, 0 }, { "8", 0x3e, 0 }, { "9", 0x46, 0 },
    { "0", 0x45, 0 }, { "minus", 0x4e, 0 }, { "equal", 0x55, 0 }, { "backspace", 0x66, 0 },
    { "tab", 0x0d, 0 }, { "bracket_left", 0x54, 0 }, { "bracket_right", 0x5b, 0 },
    { "ret", 0x5a, 0 }, { "ctrl", 0x14, 0 }, { "semicolon", 0x4c, 0 }, { "apostrophe", 0x52, 0 },
    { "grave_accent", 0x0e, 0 }, { "shift", 0x12, 0 }, { "backslash", 0x5d, 0 },
    { "comma", 0x41, 0 }, { "dot", 0x49, 0 }, { "slash", 0x4a, 0 }, { "shift_r", 0x59, 0 },
    { "alt", 0x11, 0 }, { "spc", 0x29, 0 }, { "caps_lock", 0x58, 0 }, { "f1", 0x05, 0 },
    { "f2", 0x06, 0 }, { "f3", 0x04, 0 }, { "f4", 0x0c, 0 }, { "f5", 0x03, 0 },
    { "f6", 0x0b, 0 }, { "f7", 0x83, 0 }, { "f8", 0x0a, 0 }, { "f9", 0x01, 0 },
    { "f10", 0x09, 0 }, { "f11", 0x78, 0 }, { "f12", 0x07, 0 }, { "esc", 0x76, 0 },
    { "num_lock", 0x77, 0 }, { "scroll_lock", 0x7e, 0 }, { "kp_multiply", 0x7c, 0 },
    { "kp_subtract", 0x7b, 0 }, { "kp_add", 0x79, 0 }, { "kp_decimal", 0x71, 0 },
    { "ctrl_r", 0x14, 1 }, { "alt_r", 0x11, 1 }, { "delete", 0x71, 1 }, { "insert", 0x70, 1 },
    { "home", 0x6c, 1 }, { "end", 0x69, 1 }, { "pgup", 0x7d, 1 }, { "pgdn", 0x7a, 1 },
    { "up", 0x75, 1 }, { "down", 0x72, 1 }, { "left", 0x6b, 1 }, { "right", 0x74, 1 },
    { "meta_l", 0x1f, 1 }, { "meta_r", 0x27, 1 }, { "kp_enter", 0x5a, 1 },
    { "kp_divide", 0x4a, 1 }, { "menu", 0x2f, 1 },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const char *hmp_complete_key(const char *prefix, int i)
{
    size_t n = strlen(prefix);
    for (size_t k = 0; k < N_KEYS; k++) {
        if (!strncmp(keys[k].name, prefix, n) && i-- == 0) {
            return keys[k].name;
        }
    }
    return NULL;
}

static const KeyCode *find_key(const char *name, size_t len)
{
    for (size_t k = 0; k < N_KEYS; k++) {
        if (strlen(keys[k].name) == len && !strncmp(keys[k].name, name, len)) {
            return &keys[k];
        }
    }
    return NULL;
}

static void send_scancode(MonitorHost *h, const KeyCode *k, bool release)
{
    if (k->ext) {
        i8042_keyboard_input(h->v.kbd, 0xe0);
    }
    if (release) {
        i8042_keyboard_input(h->v.kbd, 0xf0);
    }
    i8042_keyboard_input(h->v.kbd, k->code);
}

void hmp_sendkey(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const KeyCode *down[16];
    int n = 0;
    for (const char *s = a->a[0].str; *s;) {
        size_t len = strcspn(s, "-");
        const KeyCode *k = find_key(s, len);
        if (!k || n == 16) {
            fprintf(out, k ? "too many keys\n" : "invalid parameter: %.*s\n",
                    (int)(len > 40 ? 40 : len), s);
            return;
        }
        down[n++] = k;
        s += len + (s[len] == '-');
    }
    /* press in order, release in reverse (hold_time: released at once, the
     * keyboard has no typematic repeat here) */
    for (int i = 0; i < n; i++) {
        send_scancode(h, down[i], false);
    }
    for (int i = n - 1; i >= 0; i--) {
        send_scancode(h, down[i], true);
    }
}

void hmp_gdbserver(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *dev = a->a[0].present ? a->a[0].str : "tcp::1234";
    char *err = gdb_start(h, dev);
    if (err) {
        fprintf(out, "gdbserver: %s\n", err);
        free(err);
        return;
    }
    fprintf(out, "Waiting for gdb connection on device '%s'\n", dev);
}
