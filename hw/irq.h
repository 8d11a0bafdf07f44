/*
 * Interrupt lines between devices: a device raises or lowers a line; whoever
 * receives it (an interrupt controller input, the CPU's INTR pin) set the handler.
 * Level-triggered semantics: irq_set(line, 1) then irq_set(line, 0) is a pulse.
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

typedef struct IRQ {
    void (*handler)(void *opaque, int n, int level);
    void *opaque;
    int n;                  /* which input of the receiver */
} IRQ;

static inline void irq_set(const IRQ *irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}
static inline void irq_raise(const IRQ *irq) { irq_set(irq, 1); }
static inline void irq_lower(const IRQ *irq) { irq_set(irq, 0); }
static inline void irq_pulse(const IRQ *irq) { irq_set(irq, 1); irq_set(irq, 0); }
static inline IRQ irq_line(void (*handler)(void *, int, int), void *opaque, int n)
{
    IRQ irq = { handler, opaque, n };
    return irq;
}

#endif
