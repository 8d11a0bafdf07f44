/* Each thread has its own sigaltstack and signal mask: two threads install
 * different alternate stacks and signal themselves; each handler must run on
 * its own thread's stack. A new thread starts without one (clone(2) with
 * CLONE_VM), and with the mask of its creator. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static __thread char *alt_lo, *alt_hi;
static __thread int on_own;

static void handler(int sig)
{
    char here;
    (void)sig;
    on_own = &here >= alt_lo && &here < alt_hi;
}

static void *work(void *arg)
{
    long id = (long)arg;
    stack_t ss, old;
    sigaltstack(NULL, &old);
    int inherited = !(old.ss_flags & SS_DISABLE);
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    int usr2_blocked = sigismember(&mask, SIGUSR2);
    size_t size = 65536 + (size_t)id * 4096;
    alt_lo = malloc(size);
    alt_hi = alt_lo + size;
    ss.ss_sp = alt_lo;
    ss.ss_size = size;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    pthread_kill(pthread_self(), SIGUSR1);
    return (void *)(intptr_t)(on_own | inherited << 1 | usr2_blocked << 2);
}

int main(void)
{
    struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    /* the main thread's own alternate stack, which threads do not inherit */
    static char main_alt[65536];
    stack_t ss = { .ss_sp = main_alt, .ss_size = sizeof(main_alt) };
    sigaltstack(&ss, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    pthread_t t[2];
    for (long i = 0; i < 2; i++) {
        pthread_create(&t[i], NULL, work, (void *)i);
    }
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        int v = (int)(intptr_t)r;
        printf("thread %d: handler on its own altstack %s, inherited an altstack %s, "
               "SIGUSR2 blocked %s\n", i, v & 1 ? "yes" : "no", v & 2 ? "yes" : "no",
               v & 4 ? "yes" : "no");
    }
    alt_lo = main_alt;
    alt_hi = main_alt + sizeof(main_alt);
    raise(SIGUSR1);
    printf("main: handler on its own altstack %s\n", on_own ? "yes" : "no");
    return 0;
}
