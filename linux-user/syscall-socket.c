/*
 * Socket system calls. Socket addresses have the same layout in both ABIs; the
 * i386 ABI reaches them through socketcall (Linux net/socket.c, sys_socketcall)
 * or, on newer kernels, direct numbers. struct msghdr has 32-bit fields on i386;
 * control messages are passed only for x86-64 guests (whose layout is the host's).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux-user/user.h"

/* A guest socklen_t in/out parameter and the buffer it sizes. */
static int64_t guest_sockaddr_out(UserProcess *p, uint64_t addr, uint64_t len_addr,
                                  void **buf, socklen_t **len)
{
    *buf = NULL;
    *len = NULL;
    if (!len_addr) {
        return 0;
    }
    *len = guest_ptr(p, len_addr, sizeof(socklen_t), PAGE_WRITE);
    if (!*len) {
        return -EFAULT;
    }
    if ((int32_t)**len < 0) {
        return -EINVAL;
    }
    *buf = guest_ptr(p, addr, **len, PAGE_WRITE);
    return *buf || **len == 0 ? 0 : -EFAULT;
}

SYSCALL_HANDLER(socket)
{
    return host_result(socket(arg_int(args, 0), arg_int(args, 1), arg_int(args, 2)));
}

SYSCALL_HANDLER(socketpair)
{
    int *fds = guest_ptr(p, args[3], 2 * sizeof(int), PAGE_WRITE);
    return fds ? host_result(socketpair(arg_int(args, 0), arg_int(args, 1), arg_int(args, 2),
                                        fds))
               : -EFAULT;
}

SYSCALL_HANDLER(bind)
{
    const void *addr = guest_ptr(p, args[1], (uint32_t)args[2], PAGE_READ);
    return addr ? host_result(bind(arg_int(args, 0), addr, (socklen_t)args[2])) : -EFAULT;
}

SYSCALL_HANDLER(connect)
{
    const void *addr = guest_ptr(p, args[1], (uint32_t)args[2], PAGE_READ);
    return addr ? SAFE_SYSCALL(p, SYS_connect, arg_int(args, 0), (long)addr, (socklen_t)args[2])
                : -EFAULT;
}

SYSCALL_HANDLER(listen)
{
    return host_result(listen(arg_int(args, 0), arg_int(args, 1)));
}

static int64_t do_accept4(UserProcess *p, const uint64_t *args, int flags)
{
    void *addr;
    socklen_t *len;
    int64_t error = guest_sockaddr_out(p, args[1], args[2], &addr, &len);
    if (error) {
        return error;
    }
    return SAFE_SYSCALL(p, SYS_accept4, arg_int(args, 0), (long)addr, (long)len, flags);
}

SYSCALL_HANDLER(accept)
{
    return do_accept4(p, args, 0);
}

SYSCALL_HANDLER(accept4)
{
    return do_accept4(p, args, arg_int(args, 3));
}

SYSCALL_HANDLER(getsockname)
{
    void *addr;
    socklen_t *len;
    int64_t error = guest_sockaddr_out(p, args[1], args[2], &addr, &len);
    return error ? error : host_result(getsockname(arg_int(args, 0), addr, len));
}

SYSCALL_HANDLER(getpeername)
{
    void *addr;
    socklen_t *len;
    int64_t error = guest_sockaddr_out(p, args[1], args[2], &addr, &len);
    return error ? error : host_result(getpeername(arg_int(args, 0), addr, len));
}

SYSCALL_HANDLER(sendto)
{
    const void *buf = guest_ptr(p, args[1], args[2], PAGE_READ);
    const void *addr = args[4] ? guest_ptr(p, args[4], (uint32_t)args[5], PAGE_READ) : NULL;
    if (!buf || (args[4] && !addr)) {
        return -EFAULT;
    }
    return SAFE_SYSCALL(p, SYS_sendto, arg_int(args, 0), (long)buf, (long)args[2],
                        arg_int(args, 3), (long)addr, (socklen_t)args[5]);
}

SYSCALL_HANDLER(recvfrom)
{
    void *buf = guest_ptr(p, args[1], args[2], PAGE_WRITE);
    void *addr;
    socklen_t *len;
    if (!buf) {
        return -EFAULT;
    }
    int64_t error = guest_sockaddr_out(p, args[4], args[5], &addr, &len);
    if (error) {
        return error;
    }
    return SAFE_SYSCALL(p, SYS_recvfrom, arg_int(args, 0), (long)buf, (long)args[2],
                        arg_int(args, 3), (long)addr, (long)len);
}

SYSCALL_HANDLER(shutdown)
{
    return host_result(shutdown(arg_int(args, 0), arg_int(args, 1)));
}

/* Option values are ints or small structures of the same layout, except the
 * i386 timevals (SO_RCVTIMEO, SO_SNDTIMEO), which are refused. */
static bool sockopt_supported(const UserProcess *p, int level, int name)
{
    return p->abi->is64 || level != SOL_SOCKET ||
           (name != SO_RCVTIMEO_OLD && name != SO_SNDTIMEO_OLD);
}

SYSCALL_HANDLER(setsockopt)
{
    int level = arg_int(args, 1), name = arg_int(args, 2);
    if (!sockopt_supported(p, level, name)) {
        return -ENOPROTOOPT;
    }
    const void *value = guest_ptr(p, args[3], (uint32_t)args[4], PAGE_READ);
    return value ? host_result(setsockopt(arg_int(args, 0), level, name, value,
                                          (socklen_t)args[4]))
                 : -EFAULT;
}

SYSCALL_HANDLER(getsockopt)
{
    int level = arg_int(args, 1), name = arg_int(args, 2);
    void *value;
    socklen_t *len;
    if (!sockopt_supported(p, level, name)) {
        return -ENOPROTOOPT;
    }
    int64_t error = guest_sockaddr_out(p, args[3], args[4], &value, &len);
    if (error || !len) {
        return error ? error : -EFAULT;
    }
    return host_result(getsockopt(arg_int(args, 0), level, name, value, len));
}

/* struct msghdr: name, namelen, iov, iovlen, control, controllen, flags */
typedef struct GuestMsghdr {
    uint64_t name, iov, iovlen, control, controllen;
    uint32_t namelen;
    int32_t flags;
    uint64_t flags_addr;            /* where msg_flags lives in guest memory */
} GuestMsghdr;

static bool msghdr_from_guest(UserProcess *p, uint64_t addr, GuestMsghdr *m)
{
    if (p->abi->is64) {
        uint64_t raw[7];
        if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
            return false;
        }
        *m = (GuestMsghdr){ raw[0], raw[2], raw[3], raw[4], raw[5], (uint32_t)raw[1],
                            (int32_t)raw[6], addr + 48 };
        return true;
    }
    uint32_t raw[7];
    if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
        return false;
    }
    *m = (GuestMsghdr){ raw[0], raw[2], raw[3], raw[4], raw[5], raw[1], (int32_t)raw[6],
                        addr + 24 };
    return true;
}

static int64_t do_msg(UserProcess *p, const uint64_t *args, bool receive)
{
    GuestMsghdr g;
    int64_t error;
    if (!msghdr_from_guest(p, args[1], &g)) {
        return -EFAULT;
    }
    if (g.control && g.controllen && !p->abi->is64) {
        return -EOPNOTSUPP;
    }
    int access = receive ? PAGE_WRITE : PAGE_READ;
    struct msghdr m = {
        .msg_name = g.name ? guest_ptr(p, g.name, g.namelen, access) : NULL,
        .msg_namelen = g.name ? g.namelen : 0,
        .msg_control = g.control ? guest_ptr(p, g.control, g.controllen, access) : NULL,
        .msg_controllen = g.control ? g.controllen : 0,
    };
    if ((g.name && !m.msg_name) || (g.control && g.controllen && !m.msg_control)) {
        return -EFAULT;
    }
    m.msg_iov = guest_iovec(p, g.iov, (int)g.iovlen, access, &error);
    if (!m.msg_iov) {
        return error;
    }
    m.msg_iovlen = g.iovlen;
    int64_t ret = SAFE_SYSCALL(p, receive ? SYS_recvmsg : SYS_sendmsg, arg_int(args, 0),
                               (long)&m, arg_int(args, 2));
    free(m.msg_iov);
    if (receive && ret >= 0) {
        uint32_t namelen = m.msg_namelen;
        int32_t flags = m.msg_flags;
        uint64_t controllen = m.msg_controllen;
        unsigned word = p->abi->is64 ? 8 : 4;
        copy_to_guest(p, args[1] + word, &namelen, 4);
        copy_to_guest(p, args[1] + 5 * word, &controllen, word);
        copy_to_guest(p, g.flags_addr, &flags, 4);
    }
    return ret;
}

SYSCALL_HANDLER(sendmsg)
{
    return do_msg(p, args, false);
}

SYSCALL_HANDLER(recvmsg)
{
    return do_msg(p, args, true);
}

/* i386 socketcall(call, args): the call's arguments are 32-bit words in memory. */
SYSCALL_HANDLER(socketcall)
{
    static const struct { SyscallHandler *handler; uint8_t nargs; } calls[] = {
        [1] = { sys_socket, 3 },       [2] = { sys_bind, 3 },
        [3] = { sys_connect, 3 },      [4] = { sys_listen, 2 },
        [5] = { sys_accept, 3 },       [6] = { sys_getsockname, 3 },
        [7] = { sys_getpeername, 3 },  [8] = { sys_socketpair, 4 },
        [9] = { sys_sendto, 4 },       [10] = { sys_recvfrom, 4 },
        [11] = { sys_sendto, 6 },      [12] = { sys_recvfrom, 6 },
        [13] = { sys_shutdown, 2 },    [14] = { sys_setsockopt, 5 },
        [15] = { sys_getsockopt, 5 },  [16] = { sys_sendmsg, 3 },
        [17] = { sys_recvmsg, 3 },     [18] = { sys_accept4, 4 },
    };
    uint32_t call = (uint32_t)args[0];
    if (call == 0 || call >= sizeof(calls) / sizeof(calls[0])) {
        return -EINVAL;
    }
    uint32_t words[6] = { 0 };
    if (!copy_from_guest(p, words, args[1], calls[call].nargs * 4u)) {
        return -EFAULT;
    }
    /* send and recv are sendto and recvfrom without an address */
    uint64_t call_args[6] = { words[0], words[1], words[2], words[3], words[4], words[5] };
    return calls[call].handler(p, call_args);
}
