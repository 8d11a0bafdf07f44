/*
 * Test driver: the whole PC machine (as quetzal-system-x86_64 builds it) run
 * until the guest writes to isa-debug-exit (port 0x501), then the screen
 * written with display_screendump(), the entry point the monitor's
 * `screendump` uses. Exit status: the machine's ((value << 1) | 1), 1 on
 * errors.
 *   screenshot OUT FORMAT [-m MiB] [-kernel F] [-initrd F] [-append S] [-vga std|none]
 *              [-serial SPEC] [-display sdl|none]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/isa.h"
#include "hw/pc.h"
#include "ui/console.h"

int main(int argc, char **argv)
{
    static const char *const dirs[] = { "/usr/share/seabios", "/usr/share/qemu", NULL };
    if (argc < 3) {
        fprintf(stderr, "usage: screenshot OUT png|ppm [options]\n");
        return 1;
    }
    PCConfig c;
    memset(&c, 0, sizeof(c));
    c.ram_size = 128ull << 20;
    c.cpu_model = "qemu64";
    c.bios = "bios-256k.bin";
    c.fw_dirs = dirs;
    c.serial = "stdio";
    c.debug_exit = true;
    c.debug_exit_iobase = DEBUGEXIT_DEFAULT_IOBASE;
    c.debug_exit_iosize = DEBUGEXIT_DEFAULT_IOSIZE;
    c.log = stderr;
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "-m")) c.ram_size = strtoull(v, NULL, 0) << 20;
        else if (!strcmp(o, "-kernel")) c.kernel = v;
        else if (!strcmp(o, "-initrd")) c.initrd = v;
        else if (!strcmp(o, "-append")) c.append = v;
        else if (!strcmp(o, "-vga")) c.vga = v;
        else if (!strcmp(o, "-serial")) c.serial = v;
        else if (!strcmp(o, "-display")) c.display = v;
        else {
            fprintf(stderr, "screenshot: unknown option %s\n", o);
            return 1;
        }
    }
    char *err = NULL;
    PCMachine *m = pc_new(&c, &err);
    if (!m) {
        fprintf(stderr, "screenshot: %s\n", err ? err : "cannot create the machine");
        return 1;
    }
    int code = pc_run(m);
    char msg[256];
    if (!pc_display(m)) {
        fprintf(stderr, "screenshot: no display (-vga none)\n");
        code = 1;
    } else if (display_screendump(pc_display(m), argv[1], argv[2], msg, sizeof(msg)) < 0) {
        fprintf(stderr, "screenshot: %s\n", msg);
        code = 1;
    }
    pc_free(m);
    return code;
}
