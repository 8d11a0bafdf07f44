/*
 * Unit tests of system/memory.c, system/ioport.c, system/main-loop.c and
 * system/char.c. The oracle is the contract of the headers: the PC bus rules
 * (highest priority wins, unassigned reads all-ones), naturally aligned MMIO
 * pieces, timers firing in deadline order no earlier than asked, the kick
 * thread stopping the "CPU" when a deadline passes or an fd turns readable.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "system/char.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "hw/device.h"
#include "hw/pc.h"

typedef struct Counts {
    int passed, failed;
} Counts;

#define CHECK(c, cond) check(c, (cond), #cond, __LINE__)
static void check(Counts *c, bool ok, const char *what, int line)
{
    if (ok) {
        c->passed++;
    } else {
        c->failed++;
        printf("FAIL: line %d: %s\n", line, what);
    }
}

/* --- an MMIO device that records its accesses --- */
typedef struct Rec {
    uint64_t last_off, last_val;
    unsigned last_size;
    int reads, writes;
    uint8_t mem[64];
} Rec;

static uint64_t rec_read(void *opaque, uint64_t off, unsigned size)
{
    Rec *r = opaque;
    uint64_t v = 0;
    r->reads++;
    r->last_off = off;
    r->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)r->mem[(off + i) % 64] << (8 * i);
    }
    return v;
}

static void rec_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Rec *r = opaque;
    r->writes++;
    r->last_off = off;
    r->last_val = val;
    r->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        r->mem[(off + i) % 64] = val >> (8 * i);
    }
}

static const MemOps rec_ops = { rec_read, rec_write };

typedef struct Listen {
    int changed;
    uint64_t wpaddr, wlen;
} Listen;
static void l_changed(void *o) { ((Listen *)o)->changed++; }
static void l_written(void *o, uint64_t p, uint64_t l)
{
    ((Listen *)o)->wpaddr = p;
    ((Listen *)o)->wlen = l;
}

static void test_memory(Counts *c)
{
    AddressSpace *as = address_space_new();
    Listen l = { 0 };
    MemListener ml = { l_changed, l_written, &l };
    memory_add_listener(as, &ml);

    MemRegion *ram = memory_add_ram(as, "ram", 0, 1 << 20);
    CHECK(c, l.changed == 1);
    uint8_t *host = memory_region_host(ram);
    MemSection s = memory_lookup(as, 0x1234);
    CHECK(c, s.kind == MEM_RAM && s.host == host + 0x1234 && s.len == (1 << 20) - 0x1234);
    /* unassigned above RAM */
    s = memory_lookup(as, 1 << 20);
    CHECK(c, s.kind == MEM_UNASSIGNED);
    CHECK(c, ldl_phys(as, 1 << 20) == 0xffffffff);
    CHECK(c, ldq_phys(as, 0xfffffffc) == ~0ull);
    stl_phys(as, 2 << 20, 5);   /* dropped, no crash */

    /* RAM round trip and the ram_written listener */
    stq_phys(as, 0x100, 0x1122334455667788ull);
    CHECK(c, ldq_phys(as, 0x100) == 0x1122334455667788ull);
    CHECK(c, ldl_phys(as, 0x104) == 0x11223344);
    CHECK(c, host[0x100] == 0x88);
    CHECK(c, l.wpaddr == 0x100 && l.wlen == 8);

    /* MMIO with a higher priority over RAM splits the RAM range */
    Rec rec = { 0 };
    MemRegion *mm = memory_add_mmio(as, "mmio", 0x8000, 0x40, &rec_ops, &rec, 2);
    s = memory_lookup(as, 0x7ff0);
    CHECK(c, s.kind == MEM_RAM && s.len == 0x10);
    s = memory_lookup(as, 0x8010);
    CHECK(c, s.kind == MEM_MMIO && s.region == mm && s.offset == 0x10 && s.len == 0x30);
    s = memory_lookup(as, 0x8040);
    CHECK(c, s.kind == MEM_RAM && s.host == host + 0x8040);
    stl_phys(as, 0x8004, 0xdeadbeef);
    CHECK(c, rec.writes == 1 && rec.last_off == 4 && rec.last_size == 4 && rec.last_val == 0xdeadbeef);
    CHECK(c, ldl_phys(as, 0x8004) == 0xdeadbeef && rec.last_size == 4);
    /* an unaligned 8-byte read at offset 2 -> naturally aligned pieces 2,4,2 */
    uint8_t buf[8];
    rec.reads = 0;
    address_space_read(as, 0x8002, buf, 8);
    CHECK(c, rec.reads == 3 && rec.last_off == 8 && rec.last_size == 2);
    CHECK(c, buf[2] == 0xef && buf[5] == 0xde);
    /* reads spanning RAM, MMIO */
    host[0x7fff] = 0x42;
    address_space_read(as, 0x7fff, buf, 2);
    CHECK(c, buf[0] == 0x42 && buf[1] == rec.mem[0]);

    /* moving and unmapping */
    memory_region_move(mm, UINT64_MAX);
    s = memory_lookup(as, 0x8010);
    CHECK(c, s.kind == MEM_RAM && s.len == (1 << 20) - 0x8010);
    memory_region_move(mm, 0xfee00000);
    s = memory_lookup(as, 0xfee00000);
    CHECK(c, s.kind == MEM_MMIO && s.offset == 0);
    s = memory_lookup(as, 0xfedfffff);
    CHECK(c, s.kind == MEM_UNASSIGNED && s.len == 1);

    /* ROM at 4 GiB - 256 KiB with an alias of its last 128 KiB at 0xE0000 */
    MemRegion *rom = memory_add_rom(as, "bios", 0xfffc0000, 0x40000);
    uint8_t sig[4] = { 0xea, 0x5b, 0xe0, 0x00 };
    address_space_write_rom(as, 0xfffffff0, sig, 4);
    CHECK(c, memory_region_host(rom)[0x3fff0] == 0xea);
    stl_phys(as, 0xfffffff0, 0);    /* ignored: ROM */
    CHECK(c, ldl_phys(as, 0xfffffff0) == 0x00e05bea);
    memory_add_alias(as, "isa-bios", 0xe0000, rom, 0x20000, 0x20000);
    s = memory_lookup(as, 0xffff0);
    CHECK(c, s.kind == MEM_ROM && s.host == memory_region_host(rom) + 0x3fff0 && s.len == 0x10);
    CHECK(c, ldl_phys(as, 0xffff0) == 0x00e05bea);
    s = memory_lookup(as, 0x100000);
    CHECK(c, s.kind == MEM_UNASSIGNED);
    s = memory_lookup(as, 0xdffff);
    CHECK(c, s.kind == MEM_RAM && s.len == 1);
    /* read-only RAM (PAM-like) */
    memory_region_set_readonly(ram, true);
    s = memory_lookup(as, 0x100);
    CHECK(c, s.kind == MEM_ROM);
    stl_phys(as, 0x100, 0);
    CHECK(c, ldl_phys(as, 0x100) == 0x55667788);
    memory_region_set_readonly(ram, false);
    /* removal */
    int before = l.changed;
    memory_region_remove(mm);
    CHECK(c, l.changed == before + 1);
    CHECK(c, memory_lookup(as, 0xfee00000).kind == MEM_UNASSIGNED);
    /* many regions: every lookup agrees with a linear scan of the definition */
    Rec r2 = { 0 };
    for (int i = 0; i < 40; i++) {
        memory_add_mmio(as, "m", 0x200000 + i * 0x1000, 0x800, &rec_ops, &r2, i & 1);
    }
    bool ok = true;
    for (int i = 0; i < 40; i++) {
        uint64_t a = 0x200000 + i * 0x1000;
        ok &= memory_lookup(as, a + 0x7ff).kind == MEM_MMIO;
        ok &= memory_lookup(as, a + 0x800).kind == MEM_UNASSIGNED;
    }
    CHECK(c, ok);
    address_space_free(as);
}

static void test_ioport(Counts *c)
{
    IOSpace *io = io_space_new();
    Rec a = { 0 }, b = { 0 };
    CHECK(c, ioport_read(io, 0x80, 1) == 0xff);
    CHECK(c, ioport_read(io, 0x80, 2) == 0xffff);
    CHECK(c, ioport_read(io, 0x80, 4) == 0xffffffff);
    ioport_register(io, "a", 0xcf8, 8, &rec_ops, &a);
    ioport_write(io, 0xcf8, 0x80000000, 4);
    CHECK(c, a.writes == 1 && a.last_off == 0 && a.last_size == 4 && a.last_val == 0x80000000);
    CHECK(c, ioport_read(io, 0xcfe, 2) == 0 && a.last_off == 6 && a.last_size == 2);
    /* a dword across two owners: byte pieces, unclaimed bytes all-ones */
    ioport_register(io, "b", 0x60, 1, &rec_ops, &b);
    b.mem[0] = 0x12;
    CHECK(c, ioport_read(io, 0x60, 2) == 0xff12);
    CHECK(c, b.last_size == 1);
    ioport_write(io, 0x5f, 0x3400, 2);
    CHECK(c, b.writes == 1 && b.last_val == 0x34);
    /* the top port does not wrap into port 0 */
    ioport_register(io, "c", 0, 1, &rec_ops, &a);
    CHECK(c, ioport_read(io, 0xffff, 2) == 0xffff);
    ioport_unregister(io, 0xcf8, 8);
    CHECK(c, ioport_read(io, 0xcfc, 4) == 0xffffffff);
    io_space_free(io);
}

/* --- main loop --- */
typedef struct TimerLog {
    MainLoop *ml;
    int order[8];
    int n;
    int64_t fired_at[8];
    Timer *rearm;
} TimerLog;
typedef struct TArg {
    TimerLog *log;
    int id;
    int64_t want;
} TArg;

static void t_cb(void *opaque)
{
    TArg *a = opaque;
    a->log->fired_at[a->log->n] = clock_ns(a->log->ml) - a->want;
    a->log->order[a->log->n++] = a->id;
}

static atomic_int kicks;
static void kick_fn(void *opaque)
{
    (void)opaque;
    atomic_fetch_add(&kicks, 1);
}

static void fd_cb(void *opaque)
{
    int *p = opaque;
    char ch;
    if (read(p[0], &ch, 1) == 1) {
        p[2]++;
    }
}

/*
 * Arms three timers (30, 10, 20 ms), re-arms the first to 5 ms and deletes the
 * third, then polls (blocking) until two fired. *armed: the pending state and
 * expiry times read back as set; *order: the two fired, first then second.
 * Returns how late the later of the two fired, in ns.
 */
static int64_t timers_fire(MainLoop *ml, TimerLog *log, TArg args[3], Timer *t[3],
                           bool *armed, bool *order)
{
    int64_t now = clock_ns(ml);
    int64_t when[3] = { now + 30000000, now + 10000000, now + 20000000 };
    *log = (TimerLog){ .ml = ml };
    for (int i = 0; i < 3; i++) {
        args[i] = (TArg){ log, i, when[i] };
        t[i] = timer_new(ml, t_cb, &args[i]);
        timer_mod(t[i], when[i]);
    }
    *armed = timer_pending(t[0]) && timer_expire_time(t[1]) == when[1];
    /* re-arm earlier, then delete one */
    when[0] = now + 5000000;
    args[0].want = when[0];
    timer_mod(t[0], when[0]);
    timer_del(t[2]);
    *armed = *armed && !timer_pending(t[2]) && timer_expire_time(t[2]) == -1;
    for (int i = 0; i < 100 && log->n < 2; i++) {
        main_loop_poll(ml, true, 100000000);
    }
    *order = log->n == 2 && log->order[0] == 0 && log->order[1] == 1 &&
             log->fired_at[0] >= 0 && log->fired_at[1] >= 0;
    return log->fired_at[0] > log->fired_at[1] ? log->fired_at[0] : log->fired_at[1];
}

/*
 * Waits up to 1 s for the kick thread's first kick, then 30 ms more: true when
 * it kicked exactly once (it must not kick again until the CPU thread polls).
 * Waiting for the first kick, not a fixed 30 ms, keeps a loaded host's late
 * wake-up of the kick thread from failing the case.
 */
static bool kicked_once(void)
{
    struct timespec ms = { 0, 1000000 }, ts = { 0, 30000000 };
    for (int i = 0; i < 1000 && atomic_load(&kicks) == 0; i++) {
        nanosleep(&ms, NULL);
    }
    nanosleep(&ts, NULL);
    return atomic_load(&kicks) == 1;
}

static void test_main_loop(Counts *c)
{
    MainLoop *ml = main_loop_new();
    int64_t t0 = clock_ns(ml);
    CHECK(c, t0 >= 0 && t0 < 1000000000);
    TimerLog log;
    TArg args[3];
    Timer *t[3];
    /*
     * A blocking poll must sleep until the first deadline, not for its whole
     * timeout (100 ms): the timers fire less than 20 ms late. A loaded host
     * (load 10-18) now and then wakes the thread later than that, so a late
     * attempt is made again, up to three in all; a loop that oversleeps is
     * late every time.
     */
    main_loop_set_kick(ml, kick_fn, NULL);
    bool armed = false, order = false;
    int64_t late = 0;
    for (int attempt = 1; attempt <= 3; attempt++) {
        late = timers_fire(ml, &log, args, t, &armed, &order);
        if (!armed || !order || late < 20000000 || attempt == 3) {
            break;
        }
        printf("note: timers fired %lld ms late (attempt %d), again\n",
               (long long)(late / 1000000), attempt);
        for (int i = 0; i < 3; i++) {
            timer_free(t[i]);
        }
    }
    CHECK(c, armed);
    CHECK(c, order);
    CHECK(c, late < 20000000);
    /* the kick thread kicks when a deadline passes while the CPU "runs" */
    atomic_store(&kicks, 0);
    args[2].want = clock_ns(ml) + 5000000;
    timer_mod(t[2], args[2].want);
    CHECK(c, kicked_once());
    main_loop_poll(ml, false, 0);
    CHECK(c, log.n == 3 && log.order[2] == 2);
    /* fd readiness: kick, then the handler runs from main_loop_poll */
    int p[3] = { 0, 0, 0 };
    CHECK(c, pipe(p) == 0);
    main_loop_set_fd_handler(ml, p[0], fd_cb, p);
    atomic_store(&kicks, 0);
    CHECK(c, write(p[1], "x", 1) == 1);
    CHECK(c, kicked_once());
    main_loop_poll(ml, false, 0);
    CHECK(c, p[2] == 1);
    /* blocking poll returns at its timeout when nothing is due */
    int64_t b0 = clock_ns(ml);
    main_loop_poll(ml, true, 20000000);
    int64_t waited = clock_ns(ml) - b0;
    CHECK(c, waited >= 19000000 && waited < 500000000);
    /* blocking poll wakes for an fd */
    CHECK(c, write(p[1], "y", 1) == 1);
    b0 = clock_ns(ml);
    main_loop_poll(ml, true, 1000000000);
    CHECK(c, p[2] == 2 && clock_ns(ml) - b0 < 500000000);
    main_loop_set_fd_handler(ml, p[0], NULL, NULL);
    /* requests */
    int code = -1;
    CHECK(c, main_loop_take_request(ml, &code) == REQ_NONE);
    main_loop_request(ml, REQ_RESET, 0);
    CHECK(c, main_loop_take_request(ml, &code) == REQ_RESET);
    main_loop_request(ml, REQ_EXIT_CODE, 3);
    main_loop_request(ml, REQ_RESET, 0);
    CHECK(c, main_loop_take_request(ml, &code) == REQ_EXIT_CODE && code == 3);
    CHECK(c, main_loop_take_request(ml, &code) == REQ_NONE);
    for (int i = 0; i < 3; i++) {
        timer_free(t[i]);
    }
    close(p[0]);
    close(p[1]);
    main_loop_free(ml);
}

typedef struct Sink {
    uint8_t buf[64];
    size_t len;
    int room;
} Sink;
static int sink_can(void *o) { return ((Sink *)o)->room; }
static void sink_recv(void *o, const uint8_t *b, size_t n)
{
    Sink *s = o;
    memcpy(s->buf + s->len, b, n);
    s->len += n;
}

/* mon:stdio on a pipe as stdin: escapes filtered, Ctrl-A x asks to quit, no
 * input taken while the device has no room. */
static void test_mux(Counts *c)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out)) {
        CHECK(c, 0);
        return;
    }
    int save0 = dup(0), save1 = dup(1);
    dup2(in[0], 0);
    dup2(out[1], 1);
    MainLoop *ml = main_loop_new();
    char *err = NULL;
    CharDev *d = chardev_open(ml, "mon:stdio", &err);
    Sink sink = { .room = 0 };
    chardev_set_handlers(d, sink_can, sink_recv, &sink);
    CHECK(c, write(in[1], "ab\001\001c\001hd", 8) == 8);
    main_loop_poll(ml, false, 0);           /* no room: nothing read */
    CHECK(c, sink.len == 0);
    sink.room = 64;
    chardev_accept_input(d);
    main_loop_poll(ml, true, 100000000);
    CHECK(c, sink.len == 5 && !memcmp(sink.buf, "ab\001cd", 5));
    int code = -1;
    CHECK(c, main_loop_take_request(ml, &code) == REQ_NONE);
    CHECK(c, write(in[1], "\x01x", 2) == 2);
    main_loop_poll(ml, true, 100000000);
    CHECK(c, main_loop_take_request(ml, &code) == REQ_EXIT_CODE && code == 0);
    chardev_write(d, (const uint8_t *)"out", 3);
    chardev_close(d);
    main_loop_free(ml);
    dup2(save0, 0);
    dup2(save1, 1);
    close(save0);
    close(save1);
    char got[256] = "";
    close(out[1]);
    ssize_t n = read(out[0], got, sizeof(got) - 1);
    CHECK(c, n > 0 && strstr(got, "C-a x") && strstr(got, "Terminated") && strstr(got, "out"));
    close(in[0]);
    close(in[1]);
    close(out[0]);
}

static void test_char(Counts *c)
{
    MainLoop *ml = main_loop_new();
    char *err = NULL;
    char path[] = "/tmp/test-system-char.XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    CharDev *d = chardev_open(ml, spec, &err);
    CHECK(c, d != NULL);
    chardev_write(d, (const uint8_t *)"hello\n", 6);
    chardev_close(d);
    FILE *f = fopen(path, "r");
    char line[16] = "";
    CHECK(c, f && fgets(line, sizeof(line), f) && !strcmp(line, "hello\n"));
    if (f) {
        fclose(f);
    }
    unlink(path);
    d = chardev_open(ml, "null", &err);
    CHECK(c, d != NULL);
    chardev_write(d, (const uint8_t *)"x", 1);
    chardev_close(d);
    d = chardev_open(ml, "tcp:1234", &err);
    CHECK(c, d == NULL && err && !strchr(err, '\n'));
    free(err);
    err = NULL;
    d = chardev_open(ml, "file:/nonexistent-dir/x", &err);
    CHECK(c, d == NULL && err != NULL);
    free(err);
    main_loop_free(ml);
}

static void test_savestream(Counts *c)
{
    SaveStream s = { tmpfile(), false };
    save_u8(&s, 0x12);
    save_u16(&s, 0x3456);
    save_u32(&s, 0x789abcde);
    save_u64(&s, 0x0102030405060708ull);
    save_bytes(&s, "ab", 2);
    CHECK(c, !s.error && ftell(s.f) == 17);
    rewind(s.f);
    uint8_t first;
    CHECK(c, fread(&first, 1, 1, s.f) == 1 && first == 0x12);
    rewind(s.f);
    char ab[2];
    CHECK(c, load_u8(&s) == 0x12 && load_u16(&s) == 0x3456 && load_u32(&s) == 0x789abcde);
    CHECK(c, load_u64(&s) == 0x0102030405060708ull);
    load_bytes(&s, ab, 2);
    CHECK(c, !s.error && ab[0] == 'a' && ab[1] == 'b');
    CHECK(c, load_u32(&s) == 0 && s.error);
    fclose(s.f);
}

/* A made-up bzImage: 4 setup sectors + 1, protocol 2.15, 64 KiB protected-mode
 * part filled with a pattern (boot.rst: header at 0x1F1, "HdrS" at 0x202). */
static uint8_t *fake_bzimage(size_t *size, uint16_t version)
{
    size_t setup = 5 * 512, len = setup + 0x10000;
    uint8_t *k = calloc(1, len);
    k[0x1f1] = 4;
    k[0x1fe] = 0x55;
    k[0x1ff] = 0xaa;
    k[0x200] = 0xeb;
    k[0x201] = 0x6a;                    /* header ends at 0x26c */
    memcpy(k + 0x202, "HdrS", 4);
    k[0x206] = version;
    k[0x207] = version >> 8;
    k[0x211] = 0x01;                    /* LOADED_HIGH */
    k[0x216] = 0x10;                    /* code32_start 0x100000 */
    k[0x22c] = 0xff; k[0x22d] = 0xff; k[0x22e] = 0xff; k[0x22f] = 0x37;  /* 0x37ffffff */
    k[0x239] = 0x08;                    /* cmdline_size 2048 */
    for (size_t i = setup; i < len; i++) {
        k[i] = i * 7;
    }
    *size = len;
    return k;
}

static char *write_tmp(const void *data, size_t len)
{
    char *path = strdup("/tmp/test-system-boot.XXXXXX");
    int fd = mkstemp(path);
    if (write(fd, data, len) != (ssize_t)len) {
        perror("write");
    }
    close(fd);
    return path;
}

static void test_boot(Counts *c)
{
    size_t ksize;
    uint8_t *k = fake_bzimage(&ksize, 0x20f);
    char *kpath = write_tmp(k, ksize);
    uint8_t rd[5000];
    memset(rd, 0x5a, sizeof(rd));
    char *rdpath = write_tmp(rd, sizeof(rd));
    LinuxImage img;
    char *err = x86_linux_read(&img, kpath, rdpath, "console=ttyS0");
    CHECK(c, err == NULL);
    AddressSpace *as = address_space_new();
    uint64_t ram = 64 << 20;
    memory_add_ram(as, "ram", 0, ram);
    E820Map map;
    x86_e820_build(&map, ram, 0, true);
    CHECK(c, map.n == 6 && map.e[3].addr == 0x100000 && map.e[3].size == ram - 0x100000 - X86_ACPI_SIZE);
    CHECK(c, map.e[4].type == E820_ACPI && map.e[4].addr + map.e[4].size == ram);
    uint32_t eip = 0;
    uint64_t limit = ram - X86_ACPI_SIZE;
    err = x86_linux_load_direct(&img, as, &map, ram, limit, X86_BOOT_RSDP, &eip);
    CHECK(c, err == NULL && eip == 0x100000);
    uint8_t buf[16];
    address_space_read(as, 0x100000, buf, 16);
    CHECK(c, !memcmp(buf, k + 5 * 512, 16));
    uint64_t bp = X86_BOOT_PARAMS;
    uint8_t b8[4];
    address_space_read(as, bp + 0x202, b8, 4);
    CHECK(c, !memcmp(b8, "HdrS", 4));
    address_space_read(as, bp + 0x210, b8, 1);
    CHECK(c, b8[0] == 0xff);                         /* type_of_loader */
    CHECK(c, ldl_phys(as, bp + 0x228) == X86_BOOT_CMDLINE);
    uint32_t rdaddr = ldl_phys(as, bp + 0x218);
    CHECK(c, ldl_phys(as, bp + 0x21c) == sizeof(rd));
    CHECK(c, rdaddr % 4096 == 0 && rdaddr + sizeof(rd) <= limit && rdaddr + sizeof(rd) > limit - 8192);
    CHECK(c, ldl_phys(as, rdaddr) == 0x5a5a5a5a);
    CHECK(c, ldq_phys(as, bp + 0x70) == X86_BOOT_RSDP);
    address_space_read(as, bp + 0x1e8, b8, 1);
    CHECK(c, b8[0] == map.n);
    CHECK(c, ldq_phys(as, bp + 0x2d0 + 20 * 3) == 0x100000 && ldl_phys(as, bp + 0x2d0 + 20 * 3 + 16) == 1);
    char cl[16] = "";
    address_space_read(as, X86_BOOT_CMDLINE, cl, 14);
    CHECK(c, !strcmp(cl, "console=ttyS0"));
    CHECK(c, ldq_phys(as, X86_BOOT_GDT + 16) == 0x00cf9b000000ffffull);
    /* an initrd larger than the room below the limit */
    err = x86_linux_load_direct(&img, as, &map, ram, 0x102000, X86_BOOT_RSDP, &eip);
    CHECK(c, err && strstr(err, "initrd too large") && !strchr(err, '\n'));
    free(err);
    x86_linux_free(&img);
    address_space_free(as);
    /* too old a protocol, not a bzImage, missing file: one-line messages naming it */
    free(k);
    k = fake_bzimage(&ksize, 0x205);
    char *old = write_tmp(k, ksize);
    err = x86_linux_read(&img, old, NULL, NULL);
    CHECK(c, err && strstr(err, old) && strstr(err, "2.05"));
    free(err);
    x86_linux_free(&img);
    memset(k + 0x202, 0, 4);
    char *bad = write_tmp(k, ksize);
    err = x86_linux_read(&img, bad, NULL, NULL);
    CHECK(c, err && strstr(err, bad) && strstr(err, "bzImage"));
    free(err);
    x86_linux_free(&img);
    err = x86_linux_read(&img, "/nonexistent/vmlinuz", NULL, NULL);
    CHECK(c, err && strstr(err, "/nonexistent/vmlinuz"));
    free(err);
    x86_linux_free(&img);
    /* firmware: ROM at the top of 4 GiB, last 128 KiB shadowed at 0xE0000 */
    as = address_space_new();
    memory_add_ram(as, "ram", 0, 1 << 20);
    uint8_t *bios = malloc(0x40000);
    for (int i = 0; i < 0x40000; i++) {
        bios[i] = i ^ (i >> 8);
    }
    char *bpath = write_tmp(bios, 0x40000);
    MemRegion *rom = NULL;
    err = x86_load_bios(as, bpath, &rom);
    CHECK(c, err == NULL && rom);
    CHECK(c, ldl_phys(as, 0xfffffff0) == ldl_phys(as, 0xffff0));
    address_space_read(as, 0xfffc0000, buf, 16);
    CHECK(c, !memcmp(buf, bios, 16));
    address_space_read(as, 0xe0000, buf, 16);
    CHECK(c, !memcmp(buf, bios + 0x20000, 16));
    address_space_free(as);
    const char *dirs[] = { "/nonexistent", "/tmp", NULL };
    char *found = x86_find_firmware(dirs, strrchr(bpath, '/') + 1);
    CHECK(c, found && !strcmp(found, bpath));
    free(found);
    CHECK(c, x86_find_firmware(dirs, "no-such-bios.bin") == NULL);
    unlink(kpath); unlink(rdpath); unlink(old); unlink(bad); unlink(bpath);
    free(kpath); free(rdpath); free(old); free(bad); free(bpath); free(bios); free(k);
}

int main(void)
{
    Counts c = { 0, 0 };
    test_memory(&c);
    test_ioport(&c);
    test_main_loop(&c);
    test_char(&c);
    test_mux(&c);
    test_savestream(&c);
    test_boot(&c);
    printf("%d passed, %d failed\n", c.passed, c.failed);
    return c.failed != 0;
}
