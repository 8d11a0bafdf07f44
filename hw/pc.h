/*
 * QEMU's "pc" machine (i440FX + PIIX3, ISA devices, local APIC, I/O APIC,
 * HPET, ACPI, fw_cfg) and its boot loaders: the firmware image (SeaBIOS,
 * bios-256k.bin) at the top of the 32-bit space, and the Linux x86 boot
 * protocol (Linux Documentation/arch/x86/boot.rst) for -kernel, either handed
 * to the firmware through fw_cfg or, with fast-boot, loaded directly.
 */
#ifndef HW_PC_H
#define HW_PC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/ide.h"
#include "hw/isa-dma.h"
#include "hw/virtio.h"
#include "system/memory.h"

/* -d items beyond the translator's TCG_LOG_* (tcg/tcg.h uses the low bits). */
#define PC_LOG_INT          (1u << 16)
#define PC_LOG_CPU_RESET    (1u << 17)
#define PC_LOG_GUEST_ERRORS (1u << 18)
#define PC_LOG_UNIMP        (1u << 19)
#define PC_LOG_MMU          (1u << 20)

/* The most CPUs (-smp maxcpus) the machine builds: the APIC bus's limit. */
#define PC_MAX_CPUS 16

/* -smp: cpus present, maxcpus possible = sockets * dies * cores * threads. */
typedef struct PCTopology {
    unsigned cpus, max_cpus, sockets, dies, cores, threads;
} PCTopology;

/* The machine's set-up, as the command line gives it (system/main.c). */
typedef struct PCConfig {
    uint64_t ram_size;
    PCTopology smp;                 /* all 0: one CPU */
    const char *cpu_model;          /* qemu64, max, quetzal */
    const char *bios;               /* -bios name or path (default bios-256k.bin) */
    const char *const *fw_dirs;     /* firmware search path, NULL-terminated */
    const char *kernel, *initrd, *append;
    bool fast_boot;                 /* -machine pc,fast-boot=on: no firmware */
    const char *serial;             /* chardev spec; NULL or "none": no COM1 */
    bool no_reboot, no_shutdown;
    bool debug_exit;                /* -device isa-debug-exit */
    uint16_t debug_exit_iobase, debug_exit_iosize;
    struct NetConfig *net;          /* -netdev/-nic/-device e1000 (net/net.h); NULL: none */
    const char *vga;                /* -vga std|none (NULL: std) */
    const char *display;            /* -display none|sdl (NULL: none) */
    IDEDriveConfig ide[4];          /* -hda..-hdd, -cdrom, -drive if=ide (system/drive.c) */
    FDCDriveConfig fd[2];           /* -fda, -fdb, -drive if=floppy */
    VirtioBlkConfig virtio[4];      /* -drive if=virtio, -device virtio-blk-pci: slots 4.. */
    int nvirtio;
    char boot_order[4];             /* -boot order= letters (a, c, d, n); "" = "cad" */
    char boot_once[4];              /* -boot once=: the first boot only, or "" */
    bool boot_menu;                 /* -boot menu=on */
    const char *accel;              /* "tcg" (NULL), "kvm", or "kvm:tcg" (fallback) */
    const char *kvm_device;         /* -accel kvm,device=PATH (NULL: /dev/kvm) */
    int kernel_irqchip;             /* -machine kernel_irqchip= (KVMIrqchipMode, 0: off) */
    unsigned log_flags;             /* TCG_LOG_* | PC_LOG_* */
    FILE *log;
} PCConfig;

typedef struct PCMachine PCMachine;

/* Builds the machine and loads firmware/kernel; NULL with *err (a malloc'd
 * one-line message) when something is missing or malformed. */
PCMachine *pc_new(const PCConfig *cfg, char **err);
/* Runs the guest until poweroff, quit or isa-debug-exit; returns the exit code. */
int pc_run(PCMachine *m);
void pc_free(PCMachine *m);
/* The guest's screen (the monitor's screendump, sendkey); NULL without -vga. */
struct Display *pc_display(PCMachine *m);
struct I8042State *pc_i8042(PCMachine *m);
/* the KVM accelerator's state under -accel kvm, NULL under TCG */
struct KVMState *pc_kvm(PCMachine *m);

/* What the monitor (monitor/) reaches of a machine: it runs its commands on the
 * CPU thread between blocks (main-loop fd handlers), so plain pointers do. */
struct CPUExec;
struct TCGContext;
struct PCIDevice;
typedef struct PCMachineView {
    const PCConfig *cfg;
    struct CPUX86State *env;
    struct CPUExec *cpu;
    struct TCGContext *tcg;
    AddressSpace *as;
    IOSpace *io;
    struct MainLoop *ml;
    struct PICState *pic;
    struct PCIBus *pci;
    struct Device *devices;         /* the reset list, in order */
    struct CharDev *serial;         /* COM1's back end, NULL without */
    struct I8042State *kbd;
    struct PCIDevice *acpi_pm;      /* system_powerdown presses its button */
    struct Display *display;        /* the VGA's screen, NULL with -vga none */
    int ncpus;                      /* -smp: env and cpu are those of CPU cpu_index */
    int cpu_index;                  /* 0, the BSP (the monitor's cpu N changes its copy) */
} PCMachineView;
void pc_machine_view(PCMachine *m, PCMachineView *v);
/* The vCPUs (-smp): CPU index's state and execution (NULL when index is not a
 * CPU), and whether it is halted (HLT, or an AP waiting for its start-up IPI). */
struct CPUX86State *pc_cpu_env(PCMachine *m, int index);
struct CPUExec *pc_cpu_exec(PCMachine *m, int index);
bool pc_cpu_halted(PCMachine *m, int index);
/* A debugger's single step with the other CPUs held (gdb's "vCont;s:N"):
 * only CPU index runs; -1: all run again. TCG's round robin only. */
void pc_run_only(PCMachine *m, int index);
/* Where CPU index (which must be one) stands in INIT/SIPI start-up, for a
 * snapshot or migration stream (target-i386/machine.h). */
struct X86CPUStartup;
void pc_cpu_startup_get(PCMachine *m, int index, struct X86CPUStartup *st);
void pc_cpu_startup_put(PCMachine *m, int index, const struct X86CPUStartup *st);
/* The view's env is the CPU's state under TCG; under KVM the registers live in
 * the kernel: sync reads them into env before a monitor or debugger looks,
 * changed hands env's edits back before the vCPU runs again. */
void pc_cpu_state_sync(PCMachine *m);
void pc_cpu_state_changed(PCMachine *m);
/* The IDE channel 0 (primary) or 1 (secondary), e.g. for the monitor's
 * eject/change of a CD-ROM (ide_cd_change in hw/ide.h). */
IDEBus *pc_ide_bus(PCMachine *m, int channel);
/* The floppy controller (fdc_change in hw/isa-dma.h). */
FDCState *pc_fdc(PCMachine *m);

/* --- hw/x86-boot.c --- */

/* The guest-physical layout of the firmware-less boot. */
#define X86_BOOT_GDT        0x6000
#define X86_BOOT_PARAMS     0x7000
#define X86_BOOT_CMDLINE    0x20000
#define X86_BOOT_RSDP       0xF0000   /* in the reserved BIOS area, found by scanning too */
#define X86_ACPI_SIZE       0x20000   /* tables at the top of RAM below 4 GiB */

/* One e820 entry (ACPI 6.4, 15.1 "INT 15H, E820H": address, length, type). */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3 };
typedef struct E820Entry {
    uint64_t addr, size;
    uint32_t type;
} E820Entry;
#define E820_MAX 16
typedef struct E820Map {
    E820Entry e[E820_MAX];
    int n;
} E820Map;

/* The PC's memory map for RAM below and above 4 GiB; reserve_acpi marks the
 * top X86_ACPI_SIZE bytes below 4 GiB as ACPI tables (firmware-less boot). */
void x86_e820_build(E820Map *map, uint64_t below_4g, uint64_t above_4g, bool reserve_acpi);

/* Finds name in the firmware search path (or takes it as a path when it holds a
 * '/'); returns a malloc'd path or NULL. */
char *x86_find_firmware(const char *const *dirs, const char *name);

/* Loads a firmware image at 4 GiB - its size (ROM) and its last 128 KiB at
 * 0xE0000 (into RAM: shadowed). NULL on success, else a malloc'd message. */
char *x86_load_bios(AddressSpace *as, const char *path, MemRegion **rom);
/* Copies the BIOS's last 128 KiB to 0xE0000 again (reset). */
void x86_reload_bios_shadow(AddressSpace *as, MemRegion *rom);

/* A bzImage in memory (the setup header parsed). */
typedef struct LinuxImage {
    uint8_t *data;
    size_t size;
    uint8_t *initrd;
    size_t initrd_size;
    unsigned setup_size;            /* (setup_sects + 1) * 512 */
    uint16_t version;
    uint32_t initrd_max;
    uint32_t cmdline_max;
    const char *cmdline;
} LinuxImage;
/* Reads kernel (and initrd) files and checks the header: "HdrS", protocol
 * >= 2.06. NULL on success, else a malloc'd one-line message naming the file. */
char *x86_linux_read(LinuxImage *img, const char *kernel, const char *initrd,
                     const char *cmdline);
void x86_linux_free(LinuxImage *img);

/* Firmware-less boot: places kernel, initrd, command line, the zero page with
 * map's e820 table and rsdp_addr, and a flat GDT in RAM; returns the entry
 * state in *entry_eip / *zero_page (32-bit protocol entry). NULL or a message
 * (initrd too large). ram_below_4g bounds the initrd. */
char *x86_linux_load_direct(const LinuxImage *img, AddressSpace *as, const E820Map *map,
                            uint64_t ram_below_4g, uint64_t initrd_limit,
                            uint64_t rsdp_addr, uint32_t *entry_eip);

struct FWCfgState;
/* Firmware boot: the kernel's setup part, the rest, the initrd and the command
 * line as fw_cfg items (FW_CFG_SETUP_*, KERNEL_*, INITRD_*, CMDLINE_*), for an
 * option ROM such as linuxboot_dma.bin to load. NULL or a message (initrd too
 * large). */
char *x86_linux_add_fw_cfg(const LinuxImage *img, struct FWCfgState *fw, uint64_t ram_below_4g);

#endif
