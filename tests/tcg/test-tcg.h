/*
 * Shared harness of the translator unit tests (tests/tcg/).
 */
#ifndef TESTS_TCG_TEST_TCG_H
#define TESTS_TCG_TEST_TCG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "tcg/tcg.h"

typedef struct TestContext TestContext;

uint64_t test_rand(TestContext *t);
uint64_t test_value(TestContext *t);
void test_report(TestContext *t, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
TCGContext *test_tcg(TestContext *t);
/* globals q0..q15 (i64) and l0..l15 (i32) in the test env */
TCGv test_global(TestContext *t, TCGType type, int i);
void test_set(TestContext *t, TCGType type, int i, uint64_t v);
uint64_t test_get(TestContext *t, TCGType type, int i);
uint64_t *test_env_calls(TestContext *t);
void *test_env(TestContext *t);
uint8_t *test_guest_memory(TestContext *t);   /* 4 KiB; guest address 0 */
bool test_verbose(TestContext *t);
const void *test_compile(TestContext *t);
uintptr_t test_run(TestContext *t, const void *code);

/* the groups */
void test_arith(TestContext *t);
void test_known_bits(TestContext *t);
void test_scaled_adds(TestContext *t);
void test_narrowed_ops(TestContext *t);
void test_masked_extensions(TestContext *t);
void test_compare(TestContext *t);
void test_pressure(TestContext *t);
void test_calls(TestContext *t);
void test_memory(TestContext *t);
void test_branches(TestContext *t);
void test_temps_across_labels(TestContext *t);
void test_random_programs(TestContext *t);
void test_exec(TestContext *t);

#endif
