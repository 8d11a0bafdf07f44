/*
 * The i386 Linux system call table (numbers: Linux
 * arch/x86/entry/syscalls/syscall_32.tbl), reached through INT 0x80.
 * Arguments arrive in ebx, ecx, edx, esi, edi, ebp; 64-bit values are split
 * over two arguments, low word first. Calls listed without a handler return
 * -ENOSYS but print their name under -strace (the 16-bit uid calls, for one:
 * glibc uses the *32 versions).
 *
 * Calls described the same way for x86-64 are in syscall-defs.h; this file
 * maps numbers to them and describes the rest.
 */
#include <elf.h>
#include <stddef.h>
#include "linux-user/user.h"

/*
 * Same names as shared calls, other descriptions here: the 16-bit uid and
 * gid calls and the old statfs, getrlimit and select (glibc uses chown32,
 * statfs64, ugetrlimit, _newselect, ...), the old struct stat, mmap taking
 * a pointer to its arguments, and 64-bit values split over two arguments.
 */
SYSCALL_DESCRIPTION(i386_lchown, "lchown", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setuid, "setuid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setgid, "setgid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setreuid, "setreuid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setregid, "setregid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_getrlimit, "getrlimit", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_getgroups, "getgroups", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setgroups, "setgroups", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_select, "select", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_mmap, "mmap", sys_old_mmap, ARG_PTR);
SYSCALL_DESCRIPTION(i386_fchown, "fchown", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_statfs, "statfs", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_fstatfs, "fstatfs", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_stat, "stat", sys_stat32, ARG_STR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_lstat, "lstat", sys_lstat32, ARG_STR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_fstat, "fstat", sys_fstat32, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_setresuid, "setresuid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_getresuid, "getresuid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setresgid, "setresgid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_getresgid, "getresgid", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_pread64, "pread64", sys_pread64,
                    ARG_INT, ARG_PTR, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_pwrite64, "pwrite64", sys_pwrite64,
                    ARG_INT, ARG_PTR, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_chown, "chown", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_fallocate, "fallocate", sys_fallocate,
                    ARG_INT, ARG_HEX, ARG_INT, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_arch_prctl, "arch_prctl", NULL, ARG_NONE);

/* Calls of i386 only. */
SYSCALL_DESCRIPTION(i386_waitpid, "waitpid", sys_waitpid, ARG_INT, ARG_PTR, ARG_HEX);
SYSCALL_DESCRIPTION(i386_break, "break", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_oldstat, "oldstat", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_umount, "umount", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_stime, "stime", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_oldfstat, "oldfstat", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_stty, "stty", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_gtty, "gtty", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_nice, "nice", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_ftime, "ftime", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_prof, "prof", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_signal, "signal", sys_signal, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_lock, "lock", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_mpx, "mpx", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_ulimit, "ulimit", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_oldolduname, "oldolduname", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_sigaction, "sigaction", sys_sigaction, ARG_INT, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_sgetmask, "sgetmask", sys_sgetmask, ARG_NONE);
SYSCALL_DESCRIPTION(i386_ssetmask, "ssetmask", sys_ssetmask, ARG_HEX);
SYSCALL_DESCRIPTION(i386_sigsuspend, "sigsuspend", sys_sigsuspend, ARG_INT, ARG_INT, ARG_HEX);
SYSCALL_DESCRIPTION(i386_sigpending, "sigpending", sys_sigpending, ARG_PTR);
SYSCALL_DESCRIPTION(i386_oldlstat, "oldlstat", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_readdir, "readdir", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_profil, "profil", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_socketcall, "socketcall", sys_socketcall, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_olduname, "olduname", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_idle, "idle", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_vm86old, "vm86old", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_ipc, "ipc", sys_ipc, ARG_INT, ARG_INT, ARG_INT, ARG_INT, ARG_PTR, ARG_INT);
SYSCALL_DESCRIPTION(i386_sigreturn, "sigreturn", sys_sigreturn, ARG_NONE);
SYSCALL_DESCRIPTION(i386_sigprocmask, "sigprocmask", sys_sigprocmask, ARG_INT, ARG_PTR,
                    ARG_PTR);
SYSCALL_DESCRIPTION(i386_bdflush, "bdflush", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386__llseek, "_llseek", sys_llseek,
                    ARG_INT, ARG_INT, ARG_INT, ARG_PTR, ARG_INT);
SYSCALL_DESCRIPTION(i386__newselect, "_newselect", sys_select,
                    ARG_INT, ARG_PTR, ARG_PTR, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_vm86, "vm86", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_ugetrlimit, "ugetrlimit", sys_getrlimit, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_mmap2, "mmap2", sys_mmap2,
                    ARG_PTR, ARG_INT, ARG_HEX, ARG_HEX, ARG_INT, ARG_HEX);
SYSCALL_DESCRIPTION(i386_truncate64, "truncate64", sys_truncate64, ARG_STR, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_ftruncate64, "ftruncate64", sys_ftruncate64, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_stat64, "stat64", sys_stat64, ARG_STR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_lstat64, "lstat64", sys_lstat64, ARG_STR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_fstat64, "fstat64", sys_fstat64, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_lchown32, "lchown32", sys_lchown, ARG_STR, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_getuid32, "getuid32", sys_getuid, ARG_NONE);
SYSCALL_DESCRIPTION(i386_getgid32, "getgid32", sys_getgid, ARG_NONE);
SYSCALL_DESCRIPTION(i386_geteuid32, "geteuid32", sys_geteuid, ARG_NONE);
SYSCALL_DESCRIPTION(i386_getegid32, "getegid32", sys_getegid, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setreuid32, "setreuid32", sys_setreuid, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_setregid32, "setregid32", sys_setregid, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_getgroups32, "getgroups32", sys_getgroups, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_setgroups32, "setgroups32", sys_setgroups, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_fchown32, "fchown32", sys_fchown, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_setresuid32, "setresuid32", sys_setresuid, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_getresuid32, "getresuid32", sys_getresuid, ARG_PTR, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_setresgid32, "setresgid32", sys_setresgid, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_getresgid32, "getresgid32", sys_getresgid, ARG_PTR, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_chown32, "chown32", sys_chown, ARG_STR, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_setuid32, "setuid32", sys_setuid, ARG_INT);
SYSCALL_DESCRIPTION(i386_setgid32, "setgid32", sys_setgid, ARG_INT);
SYSCALL_DESCRIPTION(i386_setfsuid32, "setfsuid32", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_setfsgid32, "setfsgid32", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_fcntl64, "fcntl64", sys_fcntl, ARG_INT, ARG_INT, ARG_HEX);
SYSCALL_DESCRIPTION(i386_sendfile64, "sendfile64", sys_sendfile64,
                    ARG_INT, ARG_INT, ARG_PTR, ARG_INT);
SYSCALL_DESCRIPTION(i386_statfs64, "statfs64", sys_statfs, ARG_STR, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_fstatfs64, "fstatfs64", sys_fstatfs, ARG_INT, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_fadvise64_64, "fadvise64_64", sys_fadvise64,
                    ARG_INT, ARG_INT, ARG_INT, ARG_INT, ARG_INT, ARG_INT);
SYSCALL_DESCRIPTION(i386_fstatat64, "fstatat64", sys_fstatat64, ARG_INT, ARG_STR, ARG_PTR, ARG_HEX);
SYSCALL_DESCRIPTION(i386_clock_gettime64, "clock_gettime64", sys_clock_gettime64, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_clock_settime64, "clock_settime64", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_clock_adjtime64, "clock_adjtime64", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_clock_getres_time64, "clock_getres_time64", sys_clock_getres_time64,
                    ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_clock_nanosleep_time64, "clock_nanosleep_time64",
                    sys_clock_nanosleep_time64, ARG_INT, ARG_HEX, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_timer_gettime64, "timer_gettime64", sys_timer_gettime64, ARG_INT,
                    ARG_PTR);
SYSCALL_DESCRIPTION(i386_timer_settime64, "timer_settime64", sys_timer_settime64, ARG_INT,
                    ARG_HEX, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_timerfd_gettime64, "timerfd_gettime64", sys_timerfd_gettime64, ARG_INT,
                    ARG_PTR);
SYSCALL_DESCRIPTION(i386_timerfd_settime64, "timerfd_settime64", sys_timerfd_settime64, ARG_INT,
                    ARG_HEX, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_utimensat_time64, "utimensat_time64", sys_utimensat_time64,
                    ARG_INT, ARG_STR, ARG_PTR, ARG_HEX);
SYSCALL_DESCRIPTION(i386_pselect6_time64, "pselect6_time64", sys_pselect6_time64,
                    ARG_INT, ARG_PTR, ARG_PTR, ARG_PTR, ARG_PTR, ARG_PTR);
SYSCALL_DESCRIPTION(i386_ppoll_time64, "ppoll_time64", sys_ppoll_time64,
                    ARG_PTR, ARG_INT, ARG_PTR, ARG_PTR, ARG_INT);
SYSCALL_DESCRIPTION(i386_io_pgetevents_time64, "io_pgetevents_time64", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_recvmmsg_time64, "recvmmsg_time64", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_mq_timedsend_time64, "mq_timedsend_time64", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_mq_timedreceive_time64, "mq_timedreceive_time64", NULL, ARG_NONE);
SYSCALL_DESCRIPTION(i386_semtimedop_time64, "semtimedop_time64", sys_semtimedop_time64, ARG_INT,
                    ARG_PTR, ARG_INT, ARG_PTR);
SYSCALL_DESCRIPTION(i386_rt_sigtimedwait_time64, "rt_sigtimedwait_time64",
                    sys_rt_sigtimedwait_time64, ARG_PTR, ARG_PTR, ARG_PTR, ARG_INT);
SYSCALL_DESCRIPTION(i386_futex_time64, "futex_time64", sys_futex_time64, ARG_PTR, ARG_INT,
                    ARG_INT, ARG_PTR, ARG_PTR, ARG_INT);
SYSCALL_DESCRIPTION(i386_sched_rr_get_interval_time64, "sched_rr_get_interval_time64", NULL,
                    ARG_NONE);

static const SyscallEntry *const i386_syscalls[] = {
    [0] = &syscall_restart_syscall,
    [1] = &syscall_exit,
    [2] = &syscall_fork,
    [3] = &syscall_read,
    [4] = &syscall_write,
    [5] = &syscall_open,
    [6] = &syscall_close,
    [7] = &i386_waitpid,
    [8] = &syscall_creat,
    [9] = &syscall_link,
    [10] = &syscall_unlink,
    [11] = &syscall_execve,
    [12] = &syscall_chdir,
    [13] = &syscall_time,
    [14] = &syscall_mknod,
    [15] = &syscall_chmod,
    [16] = &i386_lchown,
    [17] = &i386_break,
    [18] = &i386_oldstat,
    [19] = &syscall_lseek,
    [20] = &syscall_getpid,
    [21] = &syscall_mount,
    [22] = &i386_umount,
    [23] = &i386_setuid,
    [24] = &syscall_getuid,
    [25] = &i386_stime,
    [26] = &syscall_ptrace,
    [27] = &syscall_alarm,
    [28] = &i386_oldfstat,
    [29] = &syscall_pause,
    [30] = &syscall_utime,
    [31] = &i386_stty,
    [32] = &i386_gtty,
    [33] = &syscall_access,
    [34] = &i386_nice,
    [35] = &i386_ftime,
    [36] = &syscall_sync,
    [37] = &syscall_kill,
    [38] = &syscall_rename,
    [39] = &syscall_mkdir,
    [40] = &syscall_rmdir,
    [41] = &syscall_dup,
    [42] = &syscall_pipe,
    [43] = &syscall_times,
    [44] = &i386_prof,
    [45] = &syscall_brk,
    [46] = &i386_setgid,
    [47] = &syscall_getgid,
    [48] = &i386_signal,
    [49] = &syscall_geteuid,
    [50] = &syscall_getegid,
    [51] = &syscall_acct,
    [52] = &syscall_umount2,
    [53] = &i386_lock,
    [54] = &syscall_ioctl,
    [55] = &syscall_fcntl,
    [56] = &i386_mpx,
    [57] = &syscall_setpgid,
    [58] = &i386_ulimit,
    [59] = &i386_oldolduname,
    [60] = &syscall_umask,
    [61] = &syscall_chroot,
    [62] = &syscall_ustat,
    [63] = &syscall_dup2,
    [64] = &syscall_getppid,
    [65] = &syscall_getpgrp,
    [66] = &syscall_setsid,
    [67] = &i386_sigaction,
    [68] = &i386_sgetmask,
    [69] = &i386_ssetmask,
    [70] = &i386_setreuid,
    [71] = &i386_setregid,
    [72] = &i386_sigsuspend,
    [73] = &i386_sigpending,
    [74] = &syscall_sethostname,
    [75] = &syscall_setrlimit,
    [76] = &i386_getrlimit,
    [77] = &syscall_getrusage,
    [78] = &syscall_gettimeofday,
    [79] = &syscall_settimeofday,
    [80] = &i386_getgroups,
    [81] = &i386_setgroups,
    [82] = &i386_select,
    [83] = &syscall_symlink,
    [84] = &i386_oldlstat,
    [85] = &syscall_readlink,
    [86] = &syscall_uselib,
    [87] = &syscall_swapon,
    [88] = &syscall_reboot,
    [89] = &i386_readdir,
    [90] = &i386_mmap,
    [91] = &syscall_munmap,
    [92] = &syscall_truncate,
    [93] = &syscall_ftruncate,
    [94] = &syscall_fchmod,
    [95] = &i386_fchown,
    [96] = &syscall_getpriority,
    [97] = &syscall_setpriority,
    [98] = &i386_profil,
    [99] = &i386_statfs,
    [100] = &i386_fstatfs,
    [101] = &syscall_ioperm,
    [102] = &i386_socketcall,
    [103] = &syscall_syslog,
    [104] = &syscall_setitimer,
    [105] = &syscall_getitimer,
    [106] = &i386_stat,
    [107] = &i386_lstat,
    [108] = &i386_fstat,
    [109] = &i386_olduname,
    [110] = &syscall_iopl,
    [111] = &syscall_vhangup,
    [112] = &i386_idle,
    [113] = &i386_vm86old,
    [114] = &syscall_wait4,
    [115] = &syscall_swapoff,
    [116] = &syscall_sysinfo,
    [117] = &i386_ipc,
    [118] = &syscall_fsync,
    [119] = &i386_sigreturn,
    [120] = &syscall_clone,
    [121] = &syscall_setdomainname,
    [122] = &syscall_uname,
    [123] = &syscall_modify_ldt,
    [124] = &syscall_adjtimex,
    [125] = &syscall_mprotect,
    [126] = &i386_sigprocmask,
    [127] = &syscall_create_module,
    [128] = &syscall_init_module,
    [129] = &syscall_delete_module,
    [130] = &syscall_get_kernel_syms,
    [131] = &syscall_quotactl,
    [132] = &syscall_getpgid,
    [133] = &syscall_fchdir,
    [134] = &i386_bdflush,
    [135] = &syscall_sysfs,
    [136] = &syscall_personality,
    [137] = &syscall_afs_syscall,
    [138] = &syscall_setfsuid,
    [139] = &syscall_setfsgid,
    [140] = &i386__llseek,
    [141] = &syscall_getdents,
    [142] = &i386__newselect,
    [143] = &syscall_flock,
    [144] = &syscall_msync,
    [145] = &syscall_readv,
    [146] = &syscall_writev,
    [147] = &syscall_getsid,
    [148] = &syscall_fdatasync,
    [149] = &syscall__sysctl,
    [150] = &syscall_mlock,
    [151] = &syscall_munlock,
    [152] = &syscall_mlockall,
    [153] = &syscall_munlockall,
    [154] = &syscall_sched_setparam,
    [155] = &syscall_sched_getparam,
    [156] = &syscall_sched_setscheduler,
    [157] = &syscall_sched_getscheduler,
    [158] = &syscall_sched_yield,
    [159] = &syscall_sched_get_priority_max,
    [160] = &syscall_sched_get_priority_min,
    [161] = &syscall_sched_rr_get_interval,
    [162] = &syscall_nanosleep,
    [163] = &syscall_mremap,
    [164] = &i386_setresuid,
    [165] = &i386_getresuid,
    [166] = &i386_vm86,
    [167] = &syscall_query_module,
    [168] = &syscall_poll,
    [169] = &syscall_nfsservctl,
    [170] = &i386_setresgid,
    [171] = &i386_getresgid,
    [172] = &syscall_prctl,
    [173] = &syscall_rt_sigreturn,
    [174] = &syscall_rt_sigaction,
    [175] = &syscall_rt_sigprocmask,
    [176] = &syscall_rt_sigpending,
    [177] = &syscall_rt_sigtimedwait,
    [178] = &syscall_rt_sigqueueinfo,
    [179] = &syscall_rt_sigsuspend,
    [180] = &i386_pread64,
    [181] = &i386_pwrite64,
    [182] = &i386_chown,
    [183] = &syscall_getcwd,
    [184] = &syscall_capget,
    [185] = &syscall_capset,
    [186] = &syscall_sigaltstack,
    [187] = &syscall_sendfile,
    [188] = &syscall_getpmsg,
    [189] = &syscall_putpmsg,
    [190] = &syscall_vfork,
    [191] = &i386_ugetrlimit,
    [192] = &i386_mmap2,
    [193] = &i386_truncate64,
    [194] = &i386_ftruncate64,
    [195] = &i386_stat64,
    [196] = &i386_lstat64,
    [197] = &i386_fstat64,
    [198] = &i386_lchown32,
    [199] = &i386_getuid32,
    [200] = &i386_getgid32,
    [201] = &i386_geteuid32,
    [202] = &i386_getegid32,
    [203] = &i386_setreuid32,
    [204] = &i386_setregid32,
    [205] = &i386_getgroups32,
    [206] = &i386_setgroups32,
    [207] = &i386_fchown32,
    [208] = &i386_setresuid32,
    [209] = &i386_getresuid32,
    [210] = &i386_setresgid32,
    [211] = &i386_getresgid32,
    [212] = &i386_chown32,
    [213] = &i386_setuid32,
    [214] = &i386_setgid32,
    [215] = &i386_setfsuid32,
    [216] = &i386_setfsgid32,
    [217] = &syscall_pivot_root,
    [218] = &syscall_mincore,
    [219] = &syscall_madvise,
    [220] = &syscall_getdents64,
    [221] = &i386_fcntl64,
    [224] = &syscall_gettid,
    [225] = &syscall_readahead,
    [226] = &syscall_setxattr,
    [227] = &syscall_lsetxattr,
    [228] = &syscall_fsetxattr,
    [229] = &syscall_getxattr,
    [230] = &syscall_lgetxattr,
    [231] = &syscall_fgetxattr,
    [232] = &syscall_listxattr,
    [233] = &syscall_llistxattr,
    [234] = &syscall_flistxattr,
    [235] = &syscall_removexattr,
    [236] = &syscall_lremovexattr,
    [237] = &syscall_fremovexattr,
    [238] = &syscall_tkill,
    [239] = &i386_sendfile64,
    [240] = &syscall_futex,
    [241] = &syscall_sched_setaffinity,
    [242] = &syscall_sched_getaffinity,
    [243] = &syscall_set_thread_area,
    [244] = &syscall_get_thread_area,
    [245] = &syscall_io_setup,
    [246] = &syscall_io_destroy,
    [247] = &syscall_io_getevents,
    [248] = &syscall_io_submit,
    [249] = &syscall_io_cancel,
    [250] = &syscall_fadvise64,
    [252] = &syscall_exit_group,
    [253] = &syscall_lookup_dcookie,
    [254] = &syscall_epoll_create,
    [255] = &syscall_epoll_ctl,
    [256] = &syscall_epoll_wait,
    [257] = &syscall_remap_file_pages,
    [258] = &syscall_set_tid_address,
    [259] = &syscall_timer_create,
    [260] = &syscall_timer_settime,
    [261] = &syscall_timer_gettime,
    [262] = &syscall_timer_getoverrun,
    [263] = &syscall_timer_delete,
    [264] = &syscall_clock_settime,
    [265] = &syscall_clock_gettime,
    [266] = &syscall_clock_getres,
    [267] = &syscall_clock_nanosleep,
    [268] = &i386_statfs64,
    [269] = &i386_fstatfs64,
    [270] = &syscall_tgkill,
    [271] = &syscall_utimes,
    [272] = &i386_fadvise64_64,
    [273] = &syscall_vserver,
    [274] = &syscall_mbind,
    [275] = &syscall_get_mempolicy,
    [276] = &syscall_set_mempolicy,
    [277] = &syscall_mq_open,
    [278] = &syscall_mq_unlink,
    [279] = &syscall_mq_timedsend,
    [280] = &syscall_mq_timedreceive,
    [281] = &syscall_mq_notify,
    [282] = &syscall_mq_getsetattr,
    [283] = &syscall_kexec_load,
    [284] = &syscall_waitid,
    [286] = &syscall_add_key,
    [287] = &syscall_request_key,
    [288] = &syscall_keyctl,
    [289] = &syscall_ioprio_set,
    [290] = &syscall_ioprio_get,
    [291] = &syscall_inotify_init,
    [292] = &syscall_inotify_add_watch,
    [293] = &syscall_inotify_rm_watch,
    [294] = &syscall_migrate_pages,
    [295] = &syscall_openat,
    [296] = &syscall_mkdirat,
    [297] = &syscall_mknodat,
    [298] = &syscall_fchownat,
    [299] = &syscall_futimesat,
    [300] = &i386_fstatat64,
    [301] = &syscall_unlinkat,
    [302] = &syscall_renameat,
    [303] = &syscall_linkat,
    [304] = &syscall_symlinkat,
    [305] = &syscall_readlinkat,
    [306] = &syscall_fchmodat,
    [307] = &syscall_faccessat,
    [308] = &syscall_pselect6,
    [309] = &syscall_ppoll,
    [310] = &syscall_unshare,
    [311] = &syscall_set_robust_list,
    [312] = &syscall_get_robust_list,
    [313] = &syscall_splice,
    [314] = &syscall_sync_file_range,
    [315] = &syscall_tee,
    [316] = &syscall_vmsplice,
    [317] = &syscall_move_pages,
    [318] = &syscall_getcpu,
    [319] = &syscall_epoll_pwait,
    [320] = &syscall_utimensat,
    [321] = &syscall_signalfd,
    [322] = &syscall_timerfd_create,
    [323] = &syscall_eventfd,
    [324] = &i386_fallocate,
    [325] = &syscall_timerfd_settime,
    [326] = &syscall_timerfd_gettime,
    [327] = &syscall_signalfd4,
    [328] = &syscall_eventfd2,
    [329] = &syscall_epoll_create1,
    [330] = &syscall_dup3,
    [331] = &syscall_pipe2,
    [332] = &syscall_inotify_init1,
    [333] = &syscall_preadv,
    [334] = &syscall_pwritev,
    [335] = &syscall_rt_tgsigqueueinfo,
    [336] = &syscall_perf_event_open,
    [337] = &syscall_recvmmsg,
    [338] = &syscall_fanotify_init,
    [339] = &syscall_fanotify_mark,
    [340] = &syscall_prlimit64,
    [341] = &syscall_name_to_handle_at,
    [342] = &syscall_open_by_handle_at,
    [343] = &syscall_clock_adjtime,
    [344] = &syscall_syncfs,
    [345] = &syscall_sendmmsg,
    [346] = &syscall_setns,
    [347] = &syscall_process_vm_readv,
    [348] = &syscall_process_vm_writev,
    [349] = &syscall_kcmp,
    [350] = &syscall_finit_module,
    [351] = &syscall_sched_setattr,
    [352] = &syscall_sched_getattr,
    [353] = &syscall_renameat2,
    [354] = &syscall_seccomp,
    [355] = &syscall_getrandom,
    [356] = &syscall_memfd_create,
    [357] = &syscall_bpf,
    [358] = &syscall_execveat,
    [359] = &syscall_socket,
    [360] = &syscall_socketpair,
    [361] = &syscall_bind,
    [362] = &syscall_connect,
    [363] = &syscall_listen,
    [364] = &syscall_accept4,
    [365] = &syscall_getsockopt,
    [366] = &syscall_setsockopt,
    [367] = &syscall_getsockname,
    [368] = &syscall_getpeername,
    [369] = &syscall_sendto,
    [370] = &syscall_sendmsg,
    [371] = &syscall_recvfrom,
    [372] = &syscall_recvmsg,
    [373] = &syscall_shutdown,
    [374] = &syscall_userfaultfd,
    [375] = &syscall_membarrier,
    [376] = &syscall_mlock2,
    [377] = &syscall_copy_file_range,
    [378] = &syscall_preadv2,
    [379] = &syscall_pwritev2,
    [380] = &syscall_pkey_mprotect,
    [381] = &syscall_pkey_alloc,
    [382] = &syscall_pkey_free,
    [383] = &syscall_statx,
    [384] = &i386_arch_prctl,
    [385] = &syscall_io_pgetevents,
    [386] = &syscall_rseq,
    [393] = &syscall_semget,
    [394] = &syscall_semctl,
    [395] = &syscall_shmget,
    [396] = &syscall_shmctl,
    [397] = &syscall_shmat,
    [398] = &syscall_shmdt,
    [399] = &syscall_msgget,
    [400] = &syscall_msgsnd,
    [401] = &syscall_msgrcv,
    [402] = &syscall_msgctl,
    [403] = &i386_clock_gettime64,
    [404] = &i386_clock_settime64,
    [405] = &i386_clock_adjtime64,
    [406] = &i386_clock_getres_time64,
    [407] = &i386_clock_nanosleep_time64,
    [408] = &i386_timer_gettime64,
    [409] = &i386_timer_settime64,
    [410] = &i386_timerfd_gettime64,
    [411] = &i386_timerfd_settime64,
    [412] = &i386_utimensat_time64,
    [413] = &i386_pselect6_time64,
    [414] = &i386_ppoll_time64,
    [416] = &i386_io_pgetevents_time64,
    [417] = &i386_recvmmsg_time64,
    [418] = &i386_mq_timedsend_time64,
    [419] = &i386_mq_timedreceive_time64,
    [420] = &i386_semtimedop_time64,
    [421] = &i386_rt_sigtimedwait_time64,
    [422] = &i386_futex_time64,
    [423] = &i386_sched_rr_get_interval_time64,
    SYSCALLS_UNIFIED
};

const UserABI user_abi_i386 = {
    .name = "i386",
    .platform = "i686",
    .is64 = false,
    .elf_machine = EM_386,
    /* TASK_SIZE of a 32-bit task on x86-64 Linux: the top page is not the user's */
    .address_space_end = 0xffffe000ULL,
    .syscalls = i386_syscalls,
    .nb_syscalls = sizeof(i386_syscalls) / sizeof(i386_syscalls[0]),
};
