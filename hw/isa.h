/*
 * The PC's ISA devices: the two cascaded 8259A interrupt controllers, the 8254
 * interval timer (with port 0x61), the MC146818 RTC/CMOS, 16550A UARTs, the
 * 8042 keyboard controller, port 0x92 (fast A20 and reset) and QEMU's
 * isa-debug-exit. One file per device in hw/; every connection is explicit.
 *
 * Every X *x_new(...) returns a state whose first member is a Device (hw/device.h):
 * the machine casts the pointer to Device * to put it on its list, reset, save
 * and free it. Constructors register their I/O ports themselves.
 *
 * Specs: Intel 8259A and 8254/82C54 data sheets, Motorola MC146818 data sheet,
 * National NS16550A data sheet, IBM PC/AT Technical Reference (8042, port 0x61).
 */
#ifndef HW_ISA_H
#define HW_ISA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/irq.h"
#include "system/memory.h"
#include "system/main-loop.h"
#include "system/char.h"

/* --- 8259A pair: master at 0x20/0x21, slave at 0xa0/0xa1 cascaded on IRQ 2,
 * ELCR (edge/level control) at 0x4d0/0x4d1. intr is the INTR pin to the CPU
 * (or the local APIC's LINT0). */
typedef struct PICState PICState;
PICState *pic_new(IOSpace *io, IRQ intr);
/* The input line for ISA IRQ 0..15 (8..15 are the slave's inputs). */
IRQ pic_input(PICState *s, int irq);
/* The INTA cycle: the vector of the highest-priority pending request (marking it
 * in service unless auto-EOI), a spurious IRQ 7/15 vector when the request went
 * away, or -1 when INTR is not asserted. */
int pic_get_interrupt(PICState *s);
/* Current level of INTR (a request pending and unmasked). */
bool pic_intr_pending(PICState *s);
/* The monitor's info pic and info irq (rising edges per input since start). */
void pic_info(PICState *s, FILE *out);
void pic_irq_stats(PICState *s, FILE *out);

/* --- 8254 PIT at 0x40-0x43, input clock 1.193182 MHz, plus port 0x61 (speaker
 * gate = channel 2 gate bit 0, speaker data bit 1, refresh toggle bit 4,
 * channel 2 output bit 5). Channel 0's output drives irq0. */
typedef struct PITState PITState;
#define PIT_FREQ 1193182
PITState *pit_new(IOSpace *io, MainLoop *ml, IRQ irq0);
/* The HPET's legacy replacement mode stops the PIT from driving IRQ 0. */
void pit_set_irq_enabled(PITState *s, bool enabled);

/* --- MC146818 RTC and 128-byte CMOS at 0x70 (index, bit 7 = NMI disable) and
 * 0x71 (data). Time starts from the host's clock (UTC) and then follows the
 * main loop's clock. Interrupts (periodic, alarm, update-ended) on irq8. */
typedef struct RTCState RTCState;
RTCState *rtc_new(IOSpace *io, MainLoop *ml, IRQ irq8);
/* Raw NVRAM access for the machine and firmware set-up; addr 0..127. Addresses
 * 0x00-0x0d are the clock registers (reads give the current time). */
uint8_t rtc_cmos_read(RTCState *s, int addr);
void rtc_cmos_write(RTCState *s, int addr, uint8_t val);
/* Recomputes the standard checksum of bytes 0x10-0x2d into 0x2e (high) and 0x2f. */
void rtc_cmos_update_checksum(RTCState *s);
/* Stores the memory sizes the BIOS expects: 0x15-0x16 base KiB (640), 0x17-0x18
 * and 0x30-0x31 extended KiB above 1 MiB (max 0xffff), 0x34-0x35 64 KiB units
 * above 16 MiB below 4 GiB, 0x5b-0x5d 64 KiB units above 4 GiB; then the checksum. */
void rtc_set_memory_size(RTCState *s, uint64_t below_4g, uint64_t above_4g);
/* Boot order as in -boot order=, letters a (floppy), c (disk), d (cd-rom), n
 * (network), up to 3: 0x3d holds the first two, 0x38 bits 7-4 the third. */
void rtc_set_boot_order(RTCState *s, const char *order);

/* --- NS16550A UART at base (0x3f8, 0x2f8, 0x3e8, 0x2e8), 8 ports, on irq.
 * chr may be NULL (no back end: output dropped, no input). */
typedef struct SerialState SerialState;
SerialState *serial_new(IOSpace *io, MainLoop *ml, uint16_t base, IRQ irq, CharDev *chr);

/* --- 8042 keyboard controller at 0x60 (data) and 0x64 (status/command).
 * set_a20(opaque, on) follows output port bit 1; the reset pulse (command 0xfe,
 * or output port bit 0 cleared) calls main_loop_request(ml, REQ_RESET, 0). */
typedef struct I8042State I8042State;
I8042State *i8042_new(IOSpace *io, MainLoop *ml, IRQ kbd_irq, IRQ mouse_irq,
                      void (*set_a20)(void *opaque, bool on), void *opaque);
/* A byte from the keyboard (a scan code in set 2; translated to set 1 when the
 * command byte asks). */
void i8042_keyboard_input(I8042State *s, uint8_t scancode);
/* Mouse movement (dy positive upward) and buttons (bit 0 left, 1 right, 2
 * middle): a 3-byte packet on the aux port when the guest enabled reporting. */
void i8042_mouse_event(I8042State *s, int dx, int dy, unsigned buttons);

/* --- Port 0x92 (System Control Port A): bit 1 fast A20, bit 0 reset pulse. */
typedef struct Port92State Port92State;
Port92State *port92_new(IOSpace *io, MainLoop *ml,
                        void (*set_a20)(void *opaque, bool on), void *opaque);

/* --- QEMU's isa-debug-exit (default iobase 0x501, iosize 2): writing v makes
 * the emulator exit with status (v << 1) | 1. */
typedef struct DebugExitState DebugExitState;
#define DEBUGEXIT_DEFAULT_IOBASE 0x501
#define DEBUGEXIT_DEFAULT_IOSIZE 2
DebugExitState *debugexit_new(IOSpace *io, MainLoop *ml, uint16_t iobase, uint16_t iosize);

#endif
