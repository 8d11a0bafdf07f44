/*
 * Process system calls: exit, identity, fork (clone without CLONE_VM), wait,
 * execve (re-runs the emulator on the new program), limits,
 * TLS set-up (arch_prctl on x86-64, set_thread_area on i386) and small
 * information calls. Structures whose i386 layout differs are converted.
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/futex.h>
#include "linux-user/user.h"

/* exit ends the calling thread only; the last one ends the process (thread.c) */
SYSCALL_HANDLER(exit)
{
    user_thread_exit(p, arg_int(args, 0));
}

SYSCALL_HANDLER(exit_group)
{
    fflush(NULL);
    _exit(arg_int(args, 0) & 0xff);
}

SYSCALL_HANDLER(getpid) { return getpid(); }
SYSCALL_HANDLER(getppid) { return getppid(); }
SYSCALL_HANDLER(gettid) { return gettid(); }
SYSCALL_HANDLER(getuid) { return getuid(); }
SYSCALL_HANDLER(geteuid) { return geteuid(); }
SYSCALL_HANDLER(getgid) { return getgid(); }
SYSCALL_HANDLER(getegid) { return getegid(); }
SYSCALL_HANDLER(getpgrp) { return getpgrp(); }
SYSCALL_HANDLER(setsid) { return host_result(setsid()); }
SYSCALL_HANDLER(sched_yield) { return sched_yield(); }

SYSCALL_HANDLER(setuid)
{
    return host_result(setuid((uid_t)args[0]));
}

SYSCALL_HANDLER(setgid)
{
    return host_result(setgid((gid_t)args[0]));
}

SYSCALL_HANDLER(getpgid)
{
    return host_result(getpgid(arg_int(args, 0)));
}

SYSCALL_HANDLER(setpgid)
{
    return host_result(setpgid(arg_int(args, 0), arg_int(args, 1)));
}

SYSCALL_HANDLER(getsid)
{
    return host_result(getsid(arg_int(args, 0)));
}

SYSCALL_HANDLER(getgroups)
{
    int size = arg_int(args, 0);
    if (size < 0) {
        return -EINVAL;
    }
    gid_t *list = guest_ptr(p, args[1], (uint64_t)size * sizeof(gid_t), PAGE_WRITE);
    return list ? host_result(getgroups(size, list)) : -EFAULT;
}

/* --- fork, wait, exec --- */

static int64_t fork_child(UserProcess *p, int exit_signal)
{
    fflush(NULL);
    user_fork_prepare(p);
    pid_t pid = exit_signal == SIGCHLD ? fork()
                                       : (pid_t)syscall(SYS_clone, exit_signal, 0, 0, 0, 0);
    if (pid == 0) {
        user_fork_child(p);
        /* fork(2): the child's set of pending signals starts empty */
        __atomic_store_n(&p->pending_signals, 0, __ATOMIC_SEQ_CST);
    } else {
        user_fork_parent(p);
    }
    return host_result(pid);
}

SYSCALL_HANDLER(fork)
{
    return fork_child(p, SIGCHLD);
}

/* vfork's child gets its own copy of memory here, which is a valid vfork */
SYSCALL_HANDLER(vfork)
{
    return fork_child(p, SIGCHLD);
}

/*
 * clone as fork: without CLONE_VM, or with CLONE_VFORK (the child gets a copy,
 * runs on the stack it was given, and execs or exits). With CLONE_VM: a thread
 * (thread.c).
 * Argument order: x86-64 (flags, stack, parent_tid, child_tid, tls),
 * i386 (flags, stack, parent_tid, tls, child_tid).
 */
SYSCALL_HANDLER(clone)
{
    uint64_t flags = args[0];
    uint64_t child_tid = p->abi->is64 ? args[3] : args[4];
    uint64_t tls = p->abi->is64 ? args[4] : args[3];
    const uint64_t unsupported = CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES | CLONE_FS |
                                 CLONE_SYSVSEM | CLONE_NEWNS | CLONE_PARENT;
    if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) {
        return user_clone_thread(p, flags, args[1], args[2], child_tid, tls);
    }
    if (flags & unsupported) {
        return -EINVAL;
    }
    int64_t pid = fork_child(p, (int)(flags & 0xff));
    if (pid < 0) {
        return pid;
    }
    if (pid == 0) {
        if (args[1]) {
            p->env->regs[R_ESP] = args[1];
        }
        if (flags & CLONE_CHILD_SETTID) {
            int32_t tid = gettid();
            copy_to_guest(p, child_tid, &tid, 4);
        }
        if (flags & CLONE_CHILD_CLEARTID) {
            p->clear_child_tid = child_tid;
        }
        if ((flags & CLONE_SETTLS) && p->abi->is64) {
            p->env->segs[R_FS].base = tls;
        }
    } else if (flags & CLONE_PARENT_SETTID) {
        int32_t tid = (int32_t)pid;
        copy_to_guest(p, args[2], &tid, 4);
    }
    return pid;
}

/* struct rusage: two timevals and fourteen longs, all 32-bit on i386 */
static bool rusage_to_guest(UserProcess *p, uint64_t addr, const struct rusage *ru)
{
    if (p->abi->is64) {
        return copy_to_guest(p, addr, ru, sizeof(*ru));
    }
    int32_t out[18];
    const long *longs = &ru->ru_maxrss;
    out[0] = (int32_t)ru->ru_utime.tv_sec;
    out[1] = (int32_t)ru->ru_utime.tv_usec;
    out[2] = (int32_t)ru->ru_stime.tv_sec;
    out[3] = (int32_t)ru->ru_stime.tv_usec;
    for (int i = 0; i < 14; i++) {
        out[4 + i] = (int32_t)longs[i];
    }
    return copy_to_guest(p, addr, out, sizeof(out));
}

SYSCALL_HANDLER(wait4)
{
    int status = 0;
    struct rusage ru;
    if (args[1] && !guest_ptr(p, args[1], 4, PAGE_WRITE)) {
        return -EFAULT;
    }
    int64_t pid = SAFE_SYSCALL(p, SYS_wait4, arg_int(args, 0), (long)&status, arg_int(args, 2),
                               args[3] ? (long)&ru : 0);
    if (pid < 0) {
        return pid;
    }
    if (pid > 0 && args[1]) {
        copy_to_guest(p, args[1], &status, 4);
    }
    if (pid > 0 && args[3] && !rusage_to_guest(p, args[3], &ru)) {
        return -EFAULT;
    }
    return pid;
}

/* waitid(idtype, id, infop, options, rusage): Linux's fifth argument, which
 * the libc wrapper hides; the siginfo is SIGCHLD's (converted for i386). */
SYSCALL_HANDLER(waitid)
{
    siginfo_t info;
    struct rusage ru;
    memset(&info, 0, sizeof(info));
    if (args[2] && !guest_ptr(p, args[2], 128, PAGE_WRITE)) {
        return -EFAULT;
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_waitid, arg_int(args, 0), arg_int(args, 1), (long)&info,
                               arg_int(args, 3), args[4] ? (long)&ru : 0);
    if (ret < 0) {
        return ret;
    }
    if (args[2]) {
        uint8_t raw[128];
        siginfo_to_guest(p, &info, raw);
        copy_to_guest(p, args[2], raw, sizeof(raw));
    }
    if (args[4] && !rusage_to_guest(p, args[4], &ru)) {
        return -EFAULT;
    }
    return 0;
}

/* i386 waitpid(pid, status, options) */
SYSCALL_HANDLER(waitpid)
{
    uint64_t wait_args[6] = { args[0], args[1], args[2], 0, 0, 0 };
    return sys_wait4(p, wait_args);
}

/* A NULL-terminated guest array of string pointers; NULL on a bad address. */
static char **guest_string_array(UserProcess *p, uint64_t addr, int *count)
{
    unsigned word = p->abi->is64 ? 8 : 4;
    int n = 0;
    char **list = NULL;
    for (;; n++) {
        uint64_t ptr = 0;
        if (n > 100000 || !copy_from_guest(p, &ptr, addr + (uint64_t)n * word, word)) {
            free(list);
            return NULL;
        }
        char **grown = realloc(list, ((size_t)n + 1) * sizeof(char *));
        if (!grown) {
            free(list);
            return NULL;
        }
        list = grown;
        if (ptr == 0) {
            list[n] = NULL;
            break;
        }
        list[n] = (char *)guest_string(p, ptr);
        if (!list[n]) {
            free(list);
            return NULL;
        }
    }
    *count = n;
    return list;
}

/* The emulator for the ELF file at path: this one, or its sibling for the
 * other x86 ABI (a 64-bit program may run a 32-bit one, and back). */
static const char *emulator_for(UserProcess *p, const unsigned char *head, ssize_t len,
                                char *buf, size_t size)
{
    if (len < 20 || memcmp(head, "\177ELF", 4) != 0) {
        return p->emulator_path;
    }
    bool is64 = head[4] == 2;
    if (is64 == p->abi->is64) {
        return p->emulator_path;
    }
    const char *slash = strrchr(p->emulator_path, '/');
    int dir_len = slash ? (int)(slash - p->emulator_path + 1) : 0;
    snprintf(buf, size, "%.*squetzal-%s", dir_len, p->emulator_path, is64 ? "x86_64" : "i386");
    return buf;
}

/* "#!interpreter [one argument]" (execve(2), "Interpreter scripts") */
static bool parse_shebang(char *head, ssize_t len, char **interp, char **interp_arg)
{
    if (len < 3 || head[0] != '#' || head[1] != '!') {
        return false;
    }
    char *end = memchr(head, '\n', (size_t)len);
    if (!end) {
        return false;
    }
    *end = '\0';
    char *s = head + 2;
    s += strspn(s, " \t");
    *interp = s;
    s += strcspn(s, " \t");
    *interp_arg = NULL;
    if (*s) {
        *s++ = '\0';
        s += strspn(s, " \t");
        size_t arg_len = strlen(s);
        while (arg_len && (s[arg_len - 1] == ' ' || s[arg_len - 1] == '\t')) {
            s[--arg_len] = '\0';
        }
        *interp_arg = *s ? s : NULL;
    }
    return **interp != '\0';
}

static int64_t check_executable(const char *path, unsigned char *head, ssize_t *len)
{
    struct stat st;
    if (access(path, X_OK) != 0) {
        return -errno;
    }
    if (stat(path, &st) != 0) {
        return -errno;
    }
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
        return -EACCES;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    *len = read(fd, head, 255);
    close(fd);
    if (*len < 0) {
        return -EIO;
    }
    head[*len] = '\0';
    return 0;
}

/* argv of the new emulator: EMULATOR OPTIONS -execfn FILENAME -0 ARGV0 PROGRAM
 * ARGS...; for a script, PROGRAM is the interpreter and ARGS are its argument,
 * the script path and the script's arguments. FILENAME is the guest's, as its
 * execve named it: Linux takes the process name and AT_EXECFN from it
 * (fs/exec.c, begin_new_exec; "exe" for /proc/self/exe, which busybox's
 * applets check). */
static int64_t exec_emulator(UserProcess *p, const char *emulator, const char *path,
                             const char *filename, char **guest_argv, int argc,
                             char **interp, int nb_interp, char **envp)
{
    int total = 1 + p->nb_pass_options + 5 + nb_interp + 1 + argc + 1;
    char **argv = calloc((size_t)total, sizeof(char *));
    if (!argv) {
        return -ENOMEM;
    }
    int n = 0;
    argv[n++] = (char *)emulator;
    for (int i = 0; i < p->nb_pass_options; i++) {
        argv[n++] = p->pass_options[i];
    }
    argv[n++] = "-execfn";
    argv[n++] = (char *)filename;
    argv[n++] = "-0";
    if (nb_interp) {
        argv[n++] = interp[0];
        for (int i = 0; i < nb_interp; i++) {
            argv[n++] = interp[i];
        }
        argv[n++] = (char *)path;
    } else {
        argv[n++] = argc ? guest_argv[0] : (char *)path;
        argv[n++] = (char *)path;
    }
    for (int i = 1; i < argc; i++) {
        argv[n++] = guest_argv[i];
    }
    argv[n] = NULL;
    fflush(NULL);
    execve(emulator, argv, envp);
    int err = errno;
    free(argv);
    return -err;
}

/* Runs the checked program at path (its first bytes in head): a script through
 * its interpreter, an ELF program (static or dynamically linked) under the
 * emulator for its class, with the same options. Returns only on failure. */
static int64_t exec_program(UserProcess *p, const char *path, const char *filename,
                            unsigned char *head, ssize_t len, char **guest_argv, int argc,
                            char **envp)
{
    char *interp_argv[2] = { NULL, NULL }, *interp = NULL, *interp_arg = NULL;
    char emulator_buf[4096];
    unsigned char interp_head[256];
    int nb_interp = 0;
    const unsigned char *elf_head = head;
    ssize_t elf_len = len;
    if (parse_shebang((char *)head, len, &interp, &interp_arg)) {
        interp_argv[nb_interp++] = interp;
        if (interp_arg) {
            interp_argv[nb_interp++] = interp_arg;
        }
        int64_t error = check_executable(interp, interp_head, &elf_len);
        if (error) {
            return error;
        }
        elf_head = interp_head;
    }
    if (elf_len < 4 || memcmp(elf_head, "\177ELF", 4) != 0) {
        return -ENOEXEC;
    }
    const char *emulator = emulator_for(p, elf_head, elf_len, emulator_buf,
                                        sizeof(emulator_buf));
    return exec_emulator(p, emulator, path, filename, guest_argv, argc, interp_argv, nb_interp,
                         envp);
}

SYSCALL_HANDLER(execve)
{
    int64_t error = 0;
    const char *path = guest_path(p, args[0], &error);
    int argc = 0, envc = 0;
    if (!path) {
        return error;
    }
    unsigned char head[256];
    ssize_t len = 0;
    error = check_executable(path, head, &len);
    if (error) {
        return error;
    }
    char **guest_argv = guest_string_array(p, args[1], &argc);
    char **envp = guest_string_array(p, args[2], &envc);
    if (guest_argv && envp) {
        user_signals_before_exec(p);
    }
    const char *filename = guest_string(p, args[0]);
    error = guest_argv && envp && filename
        ? exec_program(p, path, filename, head, len, guest_argv, argc, envp)
        : -EFAULT;
    free(guest_argv);
    free(envp);
    return error;
}

/* --- information and limits --- */

SYSCALL_HANDLER(sched_get_priority_max)
{
    return host_result(sched_get_priority_max(arg_int(args, 0)));
}

SYSCALL_HANDLER(sched_get_priority_min)
{
    return host_result(sched_get_priority_min(arg_int(args, 0)));
}

SYSCALL_HANDLER(uname)
{
    struct utsname uts;
    if (uname(&uts) != 0) {
        return -errno;
    }
    /* the machine is the emulated one */
    snprintf(uts.machine, sizeof(uts.machine), "%s", p->abi->is64 ? "x86_64" : "i686");
    return copy_to_guest(p, args[0], &uts, sizeof(uts)) ? 0 : -EFAULT;
}

/* struct sysinfo: longs are 32-bit on i386 (64 bytes in all) */
SYSCALL_HANDLER(sysinfo)
{
    struct sysinfo info;
    if (sysinfo(&info) != 0) {
        return -errno;
    }
    if (p->abi->is64) {
        return copy_to_guest(p, args[0], &info, sizeof(info)) ? 0 : -EFAULT;
    }
    uint32_t out[16];
    memset(out, 0, sizeof(out));
    /* As Linux's compat sysinfo: when a size needs more than 32 bits, count in
     * pages instead of bytes (mem_unit raised to the page size). */
    uint64_t unit = info.mem_unit ? info.mem_unit : 1;
    if (info.totalram >> 32 || info.totalswap >> 32) {
        int shift = 0;
        while (unit < GUEST_PAGE_SIZE) {
            unit <<= 1;
            shift++;
        }
        info.totalram >>= shift; info.freeram >>= shift; info.sharedram >>= shift;
        info.bufferram >>= shift; info.totalswap >>= shift; info.freeswap >>= shift;
        info.totalhigh >>= shift; info.freehigh >>= shift;
    }
    out[0] = (uint32_t)info.uptime;
    out[1] = (uint32_t)info.loads[0];
    out[2] = (uint32_t)info.loads[1];
    out[3] = (uint32_t)info.loads[2];
    out[4] = (uint32_t)info.totalram;
    out[5] = (uint32_t)info.freeram;
    out[6] = (uint32_t)info.sharedram;
    out[7] = (uint32_t)info.bufferram;
    out[8] = (uint32_t)info.totalswap;
    out[9] = (uint32_t)info.freeswap;
    out[10] = info.procs;
    out[11] = (uint32_t)info.totalhigh;
    out[12] = (uint32_t)info.freehigh;
    out[13] = (uint32_t)unit;
    return copy_to_guest(p, args[0], out, sizeof(out)) ? 0 : -EFAULT;
}

/* struct rlimit64 is two 64-bit values in both ABIs */
SYSCALL_HANDLER(prlimit64)
{
    struct rlimit newlimit, oldlimit;
    if (args[2] && !copy_from_guest(p, &newlimit, args[2], sizeof(newlimit))) {
        return -EFAULT;
    }
    if (args[3] && !guest_ptr(p, args[3], sizeof(oldlimit), PAGE_WRITE)) {
        return -EFAULT;
    }
    int64_t ret = host_result(prlimit(arg_int(args, 0), arg_int(args, 1),
                                      args[2] ? &newlimit : NULL, args[3] ? &oldlimit : NULL));
    if (ret == 0 && args[3]) {
        copy_to_guest(p, args[3], &oldlimit, sizeof(oldlimit));
    }
    return ret;
}

/* x86-64 getrlimit and i386 ugetrlimit: struct rlimit of two longs */
SYSCALL_HANDLER(getrlimit)
{
    struct rlimit limit;
    if (getrlimit(arg_int(args, 0), &limit) != 0) {
        return -errno;
    }
    if (p->abi->is64) {
        return copy_to_guest(p, args[1], &limit, sizeof(limit)) ? 0 : -EFAULT;
    }
    uint32_t out[2] = {
        limit.rlim_cur > UINT32_MAX ? UINT32_MAX : (uint32_t)limit.rlim_cur,
        limit.rlim_max > UINT32_MAX ? UINT32_MAX : (uint32_t)limit.rlim_max,
    };
    return copy_to_guest(p, args[1], out, sizeof(out)) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(setrlimit)
{
    struct rlimit limit;
    if (p->abi->is64) {
        if (!copy_from_guest(p, &limit, args[1], sizeof(limit))) {
            return -EFAULT;
        }
    } else {
        uint32_t raw[2];
        if (!copy_from_guest(p, raw, args[1], sizeof(raw))) {
            return -EFAULT;
        }
        limit.rlim_cur = raw[0] == UINT32_MAX ? RLIM_INFINITY : raw[0];
        limit.rlim_max = raw[1] == UINT32_MAX ? RLIM_INFINITY : raw[1];
    }
    return host_result(setrlimit(arg_int(args, 0), &limit));
}

SYSCALL_HANDLER(getrusage)
{
    struct rusage ru;
    if (getrusage(arg_int(args, 0), &ru) != 0) {
        return -errno;
    }
    return rusage_to_guest(p, args[1], &ru) ? 0 : -EFAULT;
}

/* struct tms: four clock_t (long) */
SYSCALL_HANDLER(times)
{
    struct tms t;
    clock_t now = times(&t);
    if (args[0]) {
        bool ok;
        if (p->abi->is64) {
            ok = copy_to_guest(p, args[0], &t, sizeof(t));
        } else {
            int32_t out[4] = { (int32_t)t.tms_utime, (int32_t)t.tms_stime,
                               (int32_t)t.tms_cutime, (int32_t)t.tms_cstime };
            ok = copy_to_guest(p, args[0], out, sizeof(out));
        }
        if (!ok) {
            return -EFAULT;
        }
    }
    return p->abi->is64 ? (int64_t)now : (int64_t)(int32_t)now;
}

SYSCALL_HANDLER(getrandom)
{
    void *buf = guest_ptr(p, args[0], args[1], PAGE_WRITE);
    return buf ? host_result(getrandom(buf, args[1], (unsigned)args[2])) : -EFAULT;
}

/* The guest runs on one CPU: without threads (clone with CLONE_VM) it cannot
 * use more, and programs that size a thread pool from the affinity mask
 * (GNU sort on large inputs, xz -T0, nproc) then stay single-threaded. So the
 * mask the guest gets keeps only the first CPU the host allows. */
SYSCALL_HANDLER(sched_getaffinity)
{
    uint8_t *mask = guest_ptr(p, args[2], args[1], PAGE_WRITE);
    if (!mask) {
        return -EFAULT;
    }
    int64_t ret = host_result(syscall(SYS_sched_getaffinity, arg_int(args, 0), args[1], mask));
    bool seen = false;
    for (int64_t i = 0; i < ret; i++) {
        for (int bit = 0; bit < 8; bit++) {
            if (seen) {
                mask[i] &= (uint8_t)~(1u << bit);
            } else if (mask[i] & (1u << bit)) {
                seen = true;
            }
        }
    }
    return ret;
}

SYSCALL_HANDLER(getpriority)
{
    return host_result(syscall(SYS_getpriority, arg_int(args, 0), arg_int(args, 1)));
}

SYSCALL_HANDLER(setpriority)
{
    return host_result(setpriority(arg_int(args, 0), (id_t)args[1], arg_int(args, 2)));
}

SYSCALL_HANDLER(prctl)
{
    int option = arg_int(args, 0);
    switch (option) {
    case PR_SET_NAME: {
        char name[16];
        const char *s = guest_string(p, args[1]);
        if (!s) {
            return -EFAULT;
        }
        snprintf(name, sizeof(name), "%s", s);
        return host_result(prctl(PR_SET_NAME, name, 0, 0, 0));
    }
    case PR_GET_NAME: {
        char name[16];
        if (prctl(PR_GET_NAME, name, 0, 0, 0) != 0) {
            return -errno;
        }
        return copy_to_guest(p, args[1], name, sizeof(name)) ? 0 : -EFAULT;
    }
    case PR_GET_DUMPABLE:
    case PR_SET_DUMPABLE:
    case PR_SET_PDEATHSIG:
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
        return host_result(prctl(option, (unsigned long)args[1], 0, 0, 0));
    default:
        return -EINVAL;
    }
}

/* --- thread pointer --- */

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL_HANDLER(arch_prctl)
{
    uint64_t value;
    if (!p->abi->is64) {
        return -EINVAL;
    }
    switch (arg_int(args, 0)) {
    case ARCH_SET_FS:
        p->env->segs[R_FS].base = args[1];
        return 0;
    case ARCH_SET_GS:
        p->env->segs[R_GS].base = args[1];
        return 0;
    case ARCH_GET_FS:
        value = p->env->segs[R_FS].base;
        return copy_to_guest(p, args[1], &value, 8) ? 0 : -EFAULT;
    case ARCH_GET_GS:
        value = p->env->segs[R_GS].base;
        return copy_to_guest(p, args[1], &value, 8) ? 0 : -EFAULT;
    default:
        return -EINVAL;
    }
}

SYSCALL_HANDLER(set_tid_address)
{
    p->clear_child_tid = args[0];
    return gettid();
}

/* Accepted and not kept: the robust list only matters when a thread dies
 * holding a robust mutex (get_robust_list(2)), which glibc's threads do not
 * do on their way out through exit. */
SYSCALL_HANDLER(set_robust_list)
{
    return 0;
}

/* --- more identity calls --- */

static int64_t ids_to_guest(UserProcess *p, const uint64_t *args, const uint32_t ids[3])
{
    for (int i = 0; i < 3; i++) {
        if (!copy_to_guest(p, args[i], &ids[i], 4)) {
            return -EFAULT;
        }
    }
    return 0;
}

SYSCALL_HANDLER(getresuid)
{
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    uint32_t ids[3] = { r, e, s };
    return ids_to_guest(p, args, ids);
}

SYSCALL_HANDLER(getresgid)
{
    gid_t r, e, s;
    getresgid(&r, &e, &s);
    uint32_t ids[3] = { r, e, s };
    return ids_to_guest(p, args, ids);
}

SYSCALL_HANDLER(setresuid)
{
    return host_result(setresuid((uid_t)args[0], (uid_t)args[1], (uid_t)args[2]));
}

SYSCALL_HANDLER(setresgid)
{
    return host_result(setresgid((gid_t)args[0], (gid_t)args[1], (gid_t)args[2]));
}

SYSCALL_HANDLER(setreuid)
{
    return host_result(setreuid((uid_t)args[0], (uid_t)args[1]));
}

SYSCALL_HANDLER(setregid)
{
    return host_result(setregid((gid_t)args[0], (gid_t)args[1]));
}

SYSCALL_HANDLER(setgroups)
{
    int size = arg_int(args, 0);
    if (size < 0 || size > 65536) {
        return -EINVAL;
    }
    const gid_t *list = guest_ptr(p, args[1], (uint64_t)size * sizeof(gid_t), PAGE_READ);
    return list ? host_result(setgroups((size_t)size, list)) : -EFAULT;
}

/* only the plain Linux personality (PER_LINUX, 0) exists here */
SYSCALL_HANDLER(personality)
{
    uint32_t persona = (uint32_t)args[0];
    return persona == 0 || persona == 0xffffffffu ? 0 : -EINVAL;
}

SYSCALL_HANDLER(getcpu)
{
    unsigned cpu, node;
    if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0) {
        return -errno;
    }
    if ((args[0] && !copy_to_guest(p, args[0], &cpu, 4)) ||
        (args[1] && !copy_to_guest(p, args[1], &node, 4))) {
        return -EFAULT;
    }
    return 0;
}

SYSCALL_HANDLER(sched_setaffinity)
{
    const void *mask = guest_ptr(p, args[2], args[1], PAGE_READ);
    return mask ? host_result(syscall(SYS_sched_setaffinity, arg_int(args, 0), args[1], mask))
                : -EFAULT;
}

SYSCALL_HANDLER(sched_getscheduler)
{
    return host_result(sched_getscheduler(arg_int(args, 0)));
}

SYSCALL_HANDLER(sched_getparam)
{
    struct sched_param *param = guest_ptr(p, args[1], sizeof(*param), PAGE_WRITE);
    return param ? host_result(sched_getparam(arg_int(args, 0), param)) : -EFAULT;
}
