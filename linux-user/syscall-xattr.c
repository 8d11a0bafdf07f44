/*
 * Extended attributes (xattr(7); getxattr(2), setxattr(2), listxattr(2),
 * removexattr(2)): the same arguments in both x86 ABIs, so the host call
 * takes the checked guest buffers as they are (size 0: no buffer, the call
 * returns the size needed). ls -l asks for them (ACLs, SELinux labels) on
 * every file.
 */
#include <sys/xattr.h>
#include "linux-user/user.h"

#define GUEST_PATH_OR_RETURN(var, index)                        \
    int64_t var##_error = 0;                                    \
    const char *var = guest_path(p, args[index], &var##_error); \
    if (!var) {                                                 \
        return var##_error;                                     \
    }
#define GUEST_STRING_OR_RETURN(var, index)                      \
    const char *var = guest_string(p, args[index]);             \
    if (!var) {                                                 \
        return -EFAULT;                                         \
    }

/* getxattr family: (target, name, value, size); size 0 asks for the size */
static int64_t get_common(UserProcess *p, const uint64_t *args, int kind, const char *path)
{
    GUEST_STRING_OR_RETURN(name, 1);
    void *value = args[3] ? guest_ptr(p, args[2], args[3], PAGE_WRITE) : NULL;
    if (args[3] && !value) {
        return -EFAULT;
    }
    size_t size = (size_t)args[3];
    ssize_t ret = kind == 0 ? getxattr(path, name, value, size)
                : kind == 1 ? lgetxattr(path, name, value, size)
                            : fgetxattr(arg_int(args, 0), name, value, size);
    return host_result(ret);
}

SYSCALL_HANDLER(getxattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return get_common(p, args, 0, path);
}

SYSCALL_HANDLER(lgetxattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return get_common(p, args, 1, path);
}

SYSCALL_HANDLER(fgetxattr)
{
    return get_common(p, args, 2, NULL);
}

/* setxattr family: (target, name, value, size, flags) */
static int64_t set_common(UserProcess *p, const uint64_t *args, int kind, const char *path)
{
    GUEST_STRING_OR_RETURN(name, 1);
    const void *value = args[3] ? guest_ptr(p, args[2], args[3], PAGE_READ) : NULL;
    if (args[3] && !value) {
        return -EFAULT;
    }
    size_t size = (size_t)args[3];
    int flags = arg_int(args, 4);
    int ret = kind == 0 ? setxattr(path, name, value, size, flags)
            : kind == 1 ? lsetxattr(path, name, value, size, flags)
                        : fsetxattr(arg_int(args, 0), name, value, size, flags);
    return host_result(ret);
}

SYSCALL_HANDLER(setxattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return set_common(p, args, 0, path);
}

SYSCALL_HANDLER(lsetxattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return set_common(p, args, 1, path);
}

SYSCALL_HANDLER(fsetxattr)
{
    return set_common(p, args, 2, NULL);
}

/* listxattr family: (target, list, size) */
static int64_t list_common(UserProcess *p, const uint64_t *args, int kind, const char *path)
{
    char *list = args[2] ? guest_ptr(p, args[1], args[2], PAGE_WRITE) : NULL;
    if (args[2] && !list) {
        return -EFAULT;
    }
    size_t size = (size_t)args[2];
    ssize_t ret = kind == 0 ? listxattr(path, list, size)
                : kind == 1 ? llistxattr(path, list, size)
                            : flistxattr(arg_int(args, 0), list, size);
    return host_result(ret);
}

SYSCALL_HANDLER(listxattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return list_common(p, args, 0, path);
}

SYSCALL_HANDLER(llistxattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return list_common(p, args, 1, path);
}

SYSCALL_HANDLER(flistxattr)
{
    return list_common(p, args, 2, NULL);
}

/* removexattr family: (target, name) */
static int64_t remove_common(UserProcess *p, const uint64_t *args, int kind, const char *path)
{
    GUEST_STRING_OR_RETURN(name, 1);
    int ret = kind == 0 ? removexattr(path, name)
            : kind == 1 ? lremovexattr(path, name)
                        : fremovexattr(arg_int(args, 0), name);
    return host_result(ret);
}

SYSCALL_HANDLER(removexattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return remove_common(p, args, 0, path);
}

SYSCALL_HANDLER(lremovexattr)
{
    GUEST_PATH_OR_RETURN(path, 0);
    return remove_common(p, args, 1, path);
}

SYSCALL_HANDLER(fremovexattr)
{
    return remove_common(p, args, 2, NULL);
}
