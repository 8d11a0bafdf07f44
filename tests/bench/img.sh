#!/bin/sh
# Benchmark: quetzal-img against qemu-img in the same run, on a 2 GiB image
# holding 1 GiB of mixed data (random, compressible text, explicit zeros; the
# rest holes). Each operation runs RUNS times (default 3) for each tool, the
# two tools taking turns; prints the medians: MB/s of the virtual size,
# qemu-img's time over ours ("speed", above 1 = we are faster) and CPU seconds:
#   convert raw->qcow2, raw->qcow2 -c (zlib and zstd, in order and with -W), qcow2->raw,
#   qcow2->vmdk, check qcow2, and check of a 64 GiB image with 64 KiB
#   clusters whose metadata is fully allocated (preallocation=metadata: one
#   million L2 entries and refcounts, the data clusters left as holes).
# Usage: BUILD=<build folder> [RUNS=n] [SIZE_MB=n] sh tests/bench/img.sh [work folder]
# (the work folder needs about 8 GiB free; default: a temporary folder)
BUILD=${BUILD:-.}
Q="$BUILD/quetzal-img"
W=${1:-$(mktemp -d "${TMPDIR:-/tmp}/bench-img.XXXXXX")}
mkdir -p "$W"
trap 'rm -f "$W"/src.raw "$W"/*.qcow2 "$W"/*.vmdk "$W"/*.raw "$W"/chunk.* "$W"/runs.* "$W"/time "$W"/err' EXIT

SIZE_MB=${SIZE_MB:-2048}
RUNS=${RUNS:-3}
ours=$("$Q" --help | sed -n 's/^Supported formats: //p')
have() { case " $ours " in *" $1 "*) return 0 ;; esac; return 1; }

echo "preparing a ${SIZE_MB} MiB image with $((SIZE_MB / 2)) MiB of mixed data in $W"
head -c 2097152 /dev/urandom >"$W/chunk.random"
head -c 1572864 /dev/urandom | base64 -w 76 | head -c 2097152 >"$W/chunk.text"
head -c 2097152 /dev/zero >"$W/chunk.zero"
rm -f "$W/src.raw"; truncate -s ${SIZE_MB}M "$W/src.raw"
# 2 MiB slots over the first half: 1 of 2 holds data (random, text, text, zeros in turn), the other is a hole
i=0
while [ $i -lt $((SIZE_MB / 2)) ]; do
  case $((i / 2 % 4)) in 0) c=random ;; 1|2) c=text ;; 3) c=zero ;; esac
  dd if="$W/chunk.$c" of="$W/src.raw" bs=2M seek=$i conv=notrunc 2>/dev/null
  i=$((i + 2))
done
sync

# seconds COMMAND...: "elapsed cpu" seconds (cpu = user + system, all threads;
# on a shared machine elapsed time depends on the load, CPU time much less)
seconds() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %U %S' -o "$W/time" "$@" >/dev/null 2>"$W/err" ||
      { echo "failed: $*" >&2; cat "$W/err" >&2; }
    awk '{printf "%.3f %.2f", $1, $2 + $3}' "$W/time"
    return
  fi
  start=$(date +%s.%N)
  "$@" >/dev/null 2>"$W/err" || { echo "failed: $*" >&2; cat "$W/err" >&2; }
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.3f ?", $2 - $1}'
}
# MB/s of the virtual size; times below the clock's 10 ms resolution give a bound
rate() { echo "$1" | awk -v mb=$2 '{ if ($1 >= 0.01) printf "%.0f", mb / $1; else printf ">%.0f", mb / 0.01 }'; }
# median of the numbers on standard input
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-28s %12s %12s %7s %16s\n' "operation (median of $RUNS)" "quetzal-img" "qemu-img" "speed" "CPU s ours/qemu"
# bench NAME FORMAT-NEEDED MB ARGS...: the same arguments for both tools
bench() {
  name=$1 need=$2 mb=$3; shift 3
  for f in $need; do
    if ! have "$f"; then printf '%-28s %12s\n' "$name" "skipped ($f not built in)"; return; fi
  done
  : >"$W/runs.qemu"; : >"$W/runs.ours"
  run=0
  while [ $run -lt "$RUNS" ]; do
    # each run starts with no dirty pages of the previous one still being written
    rm -f "$W/out.qcow2" "$W/out.raw" "$W/out.vmdk"; sync
    seconds qemu-img "$@" >>"$W/runs.qemu"; echo >>"$W/runs.qemu"
    rm -f "$W/out.qcow2" "$W/out.raw" "$W/out.vmdk"; sync
    seconds "$Q" "$@" >>"$W/runs.ours"; echo >>"$W/runs.ours"
    run=$((run + 1))
  done
  t_qemu=$(cut -d' ' -f1 "$W/runs.qemu" | median) t_ours=$(cut -d' ' -f1 "$W/runs.ours" | median)
  c_qemu=$(cut -d' ' -f2 "$W/runs.qemu" | median) c_ours=$(cut -d' ' -f2 "$W/runs.ours" | median)
  printf '%-28s %7s MB/s %7s MB/s %7s %16s\n' "$name" "$(rate "$t_ours" "$mb")" "$(rate "$t_qemu" "$mb")" \
    "$(echo "$t_qemu $t_ours" | awk '{ if ($2 >= 0.01 && $1 >= 0.01) printf "%.2fx", $1 / $2; else print "-" }')" \
    "$c_ours / $c_qemu"
}
qemu-img convert -O qcow2 "$W/src.raw" "$W/src.qcow2"
bench "convert raw->qcow2" "qcow2" $SIZE_MB convert -O qcow2 "$W/src.raw" "$W/out.qcow2"
bench "convert raw->qcow2 -c" "qcow2" $SIZE_MB convert -c -O qcow2 "$W/src.raw" "$W/out.qcow2"
bench "convert raw->qcow2 -c -W" "qcow2" $SIZE_MB convert -c -W -O qcow2 "$W/src.raw" "$W/out.qcow2"
if "$Q" create -q -f qcow2 -o compression_type=zstd "$W/probe.qcow2" 1M 2>/dev/null; then
  bench "convert raw->qcow2 -c zstd" "qcow2" $SIZE_MB \
    convert -c -O qcow2 -o compression_type=zstd "$W/src.raw" "$W/out.qcow2"
  bench "convert raw->qcow2 -c -W zstd" "qcow2" $SIZE_MB \
    convert -c -W -O qcow2 -o compression_type=zstd "$W/src.raw" "$W/out.qcow2"
else
  printf '%-28s %12s\n' "convert raw->qcow2 -c zstd" "skipped (zstd not built in)"
fi
bench "convert qcow2->raw" "qcow2" $SIZE_MB convert -O raw "$W/src.qcow2" "$W/out.raw"
bench "convert qcow2->vmdk" "qcow2" $SIZE_MB convert -O vmdk "$W/src.qcow2" "$W/out.vmdk"
bench "check qcow2" "qcow2" $SIZE_MB check "$W/src.qcow2"
qemu-img create -q -f qcow2 -o preallocation=metadata,cluster_size=65536 "$W/meta.qcow2" 64G
bench "check 64G metadata-full" "qcow2" 65536 check "$W/meta.qcow2"
[ -n "$1" ] || rmdir "$W" 2>/dev/null
