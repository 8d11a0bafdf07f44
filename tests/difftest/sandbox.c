/*
 * Runs a batch of sequences in a forked child, so that a crash or a hang of
 * either side costs one sequence, not the whole test: the child records which
 * sequence it is on in shared memory; after an abnormal end the parent marks
 * that sequence crashed and starts a new child at the next one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "difftest.h"

#define SEQUENCE_TIMEOUT_SECONDS 10

static void map_fixed(uint32_t address, uint32_t size, int prot, const char *what)
{
    void *p = mmap((void *)(uintptr_t)address, size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(uintptr_t)address) {
        fprintf(stderr, "difftest: cannot map the %s area at 0x%x: %s\n", what, address,
                p == MAP_FAILED ? strerror(errno) : "placed elsewhere");
        exit(2);
    }
}

void memory_map_fixed(void)
{
    map_fixed(STATE_ADDR, STATE_SIZE, PROT_READ | PROT_WRITE, "state");
    map_fixed(SCRATCH_ADDR, SCRATCH_SIZE, PROT_READ | PROT_WRITE, "scratch");
    map_fixed(CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, "code");
}

static void child_main(const Runner *runner, const Sequence *seqs, unsigned first,
                       unsigned n, RunResult *results, volatile int32_t *current,
                       unsigned log_flags)
{
    void *ctx = runner->start(log_flags);
    for (unsigned i = first; i < n; i++) {
        *current = (int32_t)i;
        alarm(SEQUENCE_TIMEOUT_SECONDS);
        runner->run(ctx, &seqs[i], i, &results[i * RUNS]);
    }
    alarm(0);
    *current = (int32_t)n;
    _exit(0);
}

void sandbox_run_batch(const Runner *runner, const Sequence *seqs, unsigned n,
                       RunResult *results, unsigned log_flags)
{
    volatile int32_t *current = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (current == MAP_FAILED) {
        perror("difftest: mmap");
        exit(2);
    }
    unsigned k = RUNS;
    memset(results, 0, (size_t)n * k * sizeof(RunResult));
    unsigned next = 0;
    while (next < n) {
        *current = -1;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            perror("difftest: fork");
            exit(2);
        }
        if (pid == 0) {
            child_main(runner, seqs, next, n, results, current, log_flags);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && *current == (int32_t)n) {
            break;
        }
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        int32_t at = *current;
        if (at < (int32_t)next) {
            fprintf(stderr, "difftest: %s child failed to start (status 0x%x)\n",
                    runner->name, status);
            at = (int32_t)next;
        }
        for (unsigned r = 0; r < k; r++) {
            RunResult *res = &results[(unsigned)at * k + r];
            res->status = RUN_CRASH;
            res->exception = sig ? sig : -WEXITSTATUS(status);
        }
        next = (unsigned)at + 1;
    }
    munmap((void *)current, 4096);
}
