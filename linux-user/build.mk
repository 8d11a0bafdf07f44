# Linux user mode: one set of objects, two small mains choosing the ABI.
user-obj := linux-user/main.o linux-user/elfload.o linux-user/stack.o linux-user/mmap.o \
	linux-user/gdt.o linux-user/signal.o linux-user/syscall.o linux-user/strace.o \
	linux-user/syscall-file.o linux-user/syscall-stat.o linux-user/syscall-proc.o \
	linux-user/syscall-time.o linux-user/syscall-socket.o linux-user/syscall-defs.o \
	linux-user/syscall-signal.o linux-user/sigframe.o linux-user/safe-syscall.o \
	linux-user/syscall-x86_64.o linux-user/syscall-i386.o linux-user/path.o linux-user/procfs.o \
	linux-user/syscall-xattr.o linux-user/cpuinfo.o linux-user/syscall-fdext.o \
	linux-user/syscall-ipc.o linux-user/vsyscall.o linux-user/mmap-reserve.o \
	linux-user/binfmt.o \
	linux-user/thread.o linux-user/futex.o

PROGS += quetzal-x86_64 quetzal-i386

quetzal-x86_64: linux-user/main-x86_64.o $(user-obj) libquetzal-cpu.a
	$(LINK)
quetzal-i386: linux-user/main-i386.o $(user-obj) libquetzal-cpu.a
	$(LINK)
