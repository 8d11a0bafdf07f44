/*
 * Vector-code benchmark kernel for tests/bench/user-vec.sh (not a test): loops
 * that gcc auto-vectorises (-O2 with -ftree-vectorize since gcc 12, or -O3):
 * double-precision matrix multiply, saxpy and dot product in float, and an
 * n-body step in double. Prints one checksum line per kernel (the exact bits,
 * so an emulator's output can be compared with the native run) and takes one
 * argument: a repetition scale.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_MAT 96
#define N_VEC 4096
#define N_BODY 64

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof(b));
    return b;
}

static void matmul(int reps)
{
    static double a[N_MAT][N_MAT], b[N_MAT][N_MAT], c[N_MAT][N_MAT];
    for (int i = 0; i < N_MAT; i++) {
        for (int j = 0; j < N_MAT; j++) {
            a[i][j] = (i * 7 + j * 3) % 17 * 0.25 - 2.0;
            b[i][j] = (i * 5 + j * 11) % 13 * 0.5 - 3.0;
        }
    }
    double sum = 0;
    for (int r = 0; r < reps; r++) {
        memset(c, 0, sizeof(c));
        for (int i = 0; i < N_MAT; i++) {
            for (int k = 0; k < N_MAT; k++) {
                double aik = a[i][k] + r * 1e-3;
                for (int j = 0; j < N_MAT; j++) {
                    c[i][j] += aik * b[k][j];
                }
            }
        }
        sum += c[r % N_MAT][(r * 7) % N_MAT];
    }
    printf("matmul %016" PRIx64 "\n", bits_of(sum));
}

static void saxpy_dot(int reps)
{
    static float x[N_VEC], y[N_VEC];
    for (int i = 0; i < N_VEC; i++) {
        x[i] = (float)(i % 101) * 0.01f;
        y[i] = (float)(i % 37) * 0.1f;
    }
    float dot_total = 0;
    for (int r = 0; r < reps * 40; r++) {
        float alpha = 0.999f + (float)(r % 7) * 1e-4f;
        for (int i = 0; i < N_VEC; i++) {
            y[i] = alpha * x[i] + y[i] * 0.5f;
        }
        float dot = 0;
        for (int i = 0; i < N_VEC; i++) {
            dot += x[i] * y[i];
        }
        dot_total += dot;
    }
    printf("saxpy-dot %016" PRIx64 "\n", bits_of(dot_total));
}

static void nbody(int reps)
{
    static double px[N_BODY], py[N_BODY], pz[N_BODY], vx[N_BODY], vy[N_BODY], vz[N_BODY];
    static double m[N_BODY];
    for (int i = 0; i < N_BODY; i++) {
        px[i] = i % 8; py[i] = (i / 8) % 8; pz[i] = i * 0.125;
        vx[i] = vy[i] = vz[i] = 0; m[i] = 1.0 + i % 3;
    }
    for (int r = 0; r < reps * 4; r++) {
        for (int i = 0; i < N_BODY; i++) {
            double ax = 0, ay = 0, az = 0;
            for (int j = 0; j < N_BODY; j++) {
                double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
                double d2 = dx * dx + dy * dy + dz * dz + 0.01;
                double inv = m[j] / (d2 * sqrt(d2));
                ax += dx * inv; ay += dy * inv; az += dz * inv;
            }
            vx[i] += ax * 1e-3; vy[i] += ay * 1e-3; vz[i] += az * 1e-3;
        }
        for (int i = 0; i < N_BODY; i++) {
            px[i] += vx[i] * 1e-3; py[i] += vy[i] * 1e-3; pz[i] += vz[i] * 1e-3;
        }
    }
    double e = 0;
    for (int i = 0; i < N_BODY; i++) {
        e += m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    }
    printf("nbody %016" PRIx64 "\n", bits_of(e));
}

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    matmul(scale * 4);
    saxpy_dot(scale);
    nbody(scale);
    return 0;
}
