/*
 * The main loop (system/main-loop.h): machine clock from CLOCK_MONOTONIC
 * (POSIX clock_gettime), timers in a list sorted by deadline, fd handlers
 * polled with poll(2), and a kick thread that sleeps in poll() until the
 * earliest deadline passes or a watched fd turns readable, then stops the CPU
 * with the kick function once and waits until the CPU thread has polled.
 *
 * The kick thread only reads the earliest deadline and a copy of the fd set;
 * everything else (timers, handlers) lives on the CPU thread. The CPU thread
 * wakes the kick thread through a pipe when the earliest deadline moves
 * earlier, when the fd set changes, and after it polled following a kick.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "system/main-loop.h"

#define MAX_FDS 16

struct Timer {
    MainLoop *ml;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;         /* -1: not pending */
    Timer *next;
};

typedef struct FdEntry {
    int fd;
    FdHandler *readable;
    void *opaque;
} FdEntry;

struct MainLoop {
    _Atomic int64_t start_ns;       /* host time of clock 0, moved on at resume */
    atomic_bool paused;             /* stop (monitor): no timers, no guest code */
    _Atomic int64_t paused_at;      /* clock_ns() when it stopped */
    Timer *timers;                  /* pending, sorted by expire */
    FdEntry fds[MAX_FDS];
    int nfds;
    _Atomic int64_t earliest;       /* deadline of the first timer, INT64_MAX none */
    /* the kick thread */
    pthread_t thread;
    bool thread_running;
    pthread_mutex_t lock;           /* guards kfds/nkfds */
    struct pollfd kfds[MAX_FDS];
    int nkfds;
    int wake[2];                    /* pipe: CPU thread -> kick thread */
    atomic_bool kicked;             /* kicked, CPU thread has not polled since */
    atomic_bool quit;
    void (*kick)(void *opaque);
    void *kick_opaque;
    /* requests */
    void (*request_hook)(void *opaque, MachineRequest req, int exit_code);
    void *request_hook_opaque;
    _Atomic int request;
    _Atomic int exit_code;
};

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_ns(MainLoop *ml)
{
    /* the machine's clock stands still while it is stopped, as QEMU's
     * QEMU_CLOCK_VIRTUAL does (guest timers do not fire in a pause) */
    if (ml->paused) {
        return ml->paused_at;
    }
    return host_ns() - atomic_load(&ml->start_ns);
}

static void wake_kicker(MainLoop *ml)
{
    char c = 0;
    ssize_t r = write(ml->wake[1], &c, 1);   /* a full pipe already wakes it */
    (void)r;
}

/* --- the kick thread --- */

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
}

/* Time until the earliest deadline; NULL (no limit) when no timer is pending. */
static struct timespec *timeout_ts(MainLoop *ml, struct timespec *ts)
{
    int64_t e = atomic_load(&ml->earliest);
    if (e == INT64_MAX) {
        return NULL;
    }
    int64_t d = e - clock_ns(ml);
    if (d < 0) {
        d = 0;
    }
    ts->tv_sec = d / 1000000000;
    ts->tv_nsec = d % 1000000000;
    return ts;
}

static void *kick_thread(void *opaque)
{
    MainLoop *ml = opaque;
    struct pollfd pf[MAX_FDS + 1];
    while (!atomic_load(&ml->quit)) {
        int n = 1;
        struct timespec ts, *tmo = NULL;
        pf[0] = (struct pollfd){ ml->wake[0], POLLIN, 0 };
        if (!atomic_load(&ml->kicked)) {
            pthread_mutex_lock(&ml->lock);
            memcpy(&pf[1], ml->kfds, ml->nkfds * sizeof(struct pollfd));
            n += ml->nkfds;
            pthread_mutex_unlock(&ml->lock);
            tmo = timeout_ts(ml, &ts);
        }
        int r = ppoll(pf, n, tmo, NULL);
        if (r < 0 && errno != EINTR) {
            break;
        }
        if (pf[0].revents) {
            drain(ml->wake[0]);
            continue;
        }
        if (atomic_load(&ml->kicked)) {
            continue;
        }
        bool due = r > 0 || atomic_load(&ml->earliest) <= clock_ns(ml);
        if (due) {
            atomic_store(&ml->kicked, true);
            if (ml->kick) {
                ml->kick(ml->kick_opaque);
            }
        }
    }
    return NULL;
}

MainLoop *main_loop_new(void)
{
    MainLoop *ml = calloc(1, sizeof(*ml));
    atomic_init(&ml->start_ns, host_ns());
    atomic_init(&ml->earliest, INT64_MAX);
    pthread_mutex_init(&ml->lock, NULL);
    if (pipe(ml->wake) == 0) {
        fcntl(ml->wake[0], F_SETFL, O_NONBLOCK);
        fcntl(ml->wake[1], F_SETFL, O_NONBLOCK);
        ml->thread_running = pthread_create(&ml->thread, NULL, kick_thread, ml) == 0;
    }
    return ml;
}

void main_loop_stop(MainLoop *ml)
{
    if (ml && ml->thread_running) {
        atomic_store(&ml->quit, true);
        wake_kicker(ml);
        pthread_join(ml->thread, NULL);
        ml->thread_running = false;
    }
}

void main_loop_free(MainLoop *ml)
{
    if (!ml) {
        return;
    }
    main_loop_stop(ml);
    close(ml->wake[0]);
    close(ml->wake[1]);
    pthread_mutex_destroy(&ml->lock);
    free(ml);
}

void main_loop_set_kick(MainLoop *ml, void (*kick)(void *opaque), void *opaque)
{
    ml->kick_opaque = opaque;
    ml->kick = kick;
    wake_kicker(ml);
}

/* --- timers --- */

Timer *timer_new(MainLoop *ml, TimerCallback *cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    t->ml = ml;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    return t;
}

static void update_earliest(MainLoop *ml)
{
    int64_t e = ml->timers ? ml->timers->expire : INT64_MAX;
    int64_t old = atomic_exchange(&ml->earliest, e);
    if (e < old) {
        wake_kicker(ml);
    }
}

static void unlink_timer(Timer *t)
{
    for (Timer **p = &t->ml->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->expire = -1;
}

void timer_del(Timer *t)
{
    if (t->expire >= 0) {
        unlink_timer(t);
        update_earliest(t->ml);
    }
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        free(t);
    }
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    if (t->expire >= 0) {
        unlink_timer(t);
    }
    if (expire_ns < 0) {
        expire_ns = 0;
    }
    t->expire = expire_ns;
    Timer **p = &t->ml->timers;
    while (*p && (*p)->expire <= expire_ns) {
        p = &(*p)->next;
    }
    t->next = *p;
    *p = t;
    update_earliest(t->ml);
}

bool timer_pending(const Timer *t)
{
    return t->expire >= 0;
}

int64_t timer_expire_time(const Timer *t)
{
    return t->expire;
}

static bool run_timers(MainLoop *ml)
{
    bool ran = false;
    int64_t now = clock_ns(ml);
    while (ml->timers && ml->timers->expire <= now) {
        Timer *t = ml->timers;
        ml->timers = t->next;
        t->next = NULL;
        t->expire = -1;
        update_earliest(ml);
        t->cb(t->opaque);   /* may re-arm or free t */
        ran = true;
    }
    return ran;
}

void main_loop_run_due_timers(MainLoop *ml)
{
    run_timers(ml);
}

/* --- fds --- */

static void publish_fds(MainLoop *ml)
{
    pthread_mutex_lock(&ml->lock);
    for (int i = 0; i < ml->nfds; i++) {
        ml->kfds[i] = (struct pollfd){ ml->fds[i].fd, POLLIN, 0 };
    }
    ml->nkfds = ml->nfds;
    pthread_mutex_unlock(&ml->lock);
    wake_kicker(ml);
}

void main_loop_set_fd_handler(MainLoop *ml, int fd, FdHandler *readable, void *opaque)
{
    int i;
    for (i = 0; i < ml->nfds && ml->fds[i].fd != fd; i++) {
    }
    if (!readable) {
        if (i < ml->nfds) {
            ml->fds[i] = ml->fds[--ml->nfds];
            publish_fds(ml);
        }
        return;
    }
    if (i == ml->nfds) {
        if (ml->nfds == MAX_FDS) {
            return;
        }
        ml->nfds++;
    }
    ml->fds[i] = (FdEntry){ fd, readable, opaque };
    publish_fds(ml);
}

/* Polls the fds for up to wait_ns (0: just look) and runs the ready handlers. */
static void poll_fds(MainLoop *ml, int64_t wait_ns)
{
    struct pollfd pf[MAX_FDS];
    int n = ml->nfds;
    for (int i = 0; i < n; i++) {
        pf[i] = (struct pollfd){ ml->fds[i].fd, POLLIN, 0 };
    }
    struct timespec ts = { wait_ns / 1000000000, wait_ns % 1000000000 };
    int r = ppoll(pf, n, wait_ns < 0 ? NULL : &ts, NULL);
    if (r <= 0) {
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        /* the handler list may have changed under an earlier handler */
        for (int j = 0; j < ml->nfds; j++) {
            if (ml->fds[j].fd == pf[i].fd) {
                ml->fds[j].readable(ml->fds[j].opaque);
                break;
            }
        }
    }
}

/* Stopped: only the fd handlers (the monitor) run, until a resume or a machine
 * request (quit, reset) for the run loop; the CPU is kicked first so that it
 * returns from cpu_exec at once while the machine stays stopped. */
static void wait_while_paused(MainLoop *ml)
{
    while (ml->paused && !atomic_load(&ml->request)) {
        poll_fds(ml, -1);
    }
    if (ml->paused && ml->kick) {
        ml->kick(ml->kick_opaque);
    }
}

void main_loop_poll(MainLoop *ml, bool block, int64_t timeout_ns)
{
    int64_t wait = 0;
    if (ml->paused) {
        wait_while_paused(ml);
        if (atomic_exchange(&ml->kicked, false)) {
            wake_kicker(ml);
        }
        return;
    }
    if (block && !run_timers(ml) && !atomic_load(&ml->request)) {
        int64_t e = atomic_load(&ml->earliest);
        wait = e == INT64_MAX ? -1 : e - clock_ns(ml);
        if (wait < 0 && e != INT64_MAX) {
            wait = 0;
        }
        if (timeout_ns >= 0 && (wait < 0 || wait > timeout_ns)) {
            wait = timeout_ns;
        }
    }
    poll_fds(ml, wait);
    if (ml->paused) {
        wait_while_paused(ml);  /* a handler (the monitor) stopped the machine */
    } else {
        run_timers(ml);
    }
    if (atomic_exchange(&ml->kicked, false)) {
        wake_kicker(ml);
    }
}

/* --- stop and continue --- */

void main_loop_pause(MainLoop *ml)
{
    if (!ml->paused) {
        ml->paused_at = clock_ns(ml);
        ml->paused = true;
        if (ml->kick) {
            ml->kick(ml->kick_opaque);
        }
    }
}

void main_loop_resume(MainLoop *ml)
{
    if (ml->paused) {
        atomic_store(&ml->start_ns, host_ns() - ml->paused_at);
        ml->paused = false;
        wake_kicker(ml);    /* deadlines are due later in host time now */
    }
}

/* An incoming snapshot or migration: the clock goes on from the saved
 * machine's time, so deadlines saved as clock values stay right. */
void main_loop_set_clock(MainLoop *ml, int64_t now_ns)
{
    if (ml->paused) {
        ml->paused_at = now_ns;
    } else {
        atomic_store(&ml->start_ns, host_ns() - now_ns);
    }
    wake_kicker(ml);
}

bool main_loop_paused(MainLoop *ml)
{
    return ml->paused;
}

/* --- requests --- */

void main_loop_request(MainLoop *ml, MachineRequest req, int exit_code)
{
    /* an exit code beats shutdown beats reset: the guest cannot undo a quit */
    int cur = atomic_load(&ml->request);
    if (cur == REQ_EXIT_CODE || (cur == REQ_SHUTDOWN && req == REQ_RESET)) {
        return;
    }
    if (ml->request_hook) {
        ml->request_hook(ml->request_hook_opaque, req, exit_code);
    }
    atomic_store(&ml->exit_code, exit_code);
    atomic_store(&ml->request, req);
    if (ml->kick) {
        ml->kick(ml->kick_opaque);
    }
}

void main_loop_set_request_hook(MainLoop *ml,
                                void (*hook)(void *opaque, MachineRequest req, int exit_code),
                                void *opaque)
{
    ml->request_hook_opaque = opaque;
    ml->request_hook = hook;
}

MachineRequest main_loop_take_request(MainLoop *ml, int *exit_code)
{
    MachineRequest r = atomic_exchange(&ml->request, REQ_NONE);
    if (exit_code) {
        *exit_code = atomic_load(&ml->exit_code);
    }
    return r;
}
