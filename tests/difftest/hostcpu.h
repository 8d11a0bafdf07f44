/*
 * What both native sides of the differential test (native.c in the x86-64
 * harness, native32.c in the i386 one) ask of the CPU and the kernel they run
 * on: the instruction-set features the generator may use (CPUID leaves 1, 7 and
 * 0x80000001, XCR0 for the AVX state; Intel SDM vol. 2A, CPUID) and the fault
 * handler on an alternate stack (a sequence may leave any stack pointer).
 */
#ifndef TESTS_DIFFTEST_HOSTCPU_H
#define TESTS_DIFFTEST_HOSTCPU_H

#include <cpuid.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "difftest.h"

static inline unsigned host_cpu_features(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0, features = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        features |= (c & (1u << 23) ? FEATURE_POPCNT : 0) | (c & (1u << 13) ? FEATURE_CX16 : 0);
        features |= (c & (3u << 19)) == (3u << 19) ? FEATURE_SSE42 : 0;
    }
    unsigned leaf1_ecx = c;
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d)) {
        features |= (c & (1u << 5) ? FEATURE_LZCNT : 0) | (c & 1u ? FEATURE_LAHF64 : 0);
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        /* AVX2 needs AVX, FMA, OSXSAVE, F16C and the OS's YMM state in XCR0 */
        unsigned avx_bits = (1u << 28) | (1u << 12) | (1u << 29) | (1u << 27);
        if ((leaf1_ecx & avx_bits) == avx_bits && (b & (1u << 5))) {
            uint32_t xcr0_lo, xcr0_hi;
            __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
            features |= (xcr0_lo & 6) == 6 ? FEATURE_AVX2 : 0;
        }
        features |= b & (1u << 3) ? FEATURE_BMI1 : 0;
        features |= b & (1u << 19) ? FEATURE_ADX : 0;
        if ((leaf1_ecx & (1u << 25)) && (leaf1_ecx & (1u << 1)) && (b & (1u << 29))) {
            features |= FEATURE_CRYPTO;
        }
    }
    return features;
}

/* handler for every fault a sequence can raise, on a 64 KiB alternate stack;
 * false (errno set) when the stack cannot be had */
static inline bool install_fault_handler(void (*handler)(int, siginfo_t *, void *))
{
    stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) {
        return false;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    return true;
}

#endif
