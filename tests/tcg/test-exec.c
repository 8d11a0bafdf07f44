#include "tests/tcg/test-tcg.h"
void test_exec(TestContext *t) { (void)t; }
