/* A thread storm: 1,000 threads created and joined, 50 alive at a time, each
 * returning a value computed from its argument; then 200 detached threads
 * counted down through an atomic counter and a condition variable. */
#include <pthread.h>
#include <stdio.h>

#define TOTAL 1000
#define BATCH 50

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int detached_left = 200;

static void *square(void *arg)
{
    long v = (long)arg;
    return (void *)(v * v);
}

static void *detached(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (--detached_left == 0) {
        pthread_cond_signal(&done);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    long long sum = 0;
    int created = 0;
    for (int base = 0; base < TOTAL; base += BATCH) {
        pthread_t t[BATCH];
        for (int i = 0; i < BATCH; i++) {
            if (pthread_create(&t[i], NULL, square, (void *)(long)(base + i)) == 0) {
                created++;
            }
        }
        for (int i = 0; i < BATCH; i++) {
            void *r;
            pthread_join(t[i], &r);
            sum += (long)r;
        }
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 200; i++) {
        pthread_t t;
        pthread_create(&t, &attr, detached, NULL);
    }
    pthread_mutex_lock(&lock);
    while (detached_left > 0) {
        pthread_cond_wait(&done, &lock);
    }
    pthread_mutex_unlock(&lock);
    printf("created %d joined sum %lld detached left %d\n", created, sum, detached_left);
    return 0;
}
