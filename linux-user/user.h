/*
 * Linux user mode: runs one x86-64 or i386 Linux program (static, or dynamically
 * linked with its interpreter) on the host
 * kernel. The guest's CPU is emulated through cpu_exec; its system calls are
 * translated to host system calls; its memory lives in the host process at
 * guest_base + guest address.
 *
 * This header is the interface between the files of linux-user/: the process
 * state, the guest ABIs, guest memory access, the ELF loader, the system call
 * tables and their handlers, and fault/signal handling.
 */
#ifndef LINUX_USER_USER_H
#define LINUX_USER_USER_H

#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "accel/tcg/exec.h"
#include "target-i386/cpu.h"

#define GUEST_PAGE_SIZE 4096ULL
#define GUEST_PAGE_MASK (~(GUEST_PAGE_SIZE - 1))
#define GUEST_PAGE_ALIGN(x) (((x) + GUEST_PAGE_SIZE - 1) & GUEST_PAGE_MASK)

typedef struct UserProcess UserProcess;

/* --- system call tables (one per ABI) --- */

/* How -strace prints an argument. */
enum SyscallArgKind {
    ARG_NONE,       /* not an argument: the call has fewer */
    ARG_INT,        /* signed decimal (of the ABI's word size) */
    ARG_HEX,        /* flags, masks */
    ARG_OCT,        /* file modes */
    ARG_PTR,        /* guest address */
    ARG_STR,        /* guest address of a NUL-terminated string */
};

typedef int64_t SyscallHandler(UserProcess *p, const uint64_t *args);

/* One system call's description, whatever its number in an ABI. */
typedef struct SyscallEntry {
    const char *name;
    SyscallHandler *handler;        /* NULL: unimplemented, returns -ENOSYS */
    uint8_t args[6];                /* enum SyscallArgKind */
} SyscallEntry;

/* The descriptions both ABIs share: syscall_openat, ... (syscall-defs.c) */
#define SYSCALL(name, handler, ...) extern const SyscallEntry syscall_##name;
#include "linux-user/syscall-defs.h"
#undef SYSCALL

/* Numbers 424 and up are the same on every Linux architecture (the kernel's
 * unified table since 5.1), so both ABI tables include this one list. */
#define SYSCALLS_UNIFIED \
    [424] = &syscall_pidfd_send_signal, \
    [425] = &syscall_io_uring_setup, \
    [426] = &syscall_io_uring_enter, \
    [427] = &syscall_io_uring_register, \
    [428] = &syscall_open_tree, \
    [429] = &syscall_move_mount, \
    [430] = &syscall_fsopen, \
    [431] = &syscall_fsconfig, \
    [432] = &syscall_fsmount, \
    [433] = &syscall_fspick, \
    [434] = &syscall_pidfd_open, \
    [435] = &syscall_clone3, \
    [436] = &syscall_close_range, \
    [437] = &syscall_openat2, \
    [438] = &syscall_pidfd_getfd, \
    [439] = &syscall_faccessat2, \
    [440] = &syscall_process_madvise, \
    [441] = &syscall_epoll_pwait2, \
    [442] = &syscall_mount_setattr, \
    [443] = &syscall_quotactl_fd, \
    [444] = &syscall_landlock_create_ruleset, \
    [445] = &syscall_landlock_add_rule, \
    [446] = &syscall_landlock_restrict_self, \
    [447] = &syscall_memfd_secret, \
    [448] = &syscall_process_mrelease, \
    [449] = &syscall_futex_waitv, \
    [450] = &syscall_set_mempolicy_home_node,

/* A description only one ABI's table uses, private to that table's file. */
#define SYSCALL_DESCRIPTION(ident, name, handler, ...) \
    static const SyscallEntry ident = { name, handler, { __VA_ARGS__ } }

typedef struct UserABI {
    const char *name;               /* "x86_64", "i386" (for messages) */
    const char *platform;           /* AT_PLATFORM (Linux: ELF_PLATFORM) */
    bool is64;
    uint16_t elf_machine;           /* EM_X86_64 or EM_386 */
    uint64_t address_space_end;     /* first guest address the guest can't map */
    const SyscallEntry *const *syscalls;  /* by number; NULL: no such call */
    unsigned nb_syscalls;
} UserABI;

extern const UserABI user_abi_x86_64;
extern const UserABI user_abi_i386;

/* Under binfmt_misc with the P flag: argv rewritten to the -0 form (argc
 * grows by one); *exec_fd: the AT_EXECFD descriptor of the O flag, or 0
 * (binfmt.c). */
char **binfmt_arguments(int *argc, char **argv, int *exec_fd);

/* The whole program: options, process set-up and the main loop. */
int user_main(const UserABI *abi, int argc, char **argv);

/* --- process state --- */

/* One guest signal action, as the guest's rt_sigaction set it. */
typedef struct GuestSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
} GuestSigaction;

#define GUEST_NSIG 65        /* signals 1..64 */

/* What the threads of one guest process share (thread.c): each thread has its
 * own UserProcess (a copy of its creator's), all point at one of these. */
typedef struct UserShared {
    /* the guest address space: mmap, munmap, mprotect, mremap, brk and the
     * bookkeeping behind them run one at a time (user_mem_lock) */
    pthread_mutex_t mem_lock;
    bool mem_valid;                 /* the copies below are the current ones */
    uint64_t brk_start, brk_current, brk_mapped_end, mmap_next;
    GuestSigaction sigactions[GUEST_NSIG];   /* signal actions are per process */
    int nb_threads;                 /* guest threads alive (atomic) */
    size_t env_size;                /* CPUX86State allocation, exit flag after it */
} UserShared;

struct UserProcess {
    const UserABI *abi;
    CPUX86State *env;
    CPUExec *cpu;
    TCGContext *tcg;

    /* guest memory: guest address a is host address guest_base + a */
    uintptr_t guest_base;
    uint64_t reserved_size;         /* i386: the reserved 4 GiB region; x86-64: 0 */
    uint64_t addr_guard;            /* i386: PROT_NONE bytes below and above it (mmap.c) */
    uint64_t brk_start;             /* end of the loaded image (page aligned) */
    uint64_t brk_current;           /* what brk returns */
    uint64_t brk_mapped_end;        /* pages up to here are mapped for the heap */
    uint64_t mmap_next;             /* where the next i386 allocation search starts */

    /* the program */
    char *exe_path;                 /* absolute guest path (/proc/self/exe) */
    char *emulator_path;            /* the host emulator binary, for execve */
    char **pass_options;            /* options handed on when the guest execs */
    int nb_pass_options;
    const char *ld_prefix;          /* -L / QUETZAL_LD_PREFIX: the guest sysroot, NULL: none */
    char path_buf[4][PATH_MAX];     /* guest_path's results under ld_prefix (a ring) */
    unsigned path_next;

    /* what /proc/self shows of the guest (procfs.c) */
    char *cmdline;                  /* argv strings, each NUL-terminated */
    size_t cmdline_len;
    uint8_t *auxv;                  /* the auxiliary vector in the guest's layout */
    size_t auxv_len;
    uint64_t stack_start, stack_end;    /* the guest stack mapping ([stack]) */
    uint64_t start_code, end_code;      /* the program's image (/proc/self/stat) */
    uint64_t start_stack;               /* the initial stack pointer (/proc/self/stat) */

    /* i386 TLS: the GDT the front end loads segment descriptors from */
    uint64_t gdt_addr;

    /* -strace and -d */
    bool strace;
    FILE *log;

    /* signals (signal.c): pending_signals is also set by the host signal
     * handler, so it is only changed with atomic operations */
    GuestSigaction *sigactions;     /* shared->sigactions */
    UserShared *shared;
    jmp_buf *thread_exit;           /* a created thread's way out (thread.c); NULL: main */
    uint64_t sigmask;
    uint64_t pending_signals;       /* bit sig-1: waiting for delivery */
    siginfo_t pending_info[GUEST_NSIG];   /* host (= x86-64) layout */
    uint64_t saved_sigmask;         /* rt_sigsuspend: the mask to go back to */
    bool restore_sigmask;           /* saved_sigmask is in effect after delivery */
    int syscall_restart;            /* SYSCALL_RESTART_* for the call just made */
    volatile int signal_flag;       /* set by the host handler (safe-syscall.c) */
    bool syscall_not_started;       /* a safe_syscall gave way to a signal */
    uint64_t syscall_nr;            /* the number of the call just made */
    uint64_t sigaltstack[3];        /* ss_sp, ss_flags, ss_size as the guest set them */
    uint64_t clear_child_tid;
    int fault_signal;               /* host signal behind the last EXCP0E_PAGE */
    /* the fault a queued synchronous signal came from: sigcontext's trapno,
     * err and cr2 (cleared once a frame has them) */
    uint64_t fault_trapno, fault_err, fault_cr2;
    uint64_t sigtramp;              /* i386: page with the sigreturn trampolines, 0: none yet */
    void *alt_stack;                /* host stack for the fault handler */
    uint64_t signalfd_mask;         /* signals some signalfd waits for (syscall-fdext.c) */
    struct UserIPC *ipc;            /* SysV shared memory attached (syscall-ipc.c) */
    struct GuestReserve *reserve;   /* x86-64 PROT_NONE reservations (mmap-reserve.c) */
    int exec_fd;                    /* binfmt_misc O/C: the program, opened; 0: none */
};

/* --- threads (thread.c) --- */

/* The process-wide state and the first thread's CPU state (with its exit flag
 * after it, see cpu_exec_enable_threads); exits on failure. */
UserShared *user_shared_new(void);
CPUX86State *user_env_new(UserShared *shared);
/* clone with CLONE_VM (a thread): the new thread's tid or -errno. */
int64_t user_clone_thread(UserProcess *p, uint64_t flags, uint64_t newsp,
                          uint64_t parent_tid, uint64_t child_tid, uint64_t tls);
/* exit of one thread (CLONE_CHILD_CLEARTID is honoured); the last one ends the process. */
void user_thread_exit(UserProcess *p, int code) __attribute__((noreturn));
/* fork from any thread: no lock of the emulator stays taken in the child,
 * where the caller is the only thread */
void user_fork_prepare(UserProcess *p);
void user_fork_parent(UserProcess *p);
void user_fork_child(UserProcess *p);
/* The guest's address space calls run one at a time (syscall.c takes it). */
void user_mem_lock(UserProcess *p);
void user_mem_unlock(UserProcess *p);
/* The main loop (main.c): runs the guest thread p until it exits. */
void user_cpu_loop(UserProcess *p) __attribute__((noreturn));
/* i386: a new thread's GDT (a copy of its creator's), with the CLONE_SETTLS
 * descriptor at tls_desc when nonzero (gdt.c). -errno or 0. */
int64_t gdt_thread_init(UserProcess *child, uint64_t tls_desc);
void gdt_thread_exit(UserProcess *p);      /* unmaps a thread's GDT */
/* Host signal handling for a new host thread, and its end (signal.c). */
void user_signals_thread_init(UserProcess *p);
void user_signals_thread_exit(UserProcess *p);

/* --- guest memory (mmap.c) --- */

static inline void *guest_to_host(const UserProcess *p, uint64_t guest_addr)
{
    return (void *)(p->guest_base + (uintptr_t)guest_addr);
}

static inline uint64_t host_to_guest(const UserProcess *p, const void *host)
{
    return (uint64_t)((uintptr_t)host - p->guest_base);
}

/* Sets up the address space (i386: reserves the 4 GiB region). false + message on error. */
bool guest_memory_init(UserProcess *p);
/* i386: maps the GDT into guest memory and points env->gdt at it (gdt.c). */
bool gdt_init(UserProcess *p);
/* Host pointer for guest [addr, addr+len) when the guest may access it
 * (access: PAGE_READ or PAGE_WRITE; for PAGE_WRITE, code pages are unprotected);
 * NULL when not. len 0 is always allowed (never NULL then, even for address 0). */
void *guest_ptr(UserProcess *p, uint64_t addr, uint64_t len, int access);
/* Host pointer to a readable NUL-terminated guest string; NULL when not. */
const char *guest_string(UserProcess *p, uint64_t addr);
/* Copies between guest and host memory; false when the guest range is bad. */
bool copy_from_guest(UserProcess *p, void *dst, uint64_t addr, uint64_t len);
bool copy_to_guest(UserProcess *p, uint64_t addr, const void *src, uint64_t len);
/* A free guest range of len bytes (page aligned), near hint, for a fixed
 * mapping right after; 0 when none. */
uint64_t guest_find_free(UserProcess *p, uint64_t len, uint64_t hint);
/* A fixed mapping may go to guest [addr, addr+len): in the guest's space, and
 * over guest pages or free ones only, never the emulator's. */
bool guest_range_replaceable(UserProcess *p, uint64_t addr, uint64_t len);
/* The guest's memory calls; they return the guest address or -errno. */
int64_t target_mmap(UserProcess *p, uint64_t addr, uint64_t len, int prot, int flags,
                    int fd, uint64_t offset);
int64_t target_munmap(UserProcess *p, uint64_t addr, uint64_t len);
int64_t target_mprotect(UserProcess *p, uint64_t addr, uint64_t len, int prot);
int64_t target_mremap(UserProcess *p, uint64_t old_addr, uint64_t old_len,
                      uint64_t new_len, int flags, uint64_t new_addr);
uint64_t target_brk(UserProcess *p, uint64_t new_brk);
/* x86-64 reservations: large anonymous PROT_NONE ranges without page flags
 * (mmap-reserve.c). add records [start, end); cut takes [start, end) out;
 * next gives the first reserved part of [addr, end), false when none. */
bool guest_reserve_add(UserProcess *p, uint64_t start, uint64_t end);
void guest_reserve_cut(UserProcess *p, uint64_t start, uint64_t end);
bool guest_reserve_next(UserProcess *p, uint64_t addr, uint64_t end, uint64_t *rstart,
                        uint64_t *rend);
/* Page flags for a PROT_* combination. */
int page_flags_from_prot(int prot);

/* --- program loading (elfload.c, stack.c) --- */

typedef struct LoadedImage {
    uint64_t entry;                 /* guest entry point (with load bias) */
    uint64_t load_bias;             /* 0 for ET_EXEC */
    uint64_t phdr_addr;             /* guest address of the program headers */
    uint64_t phent, phnum;
    uint64_t image_end;             /* page-aligned end of the highest segment */
    uint64_t image_start;           /* start of the lowest segment (with load bias) */
    bool exec_stack;                /* PT_GNU_STACK asks for an executable stack */
    uint64_t start;                 /* first instruction: the interpreter's entry, or entry */
    uint64_t interp_base;           /* AT_BASE: the interpreter's load bias, 0: none */
} LoadedImage;

/* Loads the ELF program at path and, when it has PT_INTERP, its interpreter
 * (under the -L prefix first). On error prints one line
 * "PROG: PATH: reason" to stderr and returns false. */
bool elf_load(UserProcess *p, const char *path, LoadedImage *image);

typedef struct StackSetup {
    uint64_t stack_size;
    int argc;
    char **argv;                    /* guest argv (argv[0] possibly from -0) */
    char **envp;
    const char *execfn;             /* AT_EXECFN: the path as given */
} StackSetup;

/* Maps the guest stack and writes argv, envp and the auxiliary vector (System V
 * psABI, "Process Initialization"). Returns the initial stack pointer, 0 on error. */
uint64_t stack_setup(UserProcess *p, const LoadedImage *image, const StackSetup *setup);

/* --- paths and the guest's /proc (path.c, procfs.c) --- */

/* The host path for guest path: PREFIX/path when the guest has a prefix (-L),
 * path is absolute and PREFIX/path exists (as qemu-user does); else path. */
const char *user_prefix_path(UserProcess *p, const char *path, char *buf, size_t size);
/* For /proc/self/FILE, /proc/thread-self/FILE or /proc/OURPID/FILE: FILE;
 * NULL for every other path. */
const char *procfs_self_file(const char *path);
/* open/openat of a /proc file that must describe the guest (/proc/self/maps,
 * cmdline, auxv, and /proc/PID/... of our own pid; /proc/cpuinfo): a descriptor with
 * the guest's view, or -errno; 0 when path is no such file. */
int64_t procfs_open(UserProcess *p, int dirfd, const char *path, int flags);
/* /proc/cpuinfo of the emulated CPU (cpuinfo.c). */
void procfs_write_cpuinfo(UserProcess *p, FILE *out);
/* The host's /proc/PID/cmdline (what other processes see) shows the guest's
 * argv: written over the emulator's argument strings host_argv[0..host_argc). */
void procfs_set_host_cmdline(char **host_argv, int host_argc, int argc, char **argv);

/* --- system calls (syscall.c and syscall-*.c) --- */

/* Runs system call nr with its six arguments; returns the value for rax/eax. */
int64_t do_syscall(UserProcess *p, uint64_t nr, const uint64_t *args);
/* -strace: the line before the call (into buf) and the result after it. */
void strace_format_call(UserProcess *p, const SyscallEntry *entry, uint64_t nr,
                        const uint64_t *args, char *buf, size_t size);
void strace_print_result(UserProcess *p, const char *call, int64_t ret);

/* Handlers, by group. Each takes the raw argument words of its ABI. */
#define SYSCALL_HANDLER(name) int64_t sys_##name(UserProcess *p, const uint64_t *args)
/* files and descriptors (syscall-file.c) */
SYSCALL_HANDLER(read); SYSCALL_HANDLER(write); SYSCALL_HANDLER(pread64);
SYSCALL_HANDLER(pwrite64); SYSCALL_HANDLER(readv); SYSCALL_HANDLER(writev);
SYSCALL_HANDLER(open); SYSCALL_HANDLER(openat); SYSCALL_HANDLER(close);
SYSCALL_HANDLER(lseek); SYSCALL_HANDLER(llseek); SYSCALL_HANDLER(access);
SYSCALL_HANDLER(faccessat); SYSCALL_HANDLER(faccessat2);
SYSCALL_HANDLER(getcwd); SYSCALL_HANDLER(chdir);
SYSCALL_HANDLER(fchdir); SYSCALL_HANDLER(mkdir); SYSCALL_HANDLER(mkdirat);
SYSCALL_HANDLER(rmdir); SYSCALL_HANDLER(unlink); SYSCALL_HANDLER(unlinkat);
SYSCALL_HANDLER(rename); SYSCALL_HANDLER(renameat); SYSCALL_HANDLER(renameat2);
SYSCALL_HANDLER(link); SYSCALL_HANDLER(linkat); SYSCALL_HANDLER(symlink);
SYSCALL_HANDLER(symlinkat); SYSCALL_HANDLER(readlink); SYSCALL_HANDLER(readlinkat);
SYSCALL_HANDLER(chmod); SYSCALL_HANDLER(fchmod); SYSCALL_HANDLER(fchmodat);
SYSCALL_HANDLER(chown); SYSCALL_HANDLER(fchown); SYSCALL_HANDLER(lchown);
SYSCALL_HANDLER(fchownat); SYSCALL_HANDLER(getdents64); SYSCALL_HANDLER(dup);
SYSCALL_HANDLER(dup2); SYSCALL_HANDLER(dup3); SYSCALL_HANDLER(pipe);
SYSCALL_HANDLER(pipe2); SYSCALL_HANDLER(fcntl); SYSCALL_HANDLER(ioctl);
SYSCALL_HANDLER(umask); SYSCALL_HANDLER(fsync); SYSCALL_HANDLER(fdatasync);
SYSCALL_HANDLER(sync); SYSCALL_HANDLER(truncate); SYSCALL_HANDLER(ftruncate);
SYSCALL_HANDLER(truncate64); SYSCALL_HANDLER(ftruncate64); SYSCALL_HANDLER(poll);
SYSCALL_HANDLER(sendfile); SYSCALL_HANDLER(sendfile64); SYSCALL_HANDLER(flock);
SYSCALL_HANDLER(mknod); SYSCALL_HANDLER(fadvise64); SYSCALL_HANDLER(select);
SYSCALL_HANDLER(pselect6); SYSCALL_HANDLER(pselect6_time64); SYSCALL_HANDLER(ppoll);
SYSCALL_HANDLER(ppoll_time64); SYSCALL_HANDLER(epoll_create); SYSCALL_HANDLER(epoll_create1);
SYSCALL_HANDLER(epoll_ctl); SYSCALL_HANDLER(epoll_wait); SYSCALL_HANDLER(eventfd);
SYSCALL_HANDLER(eventfd2); SYSCALL_HANDLER(memfd_create); SYSCALL_HANDLER(fallocate);
SYSCALL_HANDLER(copy_file_range); SYSCALL_HANDLER(close_range);
SYSCALL_HANDLER(preadv); SYSCALL_HANDLER(pwritev); SYSCALL_HANDLER(creat);
SYSCALL_HANDLER(chroot); SYSCALL_HANDLER(mknodat);
/* sockets (syscall-socket.c) */
SYSCALL_HANDLER(socket); SYSCALL_HANDLER(socketpair); SYSCALL_HANDLER(bind);
SYSCALL_HANDLER(connect); SYSCALL_HANDLER(listen); SYSCALL_HANDLER(accept);
SYSCALL_HANDLER(accept4); SYSCALL_HANDLER(getsockname); SYSCALL_HANDLER(getpeername);
SYSCALL_HANDLER(sendto); SYSCALL_HANDLER(recvfrom); SYSCALL_HANDLER(shutdown);
SYSCALL_HANDLER(setsockopt); SYSCALL_HANDLER(getsockopt); SYSCALL_HANDLER(sendmsg);
SYSCALL_HANDLER(recvmsg); SYSCALL_HANDLER(socketcall);
/* file status (syscall-stat.c) */
SYSCALL_HANDLER(stat); SYSCALL_HANDLER(lstat); SYSCALL_HANDLER(fstat);
SYSCALL_HANDLER(newfstatat); SYSCALL_HANDLER(stat64); SYSCALL_HANDLER(lstat64);
SYSCALL_HANDLER(fstat64); SYSCALL_HANDLER(fstatat64); SYSCALL_HANDLER(statx);
SYSCALL_HANDLER(statfs); SYSCALL_HANDLER(fstatfs); SYSCALL_HANDLER(utimensat);
SYSCALL_HANDLER(utimensat_time64); SYSCALL_HANDLER(stat32); SYSCALL_HANDLER(lstat32);
SYSCALL_HANDLER(fstat32);
/* processes, identity, limits, signals (syscall-proc.c) */
SYSCALL_HANDLER(exit); SYSCALL_HANDLER(exit_group); SYSCALL_HANDLER(getpid);
SYSCALL_HANDLER(getppid); SYSCALL_HANDLER(gettid); SYSCALL_HANDLER(getuid);
SYSCALL_HANDLER(geteuid); SYSCALL_HANDLER(getgid); SYSCALL_HANDLER(getegid);
SYSCALL_HANDLER(getgroups); SYSCALL_HANDLER(setuid); SYSCALL_HANDLER(setgid);
SYSCALL_HANDLER(getpgrp); SYSCALL_HANDLER(getpgid); SYSCALL_HANDLER(setpgid);
SYSCALL_HANDLER(setsid); SYSCALL_HANDLER(getsid); SYSCALL_HANDLER(fork);
SYSCALL_HANDLER(vfork); SYSCALL_HANDLER(clone); SYSCALL_HANDLER(clone3); SYSCALL_HANDLER(wait4);
SYSCALL_HANDLER(waitpid); SYSCALL_HANDLER(execve); SYSCALL_HANDLER(kill);
SYSCALL_HANDLER(tkill); SYSCALL_HANDLER(tgkill); SYSCALL_HANDLER(uname);
SYSCALL_HANDLER(sysinfo); SYSCALL_HANDLER(prlimit64); SYSCALL_HANDLER(getrlimit);
SYSCALL_HANDLER(setrlimit); SYSCALL_HANDLER(getrusage); SYSCALL_HANDLER(times);
SYSCALL_HANDLER(arch_prctl); SYSCALL_HANDLER(set_thread_area);
SYSCALL_HANDLER(get_thread_area); SYSCALL_HANDLER(set_tid_address);
SYSCALL_HANDLER(set_robust_list); SYSCALL_HANDLER(getrandom);
SYSCALL_HANDLER(sched_getaffinity); SYSCALL_HANDLER(sched_yield);
SYSCALL_HANDLER(getpriority); SYSCALL_HANDLER(setpriority); SYSCALL_HANDLER(prctl);
SYSCALL_HANDLER(futex); SYSCALL_HANDLER(futex_time64); SYSCALL_HANDLER(rt_sigaction); SYSCALL_HANDLER(rt_sigprocmask);
SYSCALL_HANDLER(sigaltstack); SYSCALL_HANDLER(alarm); SYSCALL_HANDLER(pause);
SYSCALL_HANDLER(rt_sigpending);
/* signals (syscall-signal.c) */
SYSCALL_HANDLER(rt_sigsuspend); SYSCALL_HANDLER(sigsuspend); SYSCALL_HANDLER(rt_sigtimedwait);
SYSCALL_HANDLER(rt_sigtimedwait_time64); SYSCALL_HANDLER(rt_sigqueueinfo);
SYSCALL_HANDLER(rt_tgsigqueueinfo); SYSCALL_HANDLER(rt_sigreturn); SYSCALL_HANDLER(sigreturn);
SYSCALL_HANDLER(signal); SYSCALL_HANDLER(sigaction); SYSCALL_HANDLER(sigprocmask);
SYSCALL_HANDLER(sigpending); SYSCALL_HANDLER(sgetmask); SYSCALL_HANDLER(ssetmask);
SYSCALL_HANDLER(getresuid); SYSCALL_HANDLER(getresgid); SYSCALL_HANDLER(setresuid);
SYSCALL_HANDLER(setresgid); SYSCALL_HANDLER(setreuid); SYSCALL_HANDLER(setregid);
SYSCALL_HANDLER(setgroups); SYSCALL_HANDLER(personality); SYSCALL_HANDLER(getcpu);
SYSCALL_HANDLER(sched_setaffinity); SYSCALL_HANDLER(sched_getscheduler);
SYSCALL_HANDLER(sched_getparam); SYSCALL_HANDLER(waitid);
SYSCALL_HANDLER(sched_get_priority_max); SYSCALL_HANDLER(sched_get_priority_min);
/* time (syscall-time.c) */
SYSCALL_HANDLER(clock_gettime); SYSCALL_HANDLER(clock_gettime64);
SYSCALL_HANDLER(clock_getres); SYSCALL_HANDLER(clock_getres_time64);
SYSCALL_HANDLER(gettimeofday); SYSCALL_HANDLER(time); SYSCALL_HANDLER(nanosleep);
SYSCALL_HANDLER(clock_nanosleep); SYSCALL_HANDLER(clock_nanosleep_time64);
SYSCALL_HANDLER(setitimer); SYSCALL_HANDLER(getitimer); SYSCALL_HANDLER(timer_create);
SYSCALL_HANDLER(timer_settime); SYSCALL_HANDLER(timer_settime64); SYSCALL_HANDLER(timer_gettime);
SYSCALL_HANDLER(timer_gettime64); SYSCALL_HANDLER(timer_getoverrun); SYSCALL_HANDLER(timer_delete);
/* extended attributes (syscall-xattr.c) */
SYSCALL_HANDLER(setxattr); SYSCALL_HANDLER(lsetxattr); SYSCALL_HANDLER(fsetxattr);
SYSCALL_HANDLER(getxattr); SYSCALL_HANDLER(lgetxattr); SYSCALL_HANDLER(fgetxattr);
SYSCALL_HANDLER(listxattr); SYSCALL_HANDLER(llistxattr); SYSCALL_HANDLER(flistxattr);
SYSCALL_HANDLER(removexattr); SYSCALL_HANDLER(lremovexattr); SYSCALL_HANDLER(fremovexattr);
/* memory (mmap.c) */
SYSCALL_HANDLER(brk); SYSCALL_HANDLER(mmap); SYSCALL_HANDLER(mmap2);
SYSCALL_HANDLER(old_mmap); SYSCALL_HANDLER(munmap); SYSCALL_HANDLER(mprotect);
SYSCALL_HANDLER(mremap); SYSCALL_HANDLER(madvise); SYSCALL_HANDLER(msync);
SYSCALL_HANDLER(mlock); SYSCALL_HANDLER(munlock); SYSCALL_HANDLER(mincore);
/* event descriptors, splice, vectored I/O with flags, mlockall (syscall-fdext.c) */
SYSCALL_HANDLER(timerfd_create); SYSCALL_HANDLER(timerfd_settime);
SYSCALL_HANDLER(timerfd_settime64); SYSCALL_HANDLER(timerfd_gettime);
SYSCALL_HANDLER(timerfd_gettime64); SYSCALL_HANDLER(signalfd); SYSCALL_HANDLER(signalfd4);
SYSCALL_HANDLER(inotify_init); SYSCALL_HANDLER(inotify_init1);
SYSCALL_HANDLER(inotify_add_watch); SYSCALL_HANDLER(inotify_rm_watch);
SYSCALL_HANDLER(epoll_pwait); SYSCALL_HANDLER(epoll_pwait2); SYSCALL_HANDLER(splice);
SYSCALL_HANDLER(tee); SYSCALL_HANDLER(vmsplice); SYSCALL_HANDLER(preadv2);
SYSCALL_HANDLER(pwritev2); SYSCALL_HANDLER(mlockall); SYSCALL_HANDLER(munlockall);
/* SysV IPC (syscall-ipc.c) */
SYSCALL_HANDLER(shmget); SYSCALL_HANDLER(shmat); SYSCALL_HANDLER(shmdt);
SYSCALL_HANDLER(shmctl); SYSCALL_HANDLER(semget); SYSCALL_HANDLER(semop);
SYSCALL_HANDLER(semtimedop); SYSCALL_HANDLER(semtimedop_time64); SYSCALL_HANDLER(semctl);
SYSCALL_HANDLER(msgget); SYSCALL_HANDLER(msgsnd); SYSCALL_HANDLER(msgrcv);
SYSCALL_HANDLER(msgctl); SYSCALL_HANDLER(ipc);

/* Helpers shared by the handlers. */
/* The ABI's signed int argument (i386 arguments are 32 bits). */
static inline int32_t arg_int(const uint64_t *args, int i) { return (int32_t)args[i]; }
/* A signed long argument: 64 bits on x86-64, sign-extended 32 on i386. */
int64_t arg_long(const UserProcess *p, const uint64_t *args, int i);
/* -errno from a host call result (-1 / errno convention). */
static inline int64_t host_result(int64_t ret)
{
    return ret < 0 ? -(int64_t)errno : ret;
}
/* The host iovec array for a guest one (free() it); NULL and *error on failure. */
struct iovec *guest_iovec(UserProcess *p, uint64_t addr, int count, int access,
                          int64_t *error);
/* struct timespec in the guest: 64-bit fields (x86-64, i386 *_time64 calls)
 * or 32-bit ones (syscall-time.c); false on a bad address. */
struct timespec;
bool timespec_to_guest(UserProcess *p, uint64_t addr, const struct timespec *ts, bool time64);
bool timespec_from_guest(UserProcess *p, struct timespec *ts, uint64_t addr, bool time64);
/* struct itimerspec: it_interval then it_value, two timespecs of the ABI */
struct itimerspec;
bool itimerspec_from_guest(UserProcess *p, struct itimerspec *it, uint64_t addr, bool time64);
bool itimerspec_to_guest(UserProcess *p, uint64_t addr, const struct itimerspec *it,
                         bool time64);
/* A blocking host system call that gives way to a guest signal come before
 * it started (safe-syscall.c): the kernel's result (value or -errno); -EINTR
 * with p->syscall_not_started when it did not start. Pointers cast to long. */
int64_t safe_syscall_args(UserProcess *p, long nr, const long a[6]);
#define SAFE_SYSCALL(p, nr, ...) safe_syscall_args(p, nr, (const long[6]){ __VA_ARGS__ })
/* The host handler's part: a thread about to make a safe system call is
 * sent to its "not started" exit. */
void safe_syscall_check_pc(void *context);
/* The host path for a guest path (maps /proc/self/exe to the guest program). */
const char *guest_path(UserProcess *p, uint64_t addr, int64_t *error);

/* A fetch fault at an x86-64 vsyscall entry: the call is made and the guest
 * returns to its caller; false for every other fault (vsyscall.c). */
bool vsyscall_emulate(UserProcess *p, int exception);

/* --- faults and signals (signal.c, sigframe.c) --- */

/* What happens to a system call that returned -EINTR because of a signal
 * (signal(7), "Interruption of system calls and library functions"). */
enum {
    SYSCALL_RESTART_NONE,       /* the guest sees -EINTR */
    SYSCALL_RESTART_SA,         /* restarted when the handler has SA_RESTART */
    SYSCALL_RESTART_ALWAYS,     /* not started yet: always re-executed */
};

/* Installs the host SIGSEGV/SIGBUS handler for this process and takes over the
 * signal mask and ignored signals inherited through execve. */
void user_signals_init(UserProcess *p);
/* Undoes user_signals_init (before the process state is freed). */
void user_signals_cleanup(UserProcess *p);
/* Ends the emulator the way sig would end the guest: flushes stdio, makes no core
 * file, and raises sig with its default action. */
void user_die_with_signal(UserProcess *p, int sig) __attribute__((noreturn));
/* The guest sets a signal's action: the host action follows (SIG_IGN, SIG_DFL,
 * or the emulator's handler that queues the signal for the guest). */
void user_apply_sigaction(UserProcess *p, int sig);
/* The host signal mask follows p->sigmask (after every change of it). */
void user_sync_host_mask(UserProcess *p);
/* The host sigset of a guest mask (signals the emulator keeps are left out). */
void user_host_sigset(uint64_t mask, sigset_t *set);
/* A signal the guest sends itself (kill/tgkill/raise/rt_sigqueueinfo): queued
 * with info (NULL: made from code, SI_USER or SI_TKILL). */
void user_signal_self(UserProcess *p, int sig, const siginfo_t *info, int code);
/* A guest fault (x86 exception) raised sig: queued for the guest's handler
 * with its si_code and si_addr, or, when the guest has none or blocks it, the
 * end of the guest (Linux force_sig_fault). */
void user_signal_fault(UserProcess *p, int sig, int exception);
/* A call with a signal mask for its duration (ppoll, pselect6, like
 * rt_sigsuspend): begin sets mask (host version into *host) and keeps the
 * old one; end puts it back unless ret is -EINTR, when a handler's frame
 * saves it (user_deliver_signals). */
void user_call_mask_begin(UserProcess *p, uint64_t mask, sigset_t *host);
void user_call_mask_end(UserProcess *p, int64_t ret);
/* Pending signals the current mask lets through. */
uint64_t user_signals_deliverable(UserProcess *p);
/* Takes pending signal sig out of the queue; its info into *info. */
void user_signal_take(UserProcess *p, int sig, siginfo_t *info);
/* Signals of mask queued here that the guest blocks move to the host
 * kernel's queue, info and all (where a signalfd reads them). */
void user_signals_to_host(UserProcess *p, uint64_t mask);
/* execve keeps pending signals (execve(2)): those queued here move to the
 * host kernel's queue, where the next program finds them. */
void user_signals_before_exec(UserProcess *p);
/* Runs every deliverable signal's action: a guest handler gets a frame on the
 * guest stack, the rest end, stop or are ignored. Called by the main loop after
 * each system call and each return from cpu_exec. */
void user_deliver_signals(UserProcess *p);

/* Signal frames, laid out as Linux lays them out (sigframe.c). The frame for
 * a handler: false when the guest stack cannot take it. */
bool sigframe_setup(UserProcess *p, int sig, const GuestSigaction *act,
                    const siginfo_t *info, uint64_t saved_mask);
/* rt_sigreturn and i386 sigreturn: the state saved in the frame comes back;
 * the value is the restored rax/eax. */
int64_t sigframe_rt_return(UserProcess *p);
int64_t sigframe_return_i386(UserProcess *p);
/* A siginfo in the guest's layout (128 bytes), from the host one, and back. */
void siginfo_to_guest(const UserProcess *p, const siginfo_t *info, uint8_t out[128]);
void siginfo_from_guest(const UserProcess *p, const uint8_t in[128], siginfo_t *info);

#endif
