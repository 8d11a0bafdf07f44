/*
 * System V IPC run natively and under the emulator (tests/check-user.sh
 * compares the output): shared memory attached twice and shared with a
 * child, shmctl IPC_STAT/IPC_SET, semaphores (semop, semtimedop timing out,
 * GETALL/SETALL, IPC_STAT), message queues with typed messages and
 * msgctl, and on i386 the same through the ipc() multiplexer.
 * Objects are IPC_PRIVATE and removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static void test_shm(void)
{
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    char *a = shmat(id, NULL, 0);
    char *b = shmat(id, NULL, SHM_RDONLY);
    printf("shmat %d %d, distinct %d\n", a != (void *)-1, b != (void *)-1, a != b);
    strcpy(a + 5000, "shared words");
    printf("second view: %s\n", b + 5000);
    pid_t child = fork();
    if (child == 0) {
        strcpy(a, "from the child");
        _exit(0);
    }
    waitpid(child, NULL, 0);
    printf("child wrote: %s\n", b);
    struct shmid_ds ds;
    int st = shmctl(id, IPC_STAT, &ds);
    printf("IPC_STAT %d size %zu nattch %lu mode %o\n", st, (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_perm.mode & 0777);
    printf("pids ok %d %d\n", ds.shm_cpid == getpid(), ds.shm_lpid == getpid());
    ds.shm_perm.mode = 0640;
    printf("IPC_SET %d", shmctl(id, IPC_SET, &ds));
    shmctl(id, IPC_STAT, &ds);
    printf(" mode now %o\n", ds.shm_perm.mode & 0777);
    printf("shmdt %d %d\n", shmdt(a), shmdt(b));
    int r = shmdt(a);
    printf("shmdt again %d %s\n", r, strerrorname_np(errno));
    r = shmdt(a + 1);
    printf("shmdt inside %d %s\n", r, strerrorname_np(errno));
    void *bad = shmat(id, (char *)0x10001, 0);
    printf("unaligned shmat %d %s\n", bad == (void *)-1, strerrorname_np(errno));
    char *fixed = shmat(id, (char *)0x30000001, SHM_RND);
    printf("SHM_RND at %p\n", (void *)fixed);
    shmdt(fixed);
    printf("IPC_RMID %d\n", shmctl(id, IPC_RMID, NULL));
    struct shminfo info;
    st = shmctl(0, IPC_INFO, (void *)&info);
    printf("IPC_INFO >= 0: %d, shmmni > 0: %d\n", st >= 0, info.shmmni > 0);
}

static void test_sem(void)
{
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    unsigned short vals[3] = { 1, 5, 9 }, back[3];
    union semun arg = { .array = vals };
    printf("SETALL %d", semctl(id, 0, SETALL, arg));
    arg.array = back;
    int r = semctl(id, 0, GETALL, arg);
    printf(" GETALL %d: %u %u %u\n", r, back[0], back[1], back[2]);
    struct sembuf ops[2] = { { 0, -1, 0 }, { 2, 3, 0 } };
    printf("semop %d", semop(id, ops, 2));
    printf(" values %d %d\n", semctl(id, 0, GETVAL), semctl(id, 2, GETVAL));
    struct sembuf wait_op = { 0, -1, 0 };
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    r = semtimedop(id, &wait_op, 1, &ts);
    printf("semtimedop %d %s\n", r, strerrorname_np(errno));
    struct sembuf nowait = { 0, -1, IPC_NOWAIT };
    r = semop(id, &nowait, 1);
    printf("IPC_NOWAIT %d %s\n", r, strerrorname_np(errno));
    arg.val = 42;
    r = semctl(id, 1, SETVAL, arg);
    printf("SETVAL %d", r);
    printf(" GETVAL %d", semctl(id, 1, GETVAL));
    printf(" GETPID ok %d\n", semctl(id, 0, GETPID) == getpid());
    struct semid_ds ds;
    arg.buf = &ds;
    r = semctl(id, 0, IPC_STAT, arg);
    printf("IPC_STAT %d nsems %lu mode %o\n", r, (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);
    printf("IPC_RMID %d\n", semctl(id, 0, IPC_RMID));
}

struct message {
    long type;
    char text[32];
};

static void test_msg(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct message m1 = { 5, "five" }, m2 = { 2, "two" }, m3 = { 9, "nine" }, got;
    printf("msgsnd %d", msgsnd(id, &m1, 5, 0));
    printf(" %d", msgsnd(id, &m2, 4, 0));
    printf(" %d\n", msgsnd(id, &m3, 5, 0));
    struct msqid_ds ds;
    int st = msgctl(id, IPC_STAT, &ds);
    printf("IPC_STAT %d qnum %lu cbytes %lu\n", st, (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes);
    memset(&got, 0, sizeof(got));
    ssize_t n = msgrcv(id, &got, sizeof(got.text), 9, 0);
    printf("msgrcv type 9: %zd %ld %s\n", n, got.type, got.text);
    n = msgrcv(id, &got, sizeof(got.text), -4, 0);
    printf("msgrcv type <= 4: %zd %ld %s\n", n, got.type, got.text);
    n = msgrcv(id, &got, 2, 0, 0);
    printf("msgrcv too small: %zd %s\n", n, strerrorname_np(errno));
    n = msgrcv(id, &got, 2, 0, MSG_NOERROR);
    printf("msgrcv MSG_NOERROR: %zd %ld %.2s\n", n, got.type, got.text);
    n = msgrcv(id, &got, sizeof(got.text), 0, IPC_NOWAIT);
    printf("msgrcv empty: %zd %s\n", n, strerrorname_np(errno));
    printf("IPC_RMID %d\n", msgctl(id, IPC_RMID, NULL));
    n = msgsnd(id, &m1, 5, 0);
    printf("msgsnd after removal %zd %s\n", n, strerrorname_np(errno));
}

#ifdef __i386__
/* ipc(2): the multiplexer older i386 C libraries call (include/uapi/linux/ipc.h) */
static void test_ipc_multiplexer(void)
{
    long shm = syscall(SYS_ipc, 23 /* SHMGET */, IPC_PRIVATE, 8192, IPC_CREAT | 0600, 0, 0);
    unsigned long addr = 0;
    long r = syscall(SYS_ipc, 21 /* SHMAT */, shm, 0, &addr, NULL, 0);
    printf("ipc SHMAT %ld, attached %d\n", r, addr != 0);
    strcpy((char *)addr, "via ipc");
    printf("ipc SHMDT %ld\n", syscall(SYS_ipc, 22, 0, 0, 0, (void *)addr, 0));
    printf("ipc SHMCTL RMID %ld\n", syscall(SYS_ipc, 24, shm, IPC_RMID, 0, NULL, 0));
    long sem = syscall(SYS_ipc, 2 /* SEMGET */, IPC_PRIVATE, 1, IPC_CREAT | 0600, 0, 0);
    union semun arg = { .val = 3 };
    printf("ipc SEMCTL SETVAL %ld\n", syscall(SYS_ipc, 3, sem, 0, SETVAL, &arg, 0));
    struct sembuf op = { 0, -2, 0 };
    printf("ipc SEMOP %ld\n", syscall(SYS_ipc, 1, sem, 1, 0, &op, 0));
    printf("ipc SEMCTL GETVAL %ld\n", syscall(SYS_ipc, 3, sem, 0, GETVAL, &arg, 0));
    syscall(SYS_ipc, 3, sem, 0, IPC_RMID, &arg, 0);
    long q = syscall(SYS_ipc, 13 /* MSGGET */, IPC_PRIVATE, IPC_CREAT | 0600, 0, 0, 0);
    struct message m = { 3, "kludge" }, got = { 0, "" };
    printf("ipc MSGSND %ld\n", syscall(SYS_ipc, 11, q, 7, 0, &m, 0));
    struct { void *msgp; long type; } kludge = { &got, 3 };
    printf("ipc MSGRCV %ld", syscall(SYS_ipc, 12, q, sizeof(got.text), 0, &kludge, 0));
    printf(" %ld %s\n", got.type, got.text);
    printf("ipc MSGCTL RMID %ld\n", syscall(SYS_ipc, 14, q, IPC_RMID, 0, NULL, 0));
}
#endif

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_shm();
    test_sem();
    test_msg();
#ifdef __i386__
    test_ipc_multiplexer();
#endif
    return 0;
}
