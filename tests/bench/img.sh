#!/bin/sh
# Benchmark: quetzal-img against qemu-img in the same run, on a 2 GiB image
# holding 1 GiB of mixed data (random, compressible text, explicit zeros; the
# rest holes). Each operation runs RUNS times (default 3) for each tool, the
# two tools taking turns (alternating which goes first) in the same memory
# state (see timed_run); prints the medians: seconds of ours and of
# qemu-img, qemu-img's time over ours ("speed", above 1 = we are faster), CPU
# seconds (user + system, all threads) and their ratio, MB/s of the virtual
# size; then checks our output against qemu-img's (same data by qemu-img
# compare and, for raw files, cmp; same allocated size unless compressed):
#   convert raw->qcow2 (in order and -W), qcow2->raw (page cache and -t none),
#   qcow2->vmdk, raw->qcow2 -c (zlib and zstd, in order and with -W),
#   check qcow2, and check of a 64 GiB image with 64 KiB
#   clusters whose metadata is fully allocated (preallocation=metadata: one
#   million L2 entries and refcounts, the data clusters left as holes), ten
#   checks in a row per timed run.
# Usage: BUILD=<build folder> [RUNS=n] [SIZE_MB=n] [ONLY=name,name...] [NICE=n]
#        sh tests/bench/img.sh [work folder]
# (ONLY: the names of the cases to run, separated by commas)
# Load: Linux shares the cores between sessions (autogroups, sched(7)), not
# between threads, and how much a session gets under load depends on how its
# threads sleep and wake: at load 10, run at the same time each in its own
# session, qemu-img convert -c got 0.8 of a core against a spinning 2-thread
# program's 0.3 (ours got the spinner's 0.37). So each timed run gets a
# session of its own, the same standing for both tools whatever else runs in
# the caller's; NICE=n (root; -15 say) gives those sessions that autogroup
# nice, so that the other sessions' load hardly counts and the figures are
# those of 2 cores (the one-minute load before each run is printed: "load").
# The speed and CPU ratios are medians of the ratios pair by pair (the two
# runs of a pair are back to back, under about the same load).
# (the work folder needs about 8 GiB free; default: a temporary folder)
BUILD=${BUILD:-.}
Q="$BUILD/quetzal-img"
W=${1:-$(mktemp -d "${TMPDIR:-/tmp}/bench-img.XXXXXX")}
mkdir -p "$W"
trap 'rm -f "$W"/src.raw "$W"/*.qcow2 "$W"/*.vmdk "$W"/*.raw "$W"/ours.* "$W"/qemu.* "$W"/chunk.* "$W"/runs.* "$W"/time "$W"/load "$W"/err' EXIT

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

# setsid sh -c "$session" sh COMMAND...: COMMAND in a session (autogroup) of
# its own, at NICE if set
session='[ -z "$NICE" ] || echo "$NICE" >/proc/self/autogroup || exit 1; exec "$@"'
export NICE
# seconds COMMAND...: "elapsed cpu load" (cpu = user + system seconds, all
# threads; on a shared machine elapsed time depends on the load, CPU time much
# less; load: the one-minute load average before the run)
seconds() {
  printf '%s ' "$(cut -d' ' -f1 /proc/loadavg)" >"$W/load"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %U %S' -o "$W/time" setsid sh -c "$session" sh "$@" >/dev/null 2>"$W/err" ||
      { echo "failed: $*" >&2; cat "$W/err" >&2; }
    awk -v load="$(cat "$W/load")" '{printf "%.3f %.2f %s", $1, $2 + $3, load}' "$W/time"
    return
  fi
  start=$(date +%s.%N)
  setsid sh -c "$session" sh "$@" >/dev/null 2>"$W/err" || { echo "failed: $*" >&2; cat "$W/err" >&2; }
  end=$(date +%s.%N)
  echo "$start $end" | awk -v load="$(cat "$W/load")" '{printf "%.3f ? %s", $2 - $1, load}'
}
# MB/s of the virtual size; times below the clock's 10 ms resolution give a bound
rate() { echo "$1" | awk -v mb=$2 '{ if ($1 >= 0.01) printf "%.0f", mb / $1; else printf ">%.0f", mb / 0.01 }'; }
# median of the numbers on standard input
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# allocated MiB of a file (what stays sparse counts nothing)
alloc_mib() { du -k "$1" | awk '{ printf "%.0f", $1 / 1024 }'; }
# verify OURS QEMU: our output against qemu-img's for the same case: the same
# guest data (qemu-img compare; cmp for raw files), a qcow2 that qemu-img
# check accepts and, unless compressed, the same allocated size within 1 MiB;
# a compressed image no larger (in bytes) than qemu-img's
verify() {
  v="ok"
  qemu-img compare -q "$1" "$2" 2>/dev/null || v="DIFFERENT DATA"
  case $1 in *.raw) cmp -s "$1" "$2" || v="DIFFERENT BYTES" ;; esac
  a_ours=$(alloc_mib "$1") a_qemu=$(alloc_mib "$2")
  case $1 in *.qcow2) qemu-img check -q "$1" >/dev/null 2>&1 || v="qemu-img check FAILS" ;; esac
  case $v$compressed in
    ok) [ $((a_ours - a_qemu)) -le 1 ] && [ $((a_qemu - a_ours)) -le 1 ] || v="ALLOCATED SIZE DIFFERS" ;;
    okyes) [ "$(stat -c %s "$1")" -le "$(stat -c %s "$2")" ] || v="LARGER THAN QEMU-IMG'S" ;;
  esac
  printf '%-30s   output %s (allocated MiB ours %s, qemu-img %s)\n' "" "$v" "$a_ours" "$a_qemu"
  [ "$v" = ok ] || failures=$((failures + 1))
}

# timed_run WHO OUTPUT COMMAND...: one timed run of COMMAND (writing
# $W/WHO.OUTPUT unless OUTPUT is "-"), appended to $W/runs.WHO. Every run
# starts in the same state: no dirty pages of an earlier run still being
# written (sync), its own old output deleted and the other tool's output
# dropped from the page cache. The output of a run is written into page
# cache pages that must come from the free memory: pages freed moments ago
# (a deleted or dropped file's) are reused cheaply, but on a virtual machine
# with free page reporting (virtio-balloon) pages that stayed free for a few
# seconds have been given back to the host and each costs a host page fault
# when touched again: writing 768 MiB then takes 1.3 s of system time instead
# of 0.35 s (measured with dd alone). Before this, the second tool of each
# run found the first one's output holding the recycled pages and paid that:
# whichever tool ran second was about 3x slower in CPU time.
timed_run() {
  who=$1 o=$2; shift 2
  if [ "$o" = - ]; then
    # REPEAT=n: one timed run is n runs in a row (for commands of a few
    # hundredths of a second: start-up noise and the clock's resolution)
    sync; seconds sh -c 'n=$1; shift; i=0
      while [ $i -lt "$n" ]; do "$@" >/dev/null || exit 1; i=$((i + 1)); done' sh "${REPEAT:-1}" "$@" \
      >>"$W/runs.$who"; echo >>"$W/runs.$who"
    return
  fi
  rm -f "$W/$who.$o"; sync
  for f in "$W"/qemu."$o" "$W"/ours."$o"; do
    [ -f "$f" ] && dd if="$f" iflag=nocache count=0 2>/dev/null
  done
  seconds "$@" "$W/$who.$o" >>"$W/runs.$who"; echo >>"$W/runs.$who"
}

# pair_ratio FIELD: the median over the pairs of runs of qemu-img's FIELD
# (1: seconds, 2: CPU seconds) over ours
pair_ratio() {
  paste -d' ' "$W/runs.qemu" "$W/runs.ours" |
    awk -v f=$1 -v n=3 '{ q = $f; o = $(f + n); if (q >= 0.01 && o >= 0.01) print q / o }' |
    median | awk '{ if ($1 != "") printf "%.2fx", $1; else print "-" }'
}

failures=0
printf '%-30s %9s %9s %7s %16s %6s %9s %s\n' "operation (median of $RUNS)" "ours s" "qemu s" "speed" "CPU s ours/qemu" "CPU x" "MB/s ours" "load"
# bench NAME FORMAT-NEEDED MB OUTPUT ARGS...: the same arguments for both
# tools, each writing its own OUTPUT (none: "-") given as the last argument;
# speed = qemu-img's time / ours (above 1: we are faster), as is CPU x, each
# the median of the pairs' ratios
bench() {
  name=$1 need=$2 mb=$3 out=$4; shift 4
  [ -z "$ONLY" ] || case ",$ONLY," in *",$name,"*) ;; *) return ;; esac
  for f in $need; do
    if ! have "$f"; then printf '%-30s %s\n' "$name" "skipped ($f not built in)"; return; fi
  done
  : >"$W/runs.qemu"; : >"$W/runs.ours"
  run=0
  while [ $run -lt "$RUNS" ]; do
    # the tools take turns, qemu-img first in even runs, ours first in odd ones
    if [ $((run % 2)) -eq 0 ]; then
      timed_run qemu "$out" qemu-img "$@"; timed_run ours "$out" "$Q" "$@"
    else
      timed_run ours "$out" "$Q" "$@"; timed_run qemu "$out" qemu-img "$@"
    fi
    run=$((run + 1))
  done
  t_qemu=$(cut -d' ' -f1 "$W/runs.qemu" | median) t_ours=$(cut -d' ' -f1 "$W/runs.ours" | median)
  c_qemu=$(cut -d' ' -f2 "$W/runs.qemu" | median) c_ours=$(cut -d' ' -f2 "$W/runs.ours" | median)
  printf '%-30s %9s %9s %7s %16s %6s %9s %s\n' "$name" "$t_ours" "$t_qemu" "$(pair_ratio 1)" \
    "$c_ours / $c_qemu" "$(pair_ratio 2)" "$(rate "$t_ours" "$mb")" \
    "$(cat "$W/runs.qemu" "$W/runs.ours" | cut -d' ' -f3 | sort -n | sed -n '1p;$p' | paste -sd-)"
  if [ "$out" != - ]; then
    verify "$W/ours.$out" "$W/qemu.$out"
    rm -f "$W/ours.$out" "$W/qemu.$out"
  fi
}
qemu-img convert -O qcow2 "$W/src.raw" "$W/src.qcow2"
compressed=
bench "convert raw->qcow2" "qcow2" $SIZE_MB qcow2 convert -O qcow2 "$W/src.raw"
bench "convert raw->qcow2 -W" "qcow2" $SIZE_MB qcow2 convert -W -O qcow2 "$W/src.raw"
bench "convert qcow2->raw" "qcow2" $SIZE_MB raw convert -O raw "$W/src.qcow2"
bench "convert qcow2->raw -t none" "qcow2" $SIZE_MB raw convert -t none -O raw "$W/src.qcow2"
bench "convert qcow2->vmdk" "qcow2 vmdk" $SIZE_MB vmdk convert -O vmdk "$W/src.qcow2"
compressed=yes
bench "convert raw->qcow2 -c" "qcow2" $SIZE_MB qcow2 convert -c -O qcow2 "$W/src.raw"
bench "convert raw->qcow2 -c -W" "qcow2" $SIZE_MB qcow2 convert -c -W -O qcow2 "$W/src.raw"
if "$Q" create -q -f qcow2 -o compression_type=zstd "$W/probe.qcow2" 1M 2>/dev/null; then
  bench "convert raw->qcow2 -c zstd" "qcow2" $SIZE_MB qcow2 \
    convert -c -O qcow2 -o compression_type=zstd "$W/src.raw"
  bench "convert raw->qcow2 -c -W zstd" "qcow2" $SIZE_MB qcow2 \
    convert -c -W -O qcow2 -o compression_type=zstd "$W/src.raw"
else
  printf '%-30s %s\n' "convert raw->qcow2 -c zstd" "skipped (zstd not built in)"
fi
bench "check qcow2" "qcow2" $SIZE_MB - check "$W/src.qcow2"
qemu-img create -q -f qcow2 -o preallocation=metadata,cluster_size=65536 "$W/meta.qcow2" 64G
# each timed run checks the image 10 times (one check takes under 0.1 s)
REPEAT=10
bench "check 64G metadata-full x10" "qcow2" 655360 - check "$W/meta.qcow2"
REPEAT=
[ $failures -eq 0 ] || echo "$failures outputs differ from qemu-img's"
[ -n "$1" ] || rmdir "$W" 2>/dev/null
