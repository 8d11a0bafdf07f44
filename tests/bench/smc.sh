#!/bin/sh
# Self-modifying code benchmark (not a test): a program that patches and calls
# a function N times (a JIT's pattern) and runs a loop storing into its own
# instruction N times, natively, under $BUILD/quetzal-x86_64 and under
# qemu-x86_64 (when installed), RUNS times each (default 5); prints the median
# wall and CPU (user+system) milliseconds, the ratios, and fails when an
# output differs from the native one. Each write to a page holding translated
# code costs an invalidation: its price must not grow with the blocks made
# before (N=20000 took 30 s of CPU when it scanned them all).
# Usage: BUILD=build-folder [RUNS=5] [N=5000] tests/bench/smc.sh
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-5}
n=${N:-5000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/smc.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
int main(int argc, char **argv)
{
    long n = atol(argv[1]);
    uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) return 2;
    uint8_t *f = buf + 4096;            /* mov eax, imm32; ret */
    uint32_t sum1 = 0;
    f[0] = 0xb8; f[5] = 0xc3;
    for (long i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(i * 2654435761u);
        memcpy(f + 1, &v, 4);
        sum1 += ((uint32_t (*)(void))(uintptr_t)f)();
    }
    static const uint8_t loop[] = {
        0x31, 0xc0,                         /* xor eax, eax */
        0xb9, 0x07, 0x00, 0x00, 0x00,       /* top: mov ecx, 7 */
        0x01, 0xc8, 0xff, 0xc1,             /* add eax, ecx; inc ecx */
        0x89, 0x0d, 0xf2, 0xff, 0xff, 0xff, /* mov [rip - 14], ecx: top's imm32 */
        0x48, 0xff, 0xcf, 0x75, 0xec, 0xc3, /* dec rdi; jnz top; ret */
    };
    memcpy(buf, loop, sizeof(loop));
    printf("checksum %08x %08x\n", sum1, ((uint32_t (*)(long))(uintptr_t)buf)(n));
    return 0;
}
EOF
gcc -O2 -static -o "$tmp/smc" "$tmp/smc.c" || { echo "smc: cannot build the program (static glibc: libc6-dev)" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }

# row NAME CMD...: RUNS runs; prints the medians, leaves them in w_NAME, c_NAME
row() {
  name=$1; shift
  : > "$tmp/w"; : > "$tmp/c"
  i=0
  while [ $i -lt "$runs" ]; do
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$tmp/t" "$@" "$tmp/smc" "$n" > "$tmp/$name.out" || { echo "smc: $name failed" >&2; exit 1; }
    echo $(( ($(date +%s%N) - s) / 1000000 )) >> "$tmp/w"
    awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$tmp/t" | tail -1 >> "$tmp/c"
    i=$((i + 1))
  done
  eval "w_$name=$(median < "$tmp/w") c_$name=$(median < "$tmp/c")"
  eval "printf '  %-8s wall %6s ms   cpu %6s ms   %s\n' $name \$w_$name \$c_$name \"\$(cat \$tmp/$name.out)\""
  cmp -s "$tmp/native.out" "$tmp/$name.out" || { echo "smc: $name's output differs from native" >&2; exit 1; }
}

echo "smc N=$n, $runs runs each, medians:"
row native
row quetzal "$BUILD/quetzal-x86_64"
if command -v qemu-x86_64 >/dev/null 2>&1; then
  row qemu qemu-x86_64
  echo "  quetzal/qemu: wall $(ratio "$w_quetzal" "$w_qemu"), cpu $(ratio "$c_quetzal" "$c_qemu")"
else
  echo "  qemu-x86_64 not installed (Debian package qemu-user): skipped"
fi
echo "  quetzal/native: wall $(ratio "$w_quetzal" "$w_native")"
