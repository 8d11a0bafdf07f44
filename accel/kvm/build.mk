# The KVM accelerator (/dev/kvm): linked into the system emulator only.
system-obj += accel/kvm/kvm.o accel/kvm/kvm-cpu.o accel/kvm/kvm-vcpu.o accel/kvm/kvm-state.o accel/kvm/kvm-dirty.o accel/kvm/kvm-irqchip.o accel/kvm/kvm-irqchip-state.o
