/*
 * Prints a glibc.cpu.hwcaps tunable value ("-AVX2,-SSE4_1,...") listing the
 * CPUID features (Intel SDM vol. 2A, CPUID) that the CPU it runs on lacks.
 * Run under the emulator, then give the result to the native run: glibc then
 * picks the same string-function variants natively as under emulation, so the
 * variants' exact results (memcmp's magnitude) can be compared.
 */
#include <cpuid.h>
#include <stdio.h>

typedef struct Feature {
    const char *name;       /* glibc's name for it */
    unsigned leaf, reg, bit;
} Feature;

enum { EBX, ECX, EDX };

static const Feature features[] = {
    { "SSE3", 1, ECX, 0 }, { "PCLMULQDQ", 1, ECX, 1 }, { "SSSE3", 1, ECX, 9 },
    { "FMA", 1, ECX, 12 }, { "SSE4_1", 1, ECX, 19 }, { "SSE4_2", 1, ECX, 20 },
    { "MOVBE", 1, ECX, 22 }, { "POPCNT", 1, ECX, 23 }, { "AES", 1, ECX, 25 },
    { "XSAVE", 1, ECX, 26 }, { "AVX", 1, ECX, 28 }, { "F16C", 1, ECX, 29 },
    { "BMI1", 7, EBX, 3 }, { "AVX2", 7, EBX, 5 }, { "BMI2", 7, EBX, 8 },
    { "ERMS", 7, EBX, 9 }, { "RTM", 7, EBX, 11 }, { "AVX512F", 7, EBX, 16 },
    { "AVX512DQ", 7, EBX, 17 }, { "AVX512CD", 7, EBX, 28 }, { "AVX512BW", 7, EBX, 30 },
    { "AVX512VL", 7, EBX, 31 }, { "FSRM", 7, EDX, 4 }, { "LZCNT", 0x80000001, ECX, 5 },
    { "FMA4", 0x80000001, ECX, 16 },
};

int main(void)
{
    const char *separator = "";
    printf("glibc.cpu.hwcaps=");
    for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
        unsigned r[4] = { 0 }, max = __get_cpuid_max(features[i].leaf & 0x80000000u, NULL);
        if (features[i].leaf <= max) {
            __cpuid_count(features[i].leaf, 0, r[3], r[EBX], r[ECX], r[EDX]);
        }
        if (!(r[features[i].reg] >> features[i].bit & 1)) {
            printf("%s-%s", separator, features[i].name);
            separator = ",";
        }
    }
    printf("\n");
    return 0;
}
