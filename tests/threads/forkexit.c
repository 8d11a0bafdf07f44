/* fork while other threads map and unmap memory (the child, alone, must be
 * able to map memory and run new code: no lock of the emulator stays taken),
 * a thread that aborts nothing, and the main thread leaving by pthread_exit
 * while a worker finishes: the process ends when the last thread does. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;

static void *mapper(void *arg)
{
    (void)arg;
    while (!stop) {
        void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
            memset(m, 1, 4096);
            munmap(m, 1 << 20);
        }
    }
    return NULL;
}

/* code the child runs for the first time */
static int __attribute__((noinline)) child_work(int i)
{
    char *m = malloc(1 << 20);
    if (!m) {
        return 100;
    }
    memset(m, i, 1 << 20);
    int sum = 0;
    for (int k = 0; k < (1 << 20); k += 4096) {
        sum += m[k];
    }
    free(m);
    return sum == 256 * i ? i % 50 : 101;
}

static void *late(void *arg)
{
    (void)arg;
    usleep(50000);
    printf("worker finished after main left\n");
    fflush(stdout);
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&t[i], NULL, mapper, NULL);
    }
    int good = 0;
    for (int i = 0; i < 40; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            _exit(child_work(i));
        }
        int status;
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
            WEXITSTATUS(status) == i % 50) {
            good++;
        }
    }
    stop = 1;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    printf("children right: %d/40\n", good);
    fflush(stdout);
    pthread_t w;
    pthread_create(&w, NULL, late, NULL);
    pthread_exit(NULL);
}
