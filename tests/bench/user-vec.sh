#!/bin/sh
# User-mode vector-code benchmark (not a test): builds vec-bench.c (gcc
# auto-vectorised double/float loops: matrix multiply, saxpy + dot product,
# n-body) twice, with gcc -O2 -ftree-vectorize (SSE2) and -O3 -march=x86-64-v3
# (AVX2/FMA, run with -cpu max,+avx,+avx2,+fma,+f16c; skipped when the host
# lacks AVX2), runs each natively, under $BUILD/quetzal-x86_64 and under
# qemu-x86_64 (when installed) RUNS times (default 3), prints the median CPU
# (user+system, /usr/bin/time; wall without it) and wall times and the ratios to native, and checks that every output equals the
# native one (the kernels print their sums' exact bits). Each cell is
# "CPU ms / wall ms" (medians); the ratios are of CPU time.
# QUETZAL=path measures another build (e.g. main's, for a before/after), QEMU=0
# skips qemu.
# CPU/wall ms per cell. Usage: BUILD=build-folder [RUNS=3] [SCALE=200] [QUETZAL=path] [QEMU=0] tests/bench/user-vec.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-3}
scale=${SCALE:-200}
quetzal=${QUETZAL:-$BUILD/quetzal-x86_64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

now_ns() { date +%s%N; }

# median of the numbers in file $1
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run NAME BINARY CMD...: RUNS timed runs; leaves NAME.ms (median) in $tmp;
# fails when an output differs from $tmp/native.out
run() {
  name=$1 bin=$2; shift 2
  : > "$tmp/$name.times"
  : > "$tmp/$name.walls"
  i=0
  while [ $i -lt "$runs" ]; do
    start=$(now_ns)
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" "$bin" "$scale" > "$tmp/$name.out" 2> "$tmp/$name.err"
    else
      "$@" "$bin" "$scale" > "$tmp/$name.out" 2> "$tmp/$name.err"
    fi || { echo "user-vec: $name failed:" >&2; head -3 "$tmp/$name.err" >&2; return 1; }
    end=$(now_ns)
    echo $(( (end - start) / 1000000 )) >> "$tmp/$name.walls"
    if [ -x /usr/bin/time ]; then
      awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$tmp/time" | tail -1 >> "$tmp/$name.times"
    else
      echo $(( (end - start) / 1000000 )) >> "$tmp/$name.times"
    fi
    if [ -f "$tmp/native.out" ] && ! cmp -s "$tmp/native.out" "$tmp/$name.out"; then
      echo "user-vec: $name output differs from native:" >&2
      diff "$tmp/native.out" "$tmp/$name.out" >&2
      return 1
    fi
    i=$((i + 1))
  done
  median "$tmp/$name.times" > "$tmp/$name.ms"
  median "$tmp/$name.walls" > "$tmp/$name.wall"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

# bench LABEL CFLAGS CPU-OPTION
bench() {
  label=$1 cflags=$2 cpu=$3
  gcc $cflags -static -o "$tmp/vb" "$SRC/tests/bench/vec-bench.c" -lm || {
    echo "user-vec: cannot build vec-bench.c ($cflags)" >&2; return 1; }
  rm -f "$tmp/native.out"
  run native "$tmp/vb" || return 1
  n=$(cat "$tmp/native.ms")
  run quetzal "$tmp/vb" "$quetzal" $cpu || status=1
  q=$(cat "$tmp/quetzal.ms" 2>/dev/null || echo 0)
  line="$label: native ${n}/$(cat "$tmp/native.wall") ms, quetzal ${q}/$(cat "$tmp/quetzal.wall" 2>/dev/null) ms ($(ratio "$q" "$n"))"
  if [ "${QEMU:-1}" != 0 ] && command -v qemu-x86_64 > /dev/null; then
    run qemu "$tmp/vb" qemu-x86_64 $cpu || status=1
    m=$(cat "$tmp/qemu.ms" 2>/dev/null || echo 0)
    line="$line, qemu ${m}/$(cat "$tmp/qemu.wall" 2>/dev/null) ms ($(ratio "$m" "$n"))"
  fi
  echo "$line"
}

bench "sse2 (-O2 -ftree-vectorize)" "-O2 -ftree-vectorize" "" || status=1
if grep -q ' avx2 ' /proc/cpuinfo && grep -q ' fma ' /proc/cpuinfo; then
  bench "avx2 (-O3 -march=x86-64-v3)" "-O3 -march=x86-64-v3" "-cpu max,+avx,+avx2,+fma,+f16c" || status=1
else
  echo "avx2: skipped (the host has no AVX2/FMA to run the native side)"
fi
exit $status
