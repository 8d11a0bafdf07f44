/*
 * Unit tests of the ISA devices (hw/isa.h) against their data sheets; the
 * devices run on the stand-ins of fake.c. Prints "N passed, N failed".
 */
#include "tests/hw/fake.h"

void test_i8259(void);
void test_i8254(void);
void test_rtc(void);
void test_serial(void);
void test_i8042(void);

int main(void)
{
    test_i8259();
    test_i8254();
    test_rtc();
    test_serial();
    test_i8042();
    return test_results();
}
