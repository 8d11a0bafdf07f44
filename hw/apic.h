/*
 * The PC's interrupt controllers of the APIC architecture and the HPET:
 *  - the local APIC (xAPIC mode, Intel SDM vol. 3A ch. 10 "Advanced Programmable
 *    Interrupt Controller (APIC)"), one per CPU, registers at 0xFEE00000;
 *  - the I/O APIC (Intel 82093AA I/O APIC datasheet), 24 inputs, at 0xFEC00000;
 *  - the HPET (IA-PC HPET specification 1.0a), 3 timers, at 0xFED00000.
 * They talk over an APICBus: the I/O APIC, MSIs and IPIs send interrupt messages
 * on it, the local APICs send EOI broadcasts back to the I/O APIC on it.
 *
 * Every state struct starts with a Device (hw/device.h): the machine may cast an
 * APICState *, IOAPICState * or HPETState * to Device * (or use the *_device
 * accessors) to link it in its device list. Nothing here knows the CPU: the
 * machine passes callbacks and an opaque pointer.
 */
#ifndef HW_APIC_H
#define HW_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/device.h"
#include "hw/irq.h"
#include "system/main-loop.h"
#include "system/memory.h"

#define APIC_DEFAULT_BASE   0xFEE00000ull
#define IOAPIC_DEFAULT_BASE 0xFEC00000ull
#define HPET_DEFAULT_BASE   0xFED00000ull
/* Priority of the APIC pages in the address space: above RAM. */
#define APIC_MMIO_PRIORITY  10
/* The local APIC timer counts at this rate before the divider (1 tick per ns).
 * A CPUID leaf 0x15 crystal clock, if reported, should be this frequency: Linux
 * takes the APIC timer rate from it. */
#define APIC_BUS_HZ         1000000000ull
#define IOAPIC_NUM_PINS     24

/* Delivery modes (ICR, LVT and redirection-table bits 10:8). */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* MSRs the local APIC owns. */
#define MSR_IA32_APIC_BASE    0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0

typedef struct APICBus APICBus;
typedef struct APICState APICState;
typedef struct IOAPICState IOAPICState;
typedef struct HPETState HPETState;

/* --- the APIC bus (interrupt messages between the APICs) --- */
APICBus *apic_bus_new(void);
void apic_bus_free(APICBus *bus);
/* An interrupt message: to the local APICs that dest/logical select (physical:
 * APIC ID, 0xFF all; logical: flat or cluster model against LDR/DFR), with
 * delivery mode dm (APIC_DM_*), vector, and trigger (1 level, 0 edge). */
void apic_bus_deliver(APICBus *bus, uint8_t dest, bool logical, int dm, int vector,
                      int trigger_level);
/* An MSI: a DMA write of data to addr 0xFEExxxxx (Intel SDM vol. 3A, 10.11):
 * address bits 19:12 destination, bit 2 destination mode; data bits 7:0 vector,
 * 10:8 delivery mode, 15 trigger mode. */
void apic_bus_msi(APICBus *bus, uint64_t addr, uint32_t data);
/* Who hears the local APICs' EOI broadcasts (for level-triggered vectors): the
 * I/O APICs register here (ioapic_new does it). */
void apic_bus_add_eoi_listener(APICBus *bus, void (*eoi)(void *opaque, int vector),
                               void *opaque);

/* The APIC whose registers the page at the APIC base shows: each CPU sees its
 * own there, so the machine names the CPU that runs (NULL: the first mapped). */
void apic_bus_set_current(APICBus *bus, APICState *s);

/* --- local APIC --- */
typedef struct APICCallbacks {
    void *cpu;                                  /* opaque for the CPU callbacks */
    void (*set_intr)(void *cpu, int level);     /* the CPU's INTR pin (x86_cpu_set_intr) */
    void (*nmi)(void *cpu);                     /* x86_cpu_nmi */
    /* The guest's TSC now (steady clock_ns * tsc_hz / 1e9 + the CPU's offset):
     * for the TSC-deadline timer mode. NULL: the TSC is taken as clock_ns
     * scaled by tsc_hz without offset. */
    uint64_t (*read_tsc)(void *cpu);
    /* INIT and SIPI to this CPU (NULL: ignored, as with -smp 1 on the BSP). */
    void (*init)(void *cpu);
    void (*sipi)(void *cpu, int vector);
    /* ExtINT: the INTA cycle to the 8259 (vector or -1). */
    void *pic;
    int (*pic_get_interrupt)(void *pic);
} APICCallbacks;

/* A local APIC with APIC ID id; bsp sets IA32_APIC_BASE.BSP.
 * tsc_hz is the guest TSC frequency (X86_TSC_HZ). Registers its page in as. */
APICState *apic_new(AddressSpace *as, MainLoop *ml, APICBus *bus, uint8_t id, bool bsp,
                    uint64_t tsc_hz, const APICCallbacks *cb);
Device *apic_device(APICState *s);
/* virtual-wire mode as firmware leaves it: SVR enabled, LINT0 ExtINT, LINT1 NMI */
void apic_virtual_wire(APICState *s);
/* The INIT signal's effect on the APIC (SDM vol. 3A, 10.4.7.3). */
void apic_init_reset(APICState *s);
/* IA32_APIC_BASE (0x1B) and IA32_TSC_DEADLINE (0x6E0): true when msr is one of
 * them (x2APIC MSRs are not handled: false, the CPU raises #GP). A write with
 * reserved bits set also returns false. */
bool apic_rdmsr(APICState *s, uint32_t msr, uint64_t *value);
bool apic_wrmsr(APICState *s, uint32_t msr, uint64_t value);
/* INTA cycle: the highest-priority deliverable vector (moved from IRR to ISR),
 * the spurious vector when what was pending is now masked by the PPR, or, when
 * the APIC has nothing, the 8259's vector through ExtINT (LINT0 in ExtINT mode
 * or the APIC hardware-disabled: virtual wire); -1 when nothing is pending. */
int apic_get_interrupt(APICState *s);
/* Accepts an interrupt on this APIC (no destination check): from the I/O APIC,
 * an MSI or an IPI. dm is APIC_DM_*; trigger_level 1 sets TMR (EOI broadcast). */
void apic_deliver_irq(APICState *s, int dm, int vector, int trigger_level);
/* The LINT0/LINT1 pins (the 8259's INTR on LINT0, NMI on LINT1): IRQ line n. */
IRQ apic_lint_irq(APICState *s, int n);
/* Register access as the CPU sees it (offset within the 4 KiB page). */
uint64_t apic_mmio_read(APICState *s, uint64_t offset, unsigned size);
void apic_mmio_write(APICState *s, uint64_t offset, uint64_t value, unsigned size);
/* CR8 in 64-bit mode is TPR[7:4] (Intel SDM vol. 3A, 10.8.6.1): MOV to/from
 * CR8 of a CPU with this APIC reads and writes it here. */
void apic_set_cr8(APICState *s, uint64_t cr8);
uint64_t apic_get_cr8(APICState *s);
/* True when the CPU's INTR should be raised (for the machine's checks). */
bool apic_intr_pending(APICState *s);

/* --- I/O APIC --- */
/* Registers its window in as; delivers on bus and receives its EOI broadcasts. */
IOAPICState *ioapic_new(AddressSpace *as, APICBus *bus, uint8_t id);
Device *ioapic_device(IOAPICState *s);
/* Input pin n (0..23) as an IRQ line; level 1 means asserted (the entry's
 * polarity bit describes the wire and is stored only, as in QEMU). */
IRQ ioapic_irq(IOAPICState *s, int n);
/* EOI for vector (the local APIC's broadcast): clears Remote IRR of matching
 * level-triggered entries and redelivers those whose input is still asserted. */
void ioapic_eoi(IOAPICState *s, int vector);

/* --- HPET --- */
/* irqs[n], n < 24: the machine's interrupt line n — for n < 16 the ISA IRQ n
 * (8259 input n and the I/O APIC input it is wired to: ISA IRQ 0 reaches I/O
 * APIC pin 2), for n >= 16 I/O APIC pin n. In LegacyReplacement mode timer 0
 * drives irqs[0] and timer 1 irqs[8]; otherwise timer n drives the input its
 * Tn_INT_ROUTE_CNF selects (allowed: 20..23). legacy_out is 1 while
 * LegacyReplacement routing is on: the machine then cuts the PIT's IRQ 0 and the
 * RTC's IRQ 8. */
HPETState *hpet_new(AddressSpace *as, MainLoop *ml, const IRQ irqs[24], IRQ legacy_out);
Device *hpet_device(HPETState *s);

#endif
