#!/bin/sh
# User-mode CPU benchmark (not a test): builds cpu-bench.c with gcc -O2 -static,
# runs it natively, under $BUILD/quetzal-x86_64 and under qemu-x86_64 (when
# installed), RUNS times each (default 5), prints the median wall and CPU
# (user+system) times and the ratios, and checks that every checksum agrees.
# ARCH=i386 does the same for a 32-bit build (gcc -m32, quetzal-i386, qemu-i386).
# Usage: BUILD=build-folder [RUNS=5] [SCALE=7] [ARCH=x86_64|i386] tests/bench/user-cpu.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$SRC}
runs=${RUNS:-5}
scale=${SCALE:-7}
arch=${ARCH:-x86_64}
case $arch in
  x86_64) mflag=-m64 ;;
  i386) mflag=-m32 ;;
  *) echo "user-cpu: ARCH=$arch is not x86_64 or i386" >&2; exit 1 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gcc $mflag -O2 -static -o "$tmp/cpu-bench" "$SRC/tests/bench/cpu-bench.c" || {
  echo "user-cpu: cannot build cpu-bench.c for $arch (static glibc: Debian packages libc6-dev, gcc-multilib)" >&2
  exit 1
}
have_time=no
[ -x /usr/bin/time ] && have_time=yes

now_ns() { date +%s%N; }

# run NAME CMD...: runs the benchmark $runs times; leaves NAME.wall, NAME.cpu
# (one figure per line) and NAME.sum (checksum lines) in $tmp
run() {
  name=$1; shift
  : > "$tmp/$name.wall"; : > "$tmp/$name.cpu"; : > "$tmp/$name.sum"
  i=0
  while [ $i -lt "$runs" ]; do
    start=$(now_ns)
    if [ $have_time = yes ]; then
      /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" "$tmp/cpu-bench" "$scale" > "$tmp/out" 2> "$tmp/err"
    else
      "$@" "$tmp/cpu-bench" "$scale" > "$tmp/out" 2> "$tmp/err"
    fi
    status=$?
    end=$(now_ns)
    if [ $status -ne 0 ]; then
      echo "user-cpu: $name run failed (exit status $status):" >&2
      head -5 "$tmp/err" >&2
      return 1
    fi
    echo $(( (end - start) / 1000000 )) >> "$tmp/$name.wall"
    if [ $have_time = yes ]; then
      awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$tmp/time" | tail -1 >> "$tmp/$name.cpu"
    fi
    grep '^checksum' "$tmp/out" >> "$tmp/$name.sum"
    i=$((i + 1))
  done
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

names="native"
run native || exit 1
if [ -x "$BUILD/quetzal-$arch" ]; then
  run quetzal "$BUILD/quetzal-$arch" && names="$names quetzal"
else
  echo "user-cpu: $BUILD/quetzal-$arch not built; skipping it"
fi
if command -v qemu-$arch >/dev/null 2>&1; then
  run qemu qemu-$arch && names="$names qemu"
else
  echo "user-cpu: qemu-$arch not installed (Debian package qemu-user); skipping it"
fi

echo "cpu-bench ($arch) scale $scale, $runs runs each, median milliseconds:"
ok=yes
expected=$(head -1 "$tmp/native.sum")
for n in $names; do
  w=$(median "$tmp/$n.wall"); c=$(median "$tmp/$n.cpu")
  eval "wall_$n=$w cpu_$n=$c"
  if [ $have_time = yes ]; then
    printf "  %-8s wall %6s ms   cpu %6s ms\n" "$n" "$w" "$c"
  else
    printf "  %-8s wall %6s ms\n" "$n" "$w"
  fi
  if [ "$(sort -u "$tmp/$n.sum")" != "$expected" ]; then
    echo "  $n: checksum differs from native: $(sort -u "$tmp/$n.sum" | tr '\n' ' ')(native: $expected)"
    ok=no
  fi
done
echo "ratios (wall; cpu):"
pair() {
  a=$1; b=$2
  case " $names " in *" $a "*) ;; *) return ;; esac
  case " $names " in *" $b "*) ;; *) return ;; esac
  eval "wa=\$wall_$a wb=\$wall_$b ca=\$cpu_$a cb=\$cpu_$b"
  echo "  $a/$b: $(ratio "$wa" "$wb"); $(ratio "$ca" "$cb")"
}
pair quetzal native
pair qemu native
pair quetzal qemu
if [ $ok = yes ]; then
  echo "checksums agree: $expected"
else
  echo "checksums DIFFER"
  exit 1
fi
