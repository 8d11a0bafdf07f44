#include "tests/x86sys/fake.h"
void test_seg(void) {}
