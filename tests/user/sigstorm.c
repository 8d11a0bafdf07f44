/* Signals during blocking system calls, many times over, with a handshake so
 * that the result is exact: a handler that wakes the main loop through a pipe
 * (the self-pipe trick: a signal lost or handled late hangs it), ppoll with
 * the signal unblocked only during the call, and a read restarted by
 * SA_RESTART after every one of its interruptions; then a storm without
 * handshake while the program makes system calls back to back, so that signals
 * also land between calls. Output compared with a native run; a hang is the
 * failure the suite's timeout catches. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 300

static int wake[2], ack[2], data[2];
static volatile sig_atomic_t handled;

static void wake_handler(int sig)
{
    (void)sig;
    handled++;
    write(wake[1], "w", 1);
}

static void ack_handler(int sig)
{
    (void)sig;
    handled++;
    write(ack[1], "a", 1);
}

static void flag_handler(int sig)
{
    (void)sig;
    handled++;
}

static void on(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* the child: ROUNDS signals, each after the parent acknowledged the last */
static pid_t sender(int sig, const char *final)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        for (int i = 0; i < ROUNDS; i++) {
            kill(parent, sig);
            if (read(ack[0], &c, 1) != 1) {
                _exit(1);
            }
        }
        if (final) {
            write(data[1], final, strlen(final));
        }
        _exit(0);
    }
    return pid;
}

static void self_pipe(void)
{
    on(SIGUSR1, wake_handler, 0);
    handled = 0;
    pid_t pid = sender(SIGUSR1, NULL);
    int woken = 0;
    char c;
    while (woken < ROUNDS) {
        struct pollfd fd = { .fd = wake[0], .events = POLLIN };
        if (poll(&fd, 1, -1) == 1 && read(wake[0], &c, 1) == 1) {
            woken++;
            write(ack[1], "a", 1);
        }
    }
    waitpid(pid, NULL, 0);
    printf("self-pipe: %d wakeups, %d handled\n", woken, handled);
}

static void ppoll_mask(void)
{
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&empty);
    on(SIGUSR2, flag_handler, 0);
    handled = 0;
    pid_t pid = sender(SIGUSR2, NULL);
    int interrupted = 0;
    while (handled < ROUNDS) {
        int seen = handled;
        struct pollfd fd = { .fd = data[0], .events = POLLIN };
        /* SIGUSR2 can only come during the call: EINTR every time */
        if (ppoll(&fd, 1, NULL, &empty) < 0 && errno == EINTR) {
            interrupted++;
        }
        if (handled != seen) {
            write(ack[1], "a", 1);
        }
    }
    waitpid(pid, NULL, 0);
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("ppoll: %d interrupted, %d handled, USR2 still blocked %d\n", interrupted, handled,
           sigismember(&now, SIGUSR2));
    sigprocmask(SIG_UNBLOCK, &block, NULL);
}

static void restarted_read(void)
{
    on(SIGUSR1, ack_handler, SA_RESTART);
    handled = 0;
    pid_t pid = sender(SIGUSR1, "done");
    char buf[8] = { 0 };
    ssize_t n = read(data[0], buf, 4);
    waitpid(pid, NULL, 0);
    printf("SA_RESTART read: %zd '%s' after %d handled\n", n, buf, handled);
}

static void storm(void)
{
    on(SIGUSR1, flag_handler, SA_RESTART);
    handled = 0;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 20000; i++) {
            kill(parent, SIGUSR1);
        }
        _exit(0);
    }
    long calls = 0, wrong = 0;
    int status;
    /* system calls back to back until the sender is gone; each must give
     * its own answer whatever lands between them */
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (getppid() != getppid() || getpid() != parent) {
            wrong++;
        }
        calls++;
    }
    printf("storm: sender exited %d, handled some %d, wrong answers %ld, calls made %d\n",
           WIFEXITED(status), handled > 0, wrong, calls > 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(wake) || pipe(ack) || pipe(data)) {
        return 1;
    }
    self_pipe();
    ppoll_mask();
    restarted_read();
    storm();
    return 0;
}
