/*
 * Guest threads: clone with CLONE_VM runs the new guest thread on a host
 * thread of its own (pthreads), with its own UserProcess (a copy of its
 * creator's: CPU state, signal mask, sigaltstack, clear_child_tid are per
 * thread; clone(2)) and its own CPUExec sharing the one translation cache
 * (accel/tcg/tb-cache.c says how that is safe). The guest thread id is the
 * host thread id, so gettid, tgkill and the futexes on guest memory (host
 * memory at guest_base + address) go straight to the host kernel.
 *
 * What the threads share is in UserShared: signal actions, the address-space
 * lock and the brk/mmap bookkeeping, the count of live threads.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include "linux-user/user.h"

/* The CPU state is followed by an int32 the blocks of a shared translation
 * cache test (cpu_exec_enable_threads): one cache line further. */
#define EXIT_FLAG_ROOM 64

UserShared *user_shared_new(void)
{
    UserShared *sh = calloc(1, sizeof(*sh));
    if (!sh) {
        fprintf(stderr, "quetzal: out of memory\n");
        exit(1);
    }
    pthread_mutex_init(&sh->mem_lock, NULL);
    sh->nb_threads = 1;
    sh->env_size = (sizeof(CPUX86State) + 63) & ~(size_t)63;
    return sh;
}

CPUX86State *user_env_new(UserShared *shared)
{
    CPUX86State *env = aligned_alloc(64, shared->env_size + EXIT_FLAG_ROOM);
    if (!env) {
        fprintf(stderr, "quetzal: out of memory\n");
        exit(1);
    }
    memset(env, 0, shared->env_size + EXIT_FLAG_ROOM);
    return env;
}

void user_mem_lock(UserProcess *p)
{
    UserShared *sh = p->shared;
    pthread_mutex_lock(&sh->mem_lock);
    if (sh->mem_valid) {
        p->brk_start = sh->brk_start;
        p->brk_current = sh->brk_current;
        p->brk_mapped_end = sh->brk_mapped_end;
        p->mmap_next = sh->mmap_next;
    }
}

void user_mem_unlock(UserProcess *p)
{
    UserShared *sh = p->shared;
    sh->brk_start = p->brk_start;
    sh->brk_current = p->brk_current;
    sh->brk_mapped_end = p->brk_mapped_end;
    sh->mmap_next = p->mmap_next;
    sh->mem_valid = true;
    pthread_mutex_unlock(&sh->mem_lock);
}

void user_fork_prepare(UserProcess *p)
{
    pthread_mutex_lock(&p->shared->mem_lock);
    cpu_exec_fork_prepare(p->cpu);
}

void user_fork_parent(UserProcess *p)
{
    cpu_exec_fork_parent(p->cpu);
    pthread_mutex_unlock(&p->shared->mem_lock);
}

void user_fork_child(UserProcess *p)
{
    /* fork(2): the child has one thread, the caller; the locks other threads
     * may have held are started over */
    cpu_exec_fork_child(p->cpu);
    pthread_mutex_init(&p->shared->mem_lock, NULL);
    p->shared->nb_threads = 1;
    p->thread_exit = NULL;
}

/* What the creator hands the new host thread; the creator waits for ready. */
typedef struct ThreadStart {
    UserProcess *child;
    uint64_t flags, parent_tid, child_tid;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool ready;
    pid_t tid;
} ThreadStart;

static void start_done(ThreadStart *ts, pid_t tid)
{
    pthread_mutex_lock(&ts->lock);
    ts->tid = tid;
    ts->ready = true;
    pthread_cond_signal(&ts->cond);
    pthread_mutex_unlock(&ts->lock);
}

static void child_free(UserProcess *c)
{
    cpu_exec_free(c->cpu);
    free(c->env);
    free(c);
}

static void *thread_main(void *opaque)
{
    ThreadStart *ts = opaque;
    UserProcess *p = ts->child;
    int32_t tid = (int32_t)gettid();
    jmp_buf exit_jmp;
    /* clone(2): both tids are stored before either thread goes on */
    if (ts->flags & CLONE_PARENT_SETTID) {
        copy_to_guest(p, ts->parent_tid, &tid, 4);
    }
    if (ts->flags & CLONE_CHILD_SETTID) {
        copy_to_guest(p, ts->child_tid, &tid, 4);
    }
    user_signals_thread_init(p);
    start_done(ts, tid);            /* ts is gone after this */
    p->thread_exit = &exit_jmp;
    if (setjmp(exit_jmp) == 0) {
        user_sync_host_mask(p);     /* all host signals were blocked until now */
        user_cpu_loop(p);
    }
    user_signals_thread_exit(p);
    if (!p->abi->is64) {
        gdt_thread_exit(p);
    }
    child_free(p);
    return NULL;
}

/* The child's CPU state: the creator's, returning 0 from clone on its own
 * stack (clone(2)), with its TLS. */
static int64_t child_state(UserProcess *p, UserProcess *c, uint64_t flags, uint64_t newsp,
                           uint64_t child_tid, uint64_t tls)
{
    c->env = user_env_new(p->shared);
    memcpy(c->env, p->env, p->shared->env_size);
    c->env->regs[R_EAX] = 0;
    if (newsp) {
        c->env->regs[R_ESP] = newsp;
    }
    c->cpu = cpu_exec_new_sharing(c->env, p->cpu);
    if (!c->cpu) {
        return -ENOMEM;
    }
    c->env->exec = c->cpu;
    /* per thread: nothing pending, no alternate stack (a CLONE_VM child's is
     * cleared), the tid to clear at exit */
    c->pending_signals = 0;
    c->signal_flag = 0;
    c->restore_sigmask = false;
    c->syscall_restart = SYSCALL_RESTART_NONE;
    memset(c->sigaltstack, 0, sizeof(c->sigaltstack));
    c->sigaltstack[1] = SS_DISABLE;
    c->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? child_tid : 0;
    c->alt_stack = NULL;
    c->thread_exit = NULL;
    c->fault_signal = 0;
    if (p->abi->is64) {
        if (flags & CLONE_SETTLS) {
            c->env->segs[R_FS].base = tls;
        }
        return 0;
    }
    return gdt_thread_init(c, (flags & CLONE_SETTLS) ? tls : 0);
}

int64_t user_clone_thread(UserProcess *p, uint64_t flags, uint64_t newsp,
                          uint64_t parent_tid, uint64_t child_tid, uint64_t tls)
{
    /* a thread shares the signal actions and the thread group (clone(2):
     * CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM) */
    if (!(flags & CLONE_THREAD) || !(flags & CLONE_SIGHAND)) {
        return -EINVAL;
    }
    cpu_exec_enable_threads(p->cpu, (intptr_t)p->shared->env_size);
    UserProcess *c = malloc(sizeof(*c));
    if (!c) {
        return -ENOMEM;
    }
    *c = *p;
    c->env = NULL;
    c->cpu = NULL;
    int64_t err = child_state(p, c, flags, newsp, child_tid, tls);
    if (err < 0) {
        child_free(c);
        return err;
    }
    ThreadStart ts = { .child = c, .flags = flags, .parent_tid = parent_tid,
                       .child_tid = child_tid };
    pthread_mutex_init(&ts.lock, NULL);
    pthread_cond_init(&ts.cond, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* the emulator's own stack (the guest's is guest memory): room for the
     * translator and the host signal handlers */
    pthread_attr_setstacksize(&attr, 1u << 20);
    /* the new thread starts with every host signal blocked, until it has its
     * fault_process (user_signals_thread_init) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    __atomic_add_fetch(&p->shared->nb_threads, 1, __ATOMIC_SEQ_CST);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, thread_main, &ts);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        __atomic_sub_fetch(&p->shared->nb_threads, 1, __ATOMIC_SEQ_CST);
        child_free(c);
        return -rc;
    }
    pthread_mutex_lock(&ts.lock);
    while (!ts.ready) {
        pthread_cond_wait(&ts.cond, &ts.lock);
    }
    pthread_mutex_unlock(&ts.lock);
    pthread_cond_destroy(&ts.cond);
    pthread_mutex_destroy(&ts.lock);
    return ts.tid;
}

/* Linux's mm_release: the tid word set by CLONE_CHILD_CLEARTID or
 * set_tid_address becomes 0 and one waiter on it wakes (set_tid_address(2)). */
static void clear_child_tid(UserProcess *p)
{
    if (!p->clear_child_tid) {
        return;
    }
    uint32_t *word = guest_ptr(p, p->clear_child_tid, 4, PAGE_WRITE);
    if (word) {
        __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
}

void user_thread_exit(UserProcess *p, int code)
{
    if (__atomic_sub_fetch(&p->shared->nb_threads, 1, __ATOMIC_SEQ_CST) == 0) {
        /* the last thread: the process ends with its status (exit(2)) */
        fflush(NULL);
        _exit(code & 0xff);
    }
    clear_child_tid(p);
    if (p->thread_exit) {
        longjmp(*p->thread_exit, 1);
    }
    /* the first thread: the others go on (its resources stay) */
    user_signals_thread_exit(p);
    pthread_exit(NULL);
}

/* struct clone_args (linux/sched.h), CLONE_ARGS_SIZE_VER0: eight u64 fields,
 * the same for both ABIs */
enum { CA_FLAGS, CA_PIDFD, CA_CHILD_TID, CA_PARENT_TID, CA_EXIT_SIGNAL, CA_STACK,
       CA_STACK_SIZE, CA_TLS, CA_WORDS };

/*
 * clone3(2) for threads, what glibc's pthread_create tries first. Anything
 * else (fork-like calls, pidfds) is left to clone: -ENOSYS, on which glibc
 * falls back to clone (sysdeps/unix/sysv/linux/clone-internal.c).
 */
SYSCALL_HANDLER(clone3)
{
    uint64_t ca[CA_WORDS];
    if (args[1] < sizeof(ca)) {
        return -EINVAL;
    }
    if (!copy_from_guest(p, ca, args[0], sizeof(ca))) {
        return -EFAULT;
    }
    uint64_t flags = ca[CA_FLAGS];
    if (!(flags & CLONE_VM) || (flags & (CLONE_VFORK | CLONE_PIDFD)) || ca[CA_EXIT_SIGNAL]) {
        return -ENOSYS;
    }
    /* the stack is given as its lowest address and size */
    uint64_t sp = ca[CA_STACK] ? ca[CA_STACK] + ca[CA_STACK_SIZE] : 0;
    return user_clone_thread(p, flags, sp, ca[CA_PARENT_TID], ca[CA_CHILD_TID], ca[CA_TLS]);
}
