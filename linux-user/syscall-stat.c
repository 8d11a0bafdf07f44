/*
 * File status system calls. x86-64 guests share the host's structures; i386
 * guests get struct stat64 and struct statfs64 in their own layout (Linux
 * arch/x86/include/uapi/asm/stat.h and asm-generic/statfs.h, 32-bit).
 * struct statx is the same everywhere.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux-user/user.h"

typedef struct __attribute__((packed)) I386Stat64 {
    uint64_t dev;
    uint8_t pad0[4];
    uint32_t ino32;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev;
    uint8_t pad3[4];
    int64_t size;
    uint32_t blksize;
    uint64_t blocks;
    uint32_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
    uint64_t ino;
} I386Stat64;
_Static_assert(sizeof(I386Stat64) == 96, "i386 struct stat64 is 96 bytes");

typedef struct __attribute__((packed)) I386Statfs64 {
    uint32_t type, bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    uint32_t namelen, frsize, flags, spare[4];
} I386Statfs64;
_Static_assert(sizeof(I386Statfs64) == 84, "i386 struct statfs64 is 84 bytes");

#define GUEST_PATH_OR_RETURN(var, index)                       \
    int64_t var##_error = 0;                                   \
    const char *var = guest_path(p, args[index], &var##_error); \
    if (!var) {                                                \
        return var##_error;                                    \
    }

static void stat_to_i386(I386Stat64 *out, const struct stat *st)
{
    memset(out, 0, sizeof(*out));
    out->dev = st->st_dev;
    out->ino32 = (uint32_t)st->st_ino;
    out->mode = st->st_mode;
    out->nlink = (uint32_t)st->st_nlink;
    out->uid = st->st_uid;
    out->gid = st->st_gid;
    out->rdev = st->st_rdev;
    out->size = st->st_size;
    out->blksize = (uint32_t)st->st_blksize;
    out->blocks = (uint64_t)st->st_blocks;
    out->atime = (uint32_t)st->st_atim.tv_sec;
    out->atime_nsec = (uint32_t)st->st_atim.tv_nsec;
    out->mtime = (uint32_t)st->st_mtim.tv_sec;
    out->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
    out->ctime = (uint32_t)st->st_ctim.tv_sec;
    out->ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
    out->ino = st->st_ino;
}

/* Host fstatat, result written in the guest's layout. */
static int64_t stat_common(UserProcess *p, int dirfd, const char *path, int flags,
                           uint64_t buf_addr)
{
    struct stat st;
    size_t size = p->abi->is64 ? sizeof(struct stat) : sizeof(I386Stat64);
    void *buf = guest_ptr(p, buf_addr, size, PAGE_WRITE);
    if (!buf) {
        return -EFAULT;
    }
    if (fstatat(dirfd, path, &st, flags) != 0) {
        return -errno;
    }
    if (p->abi->is64) {
        memcpy(buf, &st, sizeof(st));
    } else {
        I386Stat64 out;
        stat_to_i386(&out, &st);
        memcpy(buf, &out, sizeof(out));
    }
    return 0;
}

SYSCALL_HANDLER(stat)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return stat_common(p, AT_FDCWD, path, 0, args[1]);
}

/* A path for a call that does not follow a final symlink: /proc/self/exe stays
 * the link it is. */
static const char *nofollow_path(UserProcess *p, uint64_t addr, int flags, int64_t *error)
{
    if (flags & AT_SYMLINK_NOFOLLOW) {
        const char *path = guest_string(p, addr);
        *error = path ? 0 : -EFAULT;
        return path;
    }
    return guest_path(p, addr, error);
}

SYSCALL_HANDLER(lstat)
{
    int64_t error;
    const char *path = nofollow_path(p, args[0], AT_SYMLINK_NOFOLLOW, &error);
    return path ? stat_common(p, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, args[1]) : error;
}

SYSCALL_HANDLER(fstat)
{
    return stat_common(p, arg_int(args, 0), "", AT_EMPTY_PATH, args[1]);
}

SYSCALL_HANDLER(newfstatat)
{
    int64_t error;
    const char *path = nofollow_path(p, args[1], arg_int(args, 3), &error);
    return path ? stat_common(p, arg_int(args, 0), path, arg_int(args, 3), args[2]) : error;
}

/* the i386 names of the same calls (struct stat64) */
SYSCALL_HANDLER(stat64)
{
    return sys_stat(p, args);
}

SYSCALL_HANDLER(lstat64)
{
    return sys_lstat(p, args);
}

SYSCALL_HANDLER(fstat64)
{
    return sys_fstat(p, args);
}

SYSCALL_HANDLER(fstatat64)
{
    return sys_newfstatat(p, args);
}

/*
 * The i386 stat/lstat/fstat (numbers 106-108) use struct stat with 32-bit
 * fields and 16-bit mode, nlink, uid and gid; Linux refuses with EOVERFLOW what
 * does not fit (fs/stat.c, cp_new_stat).
 */
typedef struct I386Stat {
    uint32_t dev, ino;
    uint16_t mode, nlink, uid, gid;
    uint32_t rdev, size, blksize, blocks;
    uint32_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
    uint32_t unused[2];
} I386Stat;
_Static_assert(sizeof(I386Stat) == 64, "i386 struct stat is 64 bytes");

static bool old_valid_dev(dev_t dev)
{
    return major(dev) < 256 && minor(dev) < 256;
}

static uint16_t low_id(uint32_t id)
{
    return id > 0xffff ? 65534 : (uint16_t)id;   /* the overflow uid/gid */
}

static int64_t stat32_common(UserProcess *p, int dirfd, const char *path, int flags,
                             uint64_t buf_addr)
{
    struct stat st;
    if (!guest_ptr(p, buf_addr, sizeof(I386Stat), PAGE_WRITE)) {
        return -EFAULT;
    }
    if (fstatat(dirfd, path, &st, flags) != 0) {
        return -errno;
    }
    if (!old_valid_dev(st.st_dev) || !old_valid_dev(st.st_rdev) || st.st_ino > UINT32_MAX ||
        st.st_size > INT32_MAX || st.st_nlink > 0xffff) {
        return -EOVERFLOW;
    }
    I386Stat out = {
        .dev = (uint32_t)(major(st.st_dev) << 8 | minor(st.st_dev)),
        .ino = (uint32_t)st.st_ino, .mode = (uint16_t)st.st_mode,
        .nlink = (uint16_t)st.st_nlink, .uid = low_id(st.st_uid), .gid = low_id(st.st_gid),
        .rdev = (uint32_t)(major(st.st_rdev) << 8 | minor(st.st_rdev)),
        .size = (uint32_t)st.st_size, .blksize = (uint32_t)st.st_blksize,
        .blocks = (uint32_t)st.st_blocks,
        .atime = (uint32_t)st.st_atim.tv_sec, .atime_nsec = (uint32_t)st.st_atim.tv_nsec,
        .mtime = (uint32_t)st.st_mtim.tv_sec, .mtime_nsec = (uint32_t)st.st_mtim.tv_nsec,
        .ctime = (uint32_t)st.st_ctim.tv_sec, .ctime_nsec = (uint32_t)st.st_ctim.tv_nsec,
    };
    return copy_to_guest(p, buf_addr, &out, sizeof(out)) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(stat32)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return stat32_common(p, AT_FDCWD, path, 0, args[1]);
}

SYSCALL_HANDLER(lstat32)
{
    int64_t error;
    const char *path = nofollow_path(p, args[0], AT_SYMLINK_NOFOLLOW, &error);
    return path ? stat32_common(p, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, args[1]) : error;
}

SYSCALL_HANDLER(fstat32)
{
    return stat32_common(p, arg_int(args, 0), "", AT_EMPTY_PATH, args[1]);
}

SYSCALL_HANDLER(statx)
{
    int64_t error;
    const char *path = nofollow_path(p, args[1], arg_int(args, 2), &error);
    if (!path) {
        return error;
    }
    void *buf = guest_ptr(p, args[4], sizeof(struct statx), PAGE_WRITE);
    if (!buf) {
        return -EFAULT;
    }
    return host_result(syscall(SYS_statx, arg_int(args, 0), path, arg_int(args, 2),
                               (unsigned)args[3], buf));
}

static int64_t statfs_result(UserProcess *p, const struct statfs *st, uint64_t buf_addr,
                             uint64_t guest_size)
{
    if (p->abi->is64) {
        return copy_to_guest(p, buf_addr, st, sizeof(*st)) ? 0 : -EFAULT;
    }
    if (guest_size != sizeof(I386Statfs64)) {
        return -EINVAL;
    }
    I386Statfs64 out = {
        .type = (uint32_t)st->f_type, .bsize = (uint32_t)st->f_bsize,
        .blocks = st->f_blocks, .bfree = st->f_bfree, .bavail = st->f_bavail,
        .files = st->f_files, .ffree = st->f_ffree,
        .namelen = (uint32_t)st->f_namelen, .frsize = (uint32_t)st->f_frsize,
        .flags = (uint32_t)st->f_flags,
    };
    memcpy(out.fsid, &st->f_fsid, sizeof(out.fsid));
    return copy_to_guest(p, buf_addr, &out, sizeof(out)) ? 0 : -EFAULT;
}

/* x86-64 statfs(path, buf); i386 statfs64(path, size, buf) */
SYSCALL_HANDLER(statfs)
{
    GUEST_PATH_OR_RETURN(path, 0);
    struct statfs st;
    if (statfs(path, &st) != 0) {
        return -errno;
    }
    return p->abi->is64 ? statfs_result(p, &st, args[1], 0)
                        : statfs_result(p, &st, args[2], args[1]);
}

SYSCALL_HANDLER(fstatfs)
{
    struct statfs st;
    if (fstatfs(arg_int(args, 0), &st) != 0) {
        return -errno;
    }
    return p->abi->is64 ? statfs_result(p, &st, args[1], 0)
                        : statfs_result(p, &st, args[2], args[1]);
}

static int64_t do_utimensat(UserProcess *p, const uint64_t *args, bool time64)
{
    const char *path = NULL;
    if (args[1]) {
        int64_t error = 0;
        path = guest_path(p, args[1], &error);
        if (!path) {
            return error;
        }
    }
    struct timespec times[2], *tp = NULL;
    if (args[2]) {
        tp = times;
        if (time64) {
            if (!copy_from_guest(p, times, args[2], sizeof(times))) {
                return -EFAULT;
            }
        } else {
            int32_t raw[4];
            if (!copy_from_guest(p, raw, args[2], sizeof(raw))) {
                return -EFAULT;
            }
            times[0] = (struct timespec){ raw[0], raw[1] };
            times[1] = (struct timespec){ raw[2], raw[3] };
        }
    }
    /* path NULL: futimens on the descriptor, which the system call allows */
    return host_result(syscall(SYS_utimensat, arg_int(args, 0), path, tp, arg_int(args, 3)));
}

SYSCALL_HANDLER(utimensat)
{
    return do_utimensat(p, args, p->abi->is64);
}

SYSCALL_HANDLER(utimensat_time64)
{
    return do_utimensat(p, args, true);
}
