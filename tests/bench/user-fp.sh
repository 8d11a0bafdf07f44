#!/bin/sh
# Floating-point benchmark (not a test): fp-bench.c's n-body, dense matrix
# multiply and Mandelbrot (double, and long double on the x87), built with
# gcc -O2 (SSE2, auto-vectorised) and with -O3 -march=x86-64-v3 (AVX2, FMA),
# static; each kernel natively, under $BUILD/quetzal-x86_64 and under Debian's
# qemu-x86_64 (package qemu-user), RUNS times (default 3). Prints the median
# CPU milliseconds of the kernel (the program measures its own process CPU
# time, emulator start-up excluded) and the ratios; fails when an
# emulator's output differs from the native one. The v3 build runs under
# quetzal with -cpu max,+avx,+avx2,+fma,+f16c and under qemu with -cpu max;
# when quetzal does not know those options or stops with SIGILL (an AVX2/FMA
# instruction it lacks), the row says so instead of failing.
# Usage: BUILD=build-folder [RUNS=3] [SCALE=2] sh tests/bench/user-fp.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-3}
scale=${SCALE:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
v3_cpu=max,+avx,+avx2,+fma,+f16c

gcc -O2 -static -o "$tmp/fp-o2" "$SRC/tests/bench/fp-bench.c" -lm || {
  echo "user-fp: cannot build fp-bench.c (static glibc: Debian package libc6-dev)" >&2
  exit 1
}
builds=o2
if gcc -O3 -march=x86-64-v3 -static -o "$tmp/fp-v3" "$SRC/tests/bench/fp-bench.c" -lm 2>/dev/null &&
   "$tmp/fp-v3" mandel 0 > /dev/null 2>&1; then
  builds="o2 v3"
else
  echo "user-fp: no -march=x86-64-v3 build (gcc or this host's CPU lacks it); those rows skipped"
fi
quetzal=$BUILD/quetzal-x86_64
[ -x "$quetzal" ] || { echo "user-fp: $quetzal not built; its column skipped"; quetzal=""; }
qemu=$(command -v qemu-x86_64 || true)
[ -n "$qemu" ] || echo "user-fp: qemu-x86_64 not installed (Debian package qemu-user); its column skipped"

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

# measure NAME CMD...: RUNS runs; the kernel's CPU ms in $tmp/NAME.t, output
# of the last in $tmp/NAME.out; status of the first failing run (0: all ran)
measure() {
  mname=$1; shift
  : > "$tmp/$mname.t"
  i=0
  while [ $i -lt "$runs" ]; do
    "$@" > "$tmp/$mname.out" 2> "$tmp/$mname.err"
    st=$?
    [ $st = 0 ] || return $st
    awk '/^cpu_us / { printf "%.1f\n", $2 / 1000 }' "$tmp/$mname.err" >> "$tmp/$mname.t"
    i=$((i + 1))
  done
  return 0
}

# column LABEL NAME NATIVE_MS CMD...: one emulator's cell; sets cell_ms
column() {
  label=$1 cname=$2 base=$3
  shift 3
  cell_ms=""
  measure "$cname" "$@"
  st=$?
  if [ $st = 0 ] && cmp -s "$tmp/native.out" "$tmp/$cname.out"; then
    cell_ms=$(median "$tmp/$cname.t")
    cell="$label $cell_ms ($(ratio "$cell_ms" "$base"))"
  elif [ $st = 0 ]; then
    cell="$label OUTPUT DIFFERS: $(cat "$tmp/$cname.out")"
    ok=no
  elif [ "$build" = v3 ] && [ "$label" = quetzal ] && grep -q "unknown CPU model" "$tmp/$cname.err"; then
    cell="quetzal: -cpu $v3_cpu not known to this build (no FMA/F16C yet)"
  elif [ "$build" = v3 ] && [ "$label" = quetzal ] && [ $st = 132 ]; then
    cell="quetzal: SIGILL (an AVX2/FMA instruction not implemented yet)"
  else
    cell="$label FAILED (status $st: $(head -1 "$tmp/$cname.err"))"
    [ "$label" = quetzal ] && ok=no
  fi
}

ok=yes
echo "fp-bench, scale $scale, $runs runs each, median CPU ms (ratio to native):"
for build in $builds; do
  for kernel in nbody matmul mandel mandel-ld; do
    bin=$tmp/fp-$build
    if ! measure native "$bin" "$kernel" "$scale"; then
      echo "  $build $kernel: native run failed; row skipped"
      continue
    fi
    nat=$(median "$tmp/native.t")
    line=$(printf "  %-3s %-10s native %6s" "$build" "$kernel" "$nat")
    qz="" qm=""
    if [ -n "$quetzal" ]; then
      if [ $build = v3 ]; then column quetzal qz "$nat" "$quetzal" -cpu "$v3_cpu" "$bin" "$kernel" "$scale"
      else column quetzal qz "$nat" "$quetzal" "$bin" "$kernel" "$scale"; fi
      qz=$cell_ms line="$line  $cell"
    fi
    if [ -n "$qemu" ]; then
      if [ $build = v3 ]; then column qemu qm "$nat" "$qemu" -cpu max "$bin" "$kernel" "$scale"
      else column qemu qm "$nat" "$qemu" "$bin" "$kernel" "$scale"; fi
      qm=$cell_ms line="$line  $cell"
    fi
    [ -n "$qz" ] && [ -n "$qm" ] && line="$line  quetzal/qemu $(ratio "$qz" "$qm")"
    echo "$line"
  done
done
[ $ok = yes ] || { echo "outputs DIFFER or quetzal failed"; exit 1; }
