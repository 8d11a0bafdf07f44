/* 8 threads hammer a mutex-protected counter; each keeps a __thread copy of
 * its own count, which must not leak into the others'. Exact totals. */
#include <pthread.h>
#include <stdio.h>

#define THREADS 8
#define ROUNDS 50000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine;
static __thread int id = -1;

static void *work(void *arg)
{
    id = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        mine += id;
    }
    return (void *)(mine == (long)id * ROUNDS ? 1L : 0L);
}

int main(void)
{
    pthread_t t[THREADS];
    long good = 0;
    for (long i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, work, (void *)i);
    }
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        good += (long)r;
    }
    printf("counter %ld (expected %d), thread-local ok %ld/%d, main id %d mine %ld\n",
           counter, THREADS * ROUNDS, good, THREADS, id, mine);
    return counter == THREADS * ROUNDS && good == THREADS ? 0 : 1;
}
