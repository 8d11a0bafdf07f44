#!/bin/sh
# User-mode benchmark of real programs (not a test; not in make check): each
# workload runs natively, under $BUILD/quetzal-x86_64 and under qemu-x86_64
# (when installed), RUNS times (default 3); prints the median wall time, the
# ratios to native and quetzal/qemu, and checks that the outputs agree.
# Workloads (issue 7, "Benchmark"):
#   gzip -9 of GZIP_MB (64) MB of mixed data (text, program code, random bytes)
#   xz -6 -T1 of XZ_MB (32) MB of the same
#   python3 -c a pure-Python loop (PY_N iterations, default 3000000)
#   python3 -c pass (start-up)
#   gcc -O2 -c of a generated C file of about 2,000 lines
#   7z b -mmt1 (when p7zip is installed: Debian package p7zip-full or 7zip)
# qemu-x86_64 does not follow execve (without binfmt_misc), so its gcc figure is
# the driver alone while quetzal runs cc1 and as under the emulator too.
# Usage: BUILD=build-folder [RUNS=3] [GZIP_MB=64] [XZ_MB=32] tests/bench/user-real.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-3}
gzip_mb=${GZIP_MB:-64}
xz_mb=${XZ_MB:-32}
py_n=${PY_N:-3000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

quetzal=$BUILD/quetzal-x86_64
[ -x "$quetzal" ] || { echo "user-real: $quetzal not built" >&2; exit 1; }
qemu=$(command -v qemu-x86_64 || true)
[ -n "$qemu" ] || echo "user-real: qemu-x86_64 not installed (Debian package qemu-user): its column is empty"
# the real interpreter, not a wrapper script (pyenv's shims are shell scripts)
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
[ -n "$python" ] && python=$(readlink -f "$python")

# --- inputs ---
# mixed data: generated text, the bytes of installed programs, random bytes
make_mixed() {  # MB FILE
  awk 'BEGIN { srand(7); for (i = 0; i < 400000; i++) printf "line %d: value %d word%d %s\n", i, int(rand() * 1e6), i % 97, (i % 3 ? "alpha" : "beta gamma") }' > "$tmp/text"
  cat /usr/bin/* 2>/dev/null | head -c $((8 << 20)) > "$tmp/code"
  head -c $((4 << 20)) /dev/urandom > "$tmp/random"
  : > "$2"
  while [ "$(wc -c < "$2")" -lt $(($1 << 20)) ]; do
    cat "$tmp/text" "$tmp/code" "$tmp/random" >> "$2"
  done
  truncate -s $(($1 << 20)) "$2"
}
make_mixed "$gzip_mb" "$tmp/gzip.in"
make_mixed "$xz_mb" "$tmp/xz.in"

# a C file of about 2,000 lines: functions with loops, switches, structs
awk 'BEGIN {
  print "#include <stdio.h>\n#include <string.h>\nstruct item { int key; double weight; char name[16]; };"
  for (f = 0; f < 110; f++) {
    printf "static int work%d(struct item *v, int n)\n{\n    int acc = %d;\n", f, f
    printf "    for (int i = 0; i < n; i++) {\n        switch ((v[i].key + %d) %% 5) {\n", f
    for (c = 0; c < 5; c++) printf "        case %d: acc += v[i].key * %d - (int)v[i].weight; break;\n", c, c + f
    printf "        }\n        if (strlen(v[i].name) > %d) acc ^= i << %d;\n    }\n    return acc;\n}\n\n", f % 9, f % 7
  }
  print "int main(void)\n{\n    struct item v[64];\n    int total = 0;"
  print "    for (int i = 0; i < 64; i++) { v[i].key = i * 7; v[i].weight = i / 3.0; snprintf(v[i].name, 16, \"n%d\", i); }"
  for (f = 0; f < 110; f++) printf "    total += work%d(v, 64);\n", f
  print "    printf(\"%d\\n\", total);\n    return 0;\n}"
}' > "$tmp/prog.c"

# --- running ---
now_ns() { date +%s%N; }

# one RUNNER NAME CMD...: $runs timed runs (stdout to $tmp/RUNNER.NAME.out);
# the median wall time in ms on stdout, "fail" when a run fails
one() {
  runner=$1 name=$2
  shift 2
  : > "$tmp/times"
  i=0
  while [ $i -lt "$runs" ]; do
    start=$(now_ns)
    case $runner in
      native) "$@" > "$tmp/$runner.$name.out" 2> "$tmp/err" ;;
      quetzal) "$quetzal" "$@" > "$tmp/$runner.$name.out" 2> "$tmp/err" ;;
      qemu) "$qemu" "$@" > "$tmp/$runner.$name.out" 2> "$tmp/err" ;;
    esac
    status=$?
    end=$(now_ns)
    if [ $status -ne 0 ]; then
      echo "user-real: $name under $runner failed (status $status): $(head -2 "$tmp/err" | tr '\n' ' ')" >&2
      echo fail
      return
    fi
    echo $(( (end - start) / 1000000 )) >> "$tmp/times"
    i=$((i + 1))
  done
  sort -n "$tmp/times" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

ratio() {  # A B: A/B with two decimals, "-" when either is missing
  case "$1$2" in *fail*|"") echo "-"; return ;; esac
  [ -n "$1" ] && [ -n "$2" ] && [ "$2" -gt 0 ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo "-"
}

printf '%-22s %10s %10s %7s %10s %7s %9s\n' workload native-ms quetzal-ms ratio qemu-ms ratio q/qemu
bench() {  # NAME CMD...
  name=$1
  shift
  # the emulators take a path, not a name to look up in PATH
  prog=$(command -v "$1") || { echo "$name: skipped, $1 is not installed"; return; }
  shift
  set -- "$prog" "$@"
  n=$(one native "$name" "$@")
  q=$(one quetzal "$name" "$@")
  m=""
  [ -n "$qemu" ] && m=$(one qemu "$name" "$@")
  agree=""
  case $name in 7z*) q_out_checked=no ;; *) q_out_checked=yes ;; esac
  if [ "$q" != fail ] && [ $q_out_checked = yes ] &&
     ! cmp -s "$tmp/native.$name.out" "$tmp/quetzal.$name.out"; then
    agree=" (quetzal output differs from native!)"
  fi
  printf '%-22s %10s %10s %7s %10s %7s %9s%s\n' "$name" "$n" "$q" "$(ratio "$q" "$n")" \
    "${m:--}" "$(ratio "$m" "$n")" "$(ratio "$q" "$m")" "$agree"
}

bench "gzip -9 ${gzip_mb}MB" gzip -9 -c "$tmp/gzip.in"
bench "xz -6 -T1 ${xz_mb}MB" xz -6 -T1 -c "$tmp/xz.in"
if [ -n "$python" ]; then
  bench "python loop" "$python" -c "
s = 0
for i in range($py_n):
    s += i * i % 7
print(s)"
  bench "python -c pass" "$python" -c pass
else
  echo "python3: not installed, skipped"
fi
bench "gcc -O2 $(wc -l < "$tmp/prog.c") lines" gcc -O2 -c -o /dev/stdout "$tmp/prog.c"
if command -v 7z > /dev/null; then
  # its report has timings, which differ run to run: not compared
  bench "7z b -mmt1" 7z b -mmt1
else
  echo "7z b -mmt1: skipped, p7zip is not installed (Debian package p7zip-full or 7zip)"
fi
