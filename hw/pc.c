/*
 * QEMU's "pc" machine: i440FX host bridge and PIIX3 on PCI bus 0, the ISA
 * devices (8259 pair, 8254, MC146818, 16550A at 0x3F8, 8042, port 0x92), an
 * I/O APIC and HPET, the PIIX4 ACPI PM function, fw_cfg, the standard VGA at
 * 00:02.0 (-vga std, the default; hw/vga-pci.c); -smp N CPUs, each with its
 * local APIC, started by INIT/SIPI (Intel SDM vol. 3A, 8.4).
 *
 * Memory map (as QEMU's pc): RAM from 0 up to 0xB0000000 at most, the rest
 * above 4 GiB; 0xA0000-0xBFFFF the VGA window (unassigned with -vga none);
 * the BIOS image at 4 GiB - its size, its last 128 KiB pre-loaded into the
 * RAM at 0xE0000 so that the firmware's shadowing works without PAM. Interrupt routing (Intel
 * MultiProcessor Spec. 1.4, ch. 5 "default configurations"; ACPI MADT
 * interrupt source override for IRQ 0): ISA IRQ n drives 8259 input n and I/O
 * APIC pin n, except IRQ 0, which reaches I/O APIC pin 2; the 8259's INTR goes
 * to the local APIC's LINT0 (ExtINT, virtual wire).
 */
#include <stdlib.h>
#include <string.h>
#include "accel/tcg/cputlb.h"
#include "accel/tcg/exec.h"
#include "accel/kvm/kvm.h"
#include "hw/acpi.h"
#include "hw/apic.h"
#include "hw/fw_cfg.h"
#include "hw/isa.h"
#include "hw/pc.h"
#include "hw/pci.h"
#include "net/net.h"
#include "hw/vga.h"
#include "system/char.h"
#include "system/errmsg.h"
#include "system/main-loop.h"
#include "target-i386/cpu.h"
#include "target-i386/machine.h"
#include "tcg/tcg.h"
#include "ui/console.h"
#include "ui/sdl.h"

#define RAM_BELOW_4G_MAX 0xB0000000ull
#define CODE_BUFFER_SIZE (128u << 20)
#define LINUXBOOT_ROM "linuxboot.bin"
#define VGA_ROM "vgabios-stdvga.bin"

/* hw/optionrom/linuxboot-rom.c (generated) */
extern const unsigned char linuxboot_rom[];
extern const size_t linuxboot_rom_size;

/* One vCPU: its state, its execution, its local APIC, and where it stands in
 * the INIT/SIPI start-up protocol (Intel SDM vol. 3A, 8.4 and 10.6.1). */
typedef struct PCCpu {
    struct PCMachine *m;
    int index;
    CPUX86State *env;
    CPUExec *cpu;
    APICState *apic;
    APICCallbacks apic_cb;
    bool wait_sipi;                 /* an AP after RESET or INIT: runs nothing until a SIPI */
    bool init_pending;              /* INIT received, taken before the CPU runs again */
    int sipi_vector;                /* a SIPI received, -1 none */
} PCCpu;

struct PCMachine {
    PCConfig cfg;
    AddressSpace *as;
    IOSpace *io;
    MainLoop *ml;
    uint64_t below_4g, above_4g;
    MemRegion *bios;
    CharDev *serial_chr;
    TCGContext *tcg;
    const X86CPUModel *model;       /* every CPU's (x86_cpu_model_find) */
    PCCpu cpus[PC_MAX_CPUS];
    int ncpus;
    int running;                    /* the vCPU cpu_exec runs now (TCG round robin) */
    int run_only;                   /* pc_run_only: the one vCPU that runs, or -1 */
    Timer *rr_timer;                /* ends each vCPU's time slice (-smp > 1 under TCG) */
    int kicked;                     /* the main loop has work (set by its kick thread) */
    KVMState *kvm;                  /* -accel kvm: the vCPU runs there, not in cpu */
    X86BoardHooks hooks;
    APICBus *apic_bus;
    IOAPICState *ioapic;
    PICState *pic;
    PITState *pit;
    PCIBus *pci;
    NetState *net;                  /* the network back ends (net/) */
    FWCfgState *fw;
    I8042State *kbd;
    PCIDevice *acpi_pm;
    VGAState *vga;
    Display *display;
    SDLDisplay *sdl;
    RTCState *rtc;
    PCIDevice *ide;
    FDCState *fdc;                  /* the monitor's change/eject of floppy0/1 */
    bool booted_once;               /* -boot once= is spent */
    IRQ pic_in[16], ioapic_in[IOAPIC_NUM_PINS], lint0[PC_MAX_CPUS];
    IRQ gsi[IOAPIC_NUM_PINS];       /* the machine's interrupt lines (ISA IRQ / GSI) */
    bool hpet_legacy;
    Device *devices, **devices_tail;
    LinuxImage kimg;
    bool have_kernel;
    E820Map e820;
    uint32_t entry_eip;
};

static void add_device(PCMachine *m, Device *d)
{
    if (!d) {
        return;
    }
    d->next = NULL;
    *m->devices_tail = d;
    m->devices_tail = &d->next;
}

/* --- interrupt wiring --- */

static void gsi_set(void *opaque, int n, int level)
{
    PCMachine *m = opaque;
    if (kvm_irqchip_in_kernel(m->kvm)) {
        kvm_set_irq(m->kvm, n, level);      /* kernel_irqchip=on: KVM's 8259s/I/O APIC */
    } else if (n < 16) {
        irq_set(&m->pic_in[n], level);
        irq_set(&m->ioapic_in[n == 0 ? 2 : n], level);
    } else {
        irq_set(&m->ioapic_in[n], level);
    }
}

/* the RTC's IRQ 8, cut while the HPET's LegacyReplacement route is on */
static void rtc_irq_set(void *opaque, int n, int level)
{
    PCMachine *m = opaque;
    if (!m->hpet_legacy) {
        gsi_set(m, 8, level);
    }
}

static void hpet_legacy_set(void *opaque, int n, int level)
{
    PCMachine *m = opaque;
    m->hpet_legacy = level;
    pit_set_irq_enabled(m->pit, !level);
}

/* the 8259's INTR reaches every local APIC's LINT0 (the BSP's in virtual-wire
 * mode; the OS masks the APs'), as on QEMU's pc */
static void pic_intr_set(void *opaque, int n, int level)
{
    PCMachine *m = opaque;
    for (int i = 0; i < m->ncpus; i++) {
        irq_set(&m->lint0[i], level);
    }
}

static void set_a20(void *opaque, bool on)
{
    PCMachine *m = opaque;
    for (int i = 0; i < m->ncpus; i++) {
        x86_cpu_set_a20(m->cpus[i].env, on);
    }
}

/* --- CPU callbacks --- */

/* An interrupt for a vCPU other than the one running: the round robin moves
 * on, so that a halted CPU wakes soon (QEMU's single-threaded TCG kicks too). */
static void kick_other(PCCpu *c)
{
    PCMachine *m = c->m;
    if (m->ncpus > 1 && !m->kvm && c->index != m->running) {
        cpu_exit(m->cpus[m->running].cpu);
    }
}

static void cpu_set_intr_cb(void *cpu, int level)
{
    PCCpu *c = cpu;
    x86_cpu_set_intr(c->env, level);
    if (level && c->m->kvm) {
        kvm_cpu_kick(c->m->kvm, c->index, false);   /* its thread injects it */
    } else if (level) {
        kick_other(c);
    }
}

static void cpu_nmi_cb(void *cpu)
{
    PCCpu *c = cpu;
    x86_cpu_nmi(c->env);
    if (c->m->kvm) {
        kvm_cpu_kick(c->m->kvm, c->index, false);
    } else {
        kick_other(c);
    }
}

/* INIT and SIPI wait for the machine's loop (take_startup_ipis): the sender
 * may be the CPU itself, in the middle of a block. */
static void cpu_init_cb(void *cpu)
{
    PCCpu *c = cpu;
    c->init_pending = true;
    c->sipi_vector = -1;
    if (c->m->kvm) {
        kvm_cpu_kick(c->m->kvm, c->index, true);    /* its thread applies it */
    } else {
        cpu_exit(c->cpu);
        kick_other(c);
    }
}

static void cpu_sipi_cb(void *cpu, int vector)
{
    PCCpu *c = cpu;
    c->sipi_vector = vector & 0xff;
    if (c->m->kvm) {
        kvm_cpu_kick(c->m->kvm, c->index, true);
    } else {
        kick_other(c);
    }
}

static int pic_inta_cb(void *pic) { return pic_get_interrupt(pic); }

static int board_get_interrupt(void *opaque)
{
    return apic_get_interrupt(((PCCpu *)opaque)->apic);
}

static bool board_rdmsr(void *opaque, uint32_t msr, uint64_t *value)
{
    return apic_rdmsr(((PCCpu *)opaque)->apic, msr, value);
}

static bool board_wrmsr(void *opaque, uint32_t msr, uint64_t value)
{
    return apic_wrmsr(((PCCpu *)opaque)->apic, msr, value);
}

static void board_cr8_write(void *opaque, uint64_t value)
{
    apic_set_cr8(((PCCpu *)opaque)->apic, value);
}

static uint64_t board_cr8_read(void *opaque)
{
    return apic_get_cr8(((PCCpu *)opaque)->apic);
}

/* PAUSE: a spin-wait for another vCPU, which runs next (QEMU's TCG ends the
 * turn on PAUSE too) when there is one that can run (not halted, not waiting
 * for its SIPI); the translator ends the block after PAUSE. */
static void board_pause(void *opaque)
{
    PCCpu *c = opaque;
    PCMachine *m = c->m;
    if (m->kvm) {
        return;
    }
    for (int i = 0; i < m->ncpus; i++) {
        PCCpu *o = &m->cpus[i];
        bool can_run = o->init_pending || o->sipi_vector >= 0 ||
                       (!o->wait_sipi && !cpu_is_halted(o->cpu));
        if (o != c && can_run) {
            cpu_exit(c->cpu);
            return;
        }
    }
}

static int64_t board_clock_ns(void *opaque)
{
    return clock_ns(((PCCpu *)opaque)->m->ml);
}

static void board_request_reset(void *opaque, const char *why)
{
    PCMachine *m = ((PCCpu *)opaque)->m;
    if (m->cfg.log && (m->cfg.log_flags & PC_LOG_GUEST_ERRORS)) {
        fprintf(m->cfg.log, "reset requested by the CPU: %s\n", why ? why : "?");
    }
    main_loop_request(m->ml, REQ_RESET, 0);
}

static uint32_t board_io_read(void *opaque, uint16_t port, unsigned size)
{
    return ioport_read(((PCCpu *)opaque)->m->io, port, size);
}

static void board_io_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    ioport_write(((PCCpu *)opaque)->m->io, port, value, size);
}

/*
 * The x87 error line of the PC/AT (SDM vol. 1, D.2.1): FERR# sets a latch
 * that drives IRQ 13 of the slave 8259 (edge: one interrupt per assertion);
 * a write of any value to port F0h clears it. IGNNE#, which the same write
 * asserts on the real chipset, is not modelled: the waiting instruction
 * runs again after the handler and asserts FERR# again unless the handler
 * cleared the exception (FNCLEX, FNINIT, FNSAVE, FLDENV).
 */
static void board_ferr(void *opaque)
{
    gsi_set(((PCCpu *)opaque)->m, 13, 1);
}

static uint64_t ferr_clear_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0xff;
}

static void ferr_clear_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    (void)off, (void)value, (void)size;
    gsi_set(opaque, 13, 0);
}

static void kick_cpu(void *opaque)
{
    PCMachine *m = opaque;
    if (m->kvm) {
        kvm_kick(m->kvm);
    } else {
        /* kicked before running is read; the round robin stores running
         * before it reads kicked (run_round_robin): either it sees the kick
         * or the CPU it is about to run gets the exit */
        __atomic_store_n(&m->kicked, 1, __ATOMIC_SEQ_CST);
        cpu_exit(m->cpus[__atomic_load_n(&m->running, __ATOMIC_SEQ_CST)].cpu);
    }
}

static int take_startup_ipis(PCCpu *c);

/* -accel kvm (accel/kvm/kvm.h, KVMBoard): vCPU index handles an exit, so
 * its local APIC answers the APIC page */
static void kvm_board_current(void *opaque, int index)
{
    PCMachine *m = opaque;
    apic_bus_set_current(m->apic_bus, m->cpus[index].apic);
}

/* -accel kvm with our APIC: the INIT/SIPI CPU index received, taken on its
 * own thread before it runs */
static int kvm_board_startup(void *opaque, int index)
{
    PCCpu *c = &((PCMachine *)opaque)->cpus[index];
    int changed = take_startup_ipis(c);
    return (changed ? KVM_STARTUP_CHANGED : 0) | (c->wait_sipi ? KVM_STARTUP_WAIT : 0);
}

/* -cpu host: the CPUID KVM offers, as is (accel/kvm); TCG has no host model */
static bool cpu_host(const PCMachine *m)
{
    return m->cfg.cpu_model && !strcmp(m->cfg.cpu_model, "host");
}

/* -accel kvm / kvm:tcg (the first that works; tcg after kvm with a warning) */
static char *start_accel(PCMachine *m)
{
    const char *a = m->cfg.accel ? m->cfg.accel : "tcg";
    if (strncmp(a, "kvm", 3)) {
        return cpu_host(m) ? errmsg("CPU model 'host' requires KVM") : NULL;
    }
    char *err = NULL;
    KVMOptions opts = { cpu_host(m), m->cfg.kernel_irqchip,
                        { m, kvm_board_current, kvm_board_startup } };
    CPUX86State *envs[PC_MAX_CPUS];
    for (int i = 0; i < m->ncpus; i++) {
        envs[i] = m->cpus[i].env;
    }
    m->kvm = kvm_init(m->cfg.kvm_device, m->as, envs, m->ncpus, &opts, &err);
    if (m->kvm || strcmp(a, "kvm:tcg")) {
        return err;
    }
    fprintf(stderr, "quetzal-system-x86_64: warning: %s; falling back to tcg\n",
            err ? err : "kvm unavailable");
    free(err);
    return cpu_host(m) ? errmsg("CPU model 'host' requires KVM") : NULL;
}

/* --- construction --- */

/* CPU index's APIC ID from the topology, as QEMU's x86 machines number them
 * (SDM vol. 3A, 8.9.1: SMT, core, die and package fields, each as wide as its
 * count needs): 0..N-1 whenever the counts are powers of two. */
static uint32_t bits_for(unsigned n)
{
    return n <= 1 ? 0 : 32 - __builtin_clz(n - 1);
}

static uint8_t topo_apic_id(const PCTopology *t, unsigned index)
{
    unsigned threads = t->threads ? t->threads : 1, cores = t->cores ? t->cores : 1;
    unsigned dies = t->dies ? t->dies : 1;
    uint32_t tb = bits_for(threads), cb = bits_for(cores), db = bits_for(dies);
    unsigned smt = index % threads, core = index / threads % cores;
    unsigned die = index / (threads * cores) % dies, pkg = index / (threads * cores * dies);
    return (uint8_t)(pkg << (tb + cb + db) | die << (tb + cb) | core << tb | smt);
}

/* Allocates vCPU i: CPU 0 owns the translation cache, the others share it
 * (one thread runs them in turn: a block translated by one runs on all, and
 * writes to code invalidate for all). The int32 after env stops a CPU's
 * blocks once they are shared (cpu_exec_enable_threads). */
static char *create_one_cpu(PCMachine *m, int i)
{
    PCCpu *c = &m->cpus[i];
    size_t env_size = (sizeof(CPUX86State) + 63) & ~(size_t)63;
    c->m = m;
    c->index = i;
    c->sipi_vector = -1;
    c->env = aligned_alloc(64, env_size + 64);
    if (!c->env) {
        return errmsg("cannot allocate the CPU");
    }
    memset(c->env, 0, env_size + 64);
    if (i == 0) {
        c->cpu = cpu_exec_new(c->env, &x86_translate_ops, m->tcg);
    } else {
        if (i == 1) {
            cpu_exec_enable_threads(m->cpus[0].cpu, (intptr_t)env_size);
        }
        c->cpu = cpu_exec_new_sharing(c->env, m->cpus[0].cpu);
    }
    if (!c->cpu) {
        return errmsg("cannot allocate the CPU");
    }
    c->env->exec = c->cpu;
    c->env->model = m->model;
    c->env->apic_id = topo_apic_id(&m->cfg.smp, i);
    c->env->nr_cores = (m->cfg.smp.cores ? m->cfg.smp.cores : 1) *
                       (m->cfg.smp.dies ? m->cfg.smp.dies : 1);
    c->env->nr_threads = m->cfg.smp.threads ? m->cfg.smp.threads : 1;
    x86_cpu_init_system(c->env, m->as);
    c->env->board = &m->hooks;
    c->env->board_opaque = c;
    return NULL;
}

static char *create_cpu(PCMachine *m)
{
    m->ncpus = m->cfg.smp.cpus ? (int)m->cfg.smp.cpus : 1;
    if (m->ncpus > PC_MAX_CPUS) {
        return errmsg("-smp: too many CPUs for this machine");
    }
    m->tcg = tcg_context_new(CODE_BUFFER_SIZE);
    if (!m->tcg) {
        return errmsg("cannot allocate the CPU");
    }
    m->model = x86_cpu_model_find(cpu_host(m) ? NULL : m->cfg.cpu_model);
    if (!m->model) {
        return errmsg("-cpu: unsupported CPU model '%s'", m->cfg.cpu_model);
    }
    m->hooks = (X86BoardHooks){ board_get_interrupt, board_rdmsr, board_wrmsr, board_clock_ns,
                                board_request_reset, board_io_read, board_io_write,
                                board_cr8_write, board_cr8_read,
                                m->ncpus > 1 ? board_pause : NULL, board_ferr };
    for (int i = 0; i < m->ncpus; i++) {
        char *err = create_one_cpu(m, i);
        if (err) {
            return err;
        }
    }
    if (m->cfg.log_flags & 0xffff) {
        tcg_set_log(m->tcg, m->cfg.log_flags & 0xffff, m->cfg.log);
    }
    main_loop_set_kick(m->ml, kick_cpu, m);
    return start_accel(m);
}

static void create_memory(PCMachine *m)
{
    m->below_4g = m->cfg.ram_size < RAM_BELOW_4G_MAX ? m->cfg.ram_size : RAM_BELOW_4G_MAX;
    m->above_4g = m->cfg.ram_size - m->below_4g;
    memory_add_ram(m->as, "pc.ram", 0, m->below_4g);
    if (m->above_4g) {
        memory_add_ram(m->as, "pc.ram-above-4g", 1ull << 32, m->above_4g);
    }
    /* -vga none: the legacy window answers nothing (reads all-ones); the VGA
     * lays its window over this one */
    static const MemOps none = { NULL, NULL };
    memory_add_mmio(m->as, "vga-window", 0xa0000, 0x20000, &none, NULL, 1);
}

static void create_interrupts(PCMachine *m)
{
    static const MemOps ferr_clear_ops = { ferr_clear_read, ferr_clear_write };
    m->pic = pic_new(m->io, irq_line(pic_intr_set, m, 0));
    add_device(m, (Device *)m->pic);
    ioport_register(m->io, "ferr-clear", 0xf0, 1, &ferr_clear_ops, m);
    for (int i = 0; i < 16; i++) {
        m->pic_in[i] = pic_input(m->pic, i);
    }
    m->apic_bus = apic_bus_new();
    for (int i = 0; i < m->ncpus; i++) {
        PCCpu *c = &m->cpus[i];
        c->apic_cb = (APICCallbacks){ .cpu = c, .set_intr = cpu_set_intr_cb, .nmi = cpu_nmi_cb,
                                      .init = cpu_init_cb, .sipi = cpu_sipi_cb,
                                      .pic = m->pic, .pic_get_interrupt = pic_inta_cb };
        c->apic = apic_new(m->as, m->ml, m->apic_bus, c->env->apic_id, i == 0, X86_TSC_HZ,
                           &c->apic_cb);
        add_device(m, apic_device(c->apic));
        m->lint0[i] = apic_lint_irq(c->apic, 0);
    }
    m->ioapic = ioapic_new(m->as, m->apic_bus, 0);
    add_device(m, ioapic_device(m->ioapic));
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        m->ioapic_in[i] = ioapic_irq(m->ioapic, i);
        m->gsi[i] = irq_line(gsi_set, m, i);
    }
}

static void add_net_device(void *opaque, void *dev)
{
    add_device(opaque, dev);
}

/* -vga std: QEMU's stdvga at 00:02.0 with SeaBIOS's VGA BIOS on its ROM BAR
 * (without the file the card still works, as QEMU's does, for -kernel guests). */
static void create_vga(PCMachine *m)
{
    char *path = x86_find_firmware(m->cfg.fw_dirs, VGA_ROM);
    uint8_t *rom = NULL;
    long size = 0;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size <= (1 << 20) &&
        fseek(f, 0, SEEK_SET) == 0 && (rom = malloc(size)) && fread(rom, 1, size, f) != (size_t)size) {
        free(rom);
        rom = NULL;
    }
    if (f) {
        fclose(f);
    }
    free(path);
    m->vga = vga_pci_new(m->pci, PCI_DEVFN(2, 0), m->as, m->io, rom, rom ? size : 0);
    free(rom);
    add_device(m, m->vga->owner);
    m->display = display_new(m->vga);
}

/* The PCI host bridge, the PIIX3 and its ACPI function, the VGA card. */
static void create_chipset(PCMachine *m)
{
    m->pci = pci_bus_new(m->io, m->as);
    add_device(m, &i440fx_new(m->pci, NULL, NULL)->dev);
    add_device(m, &piix3_new(m->pci, m->ml, m->gsi, &m->gsi[16])->dev);
    m->acpi_pm = acpi_pm_new(m->pci, PCI_DEVFN(1, 3), m->io, m->ml, m->gsi[9]);
    add_device(m, &m->acpi_pm->dev);
    if (!m->cfg.vga || !strcmp(m->cfg.vga, "std")) {
        create_vga(m);
    }
}

/* The 8254, the RTC with what the firmware reads from its CMOS, the disk
 * controllers (IDE, the floppy behind the 8237) and the virtio disks. */
static void create_storage_and_timers(PCMachine *m)
{
    m->pit = pit_new(m->io, m->ml, m->gsi[0]);
    add_device(m, (Device *)m->pit);
    RTCState *rtc = rtc_new(m->io, m->ml, irq_line(rtc_irq_set, m, 8));
    add_device(m, (Device *)rtc);
    rtc_set_memory_size(rtc, m->below_4g, m->above_4g);
    rtc_cmos_write(rtc, 0x5f, m->ncpus - 1);    /* CPUs - 1, as QEMU's pc (SeaBIOS reads it) */
    m->rtc = rtc;
    m->ide = piix3_ide_new(m->pci, m->io, m->as, m->ml, m->gsi[14], m->gsi[15], m->cfg.ide);
    add_device(m, &m->ide->dev);
    I8237State *dma = i8237_new(m->io, m->as);
    add_device(m, (Device *)dma);
    FDCState *fdc = fdc_new(m->io, m->gsi[6], dma, m->cfg.fd);
    add_device(m, (Device *)fdc);
    m->fdc = fdc;
    rtc_cmos_write(rtc, 0x10, fdc_cmos_types(fdc));     /* floppy drive types */
    rtc_cmos_update_checksum(rtc);
    for (int i = 0; i < m->cfg.nvirtio; i++) {
        add_device(m, &virtio_blk_new(m->pci, PCI_DEVFN(4 + i, 0), m->as, m->ml,
                                      &m->cfg.virtio[i])->dev);
    }
}

/* COM1 on its -serial back end, the 8042, port 92h, isa-debug-exit, the
 * HPET and fw_cfg; a malloc'd message when the back end cannot open. */
static char *create_platform(PCMachine *m)
{
    const char *spec = m->cfg.serial;
    if (spec && strcmp(spec, "none") != 0) {
        char *err = NULL;
        m->serial_chr = chardev_open(m->ml, spec, &err);
        if (!m->serial_chr) {
            return err;
        }
        add_device(m, (Device *)serial_new(m->io, m->ml, 0x3f8, m->gsi[4], m->serial_chr));
    }
    m->kbd = i8042_new(m->io, m->ml, m->gsi[1], m->gsi[12], set_a20, m);
    add_device(m, (Device *)m->kbd);
    add_device(m, (Device *)port92_new(m->io, m->ml, set_a20, m));
    if (m->cfg.debug_exit) {
        add_device(m, (Device *)debugexit_new(m->io, m->ml, m->cfg.debug_exit_iobase,
                                              m->cfg.debug_exit_iosize));
    }
    IRQ hpet_irqs[IOAPIC_NUM_PINS];
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        hpet_irqs[i] = m->gsi[i];
    }
    add_device(m, hpet_device(hpet_new(m->as, m->ml, hpet_irqs, irq_line(hpet_legacy_set, m, 0))));
    m->fw = fw_cfg_new(m->io, m->as);
    add_device(m, fw_cfg_device(m->fw));
    return NULL;
}

static char *create_devices(PCMachine *m)
{
    create_chipset(m);
    create_storage_and_timers(m);
    char *err = create_platform(m);
    if (!err && m->cfg.net) {
        m->net = net_init(m->cfg.net, m->ml, m->pci, m->as, add_net_device, m, &err);
    }
    return err;
}

static AcpiConfig acpi_config(PCMachine *m, uint8_t apic_ids[PC_MAX_CPUS])
{
    for (int i = 0; i < m->ncpus; i++) {
        apic_ids[i] = (uint8_t)m->cpus[i].env->apic_id;
    }
    return (AcpiConfig){ .ncpus = m->ncpus, .apic_ids = apic_ids, .ram_below_4g = m->below_4g,
                         .ram_above_4g = m->above_4g, .hpet = true };
}

/* -boot: the CMOS boot devices SeaBIOS reads on QEMU, and the fw_cfg
 * "bootorder" file (SeaBIOS docs/Runtime_config.md): the IDE drives of each
 * letter in order (SeaBIOS's device paths), -kernel's option ROM first. */
static void set_boot_order(PCMachine *m, const char *order)
{
    char buf[512];
    size_t n = 0;
    if (!order[0]) {
        order = "cad";
    }
    rtc_set_boot_order(m->rtc, order);
    rtc_cmos_update_checksum(m->rtc);
    if (m->have_kernel) {
        n += snprintf(buf + n, sizeof(buf) - n, "/rom@genroms/" LINUXBOOT_ROM "\n");
    }
    for (const char *p = order; *p; p++) {
        for (int i = 0; i < 4 && (*p == 'c' || *p == 'd'); i++) {
            const IDEDriveConfig *d = &m->cfg.ide[i];
            if (d->present && d->cdrom == (*p == 'd')) {
                n += snprintf(buf + n, sizeof(buf) - n, "/pci@i0cf8/ide@1,1/drive@%d/disk@%d\n",
                              i / 2, i % 2);
            }
        }
        for (int i = 0; i < m->cfg.nvirtio && *p == 'c'; i++) {
            n += snprintf(buf + n, sizeof(buf) - n, "/pci@i0cf8/scsi@%x/disk@0,0\n", 4 + i);
        }
        if (*p == 'a') {
            n += snprintf(buf + n, sizeof(buf) - n, "/isa/fdc@03f0/floppy@0\n");
        }
    }
    fw_cfg_add_file(m->fw, "bootorder", buf, n + 1);
}

/* fw_cfg items SeaBIOS reads (QEMU docs/specs/fw_cfg.rst), the ACPI tables,
 * and -kernel for the linuxboot option ROM. */
static char *setup_firmware_boot(PCMachine *m)
{
    char *path = x86_find_firmware(m->cfg.fw_dirs, m->cfg.bios);
    if (!path) {
        return errmsg("could not find firmware '%s' (use -L DIR, or -machine pc,fast-boot=on "
                      "with -kernel)", m->cfg.bios);
    }
    char *err = x86_load_bios(m->as, path, &m->bios);
    free(path);
    if (err) {
        return err;
    }
    fw_cfg_add_i64(m->fw, FW_CFG_RAM_SIZE, m->cfg.ram_size);
    fw_cfg_add_i16(m->fw, FW_CFG_NB_CPUS, m->ncpus);
    unsigned max_cpus = m->cfg.smp.max_cpus > (unsigned)m->ncpus ? m->cfg.smp.max_cpus
                                                                 : (unsigned)m->ncpus;
    fw_cfg_add_i16(m->fw, FW_CFG_MAX_CPUS, (uint16_t)max_cpus);
    fw_cfg_add_i16(m->fw, FW_CFG_NOGRAPHIC, 1);
    /* etc/e820: the RAM ranges (address, length, type; 20 bytes each) */
    uint8_t e820[2 * 20];
    size_t n = 0;
    const uint64_t ranges[2][2] = { { 0, m->below_4g }, { 1ull << 32, m->above_4g } };
    for (int i = 0; i < 2; i++) {
        if (!ranges[i][1]) {
            continue;
        }
        memset(e820 + n, 0, 20);
        for (int b = 0; b < 8; b++) {
            e820[n + b] = ranges[i][0] >> (8 * b);
            e820[n + 8 + b] = ranges[i][1] >> (8 * b);
        }
        e820[n + 16] = E820_RAM;
        n += 20;
    }
    fw_cfg_add_file(m->fw, "etc/e820", e820, n);
    fw_cfg_add_i16(m->fw, FW_CFG_BOOT_MENU, m->cfg.boot_menu);
    uint8_t ids[PC_MAX_CPUS];
    AcpiConfig acfg = acpi_config(m, ids);
    acpi_add_fw_cfg(&acfg, m->fw);
    if (!m->have_kernel) {
        set_boot_order(m, m->cfg.boot_once[0] ? m->cfg.boot_once : m->cfg.boot_order);
        return NULL;
    }
    if ((err = x86_linux_add_fw_cfg(&m->kimg, m->fw, m->below_4g))) {
        return err;
    }
    /* the option ROM that loads them (hw/optionrom/linuxboot.S, built in) */
    fw_cfg_add_file(m->fw, "genroms/" LINUXBOOT_ROM, linuxboot_rom, linuxboot_rom_size);
    set_boot_order(m, m->cfg.boot_once[0] ? m->cfg.boot_once : m->cfg.boot_order);
    return NULL;
}

/* The firmware-less boot's memory contents (again at every reset). */
static char *load_direct(PCMachine *m)
{
    uint64_t tables = m->below_4g - X86_ACPI_SIZE;
    uint8_t ids[PC_MAX_CPUS];
    AcpiConfig acfg = acpi_config(m, ids);
    acpi_install(&acfg, m->as, tables, X86_BOOT_RSDP);
    return x86_linux_load_direct(&m->kimg, m->as, &m->e820, m->below_4g, tables,
                                 X86_BOOT_RSDP, &m->entry_eip);
}

/* The 32-bit boot protocol's entry state (boot.rst, "32-bit Boot Protocol"):
 * protected mode, paging off, flat 4 GiB CS (0x10) and data (0x18) segments
 * from the GDT at X86_BOOT_GDT, interrupts off, ESI = the zero page, EBP, EDI,
 * EBX zero. Segment flags are descriptor bits 8-23 (Intel SDM vol. 3A, 3.4.5). */
static void enter_linux_32(CPUX86State *env, uint32_t eip)
{
    for (int i = 0; i < 6; i++) {
        env->segs[i] = (SegmentCache){ 0x18, 0, 0xffffffff, 0x00cf9300 };
    }
    env->segs[1] = (SegmentCache){ 0x10, 0, 0xffffffff, 0x00cf9b00 };   /* CS */
    env->gdt.base = X86_BOOT_GDT;
    env->gdt.limit = 31;
    env->cr[0] = 0x11;          /* PE, ET */
    env->cr[4] = 0;
    env->efer = 0;
    x86_cpu_set_eflags(env, 0x2);
    memset(env->regs, 0, sizeof(env->regs));
    env->regs[6] = X86_BOOT_PARAMS;     /* ESI */
    env->rip = eip;
    x86_update_hflags(env);
}

static void pc_reset(PCMachine *m)
{
    if (m->kvm) {
        kvm_reset(m->kvm);      /* first: the vCPUs parked while env is rewritten */
    }
    for (Device *d = m->devices; d; d = d->next) {
        if (d->ops && d->ops->reset) {
            d->ops->reset(d);
        }
    }
    for (int i = 0; i < m->ncpus; i++) {
        PCCpu *c = &m->cpus[i];
        x86_cpu_reset(c->env);
        c->env->int_log = (m->cfg.log_flags & PC_LOG_INT) ? m->cfg.log : NULL;
        c->env->mmu_log = (m->cfg.log_flags & PC_LOG_MMU) ? m->cfg.log : NULL;
        /* the APs wait for the BSP's INIT-SIPI-SIPI (SDM vol. 3A, 8.4.1) */
        c->wait_sipi = i > 0;
        c->init_pending = false;
        c->sipi_vector = -1;
        cpu_set_halted(c->cpu, false);
    }
    m->running = 0;
    CPUX86State *bsp = m->cpus[0].env;
    if (m->cfg.fast_boot) {
        char *err = load_direct(m);
        free(err);  /* it fitted at start-up: it fits again */
        enter_linux_32(bsp, m->entry_eip);
        apic_virtual_wire(m->cpus[0].apic);     /* the firmware's part */
    } else if (m->bios) {
        x86_reload_bios_shadow(m->as, m->bios);
    }
    if (m->cfg.log && (m->cfg.log_flags & PC_LOG_CPU_RESET)) {
        fprintf(m->cfg.log, "CPU Reset (CPU 0)\n");
        x86_cpu_dump_state(bsp, m->cfg.log);
    }
}

PCMachine *pc_new(const PCConfig *cfg, char **err)
{
    PCMachine *m = calloc(1, sizeof(*m));
    m->cfg = *cfg;
    m->run_only = -1;
    m->devices_tail = &m->devices;
    m->as = address_space_new();
    m->io = io_space_new();
    m->ml = main_loop_new();
    if (cfg->kernel) {
        if ((*err = x86_linux_read(&m->kimg, cfg->kernel, cfg->initrd, cfg->append))) {
            goto fail;
        }
        m->have_kernel = true;
    } else if (cfg->fast_boot) {
        *err = errmsg("fast-boot=on needs -kernel");
        goto fail;
    }
    create_memory(m);
    if ((*err = create_cpu(m))) {
        goto fail;
    }
    create_interrupts(m);
    if ((*err = create_devices(m))) {
        goto fail;
    }
    x86_e820_build(&m->e820, m->below_4g, m->above_4g, cfg->fast_boot);
    *err = cfg->fast_boot ? load_direct(m) : setup_firmware_boot(m);
    if (*err) {
        goto fail;
    }
    if (cfg->display && !strcmp(cfg->display, "sdl")) {
        if (!(m->sdl = sdl_display_new(m->display, m->ml, m->kbd, err))) {
            goto fail;
        }
    }
    pc_reset(m);
    return m;
fail:
    pc_free(m);
    return NULL;
}

void pc_free(PCMachine *m)
{
    if (!m) {
        return;
    }
    main_loop_stop(m->ml);   /* first: no kick while the devices go */
    sdl_display_free(m->sdl);
    display_free(m->display);
    for (Device *d = m->devices, *next; d; d = next) {
        next = d->next;
        if (d->ops && d->ops->free) {
            d->ops->free(d);
        }
    }
    net_free(m->net);
    if (m->pci) {
        pci_bus_free(m->pci);
    }
    if (m->apic_bus) {
        apic_bus_free(m->apic_bus);
    }
    chardev_close(m->serial_chr);
    timer_free(m->rr_timer);
    main_loop_free(m->ml);   /* after the devices and the back end: they are on it */
    kvm_free(m->kvm);
    for (int i = m->ncpus - 1; i >= 0; i--) {
        cpu_exec_free(m->cpus[i].cpu);
    }
    if (m->tcg) {
        tcg_context_free(m->tcg);
    }
    for (int i = 0; i < m->ncpus; i++) {
        if (m->cpus[i].env) {
            x86_translate_release(m->cpus[i].env);
        }
        free(m->cpus[i].env);
    }
    x86_cpu_model_free(m->model);
    x86_linux_free(&m->kimg);
    io_space_free(m->io);
    address_space_free(m->as);
    free(m);
}

void pc_machine_view(PCMachine *m, PCMachineView *v)
{
    PCCpu *c = &m->cpus[0];
    *v = (PCMachineView){ &m->cfg, c->env, c->cpu, m->tcg, m->as, m->io, m->ml, m->pic, m->pci,
                          m->devices, m->serial_chr, m->kbd, m->acpi_pm, m->display,
                          m->ncpus, 0 };
}

CPUExec *pc_cpu_exec(PCMachine *m, int index)
{
    return index >= 0 && index < m->ncpus ? m->cpus[index].cpu : NULL;
}

CPUX86State *pc_cpu_env(PCMachine *m, int index)
{
    return index >= 0 && index < m->ncpus ? m->cpus[index].env : NULL;
}

bool pc_cpu_halted(PCMachine *m, int index)
{
    if (index < 0 || index >= m->ncpus) {
        return false;
    }
    return m->cpus[index].wait_sipi || cpu_is_halted(m->cpus[index].cpu);
}

/* With kernel_irqchip=on the kernel runs INIT/SIPI: its MP state says
 * whether an AP waits (accel/kvm/kvm.h), after pc_cpu_state_sync. */
void pc_cpu_startup_get(PCMachine *m, int index, X86CPUStartup *st)
{
    PCCpu *c = &m->cpus[index];
    *st = (X86CPUStartup){ c->wait_sipi, c->init_pending, c->sipi_vector };
    if (kvm_irqchip_in_kernel(m->kvm)) {
        *st = (X86CPUStartup){ kvm_cpu_waits_sipi(m->kvm, index), false, -1 };
    }
}

void pc_cpu_startup_put(PCMachine *m, int index, const X86CPUStartup *st)
{
    PCCpu *c = &m->cpus[index];
    c->wait_sipi = st->wait_sipi;
    c->init_pending = st->init_pending;
    c->sipi_vector = st->sipi_vector >= 0 ? st->sipi_vector & 0xff : -1;
    if (kvm_irqchip_in_kernel(m->kvm)) {
        kvm_cpu_set_waits_sipi(m->kvm, index, st->wait_sipi);
    }
}

Display *pc_display(PCMachine *m)
{
    return m->display;
}

I8042State *pc_i8042(PCMachine *m)
{
    return m->kbd;
}

KVMState *pc_kvm(PCMachine *m)
{
    return m->kvm;
}

void pc_cpu_state_sync(PCMachine *m)
{
    if (m->kvm) {
        kvm_sync_to_env(m->kvm);
    }
}

void pc_cpu_state_changed(PCMachine *m)
{
    if (m->kvm) {
        kvm_state_changed(m->kvm);
    }
}

IDEBus *pc_ide_bus(PCMachine *m, int channel)
{
    return piix3_ide_bus(m->ide, channel);
}

FDCState *pc_fdc(PCMachine *m)
{
    return m->fdc;
}

/* --- running --- */

/* A machine request: returns -1 to go on, else the exit code. */
static int handle_request(PCMachine *m, MachineRequest req, int code)
{
    switch (req) {
    case REQ_RESET:
        if (m->cfg.no_reboot) {
            return 0;
        }
        if (m->cfg.boot_once[0] && !m->booted_once && m->fw && !m->cfg.fast_boot) {
            m->booted_once = true;         /* -boot once=: later boots use order= */
            set_boot_order(m, m->cfg.boot_order);
        }
        pc_reset(m);
        return -1;
    case REQ_SHUTDOWN:
        if (!m->cfg.no_shutdown) {
            return 0;
        }
        /* -no-shutdown: the guest stays stopped; only a quit (Ctrl-A x) ends it */
        for (;;) {
            main_loop_poll(m->ml, true, -1);
            req = main_loop_take_request(m->ml, &code);
            if (req == REQ_EXIT_CODE) {
                return code;
            }
        }
    case REQ_EXIT_CODE:
        return code;
    default:
        return -1;
    }
}

/* The start-up IPIs a CPU received, taken before it runs (SDM vol. 3A, 8.4.3,
 * 10.6.1): INIT resets the CPU (its APIC keeps ID and base) and an AP then
 * waits for a SIPI, which starts it in real mode at CS = vector << 8, IP = 0.
 * Returns whether env changed. */
static int take_startup_ipis(PCCpu *c)
{
    PCMachine *m = c->m;
    int changed = c->init_pending;
    if (c->init_pending) {
        c->init_pending = false;
        x86_cpu_reset(c->env);
        c->env->int_log = (m->cfg.log_flags & PC_LOG_INT) ? m->cfg.log : NULL;
        c->env->mmu_log = (m->cfg.log_flags & PC_LOG_MMU) ? m->cfg.log : NULL;
        apic_init_reset(c->apic);
        c->wait_sipi = c->index != 0;
        cpu_set_halted(c->cpu, false);
    }
    if (c->sipi_vector >= 0) {
        int vector = c->sipi_vector;
        c->sipi_vector = -1;
        if (c->wait_sipi) {         /* a SIPI to a running CPU is ignored */
            c->wait_sipi = false;
            c->env->segs[R_CS].selector = (uint32_t)vector << 8;
            c->env->segs[R_CS].base = (uint64_t)vector << 12;
            c->env->rip = 0;
            x86_update_hflags(c->env);
            cpu_set_halted(c->cpu, false);
            changed = 1;
        }
    }
    return changed;
}

/* A vCPU's time slice under the round robin; the timer's expiry kicks the
 * running CPU (main_loop_set_kick), which is all it has to do. */
#define RR_SLICE_NS 1000000
static void rr_slice_end(void *opaque)
{
    (void)opaque;
}

/* The round robin (QEMU's -accel tcg,thread=single): the vCPUs run in turn,
 * each until its slice ends, it pauses or halts, or an interrupt for another
 * CPU comes; those halted or waiting for a SIPI are passed over. Returns when
 * the main loop has work (its kick), a CPU stops for the debugger, or every
 * CPU is halted (EXCP_HLT). */
static int run_round_robin(PCMachine *m)
{
    if (!m->rr_timer) {
        m->rr_timer = timer_new(m->ml, rr_slice_end, m);
    }
    for (;;) {
        bool ran = false;
        int last = m->running;
        for (int k = 1; k <= m->ncpus; k++) {
            PCCpu *c = &m->cpus[(last + k) % m->ncpus];
            take_startup_ipis(c);
            if (c->wait_sipi || (m->run_only >= 0 && c->index != m->run_only)) {
                continue;
            }
            /* a kick that went to the CPU before (or, before the first
             * turn, to CPU 0) is seen here, not lost to a CPU that spins
             * without a pause or halt (kick_cpu) */
            __atomic_store_n(&m->running, c->index, __ATOMIC_SEQ_CST);
            if (__atomic_exchange_n(&m->kicked, 0, __ATOMIC_SEQ_CST)) {
                /* c has not had its turn: it comes first next time */
                __atomic_store_n(&m->running, (c->index + m->ncpus - 1) % m->ncpus,
                                 __ATOMIC_SEQ_CST);
                return EXCP_INTERRUPT;
            }
            apic_bus_set_current(m->apic_bus, c->apic);
            if (!timer_pending(m->rr_timer)) {
                timer_mod(m->rr_timer, clock_ns(m->ml) + RR_SLICE_NS);
            }
            int excp = cpu_exec(c->cpu);
            if (excp != EXCP_HLT && excp != EXCP_INTERRUPT) {
                return excp;
            }
            ran |= excp != EXCP_HLT;
            if (__atomic_exchange_n(&m->kicked, 0, __ATOMIC_SEQ_CST)) {
                return EXCP_INTERRUPT;
            }
        }
        if (!ran) {
            return EXCP_HLT;
        }
    }
}

void pc_run_only(PCMachine *m, int index)
{
    m->run_only = index >= 0 && index < m->ncpus ? index : -1;
}

int pc_run(PCMachine *m)
{
    for (;;) {
        int code;
        MachineRequest req = main_loop_take_request(m->ml, &code);
        if (req != REQ_NONE && (code = handle_request(m, req, code)) >= 0) {
            return code;
        }
        int excp = m->kvm ? kvm_cpu_exec(m->kvm)
                   : m->ncpus == 1 ? cpu_exec(m->cpus[0].cpu) : run_round_robin(m);
        if (excp == KVM_EXCP_FATAL) {
            return 1;
        }
        if (excp == EXCP_HLT) {
            main_loop_poll(m->ml, true, -1);
        } else {
            main_loop_poll(m->ml, false, 0);
        }
    }
}
