/*
 * Driver-level test of the PIIX3 IDE function (hw/ide-piix.c, ide-core.c,
 * ide-atapi.c) on the real I/O space, memory map and main loop of system/:
 * the test is the guest driver, writing the ATA registers through the ports
 * and checking status, error, interrupt line and data against ATA8-ACS and
 * MMC-5, with images made here through the block layer (raw, a sparse one
 * larger than LBA28 reaches, and a 2048-byte-sector CD image whose every
 * sector holds its own number, so a wrong address shows as wrong data).
 * Prints one line per failed check and "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "block/block.h"
#include "hw/ide.h"

static int passed, failed;

#define CHECK(cond, ...) do { \
    if (cond) { passed++; } else { failed++; printf("FAIL: " __VA_ARGS__); printf("\n"); } \
} while (0)

typedef struct World {
    IOSpace *io;
    AddressSpace *as;
    MainLoop *ml;
    PCIBus *pci;
    PCIDevice *ide;
    int irq[2];                   /* line levels of IRQ 14, 15 */
    int irq_raises[2];
    uint16_t bm;                  /* bus master base */
    char dir[256];
    char disk_path[300], big_path[300], cd_path[300];
} World;

enum { P = 0x1f0, PC = 0x3f6, S = 0x170, SC = 0x376 };
#define DISK_SECTORS 2048u
#define BIG_SECTORS ((1ull << 28) + 4096)
#define CD_SECTORS 64u
#define RAM_PRD 0x10000
#define RAM_BUF 0x20000

static void irq_handler(void *opaque, int n, int level)
{
    World *w = opaque;
    if (level && !w->irq[n]) {
        w->irq_raises[n]++;
    }
    w->irq[n] = level;
}

static uint8_t inb(World *w, uint16_t port) { return ioport_read(w->io, port, 1); }
static uint16_t inw(World *w, uint16_t port) { return ioport_read(w->io, port, 2); }
static uint32_t inl(World *w, uint16_t port) { return ioport_read(w->io, port, 4); }
static void outb(World *w, uint16_t port, uint8_t v) { ioport_write(w->io, port, v, 1); }
static void outw(World *w, uint16_t port, uint16_t v) { ioport_write(w->io, port, v, 2); }
static void outl(World *w, uint16_t port, uint32_t v) { ioport_write(w->io, port, v, 4); }

/* The content every test image sector has: its number in each 8 bytes. */
static void fill_sector(uint8_t *buf, uint64_t n, unsigned size)
{
    for (unsigned i = 0; i < size; i += 8) {
        memcpy(buf + i, &n, 8);
    }
}

static void make_image(const char *path, uint64_t sectors, unsigned ssize, int every)
{
    char size[32];
    snprintf(size, sizeof(size), "%llu", (unsigned long long)(sectors * ssize));
    QDict *o = qdict_new();
    qdict_put(o, "size", size);
    BlockErrorInfo err;
    if (bdrv_create("raw", path, o, &err) < 0) {
        printf("FAIL: create %s: %s\n", path, err.msg);
        exit(1);
    }
    qdict_free(o);
    BlockDriverState *bs = bdrv_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    uint8_t buf[2048];
    for (uint64_t s = 0; s < sectors; s += every) {
        fill_sector(buf, s, ssize);
        bdrv_pwrite(bs, s * ssize, ssize, buf, 0);
    }
    /* the last sectors of a sparse image too */
    for (uint64_t s = sectors > 8 ? sectors - 8 : 0; s < sectors; s++) {
        fill_sector(buf, s, ssize);
        bdrv_pwrite(bs, s * ssize, ssize, buf, 0);
    }
    bdrv_close(bs);
}

static BlockDriverState *open_image(const char *path, bool rw)
{
    BlockErrorInfo err;
    BlockDriverState *bs = bdrv_open(path, "raw", NULL, rw ? BDRV_O_RDWR : 0, &err);
    if (!bs) {
        printf("FAIL: open %s: %s\n", path, err.msg);
        exit(1);
    }
    return bs;
}

static BlockDriverState *disk_bs, *big_bs, *cd_bs;

static void world_init(World *w)
{
    memset(w, 0, sizeof(*w));
    snprintf(w->dir, sizeof(w->dir), "%s/ide-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(w->dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(w->disk_path, sizeof(w->disk_path), "%s/disk.raw", w->dir);
    snprintf(w->big_path, sizeof(w->big_path), "%s/big.raw", w->dir);
    snprintf(w->cd_path, sizeof(w->cd_path), "%s/cd.iso", w->dir);
    make_image(w->disk_path, DISK_SECTORS, 512, 1);
    make_image(w->big_path, BIG_SECTORS, 512, 1 << 20);
    make_image(w->cd_path, CD_SECTORS, 2048, 1);
    disk_bs = open_image(w->disk_path, true);
    big_bs = open_image(w->big_path, true);
    cd_bs = open_image(w->cd_path, false);
    w->io = io_space_new();
    w->as = address_space_new();
    memory_add_ram(w->as, "ram", 0, 1 << 20);
    w->ml = main_loop_new();
    w->pci = pci_bus_new(w->io, w->as);
    /* primary: disk master, no slave; secondary: CD-ROM master, big disk slave */
    IDEDriveConfig drives[4] = {
        { .bs = disk_bs, .present = true },
        { .present = false },
        { .bs = cd_bs, .cdrom = true, .present = true },
        { .bs = big_bs, .present = true },
    };
    w->ide = piix3_ide_new(w->pci, w->io, w->as, w->ml, irq_line(irq_handler, w, 0),
                           irq_line(irq_handler, w, 1), drives);
    /* BAR4 at 0xc000, I/O and bus mastering on (as a BIOS would) */
    w->bm = 0xc000;
    pci_config_write(w->pci, PCI_DEVFN(1, 1), PCI_BASE_ADDRESS_0 + 16, w->bm | 1, 4);
    pci_config_write(w->pci, PCI_DEVFN(1, 1), PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
}

static void world_free(World *w)
{
    w->ide->dev.ops->free(w->ide);
    pci_bus_free(w->pci);
    main_loop_stop(w->ml);
    main_loop_free(w->ml);
    bdrv_close(disk_bs);
    bdrv_close(big_bs);
    bdrv_close(cd_bs);
    io_space_free(w->io);
    address_space_free(w->as);
    unlink(w->disk_path);
    unlink(w->big_path);
    unlink(w->cd_path);
    rmdir(w->dir);
}

/* --- helpers as a driver has them --- */

static void select_dev(World *w, uint16_t base, int dev, bool lba)
{
    outb(w, base + 6, (lba ? 0xe0 : 0xa0) | dev << 4);
}

static void set_lba28(World *w, uint16_t base, int dev, uint32_t lba, uint8_t count)
{
    outb(w, base + 2, count);
    outb(w, base + 3, lba);
    outb(w, base + 4, lba >> 8);
    outb(w, base + 5, lba >> 16);
    outb(w, base + 6, 0xe0 | dev << 4 | ((lba >> 24) & 15));
}

static void set_lba48(World *w, uint16_t base, int dev, uint64_t lba, uint16_t count)
{
    outb(w, base + 2, count >> 8);
    outb(w, base + 3, lba >> 24);
    outb(w, base + 4, lba >> 32);
    outb(w, base + 5, lba >> 40);
    outb(w, base + 2, count);
    outb(w, base + 3, lba);
    outb(w, base + 4, lba >> 8);
    outb(w, base + 5, lba >> 16);
    outb(w, base + 6, 0x40 | dev << 4);
}

/* reads n bytes of PIO data */
static void pio_in(World *w, uint16_t base, uint8_t *buf, unsigned n)
{
    for (unsigned i = 0; i < n; i += 2) {
        uint16_t v = inw(w, base);
        buf[i] = v;
        buf[i + 1] = v >> 8;
    }
}

static bool sectors_ok(const uint8_t *buf, uint64_t first, unsigned count, unsigned ssize)
{
    uint8_t want[2048];
    for (unsigned i = 0; i < count; i++) {
        fill_sector(want, first + i, ssize);
        if (memcmp(buf + i * ssize, want, ssize)) {
            return false;
        }
    }
    return true;
}

/* Runs the main loop until the DMA of channel ch has finished (BM interrupt bit). */
static uint8_t wait_bm(World *w, int ch)
{
    for (int i = 0; i < 2000; i++) {
        uint8_t st = inb(w, w->bm + 8 * ch + 2);
        if (st & 0x04) {
            return st;
        }
        main_loop_poll(w->ml, true, 5000000);
    }
    return inb(w, w->bm + 8 * ch + 2);
}

static void set_prd(World *w, int idx, uint32_t addr, uint32_t len, bool last)
{
    stl_phys(w->as, RAM_PRD + 8 * idx, addr);
    stl_phys(w->as, RAM_PRD + 8 * idx + 4, (len & 0xffff) | (last ? 0x80000000u : 0));
}

/* --- the tests --- */

static void test_signature_and_absent(World *w)
{
    select_dev(w, P, 0, false);
    CHECK(inb(w, P + 7) == 0x50, "disk status after reset %02x, want 50 (DRDY DSC)", inb(w, P + 7));
    CHECK(inb(w, P + 2) == 1 && inb(w, P + 3) == 1 && inb(w, P + 4) == 0 && inb(w, P + 5) == 0,
          "ATA signature 01 01 00 00");
    select_dev(w, S, 0, false);
    CHECK(inb(w, S + 4) == 0x14 && inb(w, S + 5) == 0xeb, "ATAPI signature 14 eb, got %02x %02x",
          inb(w, S + 4), inb(w, S + 5));
    CHECK(inb(w, S + 7) == 0x00, "ATAPI status after reset 00, got %02x", inb(w, S + 7));
    /* absent slave on the primary: status 0, commands ignored */
    select_dev(w, P, 1, false);
    CHECK(inb(w, P + 7) == 0 && inb(w, PC) == 0, "absent device status 00");
    int raises = w->irq_raises[0];
    outb(w, P + 7, 0xec);
    CHECK(inb(w, P + 7) == 0 && w->irq_raises[0] == raises, "command to an absent device ignored");
    /* both devices latch register writes */
    outb(w, P + 2, 0x5a);
    select_dev(w, P, 0, false);
    CHECK(inb(w, P + 2) == 0x5a, "register write reaches device 0 while device 1 is selected");
    CHECK(inb(w, P + 7) == 0x50, "device 0 untouched by the command to device 1");
}

static void test_identify(World *w)
{
    uint8_t id[512];
    select_dev(w, P, 0, false);
    outb(w, P + 7, 0xec);
    CHECK(w->irq[0] && (inb(w, PC) & 0x88) == 0x08, "IDENTIFY: DRQ and INTRQ");
    CHECK(w->irq[0], "alternate status does not acknowledge INTRQ");
    (void)inb(w, P + 7);
    CHECK(!w->irq[0], "reading Status clears INTRQ");
    pio_in(w, P, id, 512);
    uint16_t *wd = (uint16_t *)id;
    CHECK(inb(w, P + 7) == 0x50, "status after the IDENTIFY data %02x", inb(w, P + 7));
    CHECK((wd[60] | (uint32_t)wd[61] << 16) == DISK_SECTORS, "IDENTIFY words 60-61: %u sectors",
          wd[60] | (uint32_t)wd[61] << 16);
    CHECK(wd[100] == DISK_SECTORS && !wd[101] && !wd[102] && !wd[103], "IDENTIFY words 100-103");
    CHECK((wd[49] & 0x0300) == 0x0300 && (wd[83] & 0x0400), "LBA, DMA, 48-bit supported");
    CHECK(!memcmp(id + 54, "UQTEAZ L", 8), "model string byte order (ATA8-ACS 3.2.9)");
    /* the big disk: LBA28 capacity saturates at 0x0fffffff */
    select_dev(w, S, 1, false);
    outb(w, S + 7, 0xec);
    pio_in(w, S, id, 512);
    CHECK((wd[60] | (uint32_t)wd[61] << 16) == 0x0fffffff, "LBA28 capacity of a 128+ GiB disk");
    CHECK((wd[100] | (uint64_t)wd[101] << 16 | (uint64_t)wd[102] << 32) == BIG_SECTORS,
          "LBA48 capacity of the big disk");
    /* IDENTIFY DEVICE to the ATAPI device aborts and leaves the signature */
    select_dev(w, S, 0, false);
    outb(w, S + 7, 0xec);
    CHECK((inb(w, S + 7) & ~0x10) == 0x41 && inb(w, S + 1) == 0x04 && inb(w, S + 4) == 0x14 &&
          inb(w, S + 5) == 0xeb, "IDENTIFY DEVICE to ATAPI: ABRT with the signature");
    outb(w, S + 7, 0xa1);
    pio_in(w, S, id, 512);
    CHECK(wd[0] == 0x85c0, "IDENTIFY PACKET DEVICE word 0 %04x", wd[0]);
}

static void test_pio(World *w)
{
    uint8_t buf[16 * 512];
    /* READ SECTORS: one interrupt per sector */
    int r0 = w->irq_raises[0];
    set_lba28(w, P, 0, 100, 3);
    outb(w, P + 7, 0x20);
    for (int i = 0; i < 3; i++) {
        CHECK((inb(w, P + 7) & 0x89) == 0x08, "READ SECTORS block %d: DRQ", i);
        pio_in(w, P, buf + 512 * i, 512);
    }
    CHECK(sectors_ok(buf, 100, 3, 512), "READ SECTORS data (LBA 100-102)");
    CHECK(w->irq_raises[0] - r0 == 3 && inb(w, P + 7) == 0x50, "READ SECTORS: 3 interrupts, then 50");
    /* READ MULTIPLE with 4 sectors a block: 10 sectors, 3 interrupts; 32-bit data port */
    outb(w, P + 2, 4);
    outb(w, P + 7, 0xc6);
    CHECK(inb(w, P + 7) == 0x50, "SET MULTIPLE MODE 4");
    r0 = w->irq_raises[0];
    set_lba28(w, P, 0, 7, 10);
    outb(w, P + 7, 0xc4);
    for (unsigned i = 0; i < 10 * 512; i += 4) {
        if (i % (4 * 512) == 0) {
            (void)inb(w, P + 7);           /* the driver acknowledges each block */
        }
        uint32_t v = inl(w, P);
        memcpy(buf + i, &v, 4);
    }
    CHECK(sectors_ok(buf, 7, 10, 512), "READ MULTIPLE data through 32-bit reads");
    CHECK(w->irq_raises[0] - r0 == 3, "READ MULTIPLE: one interrupt per block (%d)",
          w->irq_raises[0] - r0);
    outb(w, P + 2, 3);
    outb(w, P + 7, 0xc6);
    CHECK((inb(w, P + 7) & ~0x10) == 0x41 && inb(w, P + 1) == 0x04, "SET MULTIPLE MODE 3: ABRT");
    /* WRITE SECTORS 2 at LBA 5: first block without an interrupt */
    r0 = w->irq_raises[0];
    set_lba28(w, P, 0, 5, 2);
    outb(w, P + 7, 0x30);
    CHECK(inb(w, PC) == 0x58 && w->irq_raises[0] == r0, "WRITE SECTORS: DRQ, no interrupt yet");
    for (int i = 0; i < 512; i++) {
        if (i == 256) {
            (void)inb(w, P + 7);           /* acknowledges the interrupt of block 1 */
        }
        outw(w, P, 0xa5a5 ^ i);
    }
    CHECK(inb(w, P + 7) == 0x50 && w->irq_raises[0] - r0 == 2, "WRITE SECTORS done: 2 interrupts");
    outb(w, P + 7, 0xe7);
    CHECK(inb(w, P + 7) == 0x50, "FLUSH CACHE");
    uint8_t host[1024];
    FILE *f = fopen(w->disk_path, "rb");
    fseek(f, 5 * 512, SEEK_SET);
    size_t got = fread(host, 1, 1024, f);
    fclose(f);
    bool same = got == 1024;
    for (int i = 0; i < 512 && same; i++) {
        same = (host[2 * i] | host[2 * i + 1] << 8) == (0xa5a5 ^ i);
    }
    CHECK(same, "written sectors in the image file");
    /* CHS after INITIALIZE DEVICE PARAMETERS 16/63: C1 H2 S3 is LBA 1136 */
    outb(w, P + 2, 63);
    outb(w, P + 6, 0xa0 | 15);
    outb(w, P + 7, 0x91);
    CHECK(inb(w, P + 7) == 0x50, "INITIALIZE DEVICE PARAMETERS");
    outb(w, P + 2, 1);
    outb(w, P + 3, 3);
    outb(w, P + 4, 1);
    outb(w, P + 5, 0);
    outb(w, P + 6, 0xa0 | 2);
    outb(w, P + 7, 0x20);
    pio_in(w, P, buf, 512);
    CHECK(sectors_ok(buf, 1136, 1, 512), "CHS read C1/H2/S3");
    outb(w, P + 3, 0);                     /* sector 0 does not exist in CHS */
    outb(w, P + 7, 0x20);
    CHECK((inb(w, P + 7) & ~0x10) == 0x41 && inb(w, P + 1) == 0x10, "CHS sector 0: IDNF");
}

static void test_lba48_and_errors(World *w)
{
    uint8_t buf[1024];
    /* HOB: the previous contents read back with device control bit 7 */
    outb(w, S + 2, 0x12);
    outb(w, S + 2, 0x34);
    outb(w, SC, 0x80);
    uint8_t hob = inb(w, S + 2);
    outb(w, SC, 0x00);
    CHECK(hob == 0x12 && inb(w, S + 2) == 0x34, "HOB read-back %02x", hob);
    /* READ SECTORS EXT beyond what LBA28 reaches (big disk, slave) */
    uint64_t lba = BIG_SECTORS - 2;
    set_lba48(w, S, 1, lba, 2);
    outb(w, S + 7, 0x24);
    pio_in(w, S, buf, 1024);
    CHECK(sectors_ok(buf, lba, 2, 512), "READ SECTORS EXT at LBA %llu", (unsigned long long)lba);
    CHECK(inb(w, S + 7) == 0x50, "READ SECTORS EXT status");
    /* past the end: IDNF, the LBA registers name the address */
    set_lba48(w, S, 1, BIG_SECTORS - 1, 2);
    outb(w, S + 7, 0x24);
    CHECK((inb(w, S + 7) & ~0x10) == 0x41 && inb(w, S + 1) == 0x10, "READ SECTORS EXT past the end: IDNF");
    set_lba28(w, P, 0, DISK_SECTORS, 1);
    outb(w, P + 7, 0x20);
    CHECK((inb(w, P + 7) & ~0x10) == 0x41 && inb(w, P + 1) == 0x10 && inb(w, P + 3) == (DISK_SECTORS & 0xff)
          && inb(w, P + 4) == (DISK_SECTORS >> 8 & 0xff), "READ SECTORS at capacity: IDNF + LBA");
    /* a command that does not exist: ABRT */
    outb(w, P + 7, 0xff);
    CHECK((inb(w, P + 7) & ~0x10) == 0x41 && inb(w, P + 1) == 0x04, "unknown command: ABRT");
    outb(w, P + 1, 0x99);
    outb(w, P + 7, 0xef);
    CHECK((inb(w, P + 7) & ~0x10) == 0x41 && inb(w, P + 1) == 0x04, "SET FEATURES 99h: ABRT");
    outb(w, P + 1, 0x03);
    outb(w, P + 2, 0x22);                  /* multiword DMA mode 2 */
    outb(w, P + 7, 0xef);
    CHECK(inb(w, P + 7) == 0x50, "SET FEATURES transfer mode MWDMA2");
    /* the next command clears the error */
    outb(w, P + 7, 0xe7);
    CHECK(inb(w, P + 7) == 0x50 && inb(w, P + 1) == 0, "a good command clears ERR");
    /* software reset: signature back, device 0 selected */
    select_dev(w, S, 1, true);
    outb(w, SC, 0x04);
    CHECK(inb(w, SC) & 0x80, "BSY during SRST");
    outb(w, SC, 0x00);
    CHECK(inb(w, S + 7) == 0x00 && inb(w, S + 4) == 0x14 && (inb(w, S + 6) & 0x10) == 0,
          "after SRST: device 0 (ATAPI) selected with its signature");
    /* a channel without devices floats high */
    CHECK(w->irq[1] == 0, "no interrupt after SRST");
}

static void test_dma(World *w)
{
    uint8_t *ram = malloc(64 * 512);
    uint16_t bm = w->bm;
    /* READ DMA 40 sectors into two PRD regions */
    set_prd(w, 0, RAM_BUF, 16 * 512, false);
    set_prd(w, 1, RAM_BUF + 0x8000, 24 * 512, true);
    outl(w, bm + 4, RAM_PRD);
    outb(w, bm + 2, 0x06);                 /* clear interrupt and error */
    outb(w, bm, 0x08);                     /* direction: to memory */
    set_lba28(w, P, 0, 300, 40);
    outb(w, P + 7, 0xc8);
    int r0 = w->irq_raises[0];
    outb(w, bm, 0x09);                     /* start */
    uint8_t st = wait_bm(w, 0);
    outb(w, bm, 0x08);
    address_space_read(w->as, RAM_BUF, ram, 16 * 512);
    address_space_read(w->as, RAM_BUF + 0x8000, ram + 16 * 512, 24 * 512);
    CHECK((st & 0x07) == 0x04, "READ DMA: BM status %02x (interrupt, not active)", st);
    CHECK(sectors_ok(ram, 300, 40, 512), "READ DMA data across two PRDs");
    CHECK(w->irq_raises[0] - r0 == 1 && inb(w, P + 7) == 0x50, "READ DMA: one interrupt, 50");
    /* WRITE DMA EXT of 8 sectors from RAM, read back with PIO */
    uint8_t src[8 * 512];
    for (int i = 0; i < 8; i++) {
        fill_sector(src + 512 * i, 0x7000 + i, 512);
    }
    address_space_write(w->as, RAM_BUF, src, sizeof(src));
    set_prd(w, 0, RAM_BUF, sizeof(src), true);
    outb(w, bm + 2, 0x06);
    outb(w, bm, 0x00);                     /* direction: from memory */
    set_lba48(w, P, 0, 1000, 8);
    outb(w, P + 7, 0x35);
    outb(w, bm, 0x01);
    st = wait_bm(w, 0);
    outb(w, bm, 0x00);
    CHECK((st & 0x07) == 0x04 && inb(w, P + 7) == 0x50, "WRITE DMA EXT status %02x", st);
    set_lba28(w, P, 0, 1000, 8);
    outb(w, P + 7, 0x20);
    uint8_t back[8 * 512];
    for (int i = 0; i < 8; i++) {
        pio_in(w, P, back + 512 * i, 512);
    }
    CHECK(!memcmp(back, src, sizeof(back)), "WRITE DMA EXT data read back by PIO");
    /* PRD table shorter than the transfer: BM error, ATA ABRT */
    set_prd(w, 0, RAM_BUF, 512, true);
    outb(w, bm + 2, 0x06);
    outb(w, bm, 0x08);
    set_lba28(w, P, 0, 0, 4);
    outb(w, P + 7, 0xc8);
    outb(w, bm, 0x09);
    st = wait_bm(w, 0);
    outb(w, bm, 0x08);
    CHECK((st & 0x07) == 0x06 && (inb(w, P + 7) & ~0x10) == 0x41 && inb(w, P + 1) == 0x04,
          "short PRD table: BM error + ABRT (BM %02x)", st);
    /* bus mastering off in PCI command: no transfer until it is on */
    pci_config_write(w->pci, PCI_DEVFN(1, 1), PCI_COMMAND, PCI_COMMAND_IO, 2);
    set_prd(w, 0, RAM_BUF, 512, true);
    outb(w, bm + 2, 0x06);
    set_lba28(w, P, 0, 9, 1);
    outb(w, P + 7, 0xc8);
    outb(w, bm, 0x09);
    main_loop_poll(w->ml, false, 0);
    CHECK(!(inb(w, bm + 2) & 0x04), "no DMA without PCI bus mastering");
    outb(w, bm, 0x08);
    pci_config_write(w->pci, PCI_DEVFN(1, 1), PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    outb(w, bm, 0x09);
    st = wait_bm(w, 0);
    outb(w, bm, 0x08);
    address_space_read(w->as, RAM_BUF, ram, 512);
    CHECK((st & 0x04) && sectors_ok(ram, 9, 1, 512), "the DMA runs once bus mastering is on");
    free(ram);
}

/* --- ATAPI --- */

/* Sends a packet (byte count limit 'limit'); returns the status after it. */
static uint8_t packet(World *w, const uint8_t *cdb, uint16_t limit, bool dma)
{
    select_dev(w, S, 0, false);
    outb(w, S + 1, dma ? 1 : 0);
    outb(w, S + 4, limit);
    outb(w, S + 5, limit >> 8);
    outb(w, S + 7, 0xa0);
    if ((inb(w, S + 7) & 0x88) != 0x08 || inb(w, S + 2) != 0x01) {
        return 0xff;                       /* no packet phase */
    }
    for (int i = 0; i < 12; i += 2) {
        outw(w, S, cdb[i] | cdb[i + 1] << 8);
    }
    return inb(w, S + 7);
}

/* Reads the data-in phase by PIO; returns bytes read and the DRQ piece count. */
static unsigned data_in(World *w, uint8_t *buf, unsigned max, int *pieces)
{
    unsigned n = 0;
    *pieces = 0;
    while ((inb(w, S + 7) & 0x08) && inb(w, S + 2) == 0x02) {
        unsigned len = inb(w, S + 4) | inb(w, S + 5) << 8;
        (*pieces)++;
        for (unsigned i = 0; i < len; i += 2) {
            uint16_t v = inw(w, S);
            if (n + i < max) {
                buf[n + i] = v;
            }
            if (n + i + 1 < max) {
                buf[n + i + 1] = v >> 8;
            }
        }
        n += len;
    }
    return n;
}

static void sense(World *w, uint8_t *key, uint8_t *asc)
{
    uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 }, s[18];
    int pieces;
    packet(w, cdb, 18, false);
    data_in(w, s, 18, &pieces);
    *key = s[2] & 15;
    *asc = s[12];
}

static void test_atapi(World *w)
{
    uint8_t buf[8192], key, asc;
    int pieces;
    uint8_t tur[12] = { 0x00 };
    CHECK(packet(w, tur, 0, false) == 0x50 - 0x10 && inb(w, S + 2) == 0x03,
          "TEST UNIT READY: status 40, reason I/O+C/D");
    uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    packet(w, inq, 36, false);
    unsigned n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n == 36 && buf[0] == 0x05 && (buf[1] & 0x80) && !memcmp(buf + 8, "QUETZAL ", 8),
          "INQUIRY: CD/DVD device, removable");
    uint8_t cap[12] = { 0x25 };
    packet(w, cap, 8, false);
    data_in(w, buf, 8, &pieces);
    CHECK(buf[3] == CD_SECTORS - 1 && buf[6] == 0x08, "READ CAPACITY: last LBA %u, 2048 bytes",
          buf[3]);
    /* READ(10) 3 sectors at LBA 5 with a byte count limit of 2048: 3 DRQ pieces */
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 3 };
    packet(w, rd, 2048, false);
    n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n == 3 * 2048 && pieces == 3 && sectors_ok(buf, 5, 3, 2048),
          "READ(10) by PIO: %u bytes in %d pieces", n, pieces);
    CHECK(inb(w, S + 7) == 0x40 && inb(w, S + 2) == 0x03, "READ(10) completion status");
    /* READ(12) 2 sectors by DMA */
    uint8_t rd12[12] = { 0xa8, 0, 0, 0, 0, 60, 0, 0, 0, 2 };
    set_prd(w, 0, RAM_BUF, 4096, true);
    outl(w, w->bm + 8 + 4, RAM_PRD);
    outb(w, w->bm + 8 + 2, 0x06);
    outb(w, w->bm + 8, 0x08);
    packet(w, rd12, 0xfffe, true);
    outb(w, w->bm + 8, 0x09);
    uint8_t st = wait_bm(w, 1);
    outb(w, w->bm + 8, 0x08);
    address_space_read(w->as, RAM_BUF, buf, 4096);
    CHECK((st & 7) == 4 && sectors_ok(buf, 60, 2, 2048) && inb(w, S + 7) == 0x40,
          "READ(12) by DMA (BM %02x)", st);
    /* past the end: CHECK CONDITION, ILLEGAL REQUEST / LBA out of range */
    uint8_t bad[12] = { 0x28, 0, 0, 0, 0, CD_SECTORS - 1, 0, 0, 2 };
    st = packet(w, bad, 0xfffe, false);
    CHECK(st == 0x41 && inb(w, S + 1) >> 4 == 5, "READ past the end: ERR, sense key 5 in Error");
    sense(w, &key, &asc);
    CHECK(key == 5 && asc == 0x21, "REQUEST SENSE: 5/21 (got %x/%02x)", key, asc);
    /* READ TOC format 0 in MSF: lead-out at LBA 64 + 150 = 00:02:64 */
    uint8_t toc[12] = { 0x43, 0x02, 0, 0, 0, 0, 0, 0x03, 0x24 };
    packet(w, toc, 0xfffe, false);
    n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n == 20 && buf[1] == 18 && buf[2] == 1 && buf[3] == 1 && buf[14] == 0xaa &&
          buf[17] == 0 && buf[18] == 2 && buf[19] == 64, "READ TOC (MSF): track 1 + lead-out");
    uint8_t toc1[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 12 };
    packet(w, toc1, 0xfffe, false);
    n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n == 12 && buf[1] == 10 && buf[6] == 1, "READ TOC format 1 (sessions)");
    uint8_t toc2[12] = { 0x43, 0, 2, 0, 0, 0, 0, 0x01, 0 };
    packet(w, toc2, 0xfffe, false);
    n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n == 4 + 4 * 11 && buf[7] == 0xa0 && buf[18] == 0xa1 && buf[29] == 0xa2 &&
          buf[34] == 0 && buf[35] == 2 && buf[36] == 64 && buf[40] == 1, "READ TOC format 2 (raw): A0 A1 A2 + lead-out");
    uint8_t conf[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 0xff };
    packet(w, conf, 0xfffe, false);
    n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n > 8 && buf[6] == 0 && buf[7] == 0x08, "GET CONFIGURATION: current profile CD-ROM");
    uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 0xff };
    packet(w, ms, 0xfffe, false);
    n = data_in(w, buf, sizeof(buf), &pieces);
    CHECK(n == 8 + 22 && buf[8] == 0x2a, "MODE SENSE(10) page 2Ah");
    /* eject while locked: refused; unlocked: medium gone, then loaded again */
    uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 }, unlock[12] = { 0x1e };
    uint8_t eject[12] = { 0x1b, 0, 0, 0, 0x02 }, load[12] = { 0x1b, 0, 0, 0, 0x03 };
    packet(w, lock, 0, false);
    CHECK(packet(w, eject, 0, false) == 0x41, "eject refused while locked");
    packet(w, unlock, 0, false);
    CHECK(packet(w, eject, 0, false) == 0x40, "START STOP UNIT eject");
    CHECK(packet(w, tur, 0, false) == 0x41 && inb(w, S + 1) >> 4 == 2, "TUR with the tray open: NOT READY");
    sense(w, &key, &asc);
    CHECK(key == 2 && asc == 0x3a, "sense 2/3A medium not present (got %x/%02x)", key, asc);
    uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(w, gesn, 0xfffe, false);
    data_in(w, buf, 8, &pieces);
    CHECK(buf[4] == 3 && buf[5] == 0x01, "GET EVENT STATUS: media removal, tray open");
    packet(w, load, 0, false);
    CHECK(packet(w, tur, 0, false) == 0x41 && inb(w, S + 1) >> 4 == 6, "after loading: UNIT ATTENTION");
    CHECK(packet(w, tur, 0, false) == 0x40, "then ready");
    packet(w, gesn, 0xfffe, false);
    data_in(w, buf, 8, &pieces);
    CHECK(buf[4] == 2 && buf[5] == 0x02, "GET EVENT STATUS: new media, present");
    uint8_t bogus[12] = { 0xee };
    CHECK(packet(w, bogus, 0, false) == 0x41, "unknown packet command: CHECK CONDITION");
    sense(w, &key, &asc);
    CHECK(key == 5 && asc == 0x20, "sense 5/20 invalid opcode");
    /* the CD is read-only for ATA commands too */
    outb(w, S + 7, 0x30);
    CHECK((inb(w, S + 7) & ~0x10) == 0x41, "WRITE SECTORS to the ATAPI device: ABRT");
}

int main(void)
{
    World w;
    world_init(&w);
    test_signature_and_absent(&w);
    test_identify(&w);
    test_pio(&w);
    test_lba48_and_errors(&w);
    test_dma(&w);
    test_atapi(&w);
    world_free(&w);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
