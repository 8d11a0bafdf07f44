#!/bin/sh
# Benchmark: quetzal-img against qemu-img in the same run, on a 2 GiB image
# holding 1 GiB of mixed data (random, compressible text, explicit zeros; the
# rest holes). Prints MB/s of the virtual size for each operation:
#   convert raw->qcow2, raw->qcow2 -c, qcow2->raw, qcow2->vmdk, check qcow2.
# Usage: BUILD=<build folder> sh tests/bench/img.sh [work folder]
# (the work folder needs about 8 GiB free; default: a temporary folder)
BUILD=${BUILD:-.}
Q="$BUILD/quetzal-img"
W=${1:-$(mktemp -d "${TMPDIR:-/tmp}/bench-img.XXXXXX")}
mkdir -p "$W"
trap 'rm -f "$W"/src.raw "$W"/*.qcow2 "$W"/*.vmdk "$W"/*.raw "$W"/chunk.*' EXIT

SIZE_MB=2048
ours=$("$Q" --help | sed -n 's/^Supported formats: //p')
have() { case " $ours " in *" $1 "*) return 0 ;; esac; return 1; }

echo "preparing a ${SIZE_MB} MiB image with 1 GiB of mixed data in $W"
head -c 2097152 /dev/urandom >"$W/chunk.random"
head -c 1572864 /dev/urandom | base64 -w 76 | head -c 2097152 >"$W/chunk.text"
head -c 2097152 /dev/zero >"$W/chunk.zero"
rm -f "$W/src.raw"; truncate -s ${SIZE_MB}M "$W/src.raw"
# 2 MiB slots: 1 of 2 holds data (random, text, text, zeros in turn), the other is a hole
i=0
while [ $i -lt 1024 ]; do
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
rate() { echo "$1" | awk -v mb=$SIZE_MB '{ if ($1 >= 0.01) printf "%.0f", mb / $1; else printf ">%.0f", mb / 0.01 }'; }

printf '%-26s %12s %12s %7s %16s\n' "operation" "quetzal-img" "qemu-img" "speed" "CPU s ours/qemu"
# bench NAME FORMAT-NEEDED ARGS...: the same arguments for both tools
bench() {
  name=$1 need=$2; shift 2
  for f in $need; do
    if ! have "$f"; then printf '%-28s %12s\n' "$name" "skipped ($f not built in)"; return; fi
  done
  # each run starts with no dirty pages of the previous one still being written
  rm -f "$W/out.qcow2" "$W/out.raw" "$W/out.vmdk"; sync
  m_qemu=$(seconds qemu-img "$@")
  rm -f "$W/out.qcow2" "$W/out.raw" "$W/out.vmdk"; sync
  m_ours=$(seconds "$Q" "$@")
  t_qemu=${m_qemu% *} t_ours=${m_ours% *}
  r_ours=$(rate "$t_ours") r_qemu=$(rate "$t_qemu")
  printf '%-26s %7s MB/s %7s MB/s %7s %16s\n' "$name" "$r_ours" "$r_qemu" \
    "$(echo "$t_qemu $t_ours" | awk '{ if ($2 >= 0.01 && $1 >= 0.01) printf "%.2fx", $1 / $2; else print "-" }')" \
    "${m_ours#* } / ${m_qemu#* }"
}
qemu-img convert -O qcow2 "$W/src.raw" "$W/src.qcow2"
bench "convert raw->qcow2" "qcow2" convert -O qcow2 "$W/src.raw" "$W/out.qcow2"
bench "convert raw->qcow2 -c" "qcow2" convert -c -O qcow2 "$W/src.raw" "$W/out.qcow2"
bench "convert qcow2->raw" "qcow2" convert -O raw "$W/src.qcow2" "$W/out.raw"
bench "convert qcow2->vmdk" "qcow2 vmdk" convert -O vmdk "$W/src.qcow2" "$W/out.vmdk"
bench "check qcow2" "qcow2" check "$W/src.qcow2"
[ -n "$1" ] || rmdir "$W" 2>/dev/null
