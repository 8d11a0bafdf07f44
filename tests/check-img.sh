#!/bin/sh
# Cross-checks quetzal-img against Debian's qemu-img (the oracle), both ways:
#  - images quetzal-img writes pass `qemu-img check` and read back identically
#    with `qemu-img compare`;
#  - images qemu-img writes (every format and creation option) read identically
#    with quetzal-img and pass its `check`;
#  - every pair of formats converts losslessly;
#  - info/map/measure JSON agree with qemu-img field by field;
#  - bad input gives a one-line error and a non-crash exit status.
# Formats quetzal-img does not list yet are counted as skipped.
NAME=check-img
. "${SRC:-.}/tests/common.sh"

if ! command -v qemu-img >/dev/null 2>&1 || ! command -v qemu-io >/dev/null 2>&1; then
  echo "qemu-img/qemu-io missing (Debian package qemu-utils)"
  echo "0 passed, 1 failed"
  exit 1
fi

ours=$("$Q" --help | sed -n 's/^Supported formats: //p')
have() { case " $ours " in *" $1 "*) return 0 ;; esac; return 1; }
all_formats="raw qcow2 qcow vmdk vdi vpc"
formats=""
for f in $all_formats; do
  if have "$f"; then formats="$formats $f"; else skip "format $f not built in"; fi
done
# qemu-img check works on these (others answer "does not support checks")
qemu_checks() { case $1 in qcow2|vmdk|vdi) return 0 ;; esac; return 1; }

# --- test data: random data (aligned and not), explicit zeros, holes ---
wdata() { # offset length file
  head -c "$2" /dev/urandom | dd of="$3" bs=65536 iflag=fullblock oflag=seek_bytes seek="$1" conv=notrunc 2>/dev/null
}
wzero() {
  head -c "$2" /dev/zero | dd of="$3" bs=65536 iflag=fullblock oflag=seek_bytes seek="$1" conv=notrunc 2>/dev/null
}
SIZE=6291456
make_source() {
  rm -f "$1"; truncate -s $SIZE "$1"
  wdata 0 65659 "$1"                 # unaligned end
  wzero 1048576 524288 "$1"          # zeros stored as data
  wdata 3146240 512 "$1"             # one lone sector
  wdata 3211264 1048576 "$1"         # a megabyte at a cluster boundary
  wdata 4456448 70000 "$1"
  wdata $((SIZE - 512)) 512 "$1"     # the last sector
}
make_source "$T/src.raw"
src_sum=$(md5sum <"$T/src.raw")

# ours_check FORMAT FILE: our check must find no errors (63: format has none)
ours_check() {
  "$Q" check -f "$1" "$2"; s=$?
  [ "$s" = 0 ] || [ "$s" = 63 ]
}

# --- 1. quetzal-img writes each format; qemu-img reads and checks it ---
for f in $formats; do
  out="$T/ours.$f"
  if ! "$Q" convert -O "$f" "$T/src.raw" "$out" >"$T/log" 2>&1; then fail "convert raw -> $f"; continue; fi
  pass
  t "qemu-img compare raw vs our $f" qemu-img compare -f raw -F "$f" "$T/src.raw" "$out"
  t "our compare raw vs our $f" "$Q" compare -f raw -F "$f" "$T/src.raw" "$out"
  if qemu_checks "$f"; then t "qemu-img check of our $f" qemu-img check -f "$f" "$out"; fi
  t "our check of our $f" ours_check "$f" "$out"
  a=$(qemu-img info -f "$f" --output=json "$out" | jq -S 'del(."actual-size")')
  b=$("$Q" info -f "$f" --output=json "$out" 2>"$T/log" | jq -S 'del(."actual-size")' 2>>"$T/log")
  if [ "$a" = "$b" ]; then pass; else { echo "qemu-img: $a"; echo "ours: $b"; } >>"$T/log"; fail "info of our $f as qemu-img reads it"; fi
done

# compressed output (-c), checked by qemu-img
for r in qcow2: qcow: vmdk:subformat=streamOptimized; do
  f=${r%%:*} o=${r#*:}
  have "$f" || continue
  out="$T/compressed.$f"
  if ! "$Q" convert -c -O "$f" ${o:+-o "$o"} "$T/src.raw" "$out" >"$T/log" 2>&1; then fail "convert -c to $f $o"; continue; fi
  pass
  t "qemu-img compare of our compressed $f $o" qemu-img compare -f raw -F "$f" "$T/src.raw" "$out"
  if qemu_checks "$f"; then t "qemu-img check of our compressed $f $o" qemu-img check -f "$f" "$out"; fi
  t "our check of our compressed $f $o" ours_check "$f" "$out"
  rm -f "$out"
done

# -n into an existing image full of other data: holes and zeros must be written too
for f in raw qcow2 vdi; do
  have "$f" || continue
  qemu-img create -q -f "$f" "$T/existing.$f" $SIZE
  qemu-io -f "$f" -c "write -P 0xee 0 $SIZE" "$T/existing.$f" >/dev/null
  t "convert -n into an existing $f" "$Q" convert -n -O "$f" "$T/src.raw" "$T/existing.$f"
  t "convert -n overwrote everything in $f" qemu-img compare -f raw -F "$f" "$T/src.raw" "$T/existing.$f"
  rm -f "$T/existing.$f"
done
# several sources are concatenated
head -c 1048576 "$T/src.raw" >"$T/part1.raw"; tail -c 2097152 "$T/src.raw" >"$T/part2.raw"
t "convert of two sources" "$Q" convert -O raw "$T/part1.raw" "$T/part2.raw" "$T/joined.raw"
t "two sources are concatenated" sh -c "cat '$T/part1.raw' '$T/part2.raw' | cmp - '$T/joined.raw'"
# -S 0: every byte allocated
t "convert -S 0" "$Q" convert -S 0 -O raw "$T/src.raw" "$T/full-alloc.raw"
t "convert -S 0 allocates everything" sh -c "qemu-img map --output=json -f raw '$T/full-alloc.raw' | jq -e 'all(.[]; .data)'"
t "convert -S 0 copies the content" cmp "$T/src.raw" "$T/full-alloc.raw"
rm -f "$T/part1.raw" "$T/part2.raw" "$T/joined.raw" "$T/full-alloc.raw"

# --- 2. every pair of formats, through quetzal-img ---
for a in $formats; do
  [ -f "$T/ours.$a" ] || continue
  for b in $formats; do
    out="$T/pair.$a.$b"
    if ! "$Q" convert -f "$a" -O "$b" "$T/ours.$a" "$out" >"$T/log" 2>&1; then fail "convert $a -> $b"; continue; fi
    t "pair $a -> $b reads back (qemu-img compare)" qemu-img compare -f raw -F "$b" "$T/src.raw" "$out"
    t "pair $a -> $b reads back (our compare)" "$Q" compare -f raw -F "$b" "$T/src.raw" "$out"
    rm -f "$out"
  done
done

# --- 3. qemu-img writes each format and option; quetzal-img reads and checks ---
recipes="qcow2: qcow2:-ocompat=0.10 qcow2:-ocompat=1.1 qcow2:-ocluster_size=512
qcow2:-ocluster_size=2M qcow2:-orefcount_bits=1 qcow2:-orefcount_bits=64 qcow2:-c
qcow2:-ocompat=0.10,cluster_size=4096 qcow2:-opreallocation=metadata qcow2:-opreallocation=full
qcow2:-olazy_refcounts=on qcow2:-oextended_l2=off qcow2:-c;-ocompat=0.10
qcow: vmdk: vmdk:-osubformat=monolithicSparse vmdk:-osubformat=monolithicFlat
vmdk:-osubformat=streamOptimized vmdk:-osubformat=twoGbMaxExtentSparse vmdk:-ocompat6=on
vdi: vdi:-ostatic=on vpc: vpc:-osubformat=dynamic vpc:-osubformat=fixed raw:"
n=0
for r in $recipes; do
  f=${r%%:*} opts=$(echo "${r#*:}" | tr ';' ' ')
  n=$((n + 1))
  if ! have "$f"; then skip "qemu-img $f $opts (format not built in)"; continue; fi
  img="$T/qemu$n.$f"
  # shellcheck disable=SC2086
  if ! qemu-img convert -O "$f" $opts "$T/src.raw" "$img" >"$T/log" 2>&1; then
    skip "qemu-img cannot write $f $opts"; continue
  fi
  t "our compare of qemu-img $f $opts" "$Q" compare -f raw -F "$f" "$T/src.raw" "$img"
  t "our check of qemu-img $f $opts" ours_check "$f" "$img"
  if "$Q" convert -f "$f" -O raw "$img" "$T/back.raw" >"$T/log" 2>&1 &&
     qemu-img compare -f raw -F raw "$T/src.raw" "$T/back.raw" >>"$T/log" 2>&1; then pass
  else fail "our convert of qemu-img $f $opts to raw"; fi
  # info: every JSON field but the host's allocation, and the human layout
  a=$(qemu-img info -f "$f" --output=json "$img" | jq -S 'del(."actual-size")')
  b=$("$Q" info -f "$f" --output=json "$img" 2>"$T/log" | jq -S 'del(."actual-size")' 2>>"$T/log")
  if [ "$a" = "$b" ]; then pass; else { echo "qemu-img: $a"; echo "ours: $b"; } >>"$T/log"; fail "info --output=json of qemu-img $f $opts"; fi
  qemu-img info -f "$f" "$img" | grep -v '^disk size:' >"$T/info.qemu"
  "$Q" info -f "$f" "$img" 2>"$T/log" | grep -v '^disk size:' >"$T/info.ours"
  if cmp -s "$T/info.qemu" "$T/info.ours"; then pass; else diff "$T/info.qemu" "$T/info.ours" >>"$T/log"; fail "info of qemu-img $f $opts"; fi
  if qemu_checks "$f"; then
    a=$(qemu-img check -f "$f" --output=json "$img" | jq -S .)
    b=$("$Q" check -f "$f" --output=json "$img" 2>"$T/log" | jq -S . 2>>"$T/log")
    if [ "$a" = "$b" ]; then pass; else { echo "qemu-img: $a"; echo "ours: $b"; } >>"$T/log"; fail "check --output=json of qemu-img $f $opts"; fi
  fi
  if [ "$f" = qcow2 ] || [ "$f" = raw ]; then
    qemu-img map -f "$f" "$img" >"$T/map.qemu" 2>/dev/null; echo "exit $?" >>"$T/map.qemu"
    "$Q" map -f "$f" "$img" >"$T/map.ours" 2>"$T/log"; echo "exit $?" >>"$T/map.ours"
    if cmp -s "$T/map.qemu" "$T/map.ours"; then pass; else diff "$T/map.qemu" "$T/map.ours" >>"$T/log"; fail "map (human) of qemu-img $f $opts"; fi
    qemu-img map -f "$f" --output=json "$img" >"$T/map.qemu" 2>&1
    "$Q" map -f "$f" --output=json "$img" >"$T/map.ours" 2>"$T/log"
    # compare the guest-visible fields (host offsets may legitimately differ)
    if [ "$(jq -c '[.[] | {start, length, depth, present, zero, data}]' "$T/map.qemu")" = \
         "$(jq -c '[.[] | {start, length, depth, present, zero, data}]' "$T/map.ours" 2>>"$T/log")" ]; then pass
    else diff "$T/map.qemu" "$T/map.ours" >>"$T/log"; fail "map of qemu-img $f $opts"; fi
  fi
  rm -f "$img" "$T/back.raw"
done

# --- 4. backing chains (qcow2) ---
if have qcow2; then
  c="$T/chain"; mkdir -p "$c"
  qemu-img convert -O qcow2 "$T/src.raw" "$c/base.qcow2"
  qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$c/mid.qcow2"
  qemu-io -f qcow2 -c 'write -P 0x11 64k 64k' -c 'write -z 3M 64k' "$c/mid.qcow2" >/dev/null
  "$Q" create -q -f qcow2 -b mid.qcow2 -F qcow2 "$c/top.qcow2" >"$T/log" 2>&1 || fail "our create with backing file"
  qemu-io -f qcow2 -c 'write -P 0x22 5M 4k' -c 'write -P 0x33 100k 1k' "$c/top.qcow2" >/dev/null
  qemu-img convert -O raw "$c/top.qcow2" "$c/flat.raw"
  t "qemu-img check of our overlay" qemu-img check "$c/top.qcow2"
  t "our compare of a 3-image chain" "$Q" compare -F raw "$c/top.qcow2" "$c/flat.raw"
  t "our convert of a chain" "$Q" convert -O raw "$c/top.qcow2" "$c/ours-flat.raw"
  t "chain flattened identically" cmp "$c/flat.raw" "$c/ours-flat.raw"
  qemu-img map --output=json "$c/top.qcow2" | jq -c '[.[] | {start, length, depth, present, zero, data}]' >"$T/map.qemu"
  "$Q" map --output=json "$c/top.qcow2" 2>"$T/log" | jq -c '[.[] | {start, length, depth, present, zero, data}]' >"$T/map.ours" 2>>"$T/log"
  t "map of a chain agrees with qemu-img" cmp "$T/map.qemu" "$T/map.ours"
  qemu-img map --output=json --start-offset=70000 --max-length=3M "$c/top.qcow2" | jq -c '[.[] | {start, length, depth, present, zero, data}]' >"$T/map.qemu"
  "$Q" map --output=json --start-offset=70000 --max-length=3M "$c/top.qcow2" 2>"$T/log" | jq -c '[.[] | {start, length, depth, present, zero, data}]' >"$T/map.ours" 2>>"$T/log"
  t "map --start-offset --max-length agrees with qemu-img" cmp "$T/map.qemu" "$T/map.ours"
  a=$(qemu-img info --backing-chain --output=json "$c/top.qcow2" | jq -c '[.[] | {filename, format, "backing-filename", "backing-filename-format", "virtual-size"}]')
  b=$("$Q" info --backing-chain --output=json "$c/top.qcow2" 2>"$T/log" | jq -c '[.[] | {filename, format, "backing-filename", "backing-filename-format", "virtual-size"}]' 2>>"$T/log")
  if [ "$a" = "$b" ]; then pass; else echo "qemu-img: $a / ours: $b" >>"$T/log"; fail "info --backing-chain"; fi
  # convert -B: only what differs from the new backing file goes into the copy
  t "convert -B" "$Q" convert -O qcow2 -B mid.qcow2 -F qcow2 "$c/flat.raw" "$c/rebased.qcow2"
  t "convert -B result reads identically" qemu-img compare -F raw "$c/rebased.qcow2" "$c/flat.raw"
  t "convert -B result passes qemu-img check" qemu-img check "$c/rebased.qcow2"
  # safe rebase onto an empty base keeps the content; -u only renames
  qemu-img create -q -f qcow2 "$c/empty.qcow2" $SIZE
  cp "$c/top.qcow2" "$c/rb.qcow2"
  t "rebase (safe)" "$Q" rebase -b empty.qcow2 -F qcow2 "$c/rb.qcow2"
  t "safe rebase keeps the content" qemu-img compare -F raw "$c/rb.qcow2" "$c/flat.raw"
  t "safe rebase records the new backing file" sh -c "qemu-img info --output=json '$c/rb.qcow2' | jq -e '.\"backing-filename\" == \"empty.qcow2\"'"
  t "rebase -b '' (safe) keeps the content" sh -c "cp '$c/top.qcow2' '$c/rb2.qcow2' && '$Q' rebase -b '' '$c/rb2.qcow2' && qemu-img compare -F raw '$c/rb2.qcow2' '$c/flat.raw'"
  cp "$c/mid.qcow2" "$c/mid-copy.qcow2"
  t "rebase -u" "$Q" rebase -u -b mid-copy.qcow2 -F qcow2 "$c/rb.qcow2"
  t "rebase -u result is read by qemu-img" qemu-img check "$c/rb.qcow2"
  # commit top into mid: mid then reads as the flattened top
  cp -r "$c" "$T/chain2"
  t "commit" "$Q" commit "$T/chain2/top.qcow2"
  t "commit result reads identically" qemu-img compare -F raw "$T/chain2/mid.qcow2" "$c/flat.raw"
  t "commit result passes qemu-img check" qemu-img check "$T/chain2/mid.qcow2"
  # bad chains: a loop and a missing backing file
  qemu-img create -q -f qcow2 -u -b loop2.qcow2 -F qcow2 "$c/loop1.qcow2" 1M
  qemu-img create -q -f qcow2 -u -b loop1.qcow2 -F qcow2 "$c/loop2.qcow2" 1M
  t_status "backing loop is refused" 1 "$Q" info --backing-chain "$c/loop1.qcow2"
  cp "$T/log" "$T/loop.err"
  t "backing loop error names the file" grep -q "loop1.qcow2.*loop" "$T/loop.err"
  qemu-img create -q -f qcow2 -u -b gone.qcow2 -F qcow2 "$c/orphan.qcow2" 1M
  t_status "missing backing file is an error" 1 "$Q" convert -O raw "$c/orphan.qcow2" "$c/orphan.raw"
  t "missing backing file leaves no output" test ! -e "$c/orphan.raw"
fi

# --- 5. internal snapshots (qcow2) ---
if have qcow2; then
  s="$T/snap.qcow2"
  qemu-img convert -O qcow2 "$T/src.raw" "$s"
  qemu-img snapshot -c first "$s"
  qemu-io -f qcow2 -c 'write -P 0x44 0 128k' "$s" >/dev/null
  qemu-img snapshot -l "$s" | tail -n +3 | awk '{print $1, $2}' >"$T/snap.qemu"
  "$Q" snapshot -l "$s" 2>"$T/log" | tail -n +3 | awk '{print $1, $2}' >"$T/snap.ours"
  t "snapshot -l lists qemu-img's snapshots" cmp "$T/snap.qemu" "$T/snap.ours"
  t "snapshot -c" "$Q" snapshot -c second "$s"
  t "qemu-img check after our snapshot -c" qemu-img check "$s"
  t "qemu-img sees our snapshot" sh -c "qemu-img snapshot -l '$s' | grep -q second"
  t "snapshot -a" "$Q" snapshot -a first "$s"
  t "snapshot -a restores the content" qemu-img compare -F raw "$s" "$T/src.raw"
  t "snapshot -d" "$Q" snapshot -d second "$s"
  t "qemu-img check after our snapshot -d" qemu-img check "$s"
fi

# --- 6. create options, resize, measure, dd against qemu-img ---
if have qcow2; then
  for o in compat=0.10 compat=1.1 cluster_size=512 cluster_size=2M refcount_bits=8 \
           lazy_refcounts=on preallocation=metadata preallocation=falloc; do
    img="$T/create.qcow2"
    if ! "$Q" create -q -f qcow2 -o "$o" "$img" 4M >"$T/log" 2>&1; then fail "create -o $o"; continue; fi
    qemu-io -f qcow2 -c 'write -P 0x55 1M 100k' "$img" >/dev/null 2>&1
    t "qemu-img check of our create -o $o" qemu-img check "$img"
    qemu-img create -q -f qcow2 -o "$o" "$T/ref.qcow2" 4M
    a=$(qemu-img info --output=json "$T/ref.qcow2" | jq -c '{"virtual-size", "cluster-size", c: ."format-specific".data.compat, r: ."format-specific".data."refcount-bits", l: ."format-specific".data."lazy-refcounts"}')
    b=$(qemu-img info --output=json "$img" | jq -c '{"virtual-size", "cluster-size", c: ."format-specific".data.compat, r: ."format-specific".data."refcount-bits", l: ."format-specific".data."lazy-refcounts"}')
    if [ "$a" = "$b" ]; then pass; else echo "qemu-img: $a / ours: $b" >>"$T/log"; fail "create -o $o header as qemu-img's"; fi
    rm -f "$img" "$T/ref.qcow2"
  done
  for m in "--size 1G" "--size 100M -o cluster_size=4096" "$T/src.raw"; do
    # shellcheck disable=SC2086
    a=$(qemu-img measure --output=json -O qcow2 $m 2>&1 | jq -c '{required, "fully-allocated"}')
    # shellcheck disable=SC2086
    b=$("$Q" measure --output=json -O qcow2 $m 2>"$T/log" | jq -c '{required, "fully-allocated"}' 2>>"$T/log")
    if [ "$a" = "$b" ]; then pass; else echo "qemu-img: $a / ours: $b" >>"$T/log"; fail "measure $m"; fi
  done
  qemu-img convert -O qcow2 -o compat=1.1 "$T/src.raw" "$T/amend.qcow2"
  t "amend -o compat=0.10" "$Q" amend -o compat=0.10 "$T/amend.qcow2"
  t "amended image is version 2 for qemu-img" sh -c "qemu-img info --output=json '$T/amend.qcow2' | jq -e '.\"format-specific\".data.compat == \"0.10\"'"
  t "amended image passes qemu-img check" qemu-img check "$T/amend.qcow2"
  t "amended image keeps the data" qemu-img compare -F raw "$T/amend.qcow2" "$T/src.raw"
  qemu-img convert -O qcow2 "$T/src.raw" "$T/grow.qcow2"
  t "resize qcow2 +2M" "$Q" resize "$T/grow.qcow2" +2M
  t "resized qcow2 passes qemu-img check" qemu-img check "$T/grow.qcow2"
  t "resized qcow2 has the new size" sh -c "qemu-img info --output=json '$T/grow.qcow2' | jq -e '.\"virtual-size\" == $((SIZE + 2097152))'"
  t "resized qcow2 keeps the data" qemu-img compare -F raw "$T/grow.qcow2" "$T/src.raw"
fi
cp "$T/src.raw" "$T/resize.raw"
t_status "shrink without --shrink is refused" 1 "$Q" resize -f raw "$T/resize.raw" 1M
t "resize raw --shrink" "$Q" resize -f raw --shrink "$T/resize.raw" 1M
t "shrunk raw has the new size" test "$(stat -c %s "$T/resize.raw")" = 1048576
t "shrunk raw keeps its start" cmp -n 1048576 "$T/resize.raw" "$T/src.raw"
t "dd" "$Q" dd -O raw bs=4096 skip=3 count=100 if="$T/src.raw" of="$T/dd.ours"
t "dd copies the right bytes" sh -c "dd if='$T/src.raw' bs=4096 skip=3 count=100 2>/dev/null | cmp - '$T/dd.ours'"

# --- 7. compare's exit statuses and output as qemu-img's ---
cp "$T/src.raw" "$T/diff.raw"
printf 'x' | dd of="$T/diff.raw" bs=1 seek=3146999 conv=notrunc 2>/dev/null
a=$(qemu-img compare "$T/src.raw" "$T/diff.raw"; echo "status $?")
b=$("$Q" compare "$T/src.raw" "$T/diff.raw"; echo "status $?")
if [ "$a" = "$b" ]; then pass; else echo "qemu-img: $a / ours: $b" >"$T/log"; fail "compare of different images"; fi
t_status "compare of a missing file exits 2" 2 "$Q" compare "$T/src.raw" "$T/nonexistent"

# --- 8. host I/O paths: O_DIRECT (cache=none), aio=native and aio=io_uring ---
t "convert with -t none -T none" "$Q" convert -t none -T none -O raw "$T/src.raw" "$T/direct.raw"
t "O_DIRECT copy is identical" cmp "$T/src.raw" "$T/direct.raw"
for f in $formats; do
  [ "$f" = raw ] && continue
  if "$Q" convert -t none -T none -O "$f" "$T/src.raw" "$T/direct.$f" >"$T/log" 2>&1 &&
     qemu-img compare -f raw -F "$f" "$T/src.raw" "$T/direct.$f" >>"$T/log" 2>&1; then pass
  else fail "convert to $f with O_DIRECT"; fi
  if qemu_checks "$f"; then t "qemu-img check of $f written with O_DIRECT" qemu-img check -f "$f" "$T/direct.$f"; fi
  t "our O_DIRECT read of $f" "$Q" compare -T none -f raw -F "$f" "$T/src.raw" "$T/direct.$f"
  rm -f "$T/direct.$f"
done
t "bench reads with aio=native, O_DIRECT" "$Q" bench -q -c 200 -s 4096 -i native -t none "$T/src.raw"
t "bench writes with aio=threads" "$Q" bench -q -w -c 200 -s 65536 "$T/direct.raw"
# the same write pattern under each aio mode and cache mode writes what
# qemu-img bench writes with the same options (batches of -d requests; the
# step makes them overlap, so their order within the file must not matter
# more than it does for qemu-img: pattern bytes are the same everywhere)
uring=yes
if "$Q" bench -q -c 1 -i io_uring -f raw "$T/src.raw" 2>&1 | grep -q 'not built in'; then
  uring=no; skip "aio=io_uring: not built in (Debian package liburing-dev at build time)"
fi
for fmt in raw qcow2; do
  for aio in threads native io_uring; do
    [ "$aio" = io_uring ] && [ $uring = no ] && continue
    for cache in writeback none; do
      [ "$aio" = native ] && [ "$cache" != none ] && continue   # qemu-img refuses it too
      args="-q -w -c 3000 -d 32 -s 12288 -S 8192 --pattern=0x5a -i $aio -t $cache -f $fmt"
      qemu-img create -q -f $fmt "$T/bq.$fmt" 40M
      if ! qemu-img bench $args "$T/bq.$fmt" >"$T/log" 2>&1; then
        skip "bench -i $aio -t $cache on $fmt: qemu-img cannot ($(head -1 "$T/log"))"; continue
      fi
      "$Q" create -q -f $fmt "$T/bo.$fmt" 40M
      t "bench -w -i $aio -t $cache on $fmt" "$Q" bench $args "$T/bo.$fmt"
      t "  writes what qemu-img bench writes" qemu-img compare -f $fmt -F $fmt "$T/bq.$fmt" "$T/bo.$fmt"
      t "bench reads -i $aio -t $cache on $fmt" \
        "$Q" bench -q -c 3000 -d 64 -s 4096 -S 12288 -i $aio -t $cache -f $fmt "$T/bo.$fmt"
    done
  done
done
if [ $uring = no ]; then
  :
elif command -v strace >/dev/null 2>&1; then
  strace -f -o "$T/strace" -e trace=io_uring_setup,io_uring_enter \
    "$Q" bench -q -w -c 64 -d 16 -i io_uring -f raw "$T/bo.raw" >/dev/null 2>&1
  t "aio=io_uring submits through io_uring_enter" grep -q 'io_uring_enter' "$T/strace"
else
  skip "aio=io_uring system calls: strace missing (Debian package strace)"
fi

# --- 9. bad input: one-line error naming the file, no crash, no partial output ---
# bad CMD...: exit status 1 (qemu-img's for these), one line on stderr
bad() {
  desc=$1; shift
  "$@" >"$T/out" 2>"$T/err"; st=$?
  lines=$(wc -l <"$T/err")
  if [ "$st" = 1 ] && [ "$lines" = 1 ]; then pass
  else { echo "exit $st, $lines lines:"; cat "$T/err"; } >"$T/log"; fail "$desc"; fi
}
bad "missing file" "$Q" info "$T/nonexistent"
bad "unknown format" "$Q" info -f nosuchformat "$T/src.raw"
bad "invalid size" "$Q" create -f raw "$T/x.raw" 12Q
bad "unknown -o option" "$Q" create -f raw -o nosuchoption=1 "$T/x.raw" 1M
bad "directory as image" "$Q" info "$T"
if have qcow2; then
  qemu-img create -q -f qcow2 "$T/trunc.qcow2" 1M
  head -c 40 "$T/trunc.qcow2" >"$T/t.qcow2"
  bad "truncated qcow2 header" "$Q" info -f qcow2 "$T/t.qcow2"
  printf 'QFI\373\0\0\0\3' >"$T/v.qcow2"; head -c 200 /dev/urandom >>"$T/v.qcow2"
  "$Q" info "$T/v.qcow2" >/dev/null 2>"$T/err"; st=$?
  if [ "$st" -lt 128 ]; then pass; else fail "qcow2 with a random header crashed ($st)"; fi
fi
bad "convert onto its own source" "$Q" convert -O raw "$T/src.raw" "$T/src.raw"
bad "dd onto its own input" "$Q" dd if="$T/src.raw" of="$T/src.raw"
# a file the user may read but not write, opened for writing
cp "$T/src.raw" "$T/ro.raw"; chmod 444 "$T/ro.raw"
if [ "$(id -u)" != 0 ]; then
  bad "read-only file opened for writing" "$Q" resize -f raw "$T/ro.raw" +1M
elif command -v setpriv >/dev/null 2>&1 && chmod 755 "$T" &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$Q" --version >/dev/null 2>&1; then
  bad "read-only file opened for writing" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$Q" resize -f raw "$T/ro.raw" +1M
else
  skip "read-only file test (root, and no setpriv to drop privileges)"
fi
t "a read-only file is left alone" cmp "$T/src.raw" "$T/ro.raw"
# a full disk (file size limit) during convert: error, and no output left behind
for f in raw qcow2 vmdk vdi; do
  have "$f" || continue
  (trap '' XFSZ; ulimit -f 1024; "$Q" convert -O "$f" -S 0 "$T/src.raw" "$T/full.$f") >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" = 1 ] && [ ! -e "$T/full.$f" ] && [ "$(wc -l <"$T/err")" = 1 ]; then pass
  else { echo "exit $st"; cat "$T/err"; ls -l "$T/full.$f"; } >"$T/log" 2>&1; fail "convert to $f onto a full disk"; fi
done
# an interrupted convert leaves no target behind
if have qcow2; then
  # compressible text keeps the compressor busy long enough to be interrupted
  head -c 25165824 /dev/urandom | base64 -w 76 >"$T/random.raw"
  "$Q" convert -c -O qcow2 "$T/random.raw" "$T/interrupted.qcow2" 2>"$T/err" &
  pid=$!
  # the handlers are set before the target is created (on a loaded machine
  # start-up alone can take longer than a fixed delay)
  i=0; while [ ! -e "$T/interrupted.qcow2" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  kill -TERM $pid 2>/dev/null; wait $pid; st=$?
  if [ "$st" = 0 ]; then skip "convert finished before it could be interrupted"
  elif [ "$st" = 1 ] && [ ! -e "$T/interrupted.qcow2" ]; then pass
  else { echo "exit $st"; cat "$T/err"; ls -l "$T/interrupted.qcow2"; } >"$T/log" 2>&1; fail "interrupted convert"; fi
  rm -f "$T/random.raw"
fi
# uncompressed convert on several workers (-m 1, 3, 16; in order and -W)
# from a source read every way: plain clusters of the top image and of its
# backing file (read in parallel from the host files), compressed clusters
# (read one at a time), zero clusters and holes; and two sources in a row.
# The data equals qemu-img's output byte for byte, and a raw target is as
# sparse as qemu-img's (which also allocates its first 4 KiB block).
if have qcow2; then
  qemu-img convert -q -O qcow2 "$T/src.raw" "$T/par-base.qcow2"
  qemu-img create -q -f qcow2 -b "$T/par-base.qcow2" -F qcow2 "$T/par-top.qcow2"
  qemu-io -c 'write -P 0x5a 2M 1M' -c 'write -z 3M 64k' -c 'write -c -P 0x11 0 64k' \
    -c 'write -P 0x22 5000k 16k' "$T/par-top.qcow2" >/dev/null
  qemu-img convert -q -O raw "$T/par-top.qcow2" "$T/par-qemu.raw"
  qemu-img convert -q -O raw "$T/src.raw" "$T/par-top.qcow2" "$T/par2-qemu.raw"
  for m in "-m 1" "-m 3 -W" "-m 16" "-W"; do
    for f in raw qcow2; do
      rm -f "$T/par.$f" "$T/par2.$f"
      # shellcheck disable=SC2086
      if "$Q" convert $m -O $f "$T/par-top.qcow2" "$T/par.$f" 2>"$T/log" &&
         "$Q" convert $m -O $f "$T/src.raw" "$T/par-top.qcow2" "$T/par2.$f" 2>>"$T/log" &&
         qemu-img compare -q "$T/par-qemu.raw" "$T/par.$f" >>"$T/log" 2>&1 &&
         qemu-img compare -q "$T/par2-qemu.raw" "$T/par2.$f" >>"$T/log" 2>&1 &&
         { [ $f != raw ] || { cmp "$T/par-qemu.raw" "$T/par.$f" >>"$T/log" 2>&1 &&
             [ $(($(du -k "$T/par.$f" | cut -f1) - $(du -k "$T/par-qemu.raw" | cut -f1))) -le 4 ]; }; } &&
         { [ $f != qcow2 ] || qemu-img check -q "$T/par.$f" >>"$T/log" 2>&1; }; then
        pass
      else
        du -k "$T/par.$f" "$T/par-qemu.raw" >>"$T/log"; fail "convert $m to $f from a chain with compressed clusters"
      fi
    done
  done
  rm -f "$T"/par*
fi
# -W writes out of order for real: a shim (tests/img-slowread.c) makes the
# read of the source's first 2 MiB chunk take a second longer, so the other
# workers read the next chunks meanwhile. In guest order (no -W) the writer
# waits for chunk 0 and the qcow2 target's host clusters follow the guest's;
# with -W the ready chunks go first and chunk 0 lands behind them. The host
# layout is read back with qemu-img map; the data must equal the source.
# host_inversions FILE: map entries whose host offset is below the one before
host_inversions() {
  qemu-img map --output=json "$1" |
    sed -n 's/.*"start": \([0-9]*\).*"offset": \([0-9]*\).*/\1 \2/p' |
    awk 'NR > 1 && $2 < last { n++ } { last = $2 } END { print n + 0 }'
}
if have qcow2 && gcc -O2 -shared -fPIC -o "$T/slowread.so" "$SRC/tests/img-slowread.c" -ldl \
     2>"$T/log"; then
  head -c 16777216 /dev/urandom >"$T/order.raw"
  for w in "" "-W"; do
    rm -f "$T/order.qcow2"
    # shellcheck disable=SC2086
    if SLOWREAD_FILE="$T/order.raw" SLOWREAD_MS=1000 LD_PRELOAD="$T/slowread.so" \
         "$Q" convert $w -O qcow2 "$T/order.raw" "$T/order.qcow2" >"$T/log" 2>&1 &&
       qemu-img compare -q "$T/order.raw" "$T/order.qcow2" >>"$T/log" 2>&1; then
      inv=$(host_inversions "$T/order.qcow2")
      first=$(qemu-img map --output=json "$T/order.qcow2" | head -1)
      qemu-img map --output=json "$T/order.qcow2" >"$T/log"
      case "$w:$inv" in
        :0) pass ;;
        -W:0) fail "convert -W with a slow first chunk wrote in guest order" ;;
        -W:*) case $first in
                *'"start": 0, "length": 2097152,'*) pass ;;
                *) fail "convert -W with a slow first chunk: chunk 0 not apart from the rest" ;;
              esac ;;
        *) fail "convert (in order) with a slow first chunk: $inv host inversions" ;;
      esac
    else
      fail "convert $w with a slow first chunk"
    fi
  done
  rm -f "$T/order.raw" "$T/order.qcow2"
else
  skip "convert -W order: no qcow2 or no gcc -shared for the read shim"
fi
t "the sources were never modified" test "$(md5sum <"$T/src.raw")" = "$src_sum"

results
