/* Signal dispositions: SIG_IGN and SIG_DFL reach the
 * host (SIGPIPE), masks and actions read back, and children die of SIGPIPE,
 * SIGALRM, SIGTERM (sent by the parent) and SIGKILL as natively. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(int sig)
{
    (void)sig;
}

static void report_child(const char *what, pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    printf("%s: signaled %d signal %d exited %d\n", what, WIFSIGNALED(status),
           WIFSIGNALED(status) ? WTERMSIG(status) : 0, WIFEXITED(status));
    fflush(stdout);
}

int main(void)
{
    int fds[2];
    pipe(fds);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    ssize_t written = write(fds[1], "x", 1);
    printf("write to a closed pipe, SIGPIPE ignored: %zd %s\n", written, strerror(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(fds[1], "x", 1);
        _exit(0);
    }
    report_child("write with SIGPIPE default", pid);
    pid = fork();
    if (pid == 0) {
        alarm(1);
        pause();
        _exit(0);
    }
    report_child("alarm", pid);
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    usleep(100000);
    kill(pid, SIGTERM);
    report_child("killed by the parent", pid);
    pid = fork();
    if (pid == 0) {
        raise(SIGKILL);
        _exit(0);
    }
    report_child("raise(SIGKILL)", pid);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        sigset_t term, pending;
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigprocmask(SIG_BLOCK, &term, NULL);
        raise(SIGTERM);
        sigpending(&pending);
        printf("blocked SIGTERM survives, pending %d\n", sigismember(&pending, SIGTERM));
        fflush(stdout);
        sigprocmask(SIG_UNBLOCK, &term, NULL);
        printf("not reached\n");
        _exit(0);
    }
    report_child("SIGTERM unblocked", pid);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGKILL);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigprocmask(SIG_SETMASK, NULL, &old);
    printf("mask: USR1 %d KILL %d USR2 %d\n", sigismember(&old, SIGUSR1),
           sigismember(&old, SIGKILL), sigismember(&old, SIGUSR2));
    struct sigaction sa, back;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGUSR2, NULL, &back);
    printf("action reads back: %d flags %d\n", back.sa_handler == handler,
           (back.sa_flags & SA_RESTART) != 0);
    printf("SIGKILL action refused: %d\n", sigaction(SIGKILL, &sa, NULL));
    stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0 }, old_ss;
    sigaltstack(NULL, &old_ss);
    printf("sigaltstack initially disabled: %d\n", (old_ss.ss_flags & SS_DISABLE) != 0);
    printf("sigaltstack set: %d\n", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old_ss);
    printf("sigaltstack reads back: %d %d\n", old_ss.ss_sp == ss.ss_sp,
           old_ss.ss_size == ss.ss_size);
    ss.ss_size = 100;
    printf("sigaltstack too small: %d\n", sigaltstack(&ss, NULL));
    return 0;
}
