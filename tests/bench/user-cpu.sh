#!/bin/sh
# User-mode CPU benchmark (not a test): builds cpu-bench.c with gcc -O2 -static,
# runs it natively, under $BUILD/quetzal-x86_64 and under qemu-x86_64 (when
# installed), RUNS times each (default 5), prints the median wall and CPU
# (user+system) times and the ratios, and checks that every checksum agrees.
# ARCH=i386 does the same for a 32-bit build (gcc -m32, quetzal-i386, qemu-i386).
# Then programs the project did not write, so the figure cannot flatter us:
# Debian's static busybox sha256sum and gzip -9 of a SIZE_MB (default 16) MB
# file, and (x86-64) a python3 loop, each natively, under quetzal and qemu, with
# their outputs compared. REAL=0 skips them.
# Usage: BUILD=build-folder [RUNS=5] [SCALE=7] [ARCH=x86_64|i386] [REAL=1] [SIZE_MB=16]
#        tests/bench/user-cpu.sh
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
[ "${REAL:-1}" = 0 ] && exit 0

# --- real programs: one row each, CPU medians (ms) and ratios ---
# real_run NAME CMD...: $runs runs of CMD (stdout to $tmp/NAME.out), CPU times
# (or wall without /usr/bin/time) in $tmp/NAME.t; status 1 when a run failed
real_run() {
  rname=$1; shift
  : > "$tmp/$rname.t"
  i=0
  while [ $i -lt "$runs" ]; do
    start=$(now_ns)
    if [ $have_time = yes ]; then
      /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" > "$tmp/$rname.out" 2> "$tmp/err" || return 1
      awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$tmp/time" | tail -1 >> "$tmp/$rname.t"
    else
      "$@" > "$tmp/$rname.out" 2> "$tmp/err" || return 1
      echo $(( ($(now_ns) - start) / 1000000 )) >> "$tmp/$rname.t"
    fi
    i=$((i + 1))
  done
}

rx() { r=$(ratio "$1" "$2"); [ "$r" = n/a ] && echo "n/a" || echo "${r}x"; }

# real_row LABEL CMD...: the command natively, under quetzal and qemu
real_row() {
  label=$1; shift
  real_run rn "$@" || { echo "  $label: native run failed; row skipped"; return; }
  line=$(printf "  %-22s native %6s" "$label" "$(median "$tmp/rn.t")")
  qn=""; qq=""
  if [ -x "$BUILD/quetzal-$arch" ]; then
    if real_run rq "$BUILD/quetzal-$arch" "$@" && cmp -s "$tmp/rn.out" "$tmp/rq.out"; then
      qn=$(median "$tmp/rq.t")
      line="$line  quetzal $qn ($(rx "$qn" "$(median "$tmp/rn.t")"))"
    else
      line="$line  quetzal FAILED or output differs"; ok=no
    fi
  fi
  if command -v qemu-$arch >/dev/null 2>&1; then
    if real_run rm qemu-$arch "$@" && cmp -s "$tmp/rn.out" "$tmp/rm.out"; then
      qq=$(median "$tmp/rm.t")
      line="$line  qemu $qq ($(rx "$qq" "$(median "$tmp/rn.t")"))"
    else
      line="$line  qemu failed or output differs"
    fi
  fi
  [ -n "$qn" ] && [ -n "$qq" ] && line="$line  quetzal/qemu $(ratio "$qn" "$qq")"
  echo "$line"
}

cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
case $arch in
  x86_64) busybox=$cache/busybox-static/bin/busybox ;;
  i386) busybox=$cache/busybox-static-i386/bin/busybox ;;
esac
size_mb=${SIZE_MB:-16}
echo "real programs ($arch), $runs runs each, median CPU milliseconds (wall without /usr/bin/time):"
# deterministic text-like input: a counter hashed, base64 encoded
awk -v n=$((size_mb * 1024 * 1024 / 64)) 'BEGIN { srand(7); for (i = 0; i < n; i++) {
  s = ""; for (j = 0; j < 8; j++) s = s sprintf("%08x", int(rand() * 4294967296)); print substr(s, 1, 63) } }' \
  > "$tmp/input"
if [ -x "$busybox" ]; then
  real_row "busybox sha256sum" "$busybox" sha256sum "$tmp/input"
  real_row "busybox gzip -9" "$busybox" gzip -9 -c "$tmp/input"
  real_row "busybox md5sum" "$busybox" md5sum "$tmp/input"
else
  echo "  busybox rows skipped: $busybox missing (scripts/setup.sh --tests fetches it)"
fi
python=/usr/bin/python3        # not a pyenv-style shim script
if [ $arch = x86_64 ] && [ -x $python ]; then
  real_row "python3 loop" $python -c 'print(sum(i * i % 7 for i in range(3000000)))'
fi
[ $ok = yes ] || { echo "outputs DIFFER"; exit 1; }
