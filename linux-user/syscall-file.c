/*
 * File and descriptor system calls. Descriptors are the host's; guest buffers
 * are checked against the page flags before the host kernel sees them. Where the
 * i386 ABI lays out a structure or splits a 64-bit value differently from the
 * host (x86-64), it is converted here (Linux arch/x86 system call ABI).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "linux-user/user.h"

#define GUEST_IOV_MAX 1024

/* i386 passes a 64-bit value in two words, low first. */
static int64_t arg_pair(const uint64_t *args, int low)
{
    return (int64_t)((args[low] & 0xffffffffu) | (args[low + 1] << 32));
}

#define GUEST_PATH_OR_RETURN(var, index)                       \
    int64_t var##_error = 0;                                   \
    const char *var = guest_path(p, args[index], &var##_error); \
    if (!var) {                                                \
        return var##_error;                                    \
    }

SYSCALL_HANDLER(read)
{
    void *buf = guest_ptr(p, args[1], args[2], PAGE_WRITE);
    return buf ? SAFE_SYSCALL(p, SYS_read, arg_int(args, 0), (long)buf, (long)args[2]) : -EFAULT;
}

SYSCALL_HANDLER(write)
{
    const void *buf = guest_ptr(p, args[1], args[2], PAGE_READ);
    return buf ? SAFE_SYSCALL(p, SYS_write, arg_int(args, 0), (long)buf, (long)args[2])
               : -EFAULT;
}

SYSCALL_HANDLER(pread64)
{
    int64_t offset = p->abi->is64 ? (int64_t)args[3] : arg_pair(args, 3);
    void *buf = guest_ptr(p, args[1], args[2], PAGE_WRITE);
    return buf ? host_result(pread(arg_int(args, 0), buf, args[2], offset)) : -EFAULT;
}

SYSCALL_HANDLER(pwrite64)
{
    int64_t offset = p->abi->is64 ? (int64_t)args[3] : arg_pair(args, 3);
    const void *buf = guest_ptr(p, args[1], args[2], PAGE_READ);
    return buf ? host_result(pwrite(arg_int(args, 0), buf, args[2], offset)) : -EFAULT;
}

/* struct iovec: two longs (Linux include/uapi/linux/uio.h). */
struct iovec *guest_iovec(UserProcess *p, uint64_t addr, int count, int access,
                                 int64_t *error)
{
    if (count < 0 || count > GUEST_IOV_MAX) {
        *error = -EINVAL;
        return NULL;
    }
    unsigned word = p->abi->is64 ? 8 : 4;
    const uint8_t *raw = guest_ptr(p, addr, (uint64_t)count * 2 * word, PAGE_READ);
    struct iovec *iov = calloc((size_t)count + 1, sizeof(*iov));
    *error = -EFAULT;
    if (!raw || !iov) {
        free(iov);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        uint64_t base = 0, len = 0;
        memcpy(&base, raw + 2 * i * word, word);
        memcpy(&len, raw + (2 * i + 1) * word, word);
        iov[i].iov_base = guest_ptr(p, base, len, access);
        iov[i].iov_len = len;
        if (!iov[i].iov_base) {
            free(iov);
            return NULL;
        }
    }
    return iov;
}

/* preadv/pwritev(fd, iov, count, pos_l, pos_h): the kernel joins the halves
 * as pos_l | pos_h << 32 on i386 and uses pos_l alone on x86-64
 * (fs/read_write.c, pos_from_hilo). */
static int64_t vector_offset(const UserProcess *p, const uint64_t *args)
{
    return p->abi->is64 ? (int64_t)args[3] : arg_pair(args, 3);
}

SYSCALL_HANDLER(preadv)
{
    int64_t error;
    struct iovec *iov = guest_iovec(p, args[1], arg_int(args, 2), PAGE_WRITE, &error);
    if (!iov) {
        return error;
    }
    int64_t ret = host_result(preadv(arg_int(args, 0), iov, arg_int(args, 2),
                                     vector_offset(p, args)));
    free(iov);
    return ret;
}

SYSCALL_HANDLER(pwritev)
{
    int64_t error;
    struct iovec *iov = guest_iovec(p, args[1], arg_int(args, 2), PAGE_READ, &error);
    if (!iov) {
        return error;
    }
    int64_t ret = host_result(pwritev(arg_int(args, 0), iov, arg_int(args, 2),
                                      vector_offset(p, args)));
    free(iov);
    return ret;
}

SYSCALL_HANDLER(readv)
{
    int64_t error;
    struct iovec *iov = guest_iovec(p, args[1], arg_int(args, 2), PAGE_WRITE, &error);
    if (!iov) {
        return error;
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_readv, arg_int(args, 0), (long)iov, arg_int(args, 2));
    free(iov);
    return ret;
}

SYSCALL_HANDLER(writev)
{
    int64_t error;
    struct iovec *iov = guest_iovec(p, args[1], arg_int(args, 2), PAGE_READ, &error);
    if (!iov) {
        return error;
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_writev, arg_int(args, 0), (long)iov, arg_int(args, 2));
    free(iov);
    return ret;
}

SYSCALL_HANDLER(open)
{
    GUEST_PATH_OR_RETURN(path, 0);
    int64_t proc = procfs_open(p, AT_FDCWD, path, arg_int(args, 1));
    if (proc) {
        return proc;
    }
    return SAFE_SYSCALL(p, SYS_openat, AT_FDCWD, (long)path, arg_int(args, 1), (long)(mode_t)args[2]);
}

/* creat(2): open with O_CREAT | O_WRONLY | O_TRUNC */
SYSCALL_HANDLER(creat)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(open(path, O_CREAT | O_WRONLY | O_TRUNC, (mode_t)args[1]));
}

SYSCALL_HANDLER(openat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    int64_t proc = procfs_open(p, arg_int(args, 0), path, arg_int(args, 2));
    if (proc) {
        return proc;
    }
    return SAFE_SYSCALL(p, SYS_openat, arg_int(args, 0), (long)path, arg_int(args, 2),
                        (long)(mode_t)args[3]);
}

SYSCALL_HANDLER(close)
{
    return host_result(close(arg_int(args, 0)));
}

SYSCALL_HANDLER(lseek)
{
    int64_t ret = host_result(lseek(arg_int(args, 0), arg_long(p, args, 1), arg_int(args, 2)));
    if (!p->abi->is64 && ret > INT32_MAX) {
        return -EOVERFLOW;
    }
    return ret;
}

/* i386 _llseek(fd, offset_high, offset_low, loff_t *result, whence) */
SYSCALL_HANDLER(llseek)
{
    int64_t offset = (int64_t)(((args[1] & 0xffffffffu) << 32) | (args[2] & 0xffffffffu));
    int64_t *result = guest_ptr(p, args[3], 8, PAGE_WRITE);
    if (!result) {
        return -EFAULT;
    }
    int64_t ret = host_result(lseek(arg_int(args, 0), offset, arg_int(args, 4)));
    if (ret < 0) {
        return ret;
    }
    memcpy(result, &ret, 8);
    return 0;
}

SYSCALL_HANDLER(access)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(access(path, arg_int(args, 1)));
}

SYSCALL_HANDLER(faccessat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(syscall(SYS_faccessat, arg_int(args, 0), path, arg_int(args, 2)));
}

SYSCALL_HANDLER(faccessat2)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(syscall(SYS_faccessat2, arg_int(args, 0), path, arg_int(args, 2),
                               arg_int(args, 3)));
}

SYSCALL_HANDLER(getcwd)
{
    char *buf = guest_ptr(p, args[0], args[1], PAGE_WRITE);
    if (!buf) {
        return -EFAULT;
    }
    /* the system call returns the length including the NUL */
    return getcwd(buf, args[1]) ? (int64_t)strlen(buf) + 1 : -errno;
}

SYSCALL_HANDLER(chdir)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(chdir(path));
}

SYSCALL_HANDLER(chroot)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(chroot(path));
}

SYSCALL_HANDLER(fchdir)
{
    return host_result(fchdir(arg_int(args, 0)));
}

SYSCALL_HANDLER(mkdir)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(mkdir(path, (mode_t)args[1]));
}

SYSCALL_HANDLER(mkdirat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(mkdirat(arg_int(args, 0), path, (mode_t)args[2]));
}

SYSCALL_HANDLER(rmdir)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(rmdir(path));
}

SYSCALL_HANDLER(unlink)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(unlink(path));
}

SYSCALL_HANDLER(unlinkat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(unlinkat(arg_int(args, 0), path, arg_int(args, 2)));
}

SYSCALL_HANDLER(rename)
{
    GUEST_PATH_OR_RETURN(from, 0);
    GUEST_PATH_OR_RETURN(to, 1);
    return host_result(rename(from, to));
}

SYSCALL_HANDLER(renameat)
{
    GUEST_PATH_OR_RETURN(from, 1);
    GUEST_PATH_OR_RETURN(to, 3);
    return host_result(renameat(arg_int(args, 0), from, arg_int(args, 2), to));
}

SYSCALL_HANDLER(renameat2)
{
    GUEST_PATH_OR_RETURN(from, 1);
    GUEST_PATH_OR_RETURN(to, 3);
    return host_result(syscall(SYS_renameat2, arg_int(args, 0), from, arg_int(args, 2), to,
                               (unsigned)args[4]));
}

SYSCALL_HANDLER(link)
{
    GUEST_PATH_OR_RETURN(from, 0);
    GUEST_PATH_OR_RETURN(to, 1);
    return host_result(link(from, to));
}

SYSCALL_HANDLER(linkat)
{
    GUEST_PATH_OR_RETURN(from, 1);
    GUEST_PATH_OR_RETURN(to, 3);
    return host_result(linkat(arg_int(args, 0), from, arg_int(args, 2), to, arg_int(args, 4)));
}

SYSCALL_HANDLER(symlink)
{
    GUEST_PATH_OR_RETURN(target, 0);
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(symlink(target, path));
}

SYSCALL_HANDLER(symlinkat)
{
    GUEST_PATH_OR_RETURN(target, 0);
    GUEST_PATH_OR_RETURN(path, 2);
    return host_result(symlinkat(target, arg_int(args, 1), path));
}

static int64_t do_readlinkat(UserProcess *p, int dirfd, uint64_t path_addr,
                             uint64_t buf_addr, uint64_t size)
{
    const char *path = guest_string(p, path_addr);
    if (!path) {
        return -EFAULT;
    }
    char *buf = guest_ptr(p, buf_addr, size, PAGE_WRITE);
    if (!buf) {
        return -EFAULT;
    }
    if ((int64_t)size <= 0) {
        return -EINVAL;
    }
    const char *self = procfs_self_file(path);
    if (self && strcmp(self, "exe") == 0) {
        /* readlink does not NUL-terminate and truncates silently */
        size_t len = strlen(p->exe_path);
        len = len < size ? len : size;
        memcpy(buf, p->exe_path, len);
        return (int64_t)len;
    }
    return host_result(readlinkat(dirfd, path, buf, size));
}

SYSCALL_HANDLER(readlink)
{
    return do_readlinkat(p, AT_FDCWD, args[0], args[1], args[2]);
}

SYSCALL_HANDLER(readlinkat)
{
    return do_readlinkat(p, arg_int(args, 0), args[1], args[2], args[3]);
}

SYSCALL_HANDLER(chmod)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(chmod(path, (mode_t)args[1]));
}

SYSCALL_HANDLER(fchmod)
{
    return host_result(fchmod(arg_int(args, 0), (mode_t)args[1]));
}

SYSCALL_HANDLER(fchmodat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(fchmodat(arg_int(args, 0), path, (mode_t)args[2], 0));
}

SYSCALL_HANDLER(chown)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(chown(path, (uid_t)args[1], (gid_t)args[2]));
}

SYSCALL_HANDLER(lchown)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(lchown(path, (uid_t)args[1], (gid_t)args[2]));
}

SYSCALL_HANDLER(fchown)
{
    return host_result(fchown(arg_int(args, 0), (uid_t)args[1], (gid_t)args[2]));
}

SYSCALL_HANDLER(fchownat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(fchownat(arg_int(args, 0), path, (uid_t)args[2], (gid_t)args[3],
                                arg_int(args, 4)));
}

/*
 * struct linux_dirent64 has the same layout in both ABIs, but a 32-bit process
 * gets 32-bit directory offsets from Linux (ext4 and others hash to 32 bits for
 * compat callers); 32-bit glibc fails readdir with EOVERFLOW on larger ones.
 * The host gives us 64-bit ones, so i386 guests see them truncated to 31 bits.
 */
SYSCALL_HANDLER(getdents64)
{
    uint8_t *buf = guest_ptr(p, args[1], args[2], PAGE_WRITE);
    if (!buf) {
        return -EFAULT;
    }
    int64_t ret = host_result(syscall(SYS_getdents64, arg_int(args, 0), buf, args[2]));
    if (ret <= 0 || p->abi->is64) {
        return ret;
    }
    /* d_ino (8 bytes), d_off (8 bytes), d_reclen (2 bytes), ... */
    for (int64_t pos = 0; pos + 19 <= ret;) {
        uint64_t offset;
        uint16_t reclen;
        memcpy(&offset, buf + pos + 8, 8);
        memcpy(&reclen, buf + pos + 16, 2);
        offset &= 0x7fffffff;
        memcpy(buf + pos + 8, &offset, 8);
        if (reclen == 0) {
            break;
        }
        pos += reclen;
    }
    return ret;
}

SYSCALL_HANDLER(dup)
{
    return host_result(dup(arg_int(args, 0)));
}

SYSCALL_HANDLER(dup2)
{
    return host_result(dup2(arg_int(args, 0), arg_int(args, 1)));
}

SYSCALL_HANDLER(dup3)
{
    return host_result(dup3(arg_int(args, 0), arg_int(args, 1), arg_int(args, 2)));
}

SYSCALL_HANDLER(pipe)
{
    int *fds = guest_ptr(p, args[0], 2 * sizeof(int), PAGE_WRITE);
    return fds ? host_result(pipe(fds)) : -EFAULT;
}

SYSCALL_HANDLER(pipe2)
{
    int *fds = guest_ptr(p, args[0], 2 * sizeof(int), PAGE_WRITE);
    return fds ? host_result(pipe2(fds, arg_int(args, 1))) : -EFAULT;
}

/*
 * Record locks. x86-64 struct flock is the host's. i386 struct flock has 32-bit
 * start/len (16 bytes); i386 struct flock64 is packed to 4 bytes (24 bytes):
 * type, whence, start, len, pid (Linux include/uapi/asm-generic/fcntl.h).
 */
typedef struct __attribute__((packed)) I386Flock64 {
    int16_t type, whence;
    int64_t start, len;
    int32_t pid;
} I386Flock64;

typedef struct I386Flock {
    int16_t type, whence;
    int32_t start, len;
    int32_t pid;
} I386Flock;

static int64_t fcntl_lock_i386(UserProcess *p, int fd, int cmd, uint64_t addr, bool is64)
{
    struct flock host;
    size_t size = is64 ? sizeof(I386Flock64) : sizeof(I386Flock);
    void *guest = guest_ptr(p, addr, size, PAGE_WRITE);
    if (!guest) {
        return -EFAULT;
    }
    if (is64) {
        I386Flock64 g;
        memcpy(&g, guest, sizeof(g));
        host = (struct flock){ .l_type = g.type, .l_whence = g.whence, .l_start = g.start,
                               .l_len = g.len, .l_pid = g.pid };
    } else {
        I386Flock g;
        memcpy(&g, guest, sizeof(g));
        host = (struct flock){ .l_type = g.type, .l_whence = g.whence, .l_start = g.start,
                               .l_len = g.len, .l_pid = g.pid };
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_fcntl, fd, cmd, (long)&host);
    if (ret == 0 && cmd == F_GETLK) {
        if (is64) {
            I386Flock64 g = { host.l_type, host.l_whence, host.l_start, host.l_len, host.l_pid };
            memcpy(guest, &g, sizeof(g));
        } else {
            I386Flock g = { host.l_type, host.l_whence, (int32_t)host.l_start,
                            (int32_t)host.l_len, host.l_pid };
            memcpy(guest, &g, sizeof(g));
        }
    }
    return ret;
}

/* i386 F_GETLK64, F_SETLK64, F_SETLKW64 (fcntl64 only) */
#define I386_F_GETLK64 12
#define I386_F_SETLK64 13
#define I386_F_SETLKW64 14

static int64_t fcntl_lock(UserProcess *p, int fd, int cmd, uint64_t addr)
{
    if (p->abi->is64) {
        struct flock *lock = guest_ptr(p, addr, sizeof(*lock), PAGE_WRITE);
        return lock ? SAFE_SYSCALL(p, SYS_fcntl, fd, cmd, (long)lock) : -EFAULT;
    }
    switch (cmd) {
    case I386_F_GETLK64: return fcntl_lock_i386(p, fd, F_GETLK, addr, true);
    case I386_F_SETLK64: return fcntl_lock_i386(p, fd, F_SETLK, addr, true);
    case I386_F_SETLKW64: return fcntl_lock_i386(p, fd, F_SETLKW, addr, true);
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
        return fcntl_lock_i386(p, fd, cmd, addr, true);
    default: return fcntl_lock_i386(p, fd, cmd, addr, false);
    }
}

SYSCALL_HANDLER(fcntl)
{
    int fd = arg_int(args, 0), cmd = arg_int(args, 1);
    switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: case F_GETFD: case F_SETFD: case F_GETFL:
    case F_SETFL: case F_GETOWN: case F_SETOWN: case F_SETSIG: case F_GETSIG:
    case F_SETLEASE: case F_GETLEASE: case F_NOTIFY: case F_SETPIPE_SZ:
    case F_GETPIPE_SZ: case F_ADD_SEALS: case F_GET_SEALS:
        return host_result(fcntl(fd, cmd, arg_int(args, 2)));
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fcntl_lock(p, fd, cmd, args[2]);
    case I386_F_GETLK64: case I386_F_SETLK64: case I386_F_SETLKW64:
        return p->abi->is64 ? -EINVAL : fcntl_lock(p, fd, cmd, args[2]);
    default:
        return -EINVAL;
    }
}

/* The ioctls we know: their argument is a value, or a buffer read or written.
 * struct termios (kernel) and struct winsize are the same in both ABIs. */
enum { IOCTL_VALUE, IOCTL_IN, IOCTL_OUT };
typedef struct IoctlInfo {
    unsigned long request;
    uint8_t kind;
    uint8_t size;
} IoctlInfo;

static const IoctlInfo ioctl_table[] = {
    { TCGETS, IOCTL_OUT, 36 },   { TCSETS, IOCTL_IN, 36 },
    { TCSETSW, IOCTL_IN, 36 },   { TCSETSF, IOCTL_IN, 36 },
    { TIOCGWINSZ, IOCTL_OUT, sizeof(struct winsize) },
    { TIOCSWINSZ, IOCTL_IN, sizeof(struct winsize) },
    { TIOCGPGRP, IOCTL_OUT, sizeof(int) }, { TIOCSPGRP, IOCTL_IN, sizeof(int) },
    { TIOCGSID, IOCTL_OUT, sizeof(int) },  { FIONREAD, IOCTL_OUT, sizeof(int) },
    { FIONBIO, IOCTL_IN, sizeof(int) },    { FIOASYNC, IOCTL_IN, sizeof(int) },
    { FIOCLEX, IOCTL_VALUE, 0 },           { FIONCLEX, IOCTL_VALUE, 0 },
    { TIOCSCTTY, IOCTL_VALUE, 0 },         { TIOCNOTTY, IOCTL_VALUE, 0 },
    { TCFLSH, IOCTL_VALUE, 0 },            { TCXONC, IOCTL_VALUE, 0 },
    { TCSBRK, IOCTL_VALUE, 0 },
};

SYSCALL_HANDLER(ioctl)
{
    int fd = arg_int(args, 0);
    unsigned long request = (uint32_t)args[1];
    for (size_t i = 0; i < sizeof(ioctl_table) / sizeof(ioctl_table[0]); i++) {
        const IoctlInfo *info = &ioctl_table[i];
        if (info->request != request) {
            continue;
        }
        if (info->kind == IOCTL_VALUE) {
            return host_result(ioctl(fd, request, (unsigned long)args[2]));
        }
        void *buf = guest_ptr(p, args[2], info->size,
                              info->kind == IOCTL_OUT ? PAGE_WRITE : PAGE_READ);
        return buf ? host_result(ioctl(fd, request, buf)) : -EFAULT;
    }
    return -ENOTTY;
}

SYSCALL_HANDLER(umask)
{
    return umask((mode_t)args[0]);
}

SYSCALL_HANDLER(fsync)
{
    return host_result(fsync(arg_int(args, 0)));
}

SYSCALL_HANDLER(fdatasync)
{
    return host_result(fdatasync(arg_int(args, 0)));
}

SYSCALL_HANDLER(sync)
{
    sync();
    return 0;
}

SYSCALL_HANDLER(truncate)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(truncate(path, arg_long(p, args, 1)));
}

SYSCALL_HANDLER(ftruncate)
{
    return host_result(ftruncate(arg_int(args, 0), arg_long(p, args, 1)));
}

/* i386 truncate64/ftruncate64: the length in two words */
SYSCALL_HANDLER(truncate64)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(truncate(path, arg_pair(args, 1)));
}

SYSCALL_HANDLER(ftruncate64)
{
    return host_result(ftruncate(arg_int(args, 0), arg_pair(args, 1)));
}

/* struct pollfd is the same in both ABIs */
SYSCALL_HANDLER(poll)
{
    uint64_t count = (uint32_t)args[1];
    struct pollfd *fds = guest_ptr(p, args[0], count * sizeof(struct pollfd), PAGE_WRITE);
    return fds ? SAFE_SYSCALL(p, SYS_poll, (long)fds, (long)count, arg_int(args, 2)) : -EFAULT;
}

/* sendfile: the offset is a long (x86-64) or a 32-bit off_t (i386) */
SYSCALL_HANDLER(sendfile)
{
    if (p->abi->is64 || args[2] == 0) {
        off_t *offset = args[2] ? guest_ptr(p, args[2], 8, PAGE_WRITE) : NULL;
        if (args[2] && !offset) {
            return -EFAULT;
        }
        return host_result(sendfile(arg_int(args, 0), arg_int(args, 1), offset, args[3]));
    }
    int32_t *guest_offset = guest_ptr(p, args[2], 4, PAGE_WRITE);
    if (!guest_offset) {
        return -EFAULT;
    }
    off_t offset = *guest_offset;
    int64_t ret = host_result(sendfile(arg_int(args, 0), arg_int(args, 1), &offset, args[3]));
    *guest_offset = (int32_t)offset;
    return ret;
}

/* i386 sendfile64: a 64-bit offset */
SYSCALL_HANDLER(sendfile64)
{
    off_t *offset = args[2] ? guest_ptr(p, args[2], 8, PAGE_WRITE) : NULL;
    if (args[2] && !offset) {
        return -EFAULT;
    }
    return host_result(sendfile(arg_int(args, 0), arg_int(args, 1), offset, args[3]));
}

SYSCALL_HANDLER(flock)
{
    return SAFE_SYSCALL(p, SYS_flock, arg_int(args, 0), arg_int(args, 1));
}

SYSCALL_HANDLER(mknod)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return host_result(mknod(path, (mode_t)args[1], (dev_t)(uint32_t)args[2]));
}

/* mknodat(dirfd, path, mode, dev): dev is the kernel's 32-bit encoding on
 * both ABIs, which glibc's dev_t carries unchanged below 2^32 */
SYSCALL_HANDLER(mknodat)
{
    GUEST_PATH_OR_RETURN(path, 1);
    return host_result(mknodat(arg_int(args, 0), path, (mode_t)args[2],
                               (dev_t)(uint32_t)args[3]));
}

/* advice only */
SYSCALL_HANDLER(fadvise64)
{
    return 0;
}

/*
 * select and its relatives. An fd_set is a bitmap of longs; little-endian, so the
 * bytes are the same for 32- and 64-bit longs, only the rounding of the size
 * differs. The guest's sets are copied into host fd_sets of FD_SETSIZE bits.
 */
static int64_t fdset_from_guest(UserProcess *p, uint64_t addr, int nfds, fd_set *set,
                                fd_set **use)
{
    FD_ZERO(set);
    *use = NULL;
    if (!addr) {
        return 0;
    }
    unsigned bits = p->abi->is64 ? 64 : 32;
    uint64_t bytes = (uint64_t)(nfds + bits - 1) / bits * (bits / 8);
    if (!copy_from_guest(p, set, addr, bytes)) {
        return -EFAULT;
    }
    *use = set;
    return 0;
}

static void fdset_to_guest(UserProcess *p, uint64_t addr, int nfds, const fd_set *set)
{
    unsigned bits = p->abi->is64 ? 64 : 32;
    if (addr) {
        copy_to_guest(p, addr, set, (uint64_t)(nfds + bits - 1) / bits * (bits / 8));
    }
}

/* timeval (select) or timespec (pselect6): two longs, or two 64-bit values for time64 */
static bool timeout_from_guest(UserProcess *p, uint64_t addr, bool time64,
                               struct timespec *ts, int64_t unit_ns)
{
    int64_t value[2];
    if (time64 || p->abi->is64) {
        if (!copy_from_guest(p, value, addr, 16)) {
            return false;
        }
    } else {
        int32_t raw[2];
        if (!copy_from_guest(p, raw, addr, 8)) {
            return false;
        }
        value[0] = raw[0];
        value[1] = raw[1];
    }
    ts->tv_sec = value[0];
    ts->tv_nsec = value[1] * unit_ns;
    return true;
}

static void timeout_to_guest(UserProcess *p, uint64_t addr, bool time64,
                             const struct timespec *ts, int64_t unit_ns)
{
    if (time64 || p->abi->is64) {
        int64_t value[2] = { ts->tv_sec, ts->tv_nsec / unit_ns };
        copy_to_guest(p, addr, value, 16);
    } else {
        int32_t value[2] = { (int32_t)ts->tv_sec, (int32_t)(ts->tv_nsec / unit_ns) };
        copy_to_guest(p, addr, value, 8);
    }
}

/* pselect6's sixth argument: { const sigset_t *ss; size_t ss_len } of longs;
 * the mask it points to, or false (none, or bad). */
static int64_t pselect_mask(UserProcess *p, uint64_t addr, uint64_t *mask, bool *given)
{
    uint64_t word = p->abi->is64 ? 8 : 4, pair[2] = { 0, 0 };
    *given = false;
    if (!addr) {
        return 0;
    }
    if (!copy_from_guest(p, &pair[0], addr, word) ||
        !copy_from_guest(p, &pair[1], addr + word, word)) {
        return -EFAULT;
    }
    if (!pair[0]) {
        return 0;
    }
    if (pair[1] != 8) {
        return -EINVAL;
    }
    *given = true;
    return copy_from_guest(p, mask, pair[0], 8) ? 0 : -EFAULT;
}

/* unit_ns: 1000 for select's timeval, 1 for pselect6's timespec */
static int64_t do_select(UserProcess *p, const uint64_t *args, int64_t unit_ns, bool time64)
{
    int nfds = arg_int(args, 0);
    fd_set sets[3], *use[3];
    struct timespec timeout, *tp = NULL;
    if (nfds < 0 || nfds > FD_SETSIZE) {
        return -EINVAL;
    }
    for (int i = 0; i < 3; i++) {
        int64_t error = fdset_from_guest(p, args[1 + i], nfds, &sets[i], &use[i]);
        if (error) {
            return error;
        }
    }
    if (args[4]) {
        if (!timeout_from_guest(p, args[4], time64, &timeout, unit_ns)) {
            return -EFAULT;
        }
        tp = &timeout;
    }
    uint64_t mask = 0;
    bool masked = false;
    if (unit_ns == 1) {
        int64_t error = pselect_mask(p, args[5], &mask, &masked);
        if (error) {
            return error;
        }
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    sigset_t host_mask;
    struct { sigset_t *set; size_t size; } host_arg = { &host_mask, 8 };
    if (masked) {
        user_call_mask_begin(p, mask, &host_mask);
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_pselect6, nfds, (long)use[0], (long)use[1], (long)use[2],
                               (long)tp, masked ? (long)&host_arg : 0);
    if (masked) {
        user_call_mask_end(p, ret);
    }
    if (ret < 0) {
        return ret;
    }
    for (int i = 0; i < 3; i++) {
        fdset_to_guest(p, args[1 + i], nfds, &sets[i]);
    }
    if (tp && unit_ns == 1000) {
        /* Linux's select writes back the time not slept */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t left = (timeout.tv_sec - (now.tv_sec - start.tv_sec)) * 1000000000LL +
                       (timeout.tv_nsec - (now.tv_nsec - start.tv_nsec));
        left = left < 0 || ret == 0 ? 0 : left;
        struct timespec rest = { left / 1000000000LL, left % 1000000000LL };
        timeout_to_guest(p, args[4], time64, &rest, unit_ns);
    }
    return ret;
}

SYSCALL_HANDLER(select)
{
    return do_select(p, args, 1000, false);
}

/* pselect6 and ppoll take a signal mask for the time of the call, like
 * rt_sigsuspend (signal.c, user_call_mask_begin) */
SYSCALL_HANDLER(pselect6)
{
    return do_select(p, args, 1, false);
}

SYSCALL_HANDLER(pselect6_time64)
{
    return do_select(p, args, 1, true);
}

static int64_t do_ppoll(UserProcess *p, const uint64_t *args, bool time64)
{
    uint64_t count = (uint32_t)args[1];
    struct timespec timeout, *tp = NULL;
    struct pollfd *fds = guest_ptr(p, args[0], count * sizeof(struct pollfd), PAGE_WRITE);
    if (!fds) {
        return -EFAULT;
    }
    if (args[2]) {
        if (!timeout_from_guest(p, args[2], time64, &timeout, 1)) {
            return -EFAULT;
        }
        tp = &timeout;
    }
    uint64_t mask;
    sigset_t host_mask;
    if (args[3]) {
        if (args[4] != 8) {
            return -EINVAL;
        }
        if (!copy_from_guest(p, &mask, args[3], 8)) {
            return -EFAULT;
        }
        user_call_mask_begin(p, mask, &host_mask);
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_ppoll, (long)fds, (long)count, (long)tp,
                               args[3] ? (long)&host_mask : 0, 8);
    if (args[3]) {
        user_call_mask_end(p, ret);
    }
    return ret;
}

SYSCALL_HANDLER(ppoll)
{
    return do_ppoll(p, args, false);
}

SYSCALL_HANDLER(ppoll_time64)
{
    return do_ppoll(p, args, true);
}

/* --- event and memory descriptors, space allocation, copies --- */

/* struct epoll_event is packed (12 bytes) on x86 in both ABIs */
#define EPOLL_EVENT_SIZE 12

SYSCALL_HANDLER(epoll_create1)
{
    return host_result(epoll_create1(arg_int(args, 0)));
}

SYSCALL_HANDLER(epoll_create)
{
    return arg_int(args, 0) <= 0 ? -EINVAL : host_result(epoll_create1(0));
}

SYSCALL_HANDLER(epoll_ctl)
{
    void *event = NULL;
    if (args[3]) {
        event = guest_ptr(p, args[3], EPOLL_EVENT_SIZE, PAGE_READ);
        if (!event) {
            return -EFAULT;
        }
    }
    return host_result(epoll_ctl(arg_int(args, 0), arg_int(args, 1), arg_int(args, 2), event));
}

/* epoll_wait and epoll_pwait (whose signal mask is ignored) */
SYSCALL_HANDLER(epoll_wait)
{
    int max = arg_int(args, 2);
    if (max <= 0 || max > (1 << 20)) {
        return -EINVAL;
    }
    void *events = guest_ptr(p, args[1], (uint64_t)max * EPOLL_EVENT_SIZE, PAGE_WRITE);
    return events ? SAFE_SYSCALL(p, SYS_epoll_wait, arg_int(args, 0), (long)events, max,
                                 arg_int(args, 3))
                  : -EFAULT;
}

SYSCALL_HANDLER(eventfd2)
{
    return host_result(eventfd((unsigned)args[0], arg_int(args, 1)));
}

SYSCALL_HANDLER(eventfd)
{
    return host_result(eventfd((unsigned)args[0], 0));
}

SYSCALL_HANDLER(memfd_create)
{
    const char *name = guest_string(p, args[0]);
    return name ? host_result(memfd_create(name, (unsigned)args[1])) : -EFAULT;
}

/* x86-64 (fd, mode, offset, len); i386 splits offset and len in two words each */
SYSCALL_HANDLER(fallocate)
{
    int64_t offset = p->abi->is64 ? (int64_t)args[2] : arg_pair(args, 2);
    int64_t len = p->abi->is64 ? (int64_t)args[3] : arg_pair(args, 4);
    return host_result(fallocate(arg_int(args, 0), arg_int(args, 1), offset, len));
}

SYSCALL_HANDLER(copy_file_range)
{
    loff_t *in = args[1] ? guest_ptr(p, args[1], 8, PAGE_WRITE) : NULL;
    loff_t *out = args[3] ? guest_ptr(p, args[3], 8, PAGE_WRITE) : NULL;
    if ((args[1] && !in) || (args[3] && !out)) {
        return -EFAULT;
    }
    return host_result(copy_file_range(arg_int(args, 0), in, arg_int(args, 2), out, args[4],
                                       (unsigned)args[5]));
}

SYSCALL_HANDLER(close_range)
{
    return host_result(syscall(SYS_close_range, (unsigned)args[0], (unsigned)args[1],
                               (unsigned)args[2]));
}
