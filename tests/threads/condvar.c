/* Producer/consumer through a bounded queue with two condition variables:
 * 4 producers, 4 consumers, every item consumed exactly once. */
#include <pthread.h>
#include <stdio.h>

#define ITEMS 20000
#define SLOTS 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long queue[SLOTS];
static int head, count, produced_done;
static long long consumed_sum;
static long consumed_count;

static void *producer(void *arg)
{
    long base = (long)arg * ITEMS;
    for (long i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS) {
            pthread_cond_wait(&not_full, &lock);
        }
        queue[(head + count) % SLOTS] = base + i;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    produced_done++;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0 && produced_done < 4) {
            pthread_cond_wait(&not_empty, &lock);
        }
        if (count == 0) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        long v = queue[head];
        head = (head + 1) % SLOTS;
        count--;
        consumed_sum += v;
        consumed_count++;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
    }
}

int main(void)
{
    pthread_t p[4], c[4];
    for (long i = 0; i < 4; i++) {
        pthread_create(&c[i], NULL, consumer, NULL);
        pthread_create(&p[i], NULL, producer, (void *)i);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(p[i], NULL);
        pthread_join(c[i], NULL);
    }
    printf("consumed %ld items, sum %lld\n", consumed_count, consumed_sum);
    return 0;
}
