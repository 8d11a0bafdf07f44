/*
 * Floating-point kernels for tests/bench/user-fp.sh: n-body (the classic
 * five-body simulation), a dense matrix multiply, and Mandelbrot in double
 * and in long double (x87). Usage: fp-bench KERNEL SCALE; prints a result
 * line the script compares with the native run's (same binary, so equal bit
 * for bit when the emulator is exact), and on stderr the kernel's process CPU
 * time in microseconds (CLOCK_PROCESS_CPUTIME_ID: an emulator's translation
 * counts, its start-up does not).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PI 3.141592653589793
#define DAYS 365.24

typedef struct { double x, y, z, vx, vy, vz, mass; } Body;

static double nbody(int steps)
{
    Body b[5] = {
        { 0, 0, 0, 0, 0, 0, 4 * PI * PI },
        { 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
          1.66007664274403694e-03 * DAYS, 7.69901118419740425e-03 * DAYS,
          -6.90460016972063023e-05 * DAYS, 9.54791938424326609e-04 * 4 * PI * PI },
        { 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
          -2.76742510726862411e-03 * DAYS, 4.99852801234917238e-03 * DAYS,
          2.30417297573763929e-05 * DAYS, 2.85885980666130812e-04 * 4 * PI * PI },
        { 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
          2.96460137564761618e-03 * DAYS, 2.37847173959480950e-03 * DAYS,
          -2.96589568540237556e-05 * DAYS, 4.36624404335156298e-05 * 4 * PI * PI },
        { 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
          2.68067772490389322e-03 * DAYS, 1.62824170038242295e-03 * DAYS,
          -9.51592254519715870e-05 * DAYS, 5.15138902046611451e-05 * 4 * PI * PI },
    };
    const double dt = 0.01;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < 5; i++) {
            for (int j = i + 1; j < 5; j++) {
                double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * sqrt(d2));
                b[i].vx -= dx * b[j].mass * mag;
                b[i].vy -= dy * b[j].mass * mag;
                b[i].vz -= dz * b[j].mass * mag;
                b[j].vx += dx * b[i].mass * mag;
                b[j].vy += dy * b[i].mass * mag;
                b[j].vz += dz * b[i].mass * mag;
            }
        }
        for (int i = 0; i < 5; i++) {
            b[i].x += dt * b[i].vx;
            b[i].y += dt * b[i].vy;
            b[i].z += dt * b[i].vz;
        }
    }
    double e = 0;
    for (int i = 0; i < 5; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < 5; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

/* C = A * B, n x n, i-k-j order (the inner loop vectorises) */
static double matmul(int n, int reps)
{
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n);
    double *c = calloc((size_t)n * n, sizeof(double)), sum = 0;
    for (int i = 0; i < n * n; i++) {
        a[i] = (double)((i * 7) % 13) / 13.0 - 0.5;
        b[i] = (double)((i * 11) % 17) / 17.0 - 0.25;
    }
    for (int r = 0; r < reps; r++) {
        memset(c, 0, sizeof(double) * n * n);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double aik = a[i * n + k];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aik * b[k * n + j];
                }
            }
        }
        sum += c[(r * 31) % (n * n)];
    }
    for (int i = 0; i < n * n; i++) {
        sum += c[i];
    }
    free(a);
    free(b);
    free(c);
    return sum;
}

/* points of a size x (size * rows) grid in the set after up to 200 iterations */
#define MANDEL(name, T) \
static long name(int size, int rows) \
{ \
    long inside = 0; \
    for (int py = 0; py < size * rows; py++) { \
        for (int px = 0; px < size; px++) { \
            T cr = (T)2.5 * px / size - 2, ci = (T)2 * (py % size) / size - 1, zr = 0, zi = 0; \
            int it = 0; \
            while (it < 200 && zr * zr + zi * zi <= 4) { \
                T t = zr * zr - zi * zi + cr; \
                zi = 2 * zr * zi + ci; \
                zr = t; \
                it++; \
            } \
            inside += it == 200; \
        } \
    } \
    return inside; \
}
MANDEL(mandel_double, double)
MANDEL(mandel_long_double, long double)

int main(int argc, char **argv)
{
    int scale = argc > 2 ? atoi(argv[2]) : 1;
    const char *k = argc > 1 ? argv[1] : "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    if (!strcmp(k, "nbody")) {
        printf("nbody %.12f\n", nbody(1000000 * scale));
    } else if (!strcmp(k, "matmul")) {
        printf("matmul %.9f\n", matmul(300, 12 * scale));
    } else if (!strcmp(k, "mandel")) {
        printf("mandel %ld\n", mandel_double(800, scale));
    } else if (!strcmp(k, "mandel-ld")) {
        printf("mandel-ld %ld\n", mandel_long_double(500, scale));
    } else {
        fprintf(stderr, "usage: fp-bench nbody|matmul|mandel|mandel-ld SCALE\n");
        return 2;
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    fprintf(stderr, "cpu_us %lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
                                      (t1.tv_nsec - t0.tv_nsec) / 1000);
    return 0;
}
