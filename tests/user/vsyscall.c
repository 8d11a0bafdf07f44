/*
 * The x86-64 vsyscall page, as old static programs call it: gettimeofday at
 * 0xffffffffff600000, time at +0x400, getcpu at +0x800 (each twice: the
 * second call goes through whatever the first left behind). With an argument,
 * a call to a misaligned address in the page, which Linux ends with SIGSEGV.
 * Compared with the native run (tests/check-user.sh, x86-64 hosts that map
 * the page).
 */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#define VSYSCALL 0xffffffffff600000UL

int main(int argc, char **argv)
{
    (void)argv;
    time_t (*vtime)(time_t *) = (void *)(VSYSCALL + 0x400);
    int (*vgettimeofday)(struct timeval *, void *) = (void *)VSYSCALL;
    long (*vgetcpu)(unsigned *, unsigned *, void *) = (void *)(VSYSCALL + 0x800);
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < 2; i++) {
        time_t before = time(NULL), stored = 0;
        time_t now = vtime(&stored);
        struct timeval tv = { 0, 0 };
        int g = vgettimeofday(&tv, NULL);
        unsigned cpu = ~0u, node = ~0u;
        long c = vgetcpu(&cpu, &node, NULL);
        printf("time: close %d stored %d; gettimeofday %d close %d; getcpu %ld sane %d\n",
               now - before < 2, now == stored, g, tv.tv_sec - before < 2, c,
               cpu < 65536 && node < 1024);
    }
    if (argc > 1) {
        long (*bad)(void) = (void *)(VSYSCALL + 0x10);
        printf("misaligned call returned %ld\n", bad());
    }
    return 0;
}
