/*
 * Runs a script in QEMU's qtest protocol subset (readb/w/l/q ADDR,
 * writeb/w/l/q ADDR VALUE) against the I/O APIC and HPET on the fake bus and
 * answers like qtest ("OK" / "OK 0x%016x"). tests/check-hw-apic.sh compares the
 * answers with those QEMU 7.2 gave for the same script (tests/hw/apic-qtest-scripts/
 * *.expected, recorded with qemu-system-x86_64 -machine pc -qtest stdio).
 * Scripts keep the HPET counter halted: QEMU's qtest clock here is the host's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/apic.h"
#include "tests/hw/apic-fake.h"

static void ignore_line(void *o, int n, int level) { (void)o; (void)n; (void)level; }

int main(void)
{
    AddressSpace *as = address_space_new();
    MainLoop *ml = main_loop_new();
    APICBus *bus = apic_bus_new();
    IOAPICState *io = ioapic_new(as, bus, 0);
    IRQ lines[24];
    for (int i = 0; i < 24; i++) {
        lines[i] = irq_line(ignore_line, NULL, i);
    }
    HPETState *hpet = hpet_new(as, ml, lines, irq_line(ignore_line, NULL, 0));
    char line[256], op[16];
    unsigned long long addr, val;
    while (fgets(line, sizeof(line), stdin)) {
        int n = sscanf(line, "%15s %llx %llx", op, &addr, &val);
        size_t len = strlen(op);
        char c = len ? op[len - 1] : 0;
        unsigned size = c == 'b' ? 1 : c == 'w' ? 2 : c == 'l' ? 4 : c == 'q' ? 8 : 0;
        bool rd = len == 5 && !strncmp(op, "read", 4);
        bool wr = len == 6 && !strncmp(op, "write", 5);
        if (n >= 2 && size && rd) {
            printf("OK 0x%016llx\n", (unsigned long long)fake_mmio_read(as, addr, size));
        } else if (n == 3 && size && wr) {
            fake_mmio_write(as, addr, val, size);
            printf("OK\n");
        } else {
            printf("FAIL Unknown command '%s'\n", op);
        }
    }
    hpet_device(hpet)->ops->free(hpet);
    ioapic_device(io)->ops->free(io);
    apic_bus_free(bus);
    main_loop_free(ml);
    address_space_free(as);
    return 0;
}
