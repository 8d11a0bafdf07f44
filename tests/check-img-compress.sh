#!/bin/sh
# Compressed and parallel conversions (quetzal-img convert -c, -W, -m) checked
# by Debian's qemu-img: mixed data (compressible text, random, zeros, holes,
# and clusters whose deflate/zstd matches reach back further than 4 KiB) goes
# through zlib and zstd compression in order and out of order (-W); qemu-img
# must read every image identical to the source and find no errors in it, and
# the images must really hold compressed clusters (qemu-img's own count).
NAME=check-img-compress
. "${SRC:-.}/tests/common.sh"

if ! command -v qemu-img >/dev/null 2>&1; then
  echo "qemu-img missing (Debian package qemu-utils)"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! "$Q" --help | grep -q '^Supported formats:.* qcow2'; then
  skip "qcow2 not built in"; results; exit
fi

# 24 MiB: 1 MiB slots of random, text, far repeats, zeros, hole in turn; the
# last cluster is cut short (an image size not a multiple of the cluster)
head -c 8192 /dev/urandom >"$T/r8"
far_cluster() { # 64 KiB: text, 7 copies of one 8 KiB random block, text
  head -c 4096 /dev/zero | tr '\0' A; for k in 1 2 3 4 5 6 7; do cat "$T/r8"; done
  head -c 4096 /dev/zero | tr '\0' B
}
i=0; while [ $i -lt 16 ]; do far_cluster; i=$((i + 1)); done >"$T/chunk.far"
head -c 1048576 /dev/urandom >"$T/chunk.random"
head -c 800000 /dev/urandom | base64 -w 76 | head -c 1048576 >"$T/chunk.text"
head -c 1048576 /dev/zero >"$T/chunk.zero"
SIZE=$((24 * 1048576 - 4096))
truncate -s $SIZE "$T/src.raw"
slot=0
while [ $slot -lt 23 ]; do
  case $((slot % 5)) in 0) c=random ;; 1) c=text ;; 2) c=far ;; 3) c=zero ;; 4) c= ;; esac
  [ -n "$c" ] && dd if="$T/chunk.$c" of="$T/src.raw" bs=1M seek=$slot conv=notrunc 2>/dev/null
  slot=$((slot + 1))
done
head -c 1044480 "$T/chunk.text" | dd of="$T/src.raw" bs=1M seek=23 conv=notrunc 2>/dev/null

# compressed clusters qemu-img finds in an image
compressed_pct() { qemu-img check "$1" 2>/dev/null | sed -n 's/.*fragmented, \([0-9.]*\)% compressed.*/\1/p'; }

zstd=
"$Q" create -q -f qcow2 -o compression_type=zstd "$T/probe.qcow2" 1M 2>/dev/null && zstd=zstd
[ -n "$zstd" ] || skip "zstd not built in"
for type in zlib $zstd; do
  for flags in "" "-W" "-W -m 1" "-m 16"; do
    name="convert -c $type $flags"
    out="$T/out.qcow2"; rm -f "$out"
    if ! "$Q" convert -c $flags -O qcow2 -o compression_type=$type "$T/src.raw" "$out" >"$T/log" 2>&1; then
      fail "$name"; continue
    fi
    pass
    t "$name: qemu-img compare" qemu-img compare -f raw -F qcow2 "$T/src.raw" "$out"
    t "$name: qemu-img check" qemu-img check "$out"
    t "$name: our check" "$Q" check "$out"
    t "$name: qemu-img reads it back to raw" sh -c \
      "qemu-img convert -O raw '$out' '$T/back.raw' && cmp '$T/src.raw' '$T/back.raw'"
    # text and far-repeat clusters (2/5 of the data slots) must be compressed
    pct=$(compressed_pct "$out")
    if [ -n "$pct" ] && awk -v p="$pct" 'BEGIN { exit !(p >= 30) }'; then pass; else
      echo "compressed clusters: ${pct:-none}%" >"$T/log"; fail "$name: clusters compressed"; fi
  done
done

# the store step gathers finished clusters and counts the references of the
# host clusters they share in one refcount write: narrow refcounts (a shared
# cluster is soon full: 1 bit allows no sharing) and cluster sizes that hold
# few or many streams, in order and -W; qemu-img check finds any miscount
for opts in refcount_bits=1 refcount_bits=2 refcount_bits=16 cluster_size=512 cluster_size=2M; do
  for type in zlib $zstd; do
    for flags in "" "-W"; do
      name="convert -c $type $flags -o $opts"
      rm -f "$T/out.qcow2"
      t "$name" "$Q" convert -c $flags -O qcow2 -o $opts,compression_type=$type "$T/src.raw" "$T/out.qcow2"
      t "$name: qemu-img compare" qemu-img compare -f raw -F qcow2 "$T/src.raw" "$T/out.qcow2"
      t "$name: qemu-img check" qemu-img check "$T/out.qcow2"
    done
  done
done

# the far-repeat clusters: ours must be no larger than qemu-img's (its 4 KiB
# window cannot use the 8 KiB repeats), and both tools read each other's
dd if="$T/chunk.far" of="$T/far.raw" 2>/dev/null
rm -f "$T/far-ours.qcow2" "$T/far-qemu.qcow2"
t "far repeats: our convert -c" "$Q" convert -c -O qcow2 "$T/far.raw" "$T/far-ours.qcow2"
t "far repeats: qemu-img convert -c" qemu-img convert -c -O qcow2 "$T/far.raw" "$T/far-qemu.qcow2"
t "far repeats: qemu-img reads ours" qemu-img compare -f raw "$T/far.raw" "$T/far-ours.qcow2"
t "far repeats: we read qemu-img's" "$Q" compare -f raw "$T/far.raw" "$T/far-qemu.qcow2"
a=$(stat -c %s "$T/far-ours.qcow2" 2>/dev/null) b=$(stat -c %s "$T/far-qemu.qcow2" 2>/dev/null)
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -le "$b" ]; then pass; else
  echo "ours $a bytes, qemu-img's $b bytes" >"$T/log"; fail "far repeats: our image no larger"; fi

# Host layout of a qcow2 image, read from the L1/L2 tables as the qcow2 spec
# describes them (independently of both tools): for each allocated guest
# cluster in guest order, "guest_cluster host_offset c|p" (compressed/plain).
cat >"$T/l2map.py" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb'); h = f.read(48)
cluster_bits, = struct.unpack('>I', h[20:24]); size, = struct.unpack('>Q', h[24:32])
l1_size, = struct.unpack('>I', h[36:40]); l1_off, = struct.unpack('>Q', h[40:48])
cs = 1 << cluster_bits; per_l2 = cs // 8
x = 62 - (cluster_bits - 8)      # compressed descriptor: host offset bits
f.seek(l1_off); l1 = struct.unpack('>%dQ' % l1_size, f.read(8 * l1_size))
for i, e in enumerate(l1):
    l2_off = e & 0x00fffffffffffe00
    if not l2_off: continue
    f.seek(l2_off); l2 = struct.unpack('>%dQ' % per_l2, f.read(cs))
    for j, e2 in enumerate(l2):
        g = i * per_l2 + j
        if g * cs >= size: break
        if e2 & (1 << 62): print(g, e2 & ((1 << x) - 1), 'c')
        elif e2 & 0x00fffffffffffe00: print(g, e2 & 0x00fffffffffffe00, 'p')
PY
# clusters whose host offset is below that of the cluster of the same kind
# before them in guest order (plain clusters may fill the space after a
# partly filled compressed cluster, whose rest later compressed ones use)
inversions() { python3 "$T/l2map.py" "$1" |
  awk '($3 in prev) && $2 < prev[$3] { n++ } { prev[$3] = $2 } END { print n + 0 }'; }
# allocation follows the store order: guest order without -W, completion
# order with -W (qemu-img(1): "out-of-order writes"). Completion order depends
# on the scheduler, so -W gets three tries to show it is not guest order.
if command -v python3 >/dev/null 2>&1; then
  for type in zlib $zstd; do
    rm -f "$T/order.qcow2"
    "$Q" convert -c -O qcow2 -o compression_type=$type "$T/src.raw" "$T/order.qcow2"
    n=$(inversions "$T/order.qcow2")
    if [ "$n" = 0 ]; then pass; else
      echo "$n clusters out of guest order" >"$T/log"; fail "convert -c $type: host layout in guest order"; fi
    try=0 n=0
    while [ $try -lt 3 ] && [ "$n" = 0 ]; do
      rm -f "$T/order.qcow2"
      "$Q" convert -c -W -O qcow2 -o compression_type=$type "$T/src.raw" "$T/order.qcow2"
      n=$(inversions "$T/order.qcow2"); try=$((try + 1))
    done
    if [ "$n" -gt 0 ]; then pass; else
      echo "every cluster in guest order after 3 tries" >"$T/log"; fail "convert -c -W $type: writes out of order"; fi
    t "convert -c -W $type out of order: qemu-img compare" qemu-img compare -f raw -F qcow2 "$T/src.raw" "$T/order.qcow2"
    t "convert -c -W $type out of order: qemu-img check" qemu-img check "$T/order.qcow2"
  done
else
  skip "python3 missing: host layout order not checked"
fi

# zstd the other way: we read and check qemu-img's zstd images
if [ -n "$zstd" ]; then
  rm -f "$T/qz.qcow2"
  t "qemu-img convert -c zstd" qemu-img convert -c -O qcow2 -o compression_type=zstd "$T/src.raw" "$T/qz.qcow2"
  t "we read qemu-img's zstd image" "$Q" compare -f raw -F qcow2 "$T/src.raw" "$T/qz.qcow2"
  t "our check of qemu-img's zstd image" "$Q" check "$T/qz.qcow2"
  t "we convert qemu-img's zstd image back to raw" sh -c \
    "'$Q' convert -O raw '$T/qz.qcow2' '$T/qz.raw' && cmp '$T/src.raw' '$T/qz.raw'"
  rm -f "$T/qz2.qcow2"
  t "we recompress qemu-img's zstd image with -W" "$Q" convert -c -W -O qcow2 -o compression_type=zstd "$T/qz.qcow2" "$T/qz2.qcow2"
  t "recompressed: qemu-img compare" qemu-img compare "$T/qz.qcow2" "$T/qz2.qcow2"
  t "recompressed: qemu-img check" qemu-img check "$T/qz2.qcow2"
fi

# two raw sources back to back, the seam inside a cluster: the workers read
# each cluster from both files
head -c 3000000 "$T/src.raw" >"$T/part1.raw"
tail -c 5000000 "$T/src.raw" >"$T/part2.raw"
cat "$T/part1.raw" "$T/part2.raw" >"$T/joined.raw"
for type in zlib $zstd; do
  rm -f "$T/joined.qcow2"
  t "convert -c -W $type of two sources" "$Q" convert -c -W -O qcow2 -o compression_type=$type \
    "$T/part1.raw" "$T/part2.raw" "$T/joined.qcow2"
  t "convert -c -W $type of two sources: qemu-img compare" qemu-img compare -f raw -F qcow2 \
    "$T/joined.raw" "$T/joined.qcow2"
done

# a store that fails (file size limit) stops every worker: one error line,
# exit status 1 and no target left behind
for type in zlib $zstd; do
  rm -f "$T/full.qcow2"
  (trap '' XFSZ; ulimit -f 1024; "$Q" convert -c -W -O qcow2 -o compression_type=$type \
    "$T/src.raw" "$T/full.qcow2") >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" = 1 ] && [ ! -e "$T/full.qcow2" ] && [ "$(wc -l <"$T/err")" = 1 ]; then pass
  else { echo "exit $st"; cat "$T/err"; ls -l "$T/full.qcow2"; } >"$T/log" 2>&1
    fail "convert -c -W $type onto a full disk"; fi
done

# -W on an existing target (-n): out-of-order writes must still land right
qemu-img create -q -f qcow2 "$T/existing.qcow2" $SIZE
t "convert -W -n into an existing qcow2" "$Q" convert -W -n -O qcow2 "$T/src.raw" "$T/existing.qcow2"
t "convert -W -n: qemu-img compare" qemu-img compare -f raw "$T/src.raw" "$T/existing.qcow2"
# compressed into an existing target that holds other data: every cluster,
# zeros included, must be written
rm -f "$T/busy.qcow2"
qemu-img create -q -f qcow2 "$T/busy.qcow2" $SIZE
qemu-io -c "write -P 0x5a 0 $SIZE" "$T/busy.qcow2" >/dev/null 2>&1
t "convert -c -W -n over data" "$Q" convert -c -W -n -O qcow2 "$T/src.raw" "$T/busy.qcow2"
t "convert -c -W -n over data: qemu-img compare" qemu-img compare -f raw "$T/src.raw" "$T/busy.qcow2"
t "convert -c -W -n over data: qemu-img check" qemu-img check "$T/busy.qcow2"
for f in raw qcow2; do
  rm -f "$T/w.$f"
  t "convert -W to $f" "$Q" convert -W -O $f "$T/src.raw" "$T/w.$f"
  t "convert -W to $f: qemu-img compare" qemu-img compare -f raw -F $f "$T/src.raw" "$T/w.$f"
done
t "convert -W qcow2 to raw" "$Q" convert -W -O raw "$T/w.qcow2" "$T/w2.raw"
t "convert -W qcow2 to raw: cmp" cmp "$T/src.raw" "$T/w2.raw"
results
