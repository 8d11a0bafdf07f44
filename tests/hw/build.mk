# Unit tests of the interrupt controllers and timers, on fake memory and clock
# (run by tests/check-hw-apic.sh).
TEST_PROGS += tests/hw/apic-test
tests/hw/apic-test: tests/hw/apic-test.o tests/hw/apic-fake.o hw/apic.o hw/ioapic.o hw/hpet.o
	$(LINK)
TEST_PROGS += tests/hw/apic-qtest
tests/hw/apic-qtest: tests/hw/apic-qtest.o tests/hw/apic-fake.o hw/apic.o hw/ioapic.o hw/hpet.o
	$(LINK)
