/*
 * HMP info sub-commands (QEMU's hmp-commands-info.hx names and output
 * shapes): status, version, name, registers, cpus, tlb, mem (hmp-mmu.c), pic,
 * irq, mtree, pci, roms, jit, chardev, qtree, history; block, blockstats and
 * snapshots are in hmp-block.c, network in hmp-net.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "accel/tcg/exec.h"
#include "hw/device.h"
#include "hw/isa.h"
#include "hw/pci.h"
#include "monitor/hmp.h"
#include "target-i386/cpu.h"

const HMPCommand hmp_info_commands[] = {
    { "status", NULL, "", "show the current VM status (running|paused)", hmp_info_status },
    { "version", NULL, "", "show the version of QEMU", hmp_info_version },
    { "name", NULL, "", "show the current VM name", hmp_info_name },
    { "registers", NULL, "", "show the cpu registers", hmp_info_registers },
    { "cpus", NULL, "", "show infos for each CPU", hmp_info_cpus },
    { "tlb", NULL, "", "show virtual to physical memory mappings", hmp_info_tlb },
    { "mem", NULL, "", "show the active virtual memory mappings", hmp_info_mem },
    { "pic", NULL, "", "show PIC state", hmp_info_pic },
    { "irq", NULL, "", "show the interrupts statistics", hmp_info_irq },
    { "mtree", NULL, "", "show memory tree", hmp_info_mtree },
    { "pci", NULL, "", "show PCI info", hmp_info_pci },
    { "roms", NULL, "", "show roms", hmp_info_roms },
    { "jit", NULL, "", "show dynamic compiler info", hmp_info_jit },
    { "chardev", NULL, "", "show the character devices", hmp_info_chardev },
    { "qtree", NULL, "", "show device tree", hmp_info_qtree },
    { "history", NULL, "", "show the command line history", hmp_info_history },
    { "block", NULL, "[-n] [-v] [device]", "show info of one block device or all block devices "
      "(-n: show named nodes; -v: show details)", hmp_info_block },
    { "blockstats", NULL, "", "show block device statistics", hmp_info_blockstats },
    { "snapshots", NULL, "", "show the currently saved VM snapshots", hmp_info_snapshots },
    { "network", NULL, "", "show the network state", hmp_info_network },
    { "migrate", NULL, "", "show migration status", hmp_info_migrate },
    { NULL, NULL, NULL, NULL, NULL },
};

void hmp_info_status(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *step = h->singlestep ? " (single step mode)" : "";
    if (h->state == RUN_RUNNING || h->state == RUN_PAUSED) {
        fprintf(out, "VM status: %s%s\n", mc_state_name(h->state), step);
    } else {
        fprintf(out, "VM status: paused (%s)%s\n", mc_state_name(h->state), step);
    }
}

void hmp_info_version(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    fprintf(out, "%s (%s)\n", QUETZAL_QEMU_VERSION, QUETZAL_PACKAGE);
}

void hmp_info_name(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    if (h->opts.name) {
        fprintf(out, "%s\n", h->opts.name);
    }
}

void hmp_info_registers(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    x86_cpu_dump_state(h->v.env, out);
}

void hmp_info_cpus(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    /* one thread runs them all (TCG round robin); '*' marks the monitor's CPU */
    for (int i = 0; i < h->v.ncpus; i++) {
        fprintf(out, "%c CPU #%d: thread_id=%ld%s\n", i == h->v.cpu_index ? '*' : ' ', i,
                (long)gettid(), pc_cpu_halted(h->machine, i) ? " (halted)" : "");
    }
}

void hmp_info_pic(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    pic_info(h->v.pic, out);
}

void hmp_info_irq(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    pic_irq_stats(h->v.pic, out);
}

static const char *const kind_names[] = { "unassigned", "ram", "rom", "i/o" };

static void mtree_line(void *opaque, const char *name, MemKind kind, uint64_t base,
                       uint64_t size, int priority, bool readonly, const char *alias_of)
{
    FILE *out = opaque;
    fprintf(out, "  %016llx-%016llx (prio %d, %s%s): %s", (unsigned long long)base,
            (unsigned long long)(base + size - 1), priority, kind_names[kind],
            readonly && kind == MEM_RAM ? ", ro" : "", name);
    if (alias_of) {
        fprintf(out, " @%s", alias_of);
    }
    fputc('\n', out);
}

void hmp_info_mtree(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    fprintf(out, "address-space: memory\n");
    memory_foreach_region(h->v.as, mtree_line, out);
}

static void rom_line(void *opaque, const char *name, MemKind kind, uint64_t base,
                     uint64_t size, int priority, bool readonly, const char *alias_of)
{
    if (kind == MEM_ROM && !alias_of) {
        fprintf(opaque, "addr=%016llx size=0x%06llx mem=rom name=\"%s\"\n",
                (unsigned long long)base, (unsigned long long)size, name);
    }
}

void hmp_info_roms(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    memory_foreach_region(h->v.as, rom_line, out);
    const PCConfig *cfg = h->v.cfg;
    if (cfg->kernel) {
        fprintf(out, "%s name=\"%s\"\n", cfg->fast_boot ? "addr=(direct boot)" : "fw=genroms/linuxboot.bin",
                cfg->kernel);
    }
}

/* PCI class codes (PCI Code and ID Assignment Spec., base class and sub-class). */
static const char *pci_class_name(unsigned cls)
{
    static const struct { unsigned cls; const char *name; } names[] = {
        { 0x0100, "SCSI controller" }, { 0x0101, "IDE controller" },
        { 0x0180, "Storage controller" }, { 0x0200, "Ethernet controller" },
        { 0x0300, "VGA controller" }, { 0x0600, "Host bridge" }, { 0x0601, "ISA bridge" },
        { 0x0680, "Bridge" }, { 0x0c03, "USB controller" }, { 0x0c05, "SMBus" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].cls == cls) {
            return names[i].name;
        }
    }
    return NULL;
}

static void pci_bars(PCIBus *bus, int devfn, FILE *out)
{
    for (int bar = 0; bar < 6; bar++) {
        uint32_t v = pci_config_read(bus, devfn, PCI_BASE_ADDRESS_0 + 4 * bar, 4);
        if (!v || v == 0xffffffff) {
            continue;
        }
        if (v & 1) {
            fprintf(out, "      BAR%d: I/O at 0x%04x.\n", bar, v & ~3u);
        } else {
            fprintf(out, "      BAR%d: 32 bit memory at 0x%08x.\n", bar, v & ~15u);
        }
    }
}

void hmp_info_pci(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    PCIBus *bus = h->v.pci;
    for (int devfn = 0; devfn < 256; devfn++) {
        uint32_t id = pci_config_read(bus, devfn, PCI_VENDOR_ID, 4);
        if (id == 0xffffffff || !id) {
            continue;
        }
        unsigned cls = pci_config_read(bus, devfn, PCI_CLASS_DEVICE, 2);
        const char *name = pci_class_name(cls);
        fprintf(out, "  Bus  0, device %3d, function %d:\n", devfn >> 3, devfn & 7);
        if (name) {
            fprintf(out, "    %s: PCI device %04x:%04x\n", name, id & 0xffff, id >> 16);
        } else {
            fprintf(out, "    Class %04x: PCI device %04x:%04x\n", cls, id & 0xffff, id >> 16);
        }
        unsigned pin = pci_config_read(bus, devfn, PCI_INTERRUPT_PIN, 1);
        if (pin) {
            fprintf(out, "      IRQ %u, pin %c\n",
                    pci_config_read(bus, devfn, PCI_INTERRUPT_LINE, 1), 'A' + pin - 1);
        }
        pci_bars(bus, devfn, out);
    }
}

void hmp_info_jit(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    TBStatistics st;
    tb_get_statistics(h->v.cpu, &st);
    fprintf(out, "Translation buffer state:\n");
    fprintf(out, "gen code size       %llu/%llu\n", (unsigned long long)st.code_bytes_used,
            (unsigned long long)st.code_bytes_total);
    fprintf(out, "TB count            %llu\n", (unsigned long long)st.nb_tbs);
    fprintf(out, "TB translations     %llu\n", (unsigned long long)st.nb_translations);
    fprintf(out, "TB invalidations    %llu\n", (unsigned long long)st.nb_invalidations);
    fprintf(out, "direct jump count   %llu\n", (unsigned long long)st.nb_chained);
    fprintf(out, "jump cache misses   %llu\n", (unsigned long long)st.nb_lookup_misses);
    fprintf(out, "TB flush count      %llu\n", (unsigned long long)st.nb_flushes);
}

void hmp_info_chardev(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    if (h->v.serial) {
        fprintf(out, "serial0: filename=%s\n", chardev_filename(h->v.serial));
    }
    int hmp = 0, qmp = 0;
    for (Monitor *m = h->mons; m; m = m->next) {
        if (m->chr == h->v.serial) {
            continue;   /* the multiplexer, shown as serial0 */
        }
        fprintf(out, "%s%d: filename=%s%s\n", m->qmp ? "qmp" : "compat_monitor",
                m->qmp ? qmp++ : hmp++, chardev_is_stdio(m->chr) || chardev_connected(m->chr)
                ? "" : "disconnected:", chardev_filename(m->chr));
    }
}

void hmp_info_qtree(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    fprintf(out, "bus: main-system-bus\n  type System\n");
    for (Device *d = h->v.devices; d; d = d->next) {
        fprintf(out, "  dev: %s, id \"\"\n", d->ops && d->ops->name ? d->ops->name : "?");
    }
}

void hmp_info_history(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    rl_monitor_history(out);
}
