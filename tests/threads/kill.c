/* pthread_kill: SIGUSR1 sent to one thread runs its handler on that thread
 * (the handler sees that thread's id and __thread data), the others go on;
 * a signal blocked in one thread and sent to the process (kill) reaches the
 * thread that does not block it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static __thread int who;
static volatile sig_atomic_t usr1_who, usr2_who;
static volatile int stop;

static void on_usr1(int sig) { (void)sig; usr1_who = who; }
static void on_usr2(int sig) { (void)sig; usr2_who = who; }

static void *spin(void *arg)
{
    who = (int)(long)arg;
    if (who == 2) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    while (!stop) {
        /* a loop of chained blocks: the signal must still get in */
    }
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);   /* threads inherit the block */
    who = 100;
    pthread_t t[3];
    for (long i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, spin, (void *)(i + 1));
    }
    usleep(20000);
    pthread_kill(t[0], SIGUSR1);
    while (!usr1_who) {
        usleep(1000);
    }
    kill(getpid(), SIGUSR2);                  /* only thread 2 takes it */
    while (!usr2_who) {
        usleep(1000);
    }
    stop = 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    printf("SIGUSR1 ran on thread %d, SIGUSR2 on thread %d\n", (int)usr1_who, (int)usr2_who);
    return 0;
}
