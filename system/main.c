/*
 * quetzal-system-x86_64: the PC system emulator's command line, modelled on
 * qemu-system-x86_64's options (-m, -smp, -machine, -cpu, -kernel, -initrd,
 * -append, -bios, -L, -serial, -nographic, -display, -vga, -no-reboot,
 * -no-shutdown, -device, -d, -D, -accel, -monitor, -qmp, -chardev, -mon, -name,
 * -S, -gdb, -s; the disks' options in system/drive.c, the network's in net/).
 * Exit status as QEMU's: 0 on poweroff or quit, isa-debug-exit's
 * (value << 1) | 1, 1 on errors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel/kvm/kvm.h"
#include "hw/isa.h"
#include "hw/pc.h"
#include "net/net.h"
#include "migration/migration.h"
#include "monitor/monitor.h"
#include "system/drive.h"
#include "target-i386/cpu.h"
#include "tcg/tcg.h"

#define PROG "quetzal-system-x86_64"
#define MAX_FW_DIRS 8
#define RAM_MIN (16ull << 20)
#define RAM_MAX (1ull << 40)

typedef struct Options {
    PCConfig pc;
    NetConfig net;
    const char *fw_dirs[MAX_FW_DIRS + 3];
    int nfw;
    bool nographic;
    const char *log_file;
    MonitorOptions mon;
    DriveSet drives;
    const char *incoming;           /* -incoming URI (not defer) */
    const char *loadvm;             /* -loadvm NAME */
    char *accel_arg;                /* -accel's split copy (pc.kvm_device points into it) */
} Options;

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", PROG);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static void usage(void)
{
    printf("usage: %s [options]\n"
           "PC (i440FX) system emulator.\n\n"
           "  -m SIZE                RAM size (MiB, or with suffix K, M, G) [128M]\n"
           "  -smp [cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,cores=C][,threads=T]\n"
           "                         N CPUs (up to %d) [1]\n"
           "  -M|-machine pc[,fast-boot=on]  the PC; fast-boot: direct Linux boot, no firmware\n"
           "  -cpu qemu64|max|quetzal  CPU model [qemu64: AMD family 15, as QEMU's]\n"
           "  -hda/-hdb/-hdc/-hdd FILE  IDE hard disk (any quetzal-img format)\n"
           "  -cdrom FILE            IDE CD-ROM (secondary master)\n"
           "  -fda/-fdb FILE         floppy disk image (360K to 2.88M)\n"
           "  -drive file=F[,format=,if=ide|none,index=,media=disk|cdrom,readonly=on,\n"
           "         cache=,aio=,snapshot=on]\n"
           "  -snapshot              writes go to a temporary overlay\n"
           "  -boot [order=]cdan[,once=..][,menu=on]  boot order [cad]\n"
           "  -kernel FILE           Linux bzImage\n"
           "  -initrd FILE           initial ramdisk\n"
           "  -append STRING         kernel command line\n"
           "  -bios FILE             firmware image [bios-256k.bin]\n"
           "  -L DIR                 firmware search path [/usr/share/seabios, /usr/share/qemu]\n"
           "  -serial stdio|mon:stdio|file:PATH|null|none  COM1 [mon:stdio]\n"
           "  -nographic             no display, COM1 on mon:stdio (Ctrl-A h for help)\n"
           "  -display sdl|none      an SDL window, or no display [none]\n"
           "  -vga std|none          graphics card [std: QEMU's stdvga]\n"
           "  -no-reboot             exit instead of rebooting\n"
           "  -no-shutdown           stay stopped at poweroff instead of exiting\n"
           "  -device isa-debug-exit[,iobase=N][,iosize=N]\n"
           "  -netdev user|socket|tap,id=ID[,...]  network back end (see README)\n"
           "  -nic none|user|socket|tap[,model=e1000|virtio-net-pci][,mac=MAC][,...]  a NIC and its back end\n"
           "  -device e1000,netdev=ID[,mac=MAC]  Intel 82540EM [default: -nic user,model=e1000]\n"
           "  -device virtio-net-pci,netdev=ID[,mac=MAC]  virtio 1.x network card\n"
           "  -net none              no network card\n"
           "  -d ITEM[,...]          log (see -d help)\n"
           "  -D FILE                log to FILE instead of stderr\n"
           "  -accel tcg|kvm[,device=PATH]  the translator, or the host's KVM (/dev/kvm)\n"
           "  -enable-kvm            -accel kvm\n"
           "  -monitor stdio|mon:stdio|unix:PATH,server=on,wait=off|tcp:HOST:PORT,server=on,wait=off|none\n"
           "                         the human monitor [on mon:stdio: Ctrl-A c]\n"
           "  -qmp unix:PATH,server=on,wait=off|tcp:HOST:PORT,server=on,wait=off|stdio  QMP\n"
           "  -chardev socket,id=ID,path=PATH|host=H,port=P,server=on,wait=off | stdio|null,id=ID\n"
           "  -mon chardev=ID[,mode=control|readline]  a QMP (control) or HMP monitor on it\n"
           "  -name NAME             the machine's name (info name, query-name)\n"
           "  -S                     start stopped (cont in the monitor starts)\n"
           "  -gdb tcp::PORT         wait for gdb on PORT (-s: tcp::1234)\n"
           "  -incoming URI|defer    start from a migration stream (exec:CMD, tcp:HOST:PORT,\n"
           "                         unix:PATH, file:PATH); defer: migrate_incoming gives it\n"
           "  -loadvm NAME           start from the snapshot NAME of the qcow2 disks\n"
           "  -h, -help              this help\n", PROG, PC_MAX_CPUS);
}

typedef struct LogItem {
    const char *name;
    unsigned flag;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { "in_asm", TCG_LOG_IN_ASM, "guest code of each translated block" },
    { "op", TCG_LOG_OP, "IR of each block" },
    { "op_opt", TCG_LOG_OP_OPT, "IR after optimization" },
    { "out_asm", TCG_LOG_OUT_ASM, "host code generated" },
    { "exec", TCG_LOG_EXEC, "each block executed" },
    { "int", PC_LOG_INT, "interrupts and exceptions" },
    { "cpu_reset", PC_LOG_CPU_RESET, "CPU state at reset" },
    { "guest_errors", PC_LOG_GUEST_ERRORS, "guest mistakes (bad accesses, triple faults)" },
    { "unimp", PC_LOG_UNIMP, "unimplemented device features" },
    { "mmu", PC_LOG_MMU, "page table walks" },
};
#define N_LOG_ITEMS (sizeof(log_items) / sizeof(log_items[0]))

static unsigned parse_log(const char *list)
{
    if (!strcmp(list, "help")) {
        for (size_t i = 0; i < N_LOG_ITEMS; i++) {
            printf("%-13s %s\n", log_items[i].name, log_items[i].help);
        }
        exit(0);
    }
    unsigned flags = 0;
    for (const char *s = list; *s;) {
        size_t len = strcspn(s, ","), i;
        for (i = 0; i < N_LOG_ITEMS; i++) {
            if (strlen(log_items[i].name) == len && !strncmp(log_items[i].name, s, len)) {
                flags |= log_items[i].flag;
                break;
            }
        }
        if (i == N_LOG_ITEMS) {
            die("-d: unknown log item '%s' (see -d help)", s);
        }
        s += len + (s[len] == ',');
    }
    return flags;
}

/* -m: a number of MiB, or with a K/M/G/T suffix (optionally "size=" first). */
static uint64_t parse_ram_size(const char *arg)
{
    const char *p = !strncmp(arg, "size=", 5) ? arg + 5 : arg;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    unsigned shift = 20;
    if (end != p && *end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: shift = 64; break;
        }
        end++;
        end += toupper((unsigned char)*end) == 'B';
    }
    if (errno || end == p || *end || !isdigit((unsigned char)p[0]) || shift == 64 ||
        v > (RAM_MAX >> shift)) {
        die("-m: invalid RAM size '%s'", arg);
    }
    uint64_t size = (uint64_t)v << shift;
    if (size < RAM_MIN) {
        die("-m: RAM size '%s' is too small (16 MiB at least)", arg);
    }
    return size & ~0xfffull;
}

/* Parses N in "key=N" (decimal or 0x hex) */
static unsigned long parse_num(const char *s, unsigned long max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || v > max) {
        die("invalid number in '%s'", what);
    }
    return v;
}

/* Reads the -smp keys into t (0: not given); a bare number first is cpus=. */
static void parse_smp_keys(PCTopology *t, const char *arg)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", arg);
    char *save = NULL;
    bool first = true;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(tok, '=');
        unsigned *field = NULL;
        if (!eq && first) {
            field = &t->cpus;
            eq = tok - 1;
        } else if (eq) {
            *eq = 0;
            static const char *const keys[] = { "cpus", "maxcpus", "sockets", "dies", "cores", "threads" };
            unsigned *fields[] = { &t->cpus, &t->max_cpus, &t->sockets, &t->dies, &t->cores, &t->threads };
            for (int k = 0; k < 6 && !field; k++) {
                field = strcmp(tok, keys[k]) ? NULL : fields[k];
            }
        }
        if (!field) {
            die("-smp: unexpected parameter '%s' (cpus, maxcpus, sockets, dies, cores, threads)", tok);
        }
        char *end;
        errno = 0;
        unsigned long v = strtoul(eq + 1, &end, 10);
        if (errno || end == eq + 1 || *end || v == 0 || v > 4096) {
            die("-smp: '%s' is not a CPU count greater than zero", eq + 1);
        }
        *field = (unsigned)v;
    }
}

/*
 * -smp as QEMU 7.2's pc machine computes it (docs "-smp"): missing values from
 * maxcpus (default cpus), cores preferred over sockets, threads last; the
 * product sockets * dies * cores * threads must be maxcpus, and maxcpus >= cpus.
 */
static void parse_smp(PCTopology *out, const char *arg)
{
    PCTopology t = { 0 };
    char msg[200];
    parse_smp_keys(&t, arg);
    unsigned dies = t.dies ? t.dies : 1;
    if (!t.cpus && !t.max_cpus) {
        t.sockets = t.sockets ? t.sockets : 1;
        t.cores = t.cores ? t.cores : 1;
        t.threads = t.threads ? t.threads : 1;
    } else {
        unsigned max = t.max_cpus = t.max_cpus ? t.max_cpus : t.cpus;
        if (!t.cores) {
            t.sockets = t.sockets ? t.sockets : 1;
            t.threads = t.threads ? t.threads : 1;
            t.cores = max / (t.sockets * dies * t.threads);
        } else if (!t.sockets) {
            t.threads = t.threads ? t.threads : 1;
            t.sockets = max / (dies * t.cores * t.threads);
        }
        if (!t.threads) {
            t.threads = max / (t.sockets * dies * t.cores);
        }
    }
    unsigned total = t.sockets * dies * t.cores * t.threads;
    t.max_cpus = t.max_cpus ? t.max_cpus : total;
    t.cpus = t.cpus ? t.cpus : t.max_cpus;
    int n = snprintf(msg, sizeof(msg), "sockets (%u) * dies (%u) * cores (%u) * threads (%u)",
                     t.sockets, dies, t.cores, t.threads);
    if (total != t.max_cpus) {
        snprintf(msg + n, sizeof(msg) - n, " != maxcpus (%u)", t.max_cpus);
        die("-smp: invalid CPU topology: product of the hierarchy must match maxcpus: %s", msg);
    }
    if (t.max_cpus < t.cpus) {
        snprintf(msg + n, sizeof(msg) - n, " == maxcpus (%u) < smp_cpus (%u)", t.max_cpus, t.cpus);
        die("-smp: invalid CPU topology: maxcpus must be equal to or greater than smp: %s", msg);
    }
    if (t.max_cpus > PC_MAX_CPUS) {
        snprintf(msg, sizeof(msg), "%u (the most this machine supports is %d)", t.max_cpus,
                 PC_MAX_CPUS);
        die("-smp: too many CPUs: %s", msg);
    }
    t.dies = dies;
    *out = t;
}

/* -machine accel=A[:B...] (QEMU: the first that starts; here kvm may fall back to tcg) */
static void parse_accel_list(Options *o, const char *list)
{
    if (!strcmp(list, "kvm") || !strcmp(list, "kvm:tcg")) {
        o->pc.accel = !strcmp(list, "kvm") ? "kvm" : "kvm:tcg";
    } else if (!strcmp(list, "tcg") || !strncmp(list, "tcg:", 4)) {
        o->pc.accel = "tcg";
    } else {
        die("-machine accel: unknown accelerator list '%s' (tcg, kvm, kvm:tcg)", list);
    }
}

/* -accel NAME[,device=PATH] (QEMU's kvm-accel "device" property) */
static void parse_accel(Options *o, const char *arg)
{
    char *copy = strdup(arg), *save = NULL;
    free(o->accel_arg);             /* the last -accel counts */
    o->accel_arg = copy;
    o->pc.kvm_device = NULL;
    char *name = strtok_r(copy, ",", &save);
    if (name && !strncmp(name, "accel=", 6)) {
        name += 6;
    }
    if (!name || (strcmp(name, "tcg") && strcmp(name, "kvm"))) {
        die("-accel: unknown accelerator '%s' (tcg or kvm)", arg);
    }
    bool fallback = o->pc.accel && !strcmp(o->pc.accel, "kvm:tcg");
    o->pc.accel = strcmp(name, "kvm") ? "tcg" : fallback ? "kvm:tcg" : "kvm";
    for (char *tok; (tok = strtok_r(NULL, ",", &save));) {
        if (!strncmp(tok, "device=", 7) && o->pc.accel[0] == 'k') {
            o->pc.kvm_device = tok + 7;
        } else if (strncmp(tok, "thread=", 7) && strncmp(tok, "tb-size=", 8)) {
            die("-accel: unsupported property '%s'", tok);
        }
    }
}

static void parse_machine(Options *o, const char *arg)
{
    char *copy = strdup(arg), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "pc") || !strcmp(tok, "type=pc") || !strncmp(tok, "pc-i440fx", 9) ||
            !strcmp(tok, "accel=tcg")) {
            continue;
        } else if (!strncmp(tok, "accel=", 6)) {
            parse_accel_list(o, tok + 6);
        } else if ((!strncmp(tok, "kernel_irqchip=", 15) || !strncmp(tok, "kernel-irqchip=", 15))) {
            KVMIrqchipMode mode;    /* accel/kvm: off (default), on, split */
            if (!kvm_parse_irqchip(tok + 15, &mode)) {
                die("-machine: kernel_irqchip must be on, off or split, not '%s'", tok + 15);
            }
            o->pc.kernel_irqchip = mode;
        } else if (!strcmp(tok, "fast-boot=on") || !strcmp(tok, "fast-boot=off")) {
            o->pc.fast_boot = tok[11] == 'n';
        } else if (!strcmp(tok, "help")) {
            printf("pc                   Standard PC (i440FX + PIIX, 1996)\n");
            exit(0);
        } else {
            die("-machine: unsupported machine or property '%s' (pc[,fast-boot=on])", tok);
        }
    }
    free(copy);
}

static void parse_device(Options *o, const char *arg)
{
    if (drive_device(&o->drives, arg)) {
        return;                    /* virtio-blk-pci: system/drive.c */
    }
    char *copy = strdup(arg), *save = NULL;
    char *tok = strtok_r(copy, ",", &save);
    if (!tok || (strcmp(tok, "isa-debug-exit") && strcmp(tok, "driver=isa-debug-exit"))) {
        die("-device: unsupported device '%s' (isa-debug-exit, virtio-blk-pci, e1000, virtio-net-pci)", arg);
    }
    o->pc.debug_exit = true;
    while ((tok = strtok_r(NULL, ",", &save))) {
        if (!strncmp(tok, "iobase=", 7)) {
            o->pc.debug_exit_iobase = parse_num(tok + 7, 0xffff, arg);
        } else if (!strncmp(tok, "iosize=", 7)) {
            o->pc.debug_exit_iosize = parse_num(tok + 7, 4, arg);
            if (!o->pc.debug_exit_iosize) {
                die("-device: iosize must be 1 to 4 in '%s'", arg);
            }
        } else {
            die("-device: unknown isa-debug-exit property in '%s'", arg);
        }
    }
    free(copy);
}

static void parse_cpu(const char *arg)
{
    if (!strcmp(arg, "host")) {
        return;                 /* with KVM (hw/pc.c) */
    }
    const X86CPUModel *model = x86_cpu_model_find(arg);
    if (!model) {
        die("-cpu: unsupported CPU model '%s' (qemu64, max, quetzal, host)", arg);
    }
    x86_cpu_model_free(model);
}

/* Options with an argument, and what they set. Returns false when name is unknown. */
static bool option(Options *o, const char *name, const char *arg)
{
    char *nerr = NULL;
    if (net_option(&o->net, name, arg, &nerr)) {   /* -netdev, -nic, -net, -device e1000/virtio-net-pci */
        if (nerr) {
            die("%s", nerr);
        }
    } else if (!strcmp(name, "m")) {
        o->pc.ram_size = parse_ram_size(arg);
    } else if (!strcmp(name, "smp")) {
        parse_smp(&o->pc.smp, arg);
    } else if (!strcmp(name, "M") || !strcmp(name, "machine")) {
        parse_machine(o, arg);
    } else if (!strcmp(name, "cpu")) {
        parse_cpu(arg);
        o->pc.cpu_model = arg;
    } else if (!strcmp(name, "kernel")) {
        o->pc.kernel = arg;
    } else if (!strcmp(name, "initrd")) {
        o->pc.initrd = arg;
    } else if (!strcmp(name, "append")) {
        o->pc.append = arg;
    } else if (!strcmp(name, "bios")) {
        o->pc.bios = arg;
    } else if (!strcmp(name, "L")) {
        if (o->nfw == MAX_FW_DIRS) {
            die("-L: too many directories ('%s')", arg);
        }
        o->fw_dirs[o->nfw++] = arg;
    } else if (!strcmp(name, "serial")) {
        if (!o->pc.serial) {
            o->pc.serial = arg;   /* COM1; further -serial ports are not modelled */
        }
    } else if (!strcmp(name, "display")) {
        size_t len = strcspn(arg, ",");     /* options after the type are ignored */
        if ((len == 4 && !strncmp(arg, "none", 4)) || (len == 3 && !strncmp(arg, "sdl", 3))) {
            o->pc.display = len == 3 ? "sdl" : "none";
        } else {
            die("-display: unsupported display '%s' (sdl, none)", arg);
        }
    } else if (!strcmp(name, "vga")) {
        if (strcmp(arg, "std") && strcmp(arg, "none")) {
            die("-vga: unsupported card '%s' (std, none)", arg);
        }
        o->pc.vga = arg;
    } else if (!strcmp(name, "device")) {
        parse_device(o, arg);
    } else if (!strcmp(name, "d")) {
        o->pc.log_flags |= parse_log(arg);
    } else if (!strcmp(name, "D")) {
        o->log_file = arg;
    } else if (!strcmp(name, "accel")) {
        parse_accel(o, arg);
    } else if (drive_option(&o->drives, name, arg)) {
        /* -hdX, -cdrom, -drive, -boot: system/drive.c */
    } else if (!strcmp(name, "monitor")) {
        o->mon.hmp = arg;
    } else if (!strcmp(name, "qmp")) {
        if (o->mon.nqmp == MONITOR_MAX_QMP) {
            die("-qmp: too many QMP monitors ('%s')", arg);
        }
        o->mon.qmp[o->mon.nqmp++] = arg;
    } else if (!strcmp(name, "chardev") || !strcmp(name, "mon")) {
        char *err = name[0] == 'c' ? monitor_parse_chardev(&o->mon, arg) : monitor_parse_mon(&o->mon, arg);
        if (err) {
            die("%s", err);
        }
    } else if (!strcmp(name, "gdb")) {
        o->mon.gdb = arg;
    } else if (!strcmp(name, "incoming")) {
        o->incoming = strcmp(arg, "defer") ? arg : NULL;    /* migration/ */
        o->mon.incoming_defer = !o->incoming;
    } else if (!strcmp(name, "loadvm")) {
        o->loadvm = arg;
    } else if (!strcmp(name, "name")) {
        o->mon.name = !strncmp(arg, "guest=", 6) ? arg + 6 : arg;
    } else {
        return false;
    }
    return true;
}

static bool flag(Options *o, const char *name)
{
    if (!strcmp(name, "nographic")) {
        o->nographic = true;
    } else if (!strcmp(name, "no-reboot")) {
        o->pc.no_reboot = true;
    } else if (!strcmp(name, "S")) {
        o->mon.start_stopped = true;
    } else if (!strcmp(name, "s")) {
        o->mon.gdb = "tcp::1234";
    } else if (!strcmp(name, "enable-kvm")) {
        o->pc.accel = "kvm";
    } else if (!strcmp(name, "no-shutdown")) {
        o->pc.no_shutdown = true;
    } else if (drive_flag(&o->drives, name)) {
        /* -snapshot */
    } else if (!strcmp(name, "h") || !strcmp(name, "help")) {
        usage();
        exit(0);
    } else if (!strcmp(name, "version")) {
        printf("%s version 0.1 (command line compatible with QEMU 7.2's subset)\n", PROG);
        exit(0);
    } else {
        return false;
    }
    return true;
}

static void parse_args(Options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            drive_option(&o->drives, "hda", a);      /* a bare image is -hda, as in QEMU */
            continue;
        }
        const char *name = a + 1 + (a[1] == '-');
        if (flag(o, name)) {
            continue;
        }
        if (i + 1 >= argc) {
            static const char *const with_arg[] = {
                "m", "smp", "M", "machine", "cpu", "kernel", "initrd", "append", "bios", "L",
                "serial", "display", "vga", "device", "d", "D", "accel", "monitor", "qmp", "name",
                "gdb", "chardev", "mon", "hda", "hdb", "hdc", "hdd", "cdrom", "drive", "boot",
                "fda", "fdb", "netdev", "nic", "net", "incoming", "loadvm", NULL };
            for (int k = 0; with_arg[k]; k++) {
                if (!strcmp(with_arg[k], name)) {
                    die("option '%s' needs an argument", a);
                }
            }
            die("unknown option '%s' (see -help)", a);
        }
        if (!option(o, name, argv[i + 1])) {
            die("unknown option '%s' (see -help)", a);
        }
        i++;
    }
}

int main(int argc, char **argv)
{
    static const char *const default_dirs[] = { "/usr/share/seabios", "/usr/share/qemu" };
    Options o;
    memset(&o, 0, sizeof(o));
    o.pc.ram_size = 128ull << 20;
    o.pc.smp = (PCTopology){ 1, 1, 1, 1, 1, 1 };
    o.pc.cpu_model = "qemu64";
    o.pc.bios = "bios-256k.bin";
    o.pc.debug_exit_iobase = DEBUGEXIT_DEFAULT_IOBASE;
    o.pc.debug_exit_iosize = DEBUGEXIT_DEFAULT_IOSIZE;
    o.pc.net = &o.net;
    parse_args(&o, argc, argv);
    o.fw_dirs[o.nfw++] = default_dirs[0];
    o.fw_dirs[o.nfw++] = default_dirs[1];
    o.fw_dirs[o.nfw] = NULL;
    o.pc.fw_dirs = o.fw_dirs;
    if (!o.pc.serial) {
        o.pc.serial = "mon:stdio";
    }
    if (!o.pc.kernel && (o.pc.initrd || o.pc.append)) {
        die("%s requires -kernel", o.pc.initrd ? "-initrd" : "-append");
    }
    o.pc.log = stderr;
    if (o.log_file && !(o.pc.log = fopen(o.log_file, "w"))) {
        die("-D: cannot open '%s'", o.log_file);
    }
    setvbuf(o.pc.log, NULL, _IOLBF, 0);
    drive_setup(&o.drives, &o.pc);
    char *err = NULL;
    PCMachine *m = pc_new(&o.pc, &err);
    if (!m) {
        die("%s", err ? err : "cannot create the machine");
    }
    o.mon.drives = &o.drives;
    /* the saved machine replaces the one just built, before anything runs */
    if ((o.incoming && (err = migration_incoming(m, o.incoming))) ||
        (o.loadvm && (err = snapshot_load(m, o.loadvm)))) {
        pc_free(m);
        die(o.incoming ? "-incoming: %s" : "-loadvm: %s", err);
    }
    MonitorHost *mon = monitor_host_new(m, &o.mon, &err);
    if (!mon) {
        pc_free(m);
        die("%s", err ? err : "cannot open the monitor");
    }
    int code = pc_run(m);
    monitor_host_free(mon);
    pc_free(m);
    drive_close_all(&o.drives);
    net_config_free(&o.net);
    free(o.accel_arg);
    if (o.pc.log != stderr) {
        fclose(o.pc.log);
    }
    return code;
}
