/*
 * Guest program of check-avx: numeric and integer kernels built with
 * -O3 -march=x86-64-v3, so that the compiler's own AVX2/FMA/F16C code runs
 * (vectorised loops with VFMADD, VPSLLVD, VPMOVSX, VPERMQ, masked tails, ...)
 * plus intrinsics for the instructions it seldom picks (gathers, masked loads
 * and stores, VPERMPS, VCVTPS2PH/PH2PS, VBLENDVPS). Prints every result's bits
 * (or a checksum of them): run natively and under
 * quetzal-x86_64 -cpu max,+avx,+avx2,+fma,+f16c, outputs must match.
 * No libm calls (glibc picks their code by CPUID, which differs).
 * Usage: guest-kernels SEED
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 96

static uint64_t state;

static uint64_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static float rndf(void)
{
    return (float)((int64_t)(rnd() % 2000001) - 1000000) / 65536.0f;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 0x100000001b3ull;
    }
    return h;
}

static float A[N][N], B[N][N], C[N][N];
static double DA[N][N], DB[N][N], DC[N][N];

__attribute__((noinline)) static void sgemm(void)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            C[i][j] = 0;
        }
        for (int k = 0; k < N; k++) {
            float a = A[i][k];
            for (int j = 0; j < N; j++) {
                C[i][j] += a * B[k][j];
            }
        }
    }
}

__attribute__((noinline)) static void dgemm(void)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) {
                s += DA[i][k] * DB[j][k];
            }
            DC[i][j] = s;
        }
    }
}

__attribute__((noinline)) static double poly(const double *x, int n)
{
    double acc = 0;
    for (int i = 0; i < n; i++) {
        double v = x[i];
        acc += ((((0.5 * v - 1.25) * v + 3.0) * v - 0.125) * v + 7.0) / (1.0 + v * v);
    }
    return acc;
}

__attribute__((noinline)) static void int_kernels(uint32_t *out, const int32_t *a,
                                                  const uint32_t *sh, const int16_t *w, int n)
{
    uint32_t shl = 0, shr = 0, sar = 0;
    int64_t dot = 0, wide = 0;
    int32_t mn = INT32_MAX, mx = INT32_MIN;
    for (int i = 0; i < n; i++) {
        shl += (uint32_t)a[i] << (sh[i] & 31);
        shr += (uint32_t)a[i] >> (sh[i] & 31);
        sar += (uint32_t)(a[i] >> (sh[i] & 31));
        mn = a[i] < mn ? a[i] : mn;
        mx = a[i] > mx ? a[i] : mx;
        wide += (int64_t)a[i] * w[i];
    }
    for (int i = 0; i < n; i += 2) {
        dot += w[i] * w[i + 1];
    }
    out[0] = shl, out[1] = shr, out[2] = sar, out[3] = (uint32_t)mn, out[4] = (uint32_t)mx;
    out[5] = (uint32_t)dot, out[6] = (uint32_t)(dot >> 32);
    out[7] = (uint32_t)wide, out[8] = (uint32_t)(wide >> 32);
}

__attribute__((noinline)) static void histogram(uint32_t *h, const uint8_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        h[p[i] >> 2]++;
    }
}

__attribute__((noinline)) static void convert(float *f, int32_t *iv, double *d, int n)
{
    for (int i = 0; i < n; i++) {
        iv[i] = (int32_t)(f[i] * 3.5f);
        d[i] = (double)f[i] * 1.0000001;
        f[i] = (float)d[i] + (float)iv[i];
    }
}

/* intrinsics: what compilers seldom emit */
__attribute__((noinline)) static uint64_t intrinsics(const float *table, const int32_t *idx,
                                                     const double *dt, int n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    __m256 acc = _mm256_setzero_ps();
    __m256i iacc = _mm256_setzero_si256();
    __m256d dacc = _mm256_setzero_pd();
    for (int i = 0; i + 8 <= n; i += 8) {
        __m256i vi = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(idx + i)),
                                      _mm256_set1_epi32(N - 1));
        __m256 g = _mm256_i32gather_ps(table, vi, 4);
        __m256 mask = _mm256_cmp_ps(g, _mm256_setzero_ps(), _CMP_GT_OQ);
        __m256 mg = _mm256_mask_i32gather_ps(_mm256_set1_ps(-1.0f), table + 1, vi, mask, 4);
        acc = _mm256_fmadd_ps(g, mg, acc);
        acc = _mm256_permutevar8x32_ps(acc, _mm256_set_epi32(0, 7, 1, 6, 2, 5, 3, 4));
        iacc = _mm256_add_epi32(iacc, _mm256_i32gather_epi32((const int *)table, vi, 4));
        iacc = _mm256_sllv_epi32(iacc, _mm256_and_si256(vi, _mm256_set1_epi32(3)));
        __m128i vi4 = _mm256_castsi256_si128(vi);
        dacc = _mm256_fmsub_pd(_mm256_i32gather_pd(dt, vi4, 8), _mm256_set1_pd(0.75), dacc);
        __m256i vq = _mm256_cvtepi32_epi64(vi4);
        dacc = _mm256_add_pd(dacc, _mm256_i64gather_pd(dt, vq, 8));
        iacc = _mm256_xor_si256(iacc, _mm256_castpd_si256(dacc));
        acc = _mm256_blendv_ps(acc, _mm256_sqrt_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), acc)),
                               mask);
        __m128i half = _mm256_cvtps_ph(acc, _MM_FROUND_TO_NEAREST_INT);
        __m256 back = _mm256_cvtph_ps(half);
        acc = _mm256_fnmadd_ps(back, _mm256_set1_ps(0.001f), acc);
        h = mix(h, &half, sizeof(half));
    }
    /* masked tail loads and stores */
    float tail[8] = { 0 };
    int rest = n % 8;
    __m256i tm = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0));
    __m256 t = _mm256_maskload_ps(table + n - rest, tm);
    _mm256_maskstore_ps(tail, tm, _mm256_add_ps(t, acc));
    h = mix(h, &acc, sizeof(acc));
    h = mix(h, &iacc, sizeof(iacc));
    h = mix(h, &dacc, sizeof(dacc));
    h = mix(h, tail, sizeof(tail));
    return h;
}

int main(int argc, char **argv)
{
    state = argc > 1 ? strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ull + 1 : 1;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            A[i][j] = rndf(), B[i][j] = rndf();
            DA[i][j] = rndf() * 1.0001, DB[i][j] = rndf() / 3.0;
        }
    }
    sgemm();
    dgemm();
    printf("sgemm %016llx\n", (unsigned long long)mix(0, C, sizeof(C)));
    printf("dgemm %016llx\n", (unsigned long long)mix(0, DC, sizeof(DC)));
    double pd = poly(&DA[0][0], N * N);
    uint64_t bits;
    memcpy(&bits, &pd, 8);
    printf("poly %016llx\n", (unsigned long long)bits);

    static int32_t a[1000];
    static uint32_t sh[1000];
    static int16_t w[1000];
    static uint8_t bytes[4099];
    for (int i = 0; i < 1000; i++) {
        a[i] = (int32_t)rnd(), sh[i] = (uint32_t)rnd(), w[i] = (int16_t)rnd();
    }
    for (int i = 0; i < 4099; i++) {
        bytes[i] = (uint8_t)rnd();
    }
    uint32_t out[9], hist[64] = { 0 };
    int_kernels(out, a, sh, w, 1000);
    histogram(hist, bytes, 4099);
    printf("int %08x %08x %08x %08x %08x %08x %08x %08x %08x\n", out[0], out[1], out[2],
           out[3], out[4], out[5], out[6], out[7], out[8]);
    printf("histogram %016llx\n", (unsigned long long)mix(0, hist, sizeof(hist)));

    static float f[1001];
    static int32_t iv[1001];
    static double d[1001];
    for (int i = 0; i < 1001; i++) {
        f[i] = rndf() * 1e3f;
    }
    convert(f, iv, d, 1001);
    printf("convert %016llx %016llx %016llx\n", (unsigned long long)mix(0, f, sizeof(f)),
           (unsigned long long)mix(0, iv, sizeof(iv)), (unsigned long long)mix(0, d, sizeof(d)));

    static int32_t idx[203];
    for (int i = 0; i < 203; i++) {
        idx[i] = (int32_t)rnd();
    }
    printf("intrinsics %016llx\n",
           (unsigned long long)intrinsics(&A[3][0], idx, &DB[1][0], 203));
    return 0;
}
