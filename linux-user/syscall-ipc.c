/*
 * System V IPC: shared memory, semaphores and message queues (svipc(7)),
 * and the i386 ipc() multiplexer that older i386 C libraries call instead
 * (ipc(2); numbers in include/uapi/linux/ipc.h).
 *
 * The host kernel keeps the objects; we convert the structures. x86-64 guests
 * share the host's layouts. i386 guests use the IPC_64 structures of
 * include/uapi/asm-generic/{ipcbuf,shmbuf,sembuf,msgbuf}.h with 32-bit longs
 * and times split in low and high words (glibc always asks for IPC_64 there);
 * the older pre-IPC_64 structures are refused with EINVAL.
 *
 * Shared memory is attached at a guest address we choose (i386: inside the
 * reserved 4 GiB region, replacing its PROT_NONE pages) and recorded in the
 * page flags like any mapping; shmdt needs the size, so attaches are listed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux-user/user.h"

#define IPC_64_FLAG 0x100       /* include/uapi/linux/ipc.h */
#define X86_SHMLBA 4096         /* arch/x86/include/asm/shmparam.h */
#define IPC_BUF_SIZE 256        /* larger than every structure here */

typedef struct ShmAttach {
    uint64_t addr, size;
} ShmAttach;

struct UserIPC {
    ShmAttach *attaches;
    int count, capacity;
};

/* --- structure conversion --- */

/*
 * After the struct ipc64_perm come fields of these kinds, in order:
 * W a long (8 bytes, 8-aligned on x86-64; 4 on i386), T a time (x86-64: a
 * long; i386: low then high word), I an int (4 bytes on both).
 */
#define SHMID_FIELDS "WTTTIIWWW"    /* segsz, atime, dtime, ctime, cpid, lpid, nattch, unused */
#define SEMID_FIELDS "WWWWWWW"      /* otime, (high), ctime, (high), nsems, unused */
#define MSQID_FIELDS "TTTWWWIIWW"   /* stime, rtime, ctime, cbytes, qnum, qbytes, lspid, lrpid */
#define SHMINFO_FIELDS "WWWWWWWWW"  /* struct shminfo64: shmmax .. unused4 */
#define SHM_INFO_FIELDS "IWWWWW"    /* struct shm_info: used_ids, shm_tot .. swap_successes */

#define PERM_SIZE_64 48
#define PERM_SIZE_32 36

/* Host (x86-64) layout to i386; returns the i386 size. */
static size_t fields_to_i386(const char *fields, bool perm, const uint8_t *host, uint8_t *guest)
{
    size_t h = 0, g = 0;
    memset(guest, 0, IPC_BUF_SIZE);
    if (perm) {
        memcpy(guest, host, 20);                /* key, uid, gid, cuid, cgid */
        memcpy(guest + 20, host + 20, 2);       /* mode: 16 bits on i386 */
        memcpy(guest + 24, host + 24, 2);       /* seq */
        h = PERM_SIZE_64;
        g = PERM_SIZE_32;
    }
    for (const char *f = fields; *f; f++) {
        if (*f == 'I') {
            memcpy(guest + g, host + h, 4);
            h += 4;
            g += 4;
            continue;
        }
        h = (h + 7) & ~(size_t)7;
        uint64_t v;
        memcpy(&v, host + h, 8);
        uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
        memcpy(guest + g, &lo, 4);
        g += 4;
        if (*f == 'T') {
            memcpy(guest + g, &hi, 4);
            g += 4;
        }
        h += 8;
    }
    return g;
}

/* i386 layout to the host's; returns the i386 size read. */
static size_t fields_from_i386(const char *fields, bool perm, const uint8_t *guest,
                               uint8_t *host)
{
    size_t h = 0, g = 0;
    memset(host, 0, IPC_BUF_SIZE);
    if (perm) {
        memcpy(host, guest, 20);
        memcpy(host + 20, guest + 20, 2);
        memcpy(host + 24, guest + 24, 2);
        h = PERM_SIZE_64;
        g = PERM_SIZE_32;
    }
    for (const char *f = fields; *f; f++) {
        if (*f == 'I') {
            memcpy(host + h, guest + g, 4);
            h += 4;
            g += 4;
            continue;
        }
        h = (h + 7) & ~(size_t)7;
        uint32_t lo, hi = 0;
        memcpy(&lo, guest + g, 4);
        g += 4;
        if (*f == 'T') {
            memcpy(&hi, guest + g, 4);
            g += 4;
        }
        uint64_t v = lo | (uint64_t)hi << 32;
        if (*f == 'W') {
            v = lo;     /* unsigned long on i386 */
        }
        memcpy(host + h, &v, 8);
        h += 8;
    }
    return g;
}

static size_t fields_size_64(const char *fields, bool perm)
{
    size_t h = perm ? PERM_SIZE_64 : 0;
    for (const char *f = fields; *f; f++) {
        h = *f == 'I' ? h + 4 : ((h + 7) & ~(size_t)7) + 8;
    }
    return (h + 7) & ~(size_t)7;
}

/* A structure out to the guest at addr (x86-64: as the host wrote it). */
static bool ipc_struct_out(UserProcess *p, uint64_t addr, const char *fields, bool perm,
                           const uint8_t *host)
{
    if (p->abi->is64) {
        return copy_to_guest(p, addr, host, fields_size_64(fields, perm));
    }
    uint8_t guest[IPC_BUF_SIZE];
    size_t size = fields_to_i386(fields, perm, host, guest);
    return copy_to_guest(p, addr, guest, size);
}

static bool ipc_struct_in(UserProcess *p, uint8_t *host, uint64_t addr, const char *fields,
                          bool perm)
{
    if (p->abi->is64) {
        memset(host, 0, IPC_BUF_SIZE);
        return copy_from_guest(p, host, addr, fields_size_64(fields, perm));
    }
    uint8_t guest[IPC_BUF_SIZE];
    memset(guest, 0, sizeof(guest));
    /* the i386 size is what fields_from_i386 reads: find it on zeros first */
    size_t size = fields_from_i386(fields, perm, guest, host);
    if (!copy_from_guest(p, guest, addr, size)) {
        return false;
    }
    fields_from_i386(fields, perm, guest, host);
    return true;
}

/* i386: the command without IPC_64; -EINVAL for the old structures of
 * commands that have one (ipc_parse_version in ipc/util.c). */
static int ipc_command(const UserProcess *p, int cmd, bool has_struct)
{
    if (p->abi->is64) {
        return cmd & ~IPC_64_FLAG;
    }
    if (has_struct && !(cmd & IPC_64_FLAG)) {
        return -1;
    }
    return cmd & ~IPC_64_FLAG;
}

/* The structure a control command reads or writes, by command. */
typedef struct IpcCommand {
    int cmd;
    const char *fields;
    bool perm;
    bool in;        /* the kernel reads it (IPC_SET) rather than writes it */
} IpcCommand;

static const IpcCommand *ipc_find(const IpcCommand *list, int cmd)
{
    for (; list->fields; list++) {
        if (list->cmd == (cmd & ~IPC_64_FLAG)) {
            return list;
        }
    }
    return NULL;
}

/* shmctl and msgctl: the call with the structure converted both ways. */
static int64_t ipc_ctl(UserProcess *p, long nr, const IpcCommand *list, int id, int cmd,
                       uint64_t buf)
{
    const IpcCommand *c = ipc_find(list, cmd);
    int host_cmd = ipc_command(p, cmd, c != NULL);
    if (host_cmd < 0) {
        return -EINVAL;
    }
    if (!c) {
        return host_result(syscall(nr, id, host_cmd, 0L));
    }
    uint8_t host[IPC_BUF_SIZE];
    memset(host, 0, sizeof(host));
    if (c->in && !ipc_struct_in(p, host, buf, c->fields, c->perm)) {
        return -EFAULT;
    }
    if (!c->in && !guest_ptr(p, buf, 1, PAGE_WRITE)) {
        return -EFAULT;
    }
    long ret = syscall(nr, id, host_cmd, host);
    if (ret < 0) {
        return -errno;
    }
    if (!c->in && !ipc_struct_out(p, buf, c->fields, c->perm, host)) {
        return -EFAULT;
    }
    return ret;
}

/* --- shared memory --- */

static const IpcCommand shm_commands[] = {
    { IPC_STAT, SHMID_FIELDS, true, false }, { SHM_STAT, SHMID_FIELDS, true, false },
    { 15 /* SHM_STAT_ANY */, SHMID_FIELDS, true, false }, { IPC_SET, SHMID_FIELDS, true, true },
    { IPC_INFO, SHMINFO_FIELDS, false, false }, { SHM_INFO, SHM_INFO_FIELDS, false, false },
    { 0, NULL, false, false },
};

SYSCALL_HANDLER(shmget)
{
    size_t size = p->abi->is64 ? args[1] : (uint32_t)args[1];
    return host_result(shmget((key_t)arg_int(args, 0), size, arg_int(args, 2)));
}

SYSCALL_HANDLER(shmctl)
{
    return ipc_ctl(p, SYS_shmctl, shm_commands, arg_int(args, 0), arg_int(args, 1), args[2]);
}

static bool attach_record(UserProcess *p, uint64_t addr, uint64_t size)
{
    if (!p->ipc) {
        p->ipc = calloc(1, sizeof(*p->ipc));
        if (!p->ipc) {
            return false;
        }
    }
    struct UserIPC *ipc = p->ipc;
    if (ipc->count == ipc->capacity) {
        int cap = ipc->capacity ? ipc->capacity * 2 : 8;
        ShmAttach *a = realloc(ipc->attaches, (size_t)cap * sizeof(*a));
        if (!a) {
            return false;
        }
        ipc->attaches = a;
        ipc->capacity = cap;
    }
    ipc->attaches[ipc->count++] = (ShmAttach){ addr, size };
    return true;
}

/* The guest address for shmat (shmat(2): SHM_RND rounds down to SHMLBA, an
 * unaligned address is EINVAL, so is a used range without SHM_REMAP); 0 with
 * x86-64 and no address: the host chooses. */
static int64_t shmat_address(UserProcess *p, uint64_t addr, uint64_t size, int flags)
{
    if (!addr) {
        if (p->abi->is64) {
            return 0;
        }
        uint64_t found = guest_find_free(p, size, 0);
        return found ? (int64_t)found : -ENOMEM;
    }
    if (addr & (X86_SHMLBA - 1)) {
        if (!(flags & SHM_RND)) {
            return -EINVAL;
        }
        addr &= ~(uint64_t)(X86_SHMLBA - 1);
    }
    if (!guest_range_replaceable(p, addr, size)) {
        return -EINVAL;
    }
    if (!(flags & SHM_REMAP)) {
        for (uint64_t a = addr; a < addr + size; a += GUEST_PAGE_SIZE) {
            if (page_get_flags(p->cpu, a) & PAGE_VALID) {
                return -EINVAL;
            }
        }
    }
    return (int64_t)addr;
}

static int64_t do_shmat(UserProcess *p, int id, uint64_t addr, int flags)
{
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0) {
        return -errno;
    }
    uint64_t size = GUEST_PAGE_ALIGN(ds.shm_segsz);
    int64_t where = shmat_address(p, addr, size, flags);
    if (where < 0) {
        return where;
    }
    int host_flags = flags & (SHM_RDONLY | SHM_EXEC | SHM_REMAP);
    if (where) {
        /* over the i386 reservation, or (x86-64) over the probe mapping
         * guest_range_replaceable leaves, or guest pages under SHM_REMAP */
        host_flags |= SHM_REMAP;
    }
    void *host = shmat(id, where ? guest_to_host(p, (uint64_t)where) : NULL, host_flags);
    if (host == (void *)-1) {
        return -errno;
    }
    uint64_t guest = host_to_guest(p, host);
    if (guest + size > p->abi->address_space_end || !attach_record(p, guest, size)) {
        shmdt(host);
        return -ENOMEM;
    }
    int prot = PROT_READ | ((flags & SHM_RDONLY) ? 0 : PROT_WRITE) |
               ((flags & SHM_EXEC) ? PROT_EXEC : 0);
    page_set_flags(p->cpu, guest, guest + size, PAGE_VALID | page_flags_from_prot(prot));
    return (int64_t)guest;
}

SYSCALL_HANDLER(shmat)
{
    return do_shmat(p, arg_int(args, 0), args[1], arg_int(args, 2));
}

SYSCALL_HANDLER(shmdt)
{
    struct UserIPC *ipc = p->ipc;
    for (int i = 0; ipc && i < ipc->count; i++) {
        ShmAttach a = ipc->attaches[i];
        if (a.addr != args[0]) {
            continue;
        }
        if (shmdt(guest_to_host(p, a.addr)) != 0) {
            return -errno;
        }
        if (p->reserved_size) {
            /* the pages go back to the i386 reservation (mmap.c) */
            mmap(guest_to_host(p, a.addr), a.size, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
        }
        page_set_flags(p->cpu, a.addr, a.addr + a.size, 0);
        ipc->attaches[i] = ipc->attaches[--ipc->count];
        return 0;
    }
    return -EINVAL;
}

/* --- semaphores --- */

SYSCALL_HANDLER(semget)
{
    (void)p;
    return host_result(semget((key_t)arg_int(args, 0), arg_int(args, 1), arg_int(args, 2)));
}

/* semop/semtimedop(id, sops, nsops, timeout): struct sembuf (6 bytes) is the
 * same in both ABIs */
static int64_t do_semtimedop(UserProcess *p, const uint64_t *args, bool has_timeout,
                             bool time64)
{
    uint64_t count = (uint32_t)args[2];
    if (count > 0xffff) {
        return -E2BIG;
    }
    void *sops = guest_ptr(p, args[1], count * 6, PAGE_READ);
    if (!sops) {
        return -EFAULT;
    }
    struct timespec ts;
    bool timed = has_timeout && args[3];
    if (timed && !timespec_from_guest(p, &ts, args[3], time64)) {
        return -EFAULT;
    }
    return SAFE_SYSCALL(p, SYS_semtimedop, arg_int(args, 0), (long)sops, (long)count,
                        timed ? (long)&ts : 0);
}

SYSCALL_HANDLER(semop) { return do_semtimedop(p, args, false, true); }
SYSCALL_HANDLER(semtimedop) { return do_semtimedop(p, args, true, p->abi->is64); }
SYSCALL_HANDLER(semtimedop_time64) { return do_semtimedop(p, args, true, true); }

#define SEM_NSEMS_OFFSET_64 (PERM_SIZE_64 + 4 * 8)

/* GETALL/SETALL: the array of unsigned shorts, one per semaphore of the set */
static int64_t semctl_all(UserProcess *p, int id, int cmd, uint64_t array)
{
    uint8_t host[IPC_BUF_SIZE];
    if (syscall(SYS_semctl, id, 0, IPC_STAT, host) < 0) {
        return -errno;
    }
    uint64_t nsems;
    memcpy(&nsems, host + SEM_NSEMS_OFFSET_64, 8);
    void *values = guest_ptr(p, array, nsems * 2, cmd == GETALL ? PAGE_WRITE : PAGE_READ);
    if (!values) {
        return -EFAULT;
    }
    return host_result(syscall(SYS_semctl, id, 0, cmd, values));
}

/* semctl(id, num, cmd, union semun arg): the union is passed by value, a
 * pointer or an int */
static int64_t do_semctl(UserProcess *p, int id, int num, int cmd, uint64_t arg)
{
    bool has_struct = (cmd & ~IPC_64_FLAG) == IPC_STAT || (cmd & ~IPC_64_FLAG) == IPC_SET ||
                      (cmd & ~IPC_64_FLAG) == 18 /* SEM_STAT */ ||
                      (cmd & ~IPC_64_FLAG) == 20 /* SEM_STAT_ANY */;
    int host_cmd = ipc_command(p, cmd, has_struct);
    if (host_cmd < 0) {
        return -EINVAL;
    }
    uint8_t host[IPC_BUF_SIZE];
    switch (host_cmd) {
    case IPC_STAT: case 18: case 20: {
        long ret = syscall(SYS_semctl, id, num, host_cmd, host);
        if (ret < 0) {
            return -errno;
        }
        return ipc_struct_out(p, arg, SEMID_FIELDS, true, host) ? ret : -EFAULT;
    }
    case IPC_SET:
        if (!ipc_struct_in(p, host, arg, SEMID_FIELDS, true)) {
            return -EFAULT;
        }
        return host_result(syscall(SYS_semctl, id, num, host_cmd, host));
    case GETALL: case SETALL:
        return semctl_all(p, id, host_cmd, arg);
    case IPC_INFO: case 19: {     /* SEM_INFO: struct seminfo, ten ints in both ABIs */
        void *info = guest_ptr(p, arg, 40, PAGE_WRITE);
        return info ? host_result(syscall(SYS_semctl, id, num, host_cmd, info)) : -EFAULT;
    }
    default:    /* SETVAL takes the int; the rest no argument */
        return host_result(syscall(SYS_semctl, id, num, host_cmd, (long)(int32_t)arg));
    }
}

SYSCALL_HANDLER(semctl)
{
    uint64_t arg = p->abi->is64 ? args[3] : (uint32_t)args[3];
    return do_semctl(p, arg_int(args, 0), arg_int(args, 1), arg_int(args, 2), arg);
}

/* --- message queues --- */

static const IpcCommand msg_commands[] = {
    { IPC_STAT, MSQID_FIELDS, true, false }, { 11 /* MSG_STAT */, MSQID_FIELDS, true, false },
    { 13 /* MSG_STAT_ANY */, MSQID_FIELDS, true, false }, { IPC_SET, MSQID_FIELDS, true, true },
    { 0, NULL, false, false },
};

SYSCALL_HANDLER(msgget)
{
    (void)p;
    return host_result(msgget((key_t)arg_int(args, 0), arg_int(args, 1)));
}

SYSCALL_HANDLER(msgctl)
{
    int cmd = arg_int(args, 1);
    if ((cmd & ~IPC_64_FLAG) == IPC_INFO || (cmd & ~IPC_64_FLAG) == 12 /* MSG_INFO */) {
        /* struct msginfo: seven ints and a short, 32 bytes in both ABIs */
        void *info = guest_ptr(p, args[2], 32, PAGE_WRITE);
        return info ? host_result(syscall(SYS_msgctl, arg_int(args, 0), cmd & ~IPC_64_FLAG, info))
                    : -EFAULT;
    }
    return ipc_ctl(p, SYS_msgctl, msg_commands, arg_int(args, 0), cmd, args[2]);
}

/* struct msgbuf starts with a long mtype: 4 bytes on i386, 8 on the host */
static int64_t do_msgsnd(UserProcess *p, int id, uint64_t msgp, uint64_t size, int flags)
{
    uint64_t type_size = p->abi->is64 ? 8 : 4;
    if ((int64_t)size < 0 || size > (1u << 24)) {
        return -EINVAL;
    }
    uint8_t *buf = malloc(8 + size);
    if (!buf) {
        return -ENOMEM;
    }
    int64_t type = 0;
    int64_t ret = -EFAULT;
    if (copy_from_guest(p, &type, msgp, type_size) &&
        copy_from_guest(p, buf + 8, msgp + type_size, size)) {
        if (!p->abi->is64) {
            type = (int32_t)type;
        }
        memcpy(buf, &type, 8);
        ret = SAFE_SYSCALL(p, SYS_msgsnd, id, (long)buf, (long)size, flags);
    }
    free(buf);
    return ret;
}

static int64_t do_msgrcv(UserProcess *p, int id, uint64_t msgp, uint64_t size, int64_t type,
                         int flags)
{
    uint64_t type_size = p->abi->is64 ? 8 : 4;
    if ((int64_t)size < 0 || size > (1u << 24)) {
        return -EINVAL;
    }
    if (!guest_ptr(p, msgp, type_size + size, PAGE_WRITE)) {
        return -EFAULT;
    }
    uint8_t *buf = malloc(8 + size);
    if (!buf) {
        return -ENOMEM;
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_msgrcv, id, (long)buf, (long)size, (long)type, flags);
    if (ret >= 0) {
        int64_t got;
        memcpy(&got, buf, 8);
        copy_to_guest(p, msgp, &got, type_size);     /* little-endian: the low word */
        copy_to_guest(p, msgp + type_size, buf + 8, (uint64_t)ret);
    }
    free(buf);
    return ret;
}

SYSCALL_HANDLER(msgsnd)
{
    uint64_t size = p->abi->is64 ? args[2] : (uint32_t)args[2];
    return do_msgsnd(p, arg_int(args, 0), args[1], size, arg_int(args, 3));
}

SYSCALL_HANDLER(msgrcv)
{
    uint64_t size = p->abi->is64 ? args[2] : (uint32_t)args[2];
    return do_msgrcv(p, arg_int(args, 0), args[1], size, arg_long(p, args, 3), arg_int(args, 4));
}

/* --- i386 ipc(call, first, second, third, ptr, fifth) --- */

/* ipc/syscall.c, ksys_ipc: the low 16 bits of call select the operation,
 * the high ones its version */
static int64_t ipc_shm(UserProcess *p, int call, int version, const uint64_t *a)
{
    switch (call) {
    case 21: {                   /* SHMAT: the address goes to *third */
        if (version == 1) {
            return -EINVAL;         /* the iBCS2 variant */
        }
        int64_t addr = do_shmat(p, arg_int(a, 1), a[4], arg_int(a, 2));
        if (addr < 0) {
            return addr;
        }
        uint32_t word = (uint32_t)addr;
        return copy_to_guest(p, (uint32_t)a[3], &word, 4) ? 0 : -EFAULT;
    }
    case 22: {                   /* SHMDT */
        uint64_t dt[1] = { (uint32_t)a[4] };
        return sys_shmdt(p, dt);
    }
    case 23: {                   /* SHMGET */
        uint64_t get[3] = { a[1], a[2], a[3] };
        return sys_shmget(p, get);
    }
    default: {                   /* 24 SHMCTL */
        uint64_t ctl[3] = { a[1], a[2], (uint32_t)a[4] };
        return sys_shmctl(p, ctl);
    }
    }
}

SYSCALL_HANDLER(ipc)
{
    int call = (int)(args[0] & 0xffff), version = (int)(args[0] >> 16);
    uint64_t ptr = (uint32_t)args[4];
    switch (call) {
    case 1: case 4: {            /* SEMOP, SEMTIMEDOP */
        uint64_t op[4] = { args[1], ptr, args[2], call == 4 ? (uint32_t)args[5] : 0 };
        return do_semtimedop(p, op, call == 4, false);
    }
    case 2: {                    /* SEMGET */
        uint64_t get[3] = { args[1], args[2], args[3] };
        return sys_semget(p, get);
    }
    case 3: {                    /* SEMCTL: ptr points at the union */
        uint32_t arg;
        if (!copy_from_guest(p, &arg, ptr, 4)) {
            return -EFAULT;
        }
        return do_semctl(p, arg_int(args, 1), arg_int(args, 2), arg_int(args, 3), arg);
    }
    case 11:                     /* MSGSND */
        return do_msgsnd(p, arg_int(args, 1), ptr, (uint32_t)args[2], arg_int(args, 3));
    case 12: {                   /* MSGRCV: version 0 passes struct ipc_kludge */
        uint32_t kludge[2] = { (uint32_t)ptr, (uint32_t)args[5] };
        if (version == 0 && !copy_from_guest(p, kludge, ptr, 8)) {
            return -EFAULT;
        }
        return do_msgrcv(p, arg_int(args, 1), kludge[0], (uint32_t)args[2],
                         (int32_t)kludge[1], arg_int(args, 3));
    }
    case 13: {                   /* MSGGET */
        uint64_t get[2] = { args[1], args[2] };
        return sys_msgget(p, get);
    }
    case 14: {                   /* MSGCTL */
        uint64_t ctl[3] = { args[1], args[2], ptr };
        return sys_msgctl(p, ctl);
    }
    case 21: case 22: case 23: case 24:
        return ipc_shm(p, call, version, args);
    default:
        return -ENOSYS;
    }
}
