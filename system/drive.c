/*
 * Drive options of quetzal-system-x86_64 (see system/drive.h), with QEMU's
 * meanings (qemu-system-x86_64(1), "Block device options"): -hdX FILE is
 * -drive file=FILE,index=X,media=disk; -cdrom FILE is index=2,media=cdrom;
 * if=ide slots 0-3 are primary master/slave, secondary master/slave; a drive
 * without index takes the first free slot. cache= is writeback (default),
 * none, writethrough, directsync or unsafe. snapshot=on (and -snapshot)
 * send writes to a temporary qcow2 overlay whose backing file is the image,
 * deleted at exit: the image itself is opened read-only.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "block/block.h"
#include "system/drive.h"

#define PROG "quetzal-system-x86_64"

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", PROG);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void add_def(DriveSet *ds, const char *option, char *opts)
{
    if (ds->n == MAX_DRIVES) {
        fail("%s: too many drives", option);
    }
    ds->defs[ds->n].opts = opts;
    ds->defs[ds->n].option = option;
    ds->n++;
}

/* FILE as a -drive value: commas doubled (QEMU's escaping). */
static char *escape_file(const char *file)
{
    size_t n = strlen(file);
    char *out = malloc(2 * n + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        *p++ = file[i];
        if (file[i] == ',') {
            *p++ = ',';
        }
    }
    *p = 0;
    return out;
}

static void add_legacy(DriveSet *ds, const char *option, const char *file, int index,
                       const char *media)
{
    char *esc = escape_file(file), *opts;
    bool fd = !strncmp(option, "-fd", 3);
    if (asprintf(&opts, "file=%s,index=%d,media=%s%s", esc, index, media,
                 fd ? ",if=floppy" : "") < 0) {
        abort();
    }
    free(esc);
    add_def(ds, option, opts);
}

bool drive_option(DriveSet *ds, const char *name, const char *arg)
{
    static const char *const hd[] = { "hda", "hdb", "hdc", "hdd" };
    for (int i = 0; i < 4; i++) {
        if (!strcmp(name, hd[i])) {
            add_legacy(ds, hd[i][2] == 'a' ? "-hda" : hd[i][2] == 'b' ? "-hdb"
                           : hd[i][2] == 'c' ? "-hdc" : "-hdd", arg, i, "disk");
            return true;
        }
    }
    if (!strcmp(name, "fda") || !strcmp(name, "fdb")) {
        add_legacy(ds, name[2] == 'a' ? "-fda" : "-fdb", arg, name[2] - 'a', "disk");
    } else if (!strcmp(name, "cdrom")) {
        add_legacy(ds, "-cdrom", arg, 2, "cdrom");
    } else if (!strcmp(name, "drive")) {
        add_def(ds, "-drive", strdup(arg));
    } else if (!strcmp(name, "boot")) {
        ds->boot = arg;
    } else {
        return false;
    }
    return true;
}

bool drive_device(DriveSet *ds, const char *arg)
{
    const char *p = !strncmp(arg, "driver=", 7) ? arg + 7 : arg;
    if (strncmp(p, "virtio-blk-pci", 14) || (p[14] && p[14] != ',')) {
        return false;
    }
    char *copy = strdup(p[14] ? p + 15 : ""), *save = NULL, *id = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strncmp(tok, "drive=", 6)) {
            id = tok + 6;
        } else if (strncmp(tok, "id=", 3) && strncmp(tok, "serial=", 7) &&
                   strncmp(tok, "bus=", 4) && strncmp(tok, "addr=", 5)) {
            fail("-device %s: Property 'virtio-blk-pci.%.*s' not found", arg,
                 (int)strcspn(tok, "="), tok);
        }
    }
    if (!id || !*id) {
        fail("-device %s: drive property not set", arg);
    }
    if (ds->ndevices == MAX_DRIVES) {
        fail("-device %s: too many devices", arg);
    }
    ds->devices[ds->ndevices++] = strdup(id);
    free(copy);
    return true;
}

bool drive_flag(DriveSet *ds, const char *name)
{
    if (!strcmp(name, "snapshot")) {
        ds->snapshot = true;
        return true;
    }
    return false;
}

/* --- one drive --- */

typedef struct DriveSpec {
    const char *file, *format, *iface, *media, *cache, *aio, *id;
    int index;
    bool read_only, snapshot, cdrom;
} DriveSpec;

static bool parse_onoff(const char *what, const char *v)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        return false;
    }
    fail("-drive: Parameter '%s' expects 'on' or 'off', not '%s'", what, v);
}

static void parse_spec(const DriveDef *def, QDict *d, DriveSpec *sp, bool snapshot_all)
{
    BlockErrorInfo err;
    if (qdict_parse_opts(d, def->opts, &err) < 0) {
        fail("%s %s: %s", def->option, def->opts, err.msg);
    }
    static const char *const keys[] = { "file", "format", "if", "index", "media", "readonly",
                                        "cache", "aio", "snapshot", "id", "bus", "unit", NULL };
    for (size_t i = 0; i < qdict_count(d); i++) {
        const char *k = qdict_key_at(d, i);
        int j = 0;
        while (keys[j] && strcmp(keys[j], k)) {
            j++;
        }
        if (!keys[j]) {
            fail("-drive %s: Invalid parameter '%s'", def->opts, k);
        }
    }
    memset(sp, 0, sizeof(*sp));
    sp->file = qdict_get(d, "file");
    sp->format = qdict_get(d, "format");
    sp->iface = qdict_get(d, "if") ? qdict_get(d, "if") : "ide";
    sp->media = qdict_get(d, "media") ? qdict_get(d, "media") : "disk";
    sp->cache = qdict_get(d, "cache") ? qdict_get(d, "cache") : "writeback";
    sp->aio = qdict_get(d, "aio");
    sp->id = qdict_get(d, "id");
    sp->index = -1;
    const char *v;
    if ((v = qdict_get(d, "index"))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || end == v || n < 0 || n > 3) {
            fail("-drive %s: index '%s' is out of range (0 to 3 for if=ide)", def->opts, v);
        }
        sp->index = n;
    }
    if ((v = qdict_get(d, "bus")) || (v = qdict_get(d, "unit"))) {
        int bus = qdict_get(d, "bus") ? atoi(qdict_get(d, "bus")) : 0;
        int unit = qdict_get(d, "unit") ? atoi(qdict_get(d, "unit")) : 0;
        if (bus < 0 || bus > 1 || unit < 0 || unit > 1) {
            fail("-drive %s: bus/unit out of range (bus 0-1, unit 0-1)", def->opts);
        }
        sp->index = bus * 2 + unit;
    }
    sp->read_only = (v = qdict_get(d, "readonly")) && parse_onoff("readonly", v);
    sp->snapshot = snapshot_all || ((v = qdict_get(d, "snapshot")) && parse_onoff("snapshot", v));
    if (strcmp(sp->iface, "ide") && strcmp(sp->iface, "none") && strcmp(sp->iface, "virtio") &&
        strcmp(sp->iface, "floppy")) {
        fail("-drive %s: unsupported interface 'if=%s' (ide, floppy, virtio, none)", def->opts,
             sp->iface);
    }
    if (!strcmp(sp->iface, "floppy") && sp->index > 1) {
        fail("-drive %s: index '%d' is out of range (0 to 1 for if=floppy)", def->opts, sp->index);
    }
    if (strcmp(sp->iface, "ide") && (!strcmp(sp->media, "cdrom") || !sp->file)) {
        fail("-drive %s: if=%s needs a disk image (file=, media=disk)", def->opts, sp->iface);
    }
    if (!strcmp(sp->media, "cdrom")) {
        sp->cdrom = true;
        sp->read_only = true;
    } else if (strcmp(sp->media, "disk")) {
        fail("-drive %s: 'media' must be 'disk' or 'cdrom', not '%s'", def->opts, sp->media);
    }
    if (!sp->file && !sp->cdrom) {
        fail("-drive %s: a disk needs file=", def->opts);
    }
}

static int cache_flags(const DriveSpec *sp, const char *opts, bool *writethrough)
{
    *writethrough = false;
    if (!strcmp(sp->cache, "writeback")) {
        return 0;
    } else if (!strcmp(sp->cache, "none")) {
        return BDRV_O_NOCACHE;
    } else if (!strcmp(sp->cache, "writethrough")) {
        *writethrough = true;
        return 0;
    } else if (!strcmp(sp->cache, "directsync")) {
        *writethrough = true;
        return BDRV_O_NOCACHE;
    } else if (!strcmp(sp->cache, "unsafe")) {
        return BDRV_O_NO_FLUSH;
    }
    fail("-drive %s: invalid cache option '%s' (writeback, none, writethrough, directsync, "
         "unsafe)", opts, sp->cache);
}

/* The temporary overlay of snapshot=on: a qcow2 file in $TMPDIR (or /var/tmp)
 * backed by the image, unlinked once open. */
static BlockDriverState *open_snapshot(BlockDriverState *base, const char *file, int flags,
                                       const char *opts)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
    char tmpl[PATH_MAX], abs[PATH_MAX], size[32];
    snprintf(tmpl, sizeof(tmpl), "%s/quetzal-snapshot.XXXXXX", dir);
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        fail("-drive %s: cannot create a snapshot file in %s: %s", opts, dir, strerror(errno));
    }
    close(fd);
    if (!realpath(file, abs)) {
        fail("-drive %s: '%s': %s", opts, file, strerror(errno));
    }
    snprintf(size, sizeof(size), "%llu", (unsigned long long)bdrv_getlength(base));
    QDict *o = qdict_new();
    qdict_put(o, "size", size);
    qdict_put(o, "backing_file", abs);
    qdict_put(o, "backing_fmt", bdrv_format_name(base));
    BlockErrorInfo err;
    int r = bdrv_create("qcow2", tmpl, o, &err);
    qdict_free(o);
    BlockDriverState *bs = r < 0 ? NULL : bdrv_open(tmpl, "qcow2", NULL, flags | BDRV_O_RDWR, &err);
    unlink(tmpl);
    if (!bs) {
        fail("-drive %s: cannot create the snapshot overlay: %s", opts, err.msg);
    }
    return bs;
}

static BlockDriverState *open_image(const DriveDef *def, const DriveSpec *sp, int flags)
{
    BlockErrorInfo err;
    if (access(sp->file, F_OK) < 0 || access(sp->file, R_OK) < 0) {
        fail("%s %s: Could not open '%s': %s", def->option, sp->file, sp->file, strerror(errno));
    }
    if (!sp->format) {
        const struct BlockDriver *drv = bdrv_probe_file(sp->file, &err);
        if (!drv) {
            fail("%s %s: %s", def->option, sp->file, err.msg);
        }
    }
    bool rw = !sp->read_only && !sp->snapshot;
    BlockDriverState *bs = bdrv_open(sp->file, sp->format, NULL, flags | (rw ? BDRV_O_RDWR : 0),
                                     &err);
    if (!bs) {
        fail("%s %s: %s", def->option, sp->file, err.msg[0] ? err.msg : "cannot open");
    }
    if (!sp->format && !strcmp(bdrv_format_name(bs), "raw") && rw) {
        fprintf(stderr, "%s: warning: Image format was not specified for '%s' and probing "
                "guessed raw. Specify the 'raw' format explicitly to remove this warning.\n",
                PROG, sp->file);
    }
    if (sp->snapshot && !sp->read_only) {
        BlockDriverState *overlay = open_snapshot(bs, sp->file, flags, def->opts);
        bdrv_close(bs);
        bs = overlay;
    }
    return bs;
}

static void add_virtio(PCConfig *pc, const char *opts, BlockDriverState *bs, bool ro, bool wt)
{
    if (pc->nvirtio == 4) {
        fail("-drive %s: too many virtio disks (4 at most)", opts);
    }
    pc->virtio[pc->nvirtio++] = (VirtioBlkConfig){ .bs = bs, .read_only = ro, .writethrough = wt };
}

/* The if=none drive with id=ID for -device virtio-blk-pci,drive=ID. */
static void setup_device(DriveSet *ds, const char *id, int nth, PCConfig *pc, bool *claimed)
{
    for (int i = 0; i < ds->n; i++) {
        QDict *d = qdict_new();
        DriveSpec sp;
        parse_spec(&ds->defs[i], d, &sp, ds->snapshot);
        bool match = sp.id && !strcmp(sp.id, id) && !strcmp(sp.iface, "none");
        bool wt;
        cache_flags(&sp, ds->defs[i].opts, &wt);
        qdict_free(d);
        if (match) {
            if (claimed[i]) {
                fail("-device virtio-blk-pci,drive=%s: Drive '%s' is already in use", id, id);
            }
            claimed[i] = true;
            add_virtio(pc, ds->defs[i].opts, ds->opened[i], sp.read_only, wt);
            DriveInfo *info = ds->info[i];
            info->bus = DRIVE_VIRTIO;
            snprintf(info->qdev, sizeof(info->qdev), "/machine/peripheral-anon/device[%d]/"
                     "virtio-backend", nth);
            pc->virtio[pc->nvirtio - 1].stats = &info->stats;
            return;
        }
    }
    fail("-device virtio-blk-pci,drive=%s: Property 'virtio-blk-pci.drive' can't find value "
         "'%s'", id, id);
}

/* The monitor's record of drive i (or of a default drive at i >= ds->n). */
static DriveInfo *new_info(DriveSet *ds, int i, const DriveSpec *sp, DriveBus bus, int unit,
                           BlockDriverState *bs, int flags)
{
    DriveInfo *d = calloc(1, sizeof(*d));
    if (!d) {
        abort();
    }
    static const char *const prefix[] = { "ide", "floppy", "virtio", "none" };
    if (sp && sp->id) {
        snprintf(d->name, sizeof(d->name), "%s", sp->id);
    } else if (bus == DRIVE_IDE) {
        snprintf(d->name, sizeof(d->name), "ide%d-%s%d", unit / 2, sp && !sp->cdrom ? "hd" : "cd",
                 unit % 2);
    } else {
        snprintf(d->name, sizeof(d->name), "%s%d", prefix[bus], unit);
    }
    d->bus = bus;
    d->unit = unit;
    d->cdrom = sp ? sp->cdrom : bus == DRIVE_IDE;      /* the defaults: ide1-cd0, floppy0 */
    d->removable = d->cdrom || bus == DRIVE_FLOPPY;
    d->read_only = sp ? sp->read_only : d->cdrom;
    d->snapshot = sp && sp->snapshot && !sp->read_only;
    /* the spec's strings live in a QDict freed after set-up */
    static const char *const caches[] = { "writeback", "none", "writethrough", "directsync",
                                          "unsafe" };
    d->cache = caches[0];
    for (size_t k = 0; sp && k < sizeof(caches) / sizeof(caches[0]); k++) {
        if (!strcmp(sp->cache, caches[k])) {
            d->cache = caches[k];
        }
    }
    d->open_flags = flags;
    d->bs = bs;
    d->file = bs && sp->file ? strdup(sp->file) : NULL;
    if (bs) {
        snprintf(d->node, sizeof(d->node), "#block%03d", ++ds->next_node * 100 % 997 + 100);
    }
    ds->info[i] = d;
    return d;
}

static void setup_one(DriveSet *ds, int i, PCConfig *pc, bool *used)
{
    const DriveDef *def = &ds->defs[i];
    QDict *d = qdict_new();
    DriveSpec sp;
    parse_spec(def, d, &sp, ds->snapshot);
    bool writethrough;
    int flags = cache_flags(&sp, def->opts, &writethrough);
    if (sp.aio) {
        int r = bdrv_parse_aio(sp.aio, &flags);
        if (r < 0) {
            fail("-drive %s: invalid aio option '%s'%s", def->opts, sp.aio,
                 r == -ENOTSUP ? " (io_uring is not built in)" : "");
        }
    }
    BlockDriverState *bs = sp.file && *sp.file ? open_image(def, &sp, flags) : NULL;
    ds->opened[i] = bs;
    if (!strcmp(sp.iface, "virtio")) {
        int n = 0;
        for (int j = 0; j < ds->n; j++) {
            n += ds->info[j] && ds->info[j]->bus == DRIVE_VIRTIO && ds->info[j]->qdev[0] == 'v';
        }
        DriveInfo *info = new_info(ds, i, &sp, DRIVE_VIRTIO, n, bs, flags);
        snprintf(info->qdev, sizeof(info->qdev), "virtio");     /* numbered in drive_setup */
        add_virtio(pc, def->opts, bs, sp.read_only, writethrough);
        pc->virtio[pc->nvirtio - 1].stats = &info->stats;
    } else if (!strcmp(sp.iface, "none")) {
        new_info(ds, i, &sp, DRIVE_NONE, i, bs, flags);
    } else if (!strcmp(sp.iface, "floppy")) {
        int slot = sp.index >= 0 ? sp.index : pc->fd[0].bs ? 1 : 0;
        if (pc->fd[slot].bs) {
            fail("%s %s: floppy drive %d is in use", def->option, def->opts, slot);
        }
        DriveInfo *info = new_info(ds, i, &sp, DRIVE_FLOPPY, slot, bs, flags);
        pc->fd[slot] = (FDCDriveConfig){ .bs = bs, .read_only = sp.read_only,
                                         .stats = &info->stats };
    } else if (!strcmp(sp.iface, "ide")) {
        int slot = sp.index;
        if (slot < 0) {
            for (slot = 0; slot < 4 && used[slot]; slot++) {
            }
            if (slot == 4) {
                fail("%s %s: no free IDE slot (4 drives at most)", def->option, def->opts);
            }
        } else if (used[slot]) {
            fail("%s %s: drive with bus=%d, unit=%d (index=%d) exists", def->option,
                 def->opts, slot / 2, slot % 2, slot);
        }
        used[slot] = true;
        DriveInfo *info = new_info(ds, i, &sp, DRIVE_IDE, slot, bs, flags);
        pc->ide[slot] = (IDEDriveConfig){ .bs = bs, .cdrom = sp.cdrom,
                                          .read_only = sp.read_only, .present = true,
                                          .writethrough = writethrough, .stats = &info->stats };
    }
    qdict_free(d);
}

/* -boot [order=]LETTERS[,once=LETTERS][,menu=on|off][,strict=..][,splash-time=..] */
static void setup_boot(const char *arg, PCConfig *pc)
{
    snprintf(pc->boot_order, sizeof(pc->boot_order), "cad");
    if (!arg) {
        return;
    }
    char *copy = strdup(arg), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        const char *val = eq ? eq + 1 : tok;
        if (eq) {
            *eq = 0;
        }
        if (!eq || !strcmp(tok, "order") || !strcmp(tok, "once")) {
            if (strlen(val) > 3 || !*val || strspn(val, "acdn") != strlen(val)) {
                fail("-boot %s: invalid boot device list '%s' (a, c, d, n)", arg, val);
            }
            /* at most 3 letters (checked above): copied whole */
            if (eq && !strcmp(tok, "once")) {
                snprintf(pc->boot_once, sizeof(pc->boot_once), "%s", val);
            } else {
                snprintf(pc->boot_order, sizeof(pc->boot_order), "%s", val);
            }
        } else if (!strcmp(tok, "menu")) {
            pc->boot_menu = parse_onoff("menu", val);
        } else if (strcmp(tok, "strict") && strcmp(tok, "splash-time") && strcmp(tok, "splash")
                   && strcmp(tok, "reboot-timeout")) {
            fail("-boot %s: Invalid parameter '%s'", arg, tok);
        }
    }
    free(copy);
}

/* QEMU's pc machine has an empty CD-ROM drive at ide1-cd0 when that slot is
 * free and floppy drive A even without a disk (qemu-system-x86_64(1), -cdrom;
 * QEMU's default drives); the device paths as QEMU's QOM tree names them. */
static void add_defaults(DriveSet *ds, PCConfig *pc, const bool *used)
{
    ds->ninfo = ds->n;
    if (!used[2]) {
        DriveInfo *d = new_info(ds, ds->ninfo++, NULL, DRIVE_IDE, 2, NULL, 0);
        pc->ide[2] = (IDEDriveConfig){ .cdrom = true, .read_only = true, .present = true,
                                       .stats = &d->stats };
    }
    if (!pc->fd[0].bs) {
        DriveInfo *d = new_info(ds, ds->ninfo++, NULL, DRIVE_FLOPPY, 0, NULL, 0);
        pc->fd[0].stats = &d->stats;
    }
    int ide = 0, virtio = 0, anon = ds->ndevices;
    for (int slot = 0; slot < 4; slot++) {
        for (int i = 0; i < ds->ninfo; i++) {
            DriveInfo *d = ds->info[i];
            if (d && d->bus == DRIVE_IDE && d->unit == slot) {
                snprintf(d->qdev, sizeof(d->qdev), "/machine/unattached/device[%d]", 23 + ide++);
            }
        }
    }
    for (int i = 0; i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (d && d->bus == DRIVE_FLOPPY) {
            snprintf(d->qdev, sizeof(d->qdev), "/machine/unattached/device[%d]", 16 + d->unit);
        } else if (d && d->bus == DRIVE_VIRTIO && !strcmp(d->qdev, "virtio")) {
            snprintf(d->qdev, sizeof(d->qdev), "/machine/peripheral-anon/device[%d]/"
                     "virtio-backend", anon + virtio++);
        }
    }
}

void drive_setup(DriveSet *ds, PCConfig *pc)
{
    bool used[4] = { false, false, false, false };
    /* drives with an index first, so that the others fill the free slots */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < ds->n; i++) {
            bool indexed = strstr(ds->defs[i].opts, "index=") || strstr(ds->defs[i].opts, "bus=")
                           || strstr(ds->defs[i].opts, "unit=");
            if (indexed == (pass == 0)) {
                setup_one(ds, i, pc, used);
            }
        }
    }
    bool claimed[MAX_DRIVES] = { false };
    for (int i = 0; i < ds->ndevices; i++) {
        setup_device(ds, ds->devices[i], i, pc, claimed);
    }
    add_defaults(ds, pc, used);
    setup_boot(ds->boot, pc);
}

void drive_close_all(DriveSet *ds)
{
    for (int i = 0; i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (d) {
            if (d->bs) {
                bdrv_close(d->bs);
            }
            free(d->file);
            free(d);
            ds->info[i] = NULL;
        }
    }
    ds->ninfo = 0;
    for (int i = 0; i < ds->n; i++) {
        ds->opened[i] = NULL;          /* owned by the DriveInfo records */
        free(ds->defs[i].opts);
    }
    ds->n = 0;
    for (int i = 0; i < ds->ndevices; i++) {
        free(ds->devices[i]);
    }
    ds->ndevices = 0;
}
