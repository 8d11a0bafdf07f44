/*
 * The HMP command table (names, arguments, help as QEMU's hmp-commands.hx
 * documents them) and the commands that steer the machine: stop, cont,
 * system_reset, system_powerdown, quit, nmi, singlestep, log, logfile,
 * sendkey, screendump, help. Memory commands are in hmp-mem.c, info in
 * hmp-info.c, the drives' change, eject and commit in hmp-block.c.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/isa.h"
#include "monitor/hmp.h"
#include "target-i386/cpu.h"
#include "tcg/tcg.h"
#include "ui/console.h"
#include "ui/keymap.h"

const HMPCommand hmp_commands[] = {
    { "help|?", "name:S?", "[cmd]", "show the help", hmp_help },
    { "info", "item:s?,arg:s?", "[subcommand]", "show various information about the system state",
      hmp_info },
    { "stop|s", NULL, "", "stop emulation", hmp_stop },
    { "cont|c", NULL, "", "resume emulation", hmp_cont },
    { "system_reset", NULL, "", "reset the system", hmp_system_reset },
    { "system_powerdown", NULL, "", "send system power down event", hmp_system_powerdown },
    { "quit|q", NULL, "", "quit the emulator", hmp_quit },
    { "nmi", NULL, "", "inject an NMI", hmp_nmi },
    { "cpu", "index:i", "index", "set the default CPU", hmp_cpu },
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
    { "change", "device:D,target:S", "device [-f] filename [format [read-only-mode]]",
      "change a removable medium, optional format, use -f to force the operation", hmp_change },
    { "eject", "arg:D,device:D?", "[-f] device", "eject a removable medium (use -f to force it)",
      hmp_eject },
    { "commit", "device:D", "device|all", "commit changes to the disk images (if -snapshot is "
      "used) or backing files", hmp_commit },
    { "block_resize", "device:D,size:s", "device size", "resize a block image",
      hmp_block_resize },
    { "snapshot_blkdev", "device:D,snapshot-file:F?,format:s?", "[-n] device [new-image-file] "
      "[format]", "initiates a live snapshot of device", hmp_snapshot_blkdev },
    { "gdbserver", "device:s?", "[device]", "start gdbserver on given device (default "
      "'tcp::1234')", hmp_gdbserver },
    { "migrate", "uri:S", "[-d] uri", "migrate to URI (exec:CMD, tcp:HOST:PORT, unix:PATH, "
      "file:PATH)", hmp_migrate },
    { "migrate_incoming", "uri:s", "uri", "Continue an incoming migration from an -incoming defer",
      hmp_migrate_incoming },
    { "migrate_cancel", NULL, "", "cancel the current VM migration", hmp_migrate_cancel },
    { "migrate_set_speed", "value:l", "value", "set maximum speed (in bytes) for migrations",
      hmp_migrate_set_speed },
    { "migrate_set_parameter", "parameter:s,value:s", "parameter value",
      "Set the parameter for migration", hmp_migrate_set_parameter },
    { "savevm", "name:s?", "[tag]", "save a VM snapshot. If no tag is provided, a new snapshot "
      "is created", hmp_savevm },
    { "loadvm", "name:s", "tag", "restore a VM snapshot from its tag", hmp_loadvm },
    { "delvm", "name:s", "tag", "delete a VM snapshot from its tag", hmp_delvm },
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

/* cpu N: the CPU info registers, x, gdb and friends look at (-smp) */
void hmp_cpu(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    int i = (int)a->a[0].num;
    if (!pc_cpu_env(h->machine, i)) {
        fprintf(out, "invalid CPU index\n");
        return;
    }
    h->v.env = pc_cpu_env(h->machine, i);
    h->v.cpu = pc_cpu_exec(h->machine, i);
    h->v.cpu_index = i;
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

/* screendump FILE [-f png|ppm] (QEMU's default format: ppm) */
void hmp_screendump(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *opts = a->a[1].present ? a->a[1].str : "";
    char format[8] = "ppm", err[256];
    if (*opts && sscanf(opts, "-f %7s", format) != 1) {
        fprintf(out, "invalid parameter: %.64s\n", opts);
        return;
    }
    if (!h->v.display) {
        fprintf(out, "no display: this machine has no graphics card (-vga none)\n");
    } else if (display_screendump(h->v.display, a->a[0].str, format, err, sizeof(err)) < 0) {
        fprintf(out, "%s\n", err);
    }
}

/* --- sendkey: QEMU's key names, as the keyboard's scan code set 2 (ui/keymap.c;
 * hold_time: released at once, the keyboard has no typematic repeat here) --- */

void hmp_sendkey(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    char err[128];
    if (keyboard_sendkey(h->v.kbd, a->a[0].str, err, sizeof(err)) < 0) {
        fprintf(out, "%s\n", err);
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
