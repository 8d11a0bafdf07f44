# The KVM accelerator's unit test (tests/check-kvm.sh): dirty-page logging
# through accel/kvm/kvm.h with a real vCPU and a flat guest.
ifneq ($(strip $(cpu-obj)),)
TEST_PROGS += tests/kvm/dirty-test
endif
tests/kvm/dirty-test: tests/kvm/dirty-test.o $(filter accel/kvm/%,$(system-obj)) system/memory.o hw/device.o \
		libquetzal-cpu.a
	$(LINK)
