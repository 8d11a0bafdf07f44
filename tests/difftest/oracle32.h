/*
 * The pipe protocol between difftest (x86-64) and difftest-i386, the native
 * side of 32-bit sequences built as an i386 program. Where the host cannot run
 * 32-bit code, difftest starts `qemu-i386 difftest-i386 --serve` and sends it
 * each 32-bit sequence placed at its address; the i386 program runs it from
 * both initial states and answers with the two results. The structures have
 * the same layout in both programs (checked below): only fields of 4 and 8
 * bytes at offsets that are multiples of their size, since i386 aligns
 * uint64_t in structures to 4 bytes only.
 */
#ifndef TESTS_DIFFTEST_ORACLE32_H
#define TESTS_DIFFTEST_ORACLE32_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include "difftest.h"

#define ORACLE32_MAGIC 0x32334f51u      /* "QO32", little-endian */

/* the first message of difftest-i386: its magic and its CPU's FEATURE_* bits */
typedef struct Oracle32Hello {
    uint32_t magic;
    uint32_t features;
} Oracle32Hello;

typedef struct Oracle32Request {
    uint32_t address;                   /* SEQ_ADDR: where the code runs */
    uint32_t code_len;
    uint64_t scratch_seed[RUNS];
    DiffState init[RUNS];
    uint8_t code[MAX_CODE];             /* placed for address (sequence_place) */
} Oracle32Request;

_Static_assert(sizeof(DiffState) == 672, "DiffState differs between i386 and x86-64");
_Static_assert(sizeof(Oracle32Request) == 24 + RUNS * sizeof(DiffState) + MAX_CODE,
               "Oracle32Request differs between i386 and x86-64");
_Static_assert(sizeof(RunResult) == 32 + sizeof(DiffState) + SCRATCH_SIZE,
               "RunResult differs between i386 and x86-64");

/* the answer to a request: RunResult[RUNS] */

/* Where the host cannot run 32-bit code (native_compat_mode_works), the native
 * side of 32-bit sequences: `qemu-i386 PROGRAM --serve` (oracle32.c). The
 * runner runs 64-bit sequences natively. */
extern const Runner oracle32_runner;
/* sets the i386 program and the emulator (NULL: qemu-i386 from PATH) */
void oracle32_configure(const char *program, const char *emulator);
/* Starts the i386 program once: true when it answers, with its CPU's
 * FEATURE_* bits in *features; otherwise false with the reason in why. */
bool oracle32_probe(unsigned *features, char *why, size_t why_size);

/* Where a 32-bit sequence's runs under qemu-i386 (nat) and translated (tr)
 * differ: the known difference of QEMU 7.2 from the hardware that explains it,
 * or NULL. It may patch nat (*compare_again): the sequence is explained only
 * when the patched results then match. */
const char *oracle32_explain(const Sequence *seq, RunResult *nat, const RunResult *tr,
                             bool *compare_again);
/* Why qemu-i386 7.2 cannot judge this group's 32-bit sequences, or NULL */
const char *oracle32_group_differs(const char *group);

/* the whole of n bytes through the pipe fd (both ends of the protocol) */
static inline bool io_full(int fd, void *buf, size_t n, bool writing)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t done = writing ? write(fd, p, n) : read(fd, p, n);
        if (done < 0 && errno == EINTR) {
            continue;
        }
        if (done <= 0) {
            return false;
        }
        p += done;
        n -= (size_t)done;
    }
    return true;
}

#endif
