/* A fault in one thread (no handler) ends the whole process with SIGSEGV,
 * while another thread spins in a loop of chained blocks and the main thread
 * waits in pause(). */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *spin(void *arg)
{
    (void)arg;
    for (;;) {
    }
    return NULL;
}

static void *fault(void *arg)
{
    (void)arg;
    usleep(10000);
    *(volatile int *)8 = 1;
    return NULL;
}

int main(void)
{
    pthread_t t;
    printf("starting\n");
    fflush(stdout);
    pthread_create(&t, NULL, spin, NULL);
    pthread_create(&t, NULL, fault, NULL);
    for (;;) {
        pause();
    }
}
