/* printf and scanf of integers: reads numbers from stdin, prints them back. */
#include <inttypes.h>
#include <stdio.h>

int main(void)
{
    long long value, sum = 0;
    int count = 0;
    while (scanf("%lld", &value) == 1) {
        printf("%lld %llx %llo %+lld\n", value, (unsigned long long)value,
               (unsigned long long)value, value);
        sum += value;
        count++;
    }
    printf("count %d sum %lld\n", count, sum);
    printf("%d %i %u %hd %hhu %ld %zu %5.3d|%-8d|%08x\n", -1, 42, 3000000000u, (short)70000,
           (unsigned char)300, -123456789L, sizeof(long), 7, -8, 0xbeef);
    printf("%" PRId64 " %" PRIu64 "\n", INT64_MIN, UINT64_MAX);
    return count == 0;
}
