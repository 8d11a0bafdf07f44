/*
 * The migration benchmark's guest workload (tests/bench/migrate.sh), run as
 * /init's child in the guest: fills MIB MiB, prints "QZ-DIRTY", then
 * dirties RATE MiB/s of it without pause, one word per 4 KiB page, sweeping
 * the buffer in order, in steps every 10 ms, and prints "D n" every second
 * (n: the sweep count). The same program under both emulators.
 * Usage: migrate-dirty MIB RATE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    double rate = argc > 2 ? atof(argv[2]) : 32;
    size_t pages = mib << 8, next = 0, per_step = (size_t)(rate * 256 / 100);
    unsigned sweeps = 0;
    volatile unsigned *buf = malloc(mib << 20);
    if (!buf || mib == 0 || per_step == 0) {
        fprintf(stderr, "migrate-dirty: bad arguments\n");
        return 1;
    }
    memset((void *)buf, 1, mib << 20);
    printf("QZ-DIRTY %zu MiB at %.0f MiB/s\n", mib, rate);
    fflush(stdout);
    double start = now(), report = start + 1;
    for (unsigned long step = 1;; step++) {
        for (size_t i = 0; i < per_step; i++) {
            buf[next * 1024] = sweeps + 1;
            if (++next == pages) {
                next = 0;
                sweeps++;
            }
        }
        double wake = start + step * 0.01, t = now();
        if (wake > t) {
            struct timespec ts = { 0, (long)((wake - t) * 1e9) };
            nanosleep(&ts, NULL);
        }
        if (t >= report) {
            printf("D %u\n", sweeps);
            fflush(stdout);
            report += 1;
        }
    }
}
