/* LOCK-prefixed instructions from 8 threads at once (inline assembly, so
 * the instructions are the ones named): ADD, SUB, INC, DEC, XADD, CMPXCHG
 * loops, OR/AND/XOR of bits, NEG twice, ADC, XCHG as a spin lock around a
 * plain increment, BTS/BTR as another spin lock, BTC with a register bit
 * offset beyond its dword, and CMPXCHG8B (CMPXCHG16B on x86-64). Exact counts. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 8
#define ROUNDS 20000

static volatile int add_c, sub_c, inc_c, dec_c, xadd_c, cas_c, adc_c, neg_c;
static volatile unsigned bits, xor_c, and_bits = ~0u;
static volatile int spin;
static long spin_counter, bts_counter;
static volatile int bts_lock;
static volatile unsigned btc_words[4];
static volatile uint64_t wide8 __attribute__((aligned(8)));
#ifdef __x86_64__
static volatile unsigned __int128 wide16 __attribute__((aligned(16)));
#endif
static volatile int xadd_seen[THREADS];

static void cas_add(volatile int *p, int v)
{
    int old = *p;
    unsigned char ok;
    do {
        int want = old;
        __asm__ volatile("lock cmpxchgl %3, %1\n\tsete %b0"
                         : "=q"(ok), "+m"(*p), "+a"(old) : "r"(want + v) : "memory", "cc");
    } while (!ok);
}

static void wide8_inc(void)
{
    uint64_t old = wide8;
    while (!__sync_bool_compare_and_swap(&wide8, old, old + 1)) {
        old = wide8;
    }
}

#ifdef __x86_64__
static void wide16_inc(void)
{
    for (;;) {
        uint64_t lo = (uint64_t)wide16, hi = (uint64_t)(wide16 >> 64);
        uint64_t nlo = lo + 1, nhi = hi + (nlo == 0);
        unsigned char ok;
        __asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
                         : "=q"(ok), "+m"(wide16), "+a"(lo), "+d"(hi)
                         : "b"(nlo), "c"(nhi) : "memory", "cc");
        if (ok) {
            return;
        }
    }
}
#endif

static void *work(void *arg)
{
    int id = (int)(long)arg, one = 1, last = -1;
    for (int i = 0; i < ROUNDS; i++) {
        __asm__ volatile("lock addl %1, %0" : "+m"(add_c) : "r"(2) : "cc");
        __asm__ volatile("lock subl $3, %0" : "+m"(sub_c) : : "cc");
        __asm__ volatile("lock incl %0" : "+m"(inc_c) : : "cc");
        __asm__ volatile("lock decl %0" : "+m"(dec_c) : : "cc");
        int v = 1;
        __asm__ volatile("lock xaddl %1, %0" : "+m"(xadd_c), "+r"(v) : : "cc");
        if (v <= last) {
            xadd_seen[id] = 1;        /* the old values a thread sees only grow */
        }
        last = v;
        cas_add(&cas_c, 5);
        /* CF = 1 from STC, so ADC adds 1 + 1 */
        __asm__ volatile("stc\n\tlock adcl %1, %0" : "+m"(adc_c) : "r"(one) : "cc");
        __asm__ volatile("lock negl %0\n\tlock negl %0" : "+m"(neg_c) : : "cc");
        __asm__ volatile("lock xorl %1, %0" : "+m"(xor_c) : "r"(1u << id) : "cc");
        unsigned bit = 1u << ((id * 4 + i) % 32);
        __asm__ volatile("lock orl %1, %0" : "+m"(bits) : "r"(bit) : "cc");
        int taken = 1;
        do {
            __asm__ volatile("xchgl %1, %0" : "+m"(spin), "=r"(taken) : "1"(1) : "memory");
        } while (taken);
        spin_counter++;
        __asm__ volatile("movl $0, %0" : "=m"(spin) : : "memory");
        unsigned char was_set;
        do {
            __asm__ volatile("lock btsl $0, %0\n\tsetc %1" : "+m"(bts_lock), "=q"(was_set)
                             : : "memory", "cc");
        } while (was_set);
        bts_counter++;
        __asm__ volatile("lock btrl $0, %0" : "+m"(bts_lock) : : "memory", "cc");
        /* bit offset id + 8 * (i % 4) + 32 * (i % 3): the dword at btc_words[i % 3] */
        int off = id + 8 * (i % 4) + 32 * (i % 3);
        __asm__ volatile("lock btcl %1, %0" : "+m"(btc_words[0]) : "r"(off) : "memory", "cc");
        wide8_inc();
#ifdef __x86_64__
        wide16_inc();
#endif
    }
    __asm__ volatile("lock andl %1, %0" : "+m"(and_bits) : "r"(~(1u << id)) : "cc");
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, work, (void *)i);
    }
    int order_bad = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        order_bad += xadd_seen[i];
    }
    printf("add %d sub %d inc %d dec %d xadd %d cas %d adc %d neg %d\n", add_c, sub_c, inc_c,
           dec_c, xadd_c, cas_c, adc_c, neg_c);
    printf("xor %#x bits %#x and %#x spin %ld cmpxchg8b %llu xadd order bad %d\n", xor_c, bits,
           and_bits, spin_counter, (unsigned long long)wide8, order_bad);
    printf("bts/btr lock %ld btc %#x %#x %#x %#x\n", bts_counter, btc_words[0], btc_words[1],
           btc_words[2], btc_words[3]);
#ifdef __x86_64__
    printf("cmpxchg16b %llu:%llu\n", (unsigned long long)(wide16 >> 64),
           (unsigned long long)wide16);
#endif
    return 0;
}
