#!/bin/sh
# qcow2 driver tests. Oracles: an in-memory model of the disk and Debian's
# qemu-img/qemu-io (never expected values written down here):
#  1. random writes, zero writes, discards, compressed writes and snapshots
#     against the model, for v2/v3, cluster sizes 512 B..2 MiB, refcount
#     widths 1..64 bits and backing files; qemu-img compares the result with
#     the model and checks it;
#  2. crash tests: a writer is killed (kill -9) at random moments; qemu-img
#     check and ours must find at most leaks (and the same ones), every sector
#     must hold what it held at the last flush or what a later write put there,
#     and `check -r leaks` must leave an image qemu-img finds clean;
#  3. corruption tests: refcounts, L2 entries, COPIED flags and the refcount
#     table are damaged on purpose; our check must report what qemu-img check
#     reports, and our `-r all` repair must give the same contents as
#     qemu-img's repair, passing both checks;
#  4. feature bits and hostile headers: dirty bit repaired, unknown
#     incompatible bits refused, corrupt bit honoured, malformed headers give a
#     one-line error and qemu-img's exit status, never a crash;
#  5. interoperability of snapshots, resize, amend and measure with qemu-img;
#  6. compression_type=zstd both ways with qemu-img: create, convert -c,
#     compressed writes against the model, amend between zlib and zstd,
#     inconsistent headers and bad options refused as qemu-img refuses them.
NAME=check-qcow2
. "${SRC:-.}/tests/common.sh"
S="$BUILD/tests/qcow2/qcow2-stress"

for tool in qemu-img qemu-io jq; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "$tool missing (Debian packages qemu-utils, jq)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
if [ ! -x "$S" ]; then
  echo "$S missing (make tests/qcow2/qcow2-stress)"
  echo "0 passed, 1 failed"
  exit 1
fi

# --- byte poking (qcow2 numbers are big endian; dash arithmetic is signed
# 64-bit, so entries with bit 63 set are handled as two 32-bit halves) ---
get_be() { # file offset bytes -> value (below 2^63)
  hex=$(od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n')
  echo $((0x${hex:-0}))
}
put_be() { # file offset bytes value
  esc="" i=$(($3 - 1))
  while [ $i -ge 0 ]; do
    esc="$esc\\$(printf %o $((($4 >> (i * 8)) & 255)))"
    i=$((i - 1))
  done
  printf "$esc" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
entry_offset() { # file offset -> bits 9-55 of the L1/L2 entry there
  hi=$(get_be "$1" "$2" 4) lo=$(get_be "$1" $(($2 + 4)) 4)
  echo $((((hi & 0x00ffffff) << 32) | (lo & 0xfffffe00)))
}
cluster_size_of() { echo $((1 << $(get_be "$1" 20 4))); }
# host offset of the L2 table for guest offset 0, and of the first refcount block
l2_table_of() { entry_offset "$1" "$(get_be "$1" 40 8)"; }
refblock_of() { get_be "$1" "$(get_be "$1" 48 8)" 8; }

# qemu-img check's exit status and JSON counts
check_json() { # tool image -> "status corruptions leaks"
  "$1" check --output=json "$2" >"$T/check.json" 2>/dev/null
  st=$?
  echo "$st $(jq -r '(.corruptions // 0 | tostring) + " " + (.leaks // 0 | tostring)' "$T/check.json" 2>/dev/null)"
}
same_check() { # desc image: our check agrees with qemu-img's on status and counts
  a=$(check_json qemu-img "$2") b=$(check_json "$Q" "$2")
  if [ "$a" = "$b" ]; then pass; else echo "qemu-img: $a, ours: $b" >"$T/log"; fail "$1"; fi
}

# --- 1. random I/O against the model ---
model_run() { # options seed [base]
  img="$T/model.qcow2"
  rm -f "$img"
  if [ -n "$3" ]; then
    "$Q" create -q -f qcow2 -o "$1" -b "$3" -F qcow2 "$img" >"$T/log" 2>&1
  else
    "$Q" create -q -f qcow2 -o "$1" "$img" 4M >"$T/log" 2>&1
  fi || { fail "create -o $1"; return; }
  snaps=snapshots
  case $1 in *refcount_bits=1*|*refcount_bits=2*) snaps= ;; esac
  t "model I/O -o $1 seed $2 ${3:+(with backing file)}" "$S" model "$img" "$2" 250 "$T/model.raw" $snaps
  t "qemu-img check after model I/O -o $1" qemu-img check "$img"
  t "qemu-img compare with the model -o $1" qemu-img compare -f raw -F qcow2 "$T/model.raw" "$img"
}
seed=1
for opts in cluster_size=65536 compat=0.10 cluster_size=512,refcount_bits=1 \
            cluster_size=2048,refcount_bits=2 cluster_size=4096,refcount_bits=64 \
            cluster_size=16384,refcount_bits=8 cluster_size=2M compat=0.10,cluster_size=1024 \
            lazy_refcounts=on,refcount_bits=32; do
  model_run "$opts" $seed
  seed=$((seed + 1))
done
head -c 4194304 /dev/urandom >"$T/base.raw"
qemu-img convert -O qcow2 -o cluster_size=4096 "$T/base.raw" "$T/base.qcow2"
model_run compat=0.10 11 "$T/base.qcow2"
model_run cluster_size=65536 12 "$T/base.qcow2"
model_run cluster_size=512 13 "$T/base.qcow2"

# --- 2. crash tests ---
crash_run() { # options seed delay [qemu]
  img="$T/crash.qcow2"
  rm -f "$img" "$T/crash.log"
  if [ "$4" = qemu ]; then
    qemu-img create -q -f qcow2 -o "$1" "$img" 8M
  else
    "$Q" create -q -f qcow2 -o "$1" "$img" 8M
  fi
  "$S" crash "$img" "$2" 1000000 "$T/crash.log" 2>"$T/log" &
  pid=$!
  sleep "$3"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  if ! grep -q flushed "$T/crash.log"; then skip "crash -o $1: writer had not flushed yet"; return; fi
  st=$(check_json qemu-img "$img")
  case $st in
    0\ *|3\ *) pass ;;
    *) echo "qemu-img check: $st" >"$T/log"; qemu-img check "$img" >>"$T/log" 2>&1; fail "crash -o $1 seed $2: only leaks allowed" ;;
  esac
  same_check "crash -o $1 seed $2: our check agrees with qemu-img" "$img"
  t "crash -o $1 seed $2: sectors hold flushed or later data" "$S" verify "$img" "$2" 1000000 "$T/crash.log"
  "$Q" check -r leaks "$img" >"$T/log" 2>&1
  t "crash -o $1 seed $2: clean after our check -r leaks" qemu-img check "$img"
}
crash_run cluster_size=65536 21 0.5
crash_run cluster_size=512 22 0.7
crash_run cluster_size=4096,refcount_bits=1 23 0.4
crash_run compat=0.10,cluster_size=32768 24 0.6
crash_run cluster_size=2M,refcount_bits=64 25 0.5
crash_run cluster_size=1024,refcount_bits=8 26 0.8 qemu
crash_run cluster_size=65536 27 1.2 qemu
crash_run cluster_size=8192 28 0.3

# crashes during snapshot operations: those change refcounts and COPIED flags
# in many clusters at once, under the dirty bit; what qemu-img check then finds
# beyond leaks must come with the dirty bit, and the next read-write open must
# repair it (v3 only: v2 images have no dirty bit)
snapshot_crash_run() { # options seed delay
  img="$T/crash.qcow2"
  rm -f "$img" "$T/crash.log"
  "$Q" create -q -f qcow2 -o "$1" "$img" 8M
  "$S" crash "$img" "$2" 1000000 "$T/crash.log" snapshots 2>"$T/log" &
  pid=$!
  sleep "$3"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  same_check "snapshot crash -o $1 seed $2: our check agrees with qemu-img" "$img"
  st=$(check_json qemu-img "$img")
  dirty=$(qemu-img info --output=json "$img" | jq '."dirty-flag"')
  case $st in
    0\ *|3\ *) pass ;;
    2\ *) if [ "$dirty" = true ]; then pass; else
            echo "qemu-img check: $st, dirty flag $dirty" >"$T/log"
            fail "snapshot crash -o $1 seed $2: corruption without the dirty bit"; fi ;;
    *) echo "qemu-img check: $st" >"$T/log"; fail "snapshot crash -o $1 seed $2: check failed" ;;
  esac
  "$Q" snapshot -c after-crash "$img" >"$T/log" 2>&1
  if [ "$dirty" = true ]; then
    t "snapshot crash -o $1 seed $2: repaired by the next read-write open" qemu-img check "$img"
  else
    case $(check_json qemu-img "$img") in
      0\ *|3\ *) pass ;;
      *) qemu-img check "$img" >"$T/log" 2>&1; fail "snapshot crash -o $1 seed $2: only leaks after reopening" ;;
    esac
  fi
}
snapshot_crash_run cluster_size=4096 31 0.6
snapshot_crash_run cluster_size=65536 32 0.8
snapshot_crash_run cluster_size=16384,refcount_bits=8 33 0.5
snapshot_crash_run cluster_size=1024,refcount_bits=32 34 0.7

# the verifier can fail: a sector overwritten behind the driver's back
img="$T/crash.qcow2"
if [ -f "$img" ] && "$S" verify "$img" 28 1000000 "$T/crash.log" >/dev/null 2>&1; then
  data=$(qemu-img map --output=json "$img" | jq '[.[] | select(.offset != null and .data and (.zero | not))][0].offset // empty')
  if [ -n "$data" ]; then
    head -c 512 /dev/urandom | dd of="$img" bs=512 seek=$((data / 512)) conv=notrunc 2>/dev/null
    t_status "verifier rejects a damaged sector" 1 "$S" verify "$img" 28 1000000 "$T/crash.log"
  else
    skip "verifier self-test: no data cluster"
  fi
fi

# --- 3. corruption tests: find like qemu-img, repair like qemu-img ---
corrupt_base() { # options -> $T/orig.qcow2 with data, zeros and a compressed part
  rm -f "$T/orig.qcow2"
  qemu-img create -q -f qcow2 -o "$1" "$T/orig.qcow2" 4M
  qemu-io -f qcow2 -c 'write -P 0x5a 0 256k' -c 'write -P 0x33 1M 100k' -c 'write -z 2M 128k' \
    -c 'write -c -P 0x77 3M 128k' "$T/orig.qcow2" >/dev/null
}
corrupt_case() { # description options poke-function
  corrupt_base "$2"
  cp "$T/orig.qcow2" "$T/bad.qcow2"
  $3 "$T/bad.qcow2"
  st=$(check_json qemu-img "$T/bad.qcow2")
  case $st in 0\ *) skip "$1: qemu-img finds nothing"; return ;; esac
  same_check "$1: our check reports what qemu-img reports" "$T/bad.qcow2"
  cp "$T/bad.qcow2" "$T/ours.qcow2"
  cp "$T/bad.qcow2" "$T/qemu.qcow2"
  "$Q" check -r all "$T/ours.qcow2" >"$T/log" 2>&1
  qemu-img check -r all "$T/qemu.qcow2" >/dev/null 2>&1
  t "$1: qemu-img check clean after our repair" qemu-img check "$T/ours.qcow2"
  t "$1: our check clean after our repair" "$Q" check "$T/ours.qcow2"
  if qemu-img check "$T/qemu.qcow2" >/dev/null 2>&1; then
    t "$1: our repair keeps what qemu-img's repair keeps" \
      qemu-img compare -f qcow2 -F qcow2 "$T/ours.qcow2" "$T/qemu.qcow2"
  elif [ "$4" = intact ]; then
    # refcount damage only: the guest data must come through unchanged
    t "$1: our repair keeps the data (qemu-img cannot repair this)" \
      qemu-img compare -f qcow2 -F qcow2 "$T/ours.qcow2" "$T/orig.qcow2"
  else
    skip "$1: qemu-img cannot repair it, no contents to compare with"
  fi
}
poke_refcount_zero() { # refcount of the first data cluster -> 0
  cs=$(cluster_size_of "$1")
  data=$(entry_offset "$1" "$(l2_table_of "$1")")
  put_be "$1" $(($(refblock_of "$1") + data / cs * 2)) 2 0
}
poke_refcount_leak() { # refcount 1 for a cluster nothing uses, inside the file
  cs=$(cluster_size_of "$1")
  size=$(stat -c %s "$1")
  truncate -s $((size + 2 * cs)) "$1"
  put_be "$1" $(($(refblock_of "$1") + (size + cs - 1) / cs * 2)) 2 1
}
poke_refcount_high() { # refcount 2 for the L1 table
  cs=$(cluster_size_of "$1")
  put_be "$1" $(($(refblock_of "$1") + $(get_be "$1" 40 8) / cs * 2)) 2 2
}
poke_l2_unaligned() { # the first data cluster's L2 entry points inside a cluster
  l2=$(l2_table_of "$1")
  put_be "$1" $((l2 + 4)) 4 $(($(get_be "$1" $((l2 + 4)) 4) + 512))
}
poke_copied_flag() { # clear the COPIED flag of the first L2 entry
  l2=$(l2_table_of "$1")
  put_be "$1" "$l2" 4 $(($(get_be "$1" "$l2" 4) & 0x7fffffff))
}
poke_reftable_unaligned() { # the first refcount block's table entry points inside a cluster
  rt=$(get_be "$1" 48 8)
  put_be "$1" "$rt" 8 $(($(get_be "$1" "$rt" 8) + 512))
}
poke_l1_copied() { # clear the COPIED flag of the first L1 entry
  l1=$(get_be "$1" 40 8)
  put_be "$1" "$l1" 4 $(($(get_be "$1" "$l1" 4) & 0x7fffffff))
}
# tables pointing past the end of the file (5 clusters after it)
past_end_of() { cs=$(cluster_size_of "$1"); echo $((($(stat -c %s "$1") / cs + 5) * cs)); }
put_entry() { # file offset value: a table entry with the COPIED bit (bit 63)
  put_be "$1" "$2" 4 $(((1 << 31) | ($3 >> 32)))
  put_be "$1" $(($2 + 4)) 4 $(($3 & 0xffffffff))
}
poke_l1_past_end() { put_entry "$1" $(($(get_be "$1" 40 8) + 8)) "$(past_end_of "$1")"; }
poke_l2_past_end() { put_entry "$1" $(($(l2_table_of "$1") + 40 * 8)) "$(past_end_of "$1")"; }
poke_reftable_past_end() { put_be "$1" "$(get_be "$1" 48 8)" 8 "$(past_end_of "$1")"; }
corrupt_case "refcount of a data cluster zeroed" cluster_size=65536 poke_refcount_zero
corrupt_case "refcount of a data cluster zeroed (v2, 4k)" compat=0.10,cluster_size=4096 poke_refcount_zero
corrupt_case "leaked cluster" cluster_size=65536 poke_refcount_leak
corrupt_case "refcount too high" cluster_size=16384 poke_refcount_high
corrupt_case "unaligned L2 entry" cluster_size=65536 poke_l2_unaligned
corrupt_case "L2 COPIED flag cleared" cluster_size=65536 poke_copied_flag
corrupt_case "L1 COPIED flag cleared" cluster_size=4096 poke_l1_copied
corrupt_case "unaligned refcount table entry" cluster_size=65536 poke_reftable_unaligned intact
corrupt_case "L1 entry past the end of the file" cluster_size=4096 poke_l1_past_end
corrupt_case "L2 entry past the end of the file" cluster_size=4096 poke_l2_past_end
corrupt_case "refcount block past the end of the file" cluster_size=4096 poke_reftable_past_end intact

# -r leaks fixes leaks only, like qemu-img
corrupt_base cluster_size=65536
poke_refcount_leak "$T/orig.qcow2"
"$Q" check -r leaks "$T/orig.qcow2" >/dev/null 2>&1
t "check -r leaks repairs a leak" qemu-img check "$T/orig.qcow2"

# two L2 entries share a cluster at refcount_bits=1: the count cannot be
# stored; the repair must leave the cluster in use (a count that wrapped to 0
# would hand it out again), no worse than qemu-img's own repair
corrupt_base cluster_size=4096,refcount_bits=1
l2=$(l2_table_of "$T/orig.qcow2")
put_be "$T/orig.qcow2" $((l2 + 8)) 4 "$(get_be "$T/orig.qcow2" "$l2" 4)"
put_be "$T/orig.qcow2" $((l2 + 12)) 4 "$(get_be "$T/orig.qcow2" $((l2 + 4)) 4)"
# and its refcount bit cleared, so that the refcounts are rebuilt (1-bit
# entries are packed lowest-order bit first: qcow2 spec, "refcount_order")
d=$(($(entry_offset "$T/orig.qcow2" "$l2") / 4096))
rb=$(($(refblock_of "$T/orig.qcow2") + d / 8))
put_be "$T/orig.qcow2" $rb 1 $(($(get_be "$T/orig.qcow2" $rb 1) & ~(1 << (d % 8))))
same_check "shared cluster at refcount_bits=1: our check reports what qemu-img reports" \
  "$T/orig.qcow2"
cp "$T/orig.qcow2" "$T/ours.qcow2"
cp "$T/orig.qcow2" "$T/qemu.qcow2"
"$Q" check -r all "$T/ours.qcow2" >"$T/log" 2>&1
qemu-img check -r all "$T/qemu.qcow2" >/dev/null 2>&1
ours=$(check_json qemu-img "$T/ours.qcow2") theirs=$(check_json qemu-img "$T/qemu.qcow2")
echo "qemu-img check after our repair: $ours, after its own: $theirs" >"$T/log"
set -- $ours $theirs
if [ "$2" -le "$5" ] && [ "$3" -le "$6" ]; then pass; else
  fail "shared cluster at refcount_bits=1: our repair leaves no more than qemu-img's"; fi
t "shared cluster at refcount_bits=1: our repair keeps what qemu-img's keeps" \
  qemu-img compare -f qcow2 -F qcow2 "$T/ours.qcow2" "$T/qemu.qcow2"

# past the end of the file: refcounts stored for clusters there are neither
# leaks nor repaired by qemu-img (after a crash in the middle of an
# allocation); a compressed cluster may reach less than a cluster past it
poke_refcount_past_end() { # refcount 1 for three clusters after the end of the file
  cs=$(cluster_size_of "$1")
  n=$((($(stat -c %s "$1") + cs - 1) / cs))
  for i in 1 2 5; do put_be "$1" $(($(refblock_of "$1") + (n + i) * 2)) 2 1; done
}
corrupt_base cluster_size=4096
poke_refcount_leak "$T/orig.qcow2"
poke_refcount_past_end "$T/orig.qcow2"
same_check "refcounts past the end of the file: our check counts the leaks qemu-img counts" \
  "$T/orig.qcow2"
cp "$T/orig.qcow2" "$T/qemu.qcow2"
qemu-img check -r leaks "$T/qemu.qcow2" >/dev/null 2>&1
t "refcounts past the end of the file: no leaks for us after qemu-img check -r leaks" \
  test "$(check_json "$Q" "$T/qemu.qcow2")" = "0 0 0"
"$Q" check -r leaks "$T/orig.qcow2" >"$T/log" 2>&1
t "refcounts past the end of the file: no leaks for qemu-img after our check -r leaks" \
  test "$(check_json qemu-img "$T/orig.qcow2")" = "0 0 0"
corrupt_base cluster_size=4096
size=$(stat -c %s "$T/orig.qcow2")
if [ $((size % 4096)) != 0 ]; then
  truncate -s $((size / 4096 * 4096)) "$T/orig.qcow2"
  same_check "compressed clusters reaching past the end of the file: checks agree" "$T/orig.qcow2"
else
  skip "compressed clusters past the end: qemu-io left a cluster-aligned file"
fi

# --- 4. feature bits and hostile headers ---
corrupt_base cluster_size=65536
cp "$T/orig.qcow2" "$T/dirty.qcow2"
poke_refcount_leak "$T/dirty.qcow2"
put_be "$T/dirty.qcow2" 72 8 1
t "dirty image opens read-only" "$Q" info "$T/dirty.qcow2"
"$Q" snapshot -c s1 "$T/dirty.qcow2" >"$T/log" 2>&1
t "dirty bit cleared after opening for writing" test "$(get_be "$T/dirty.qcow2" 72 8)" = 0
t "refcounts repaired when the dirty image was opened" qemu-img check "$T/dirty.qcow2"
t "dirty image data intact" qemu-img compare -s "$T/dirty.qcow2" "$T/orig.qcow2"

bad_header() { # description poke-commands...: our info fails like qemu-img's, one line
  desc=$1; shift
  cp "$T/orig.qcow2" "$T/hostile.qcow2"
  "$@"
  qemu-img info "$T/hostile.qcow2" >/dev/null 2>&1
  want=$?
  "$Q" info "$T/hostile.qcow2" >"$T/out" 2>"$T/log"
  got=$?
  lines=$(wc -l <"$T/log")
  if [ "$got" = "$want" ] && [ "$got" != 0 ] && [ "$lines" = 1 ] &&
     grep -q hostile.qcow2 "$T/log"; then
    pass
  else
    echo "exit status $got (qemu-img $want), $lines error lines" >>"$T/log"
    fail "hostile header: $desc"
  fi
}
H="$T/hostile.qcow2"
bad_header "unknown incompatible feature" put_be "$H" 72 8 $((1 << 40))
bad_header "version 4" put_be "$H" 4 4 4
bad_header "cluster_bits 31" put_be "$H" 20 4 31
bad_header "cluster_bits 8" put_be "$H" 20 4 8
bad_header "huge L1 table" put_be "$H" 36 4 $((1 << 30))
bad_header "L1 table too small" put_be "$H" 36 4 0
bad_header "huge refcount table" put_be "$H" 56 4 $((1 << 30))
bad_header "no refcount table" put_be "$H" 56 4 0
bad_header "unaligned L1 table" put_be "$H" 40 8 1000
bad_header "huge virtual size" put_be "$H" 24 8 $((1 << 62))
long_backing_name() { put_be "$H" 8 8 200; put_be "$H" 16 4 5000; }
bad_header "backing name too long" long_backing_name
bad_header "refcount order 7" put_be "$H" 96 4 7
bad_header "too many snapshots" put_be "$H" 60 4 $((1 << 30))
bad_header "truncated to 60 bytes" truncate -s 60 "$H"
bad_header "odd header length" put_be "$H" 100 4 107

# features qemu-img knows but this driver does not implement: refused by name
unsupported() { # description poke-commands...
  desc=$1; shift
  cp "$T/orig.qcow2" "$H"
  "$@"
  "$Q" info "$H" >"$T/out" 2>"$T/log"
  got=$?
  if [ "$got" = 1 ] && [ "$(wc -l <"$T/log")" = 1 ] && grep -q "not supported" "$T/log"; then
    pass
  else echo "exit status $got" >>"$T/log"; fail "unsupported feature refused: $desc"; fi
}
unsupported "extended L2 entries" put_be "$H" 72 8 16
unsupported "external data file" put_be "$H" 72 8 4
unsupported "encryption" put_be "$H" 32 4 1

cp "$T/orig.qcow2" "$T/corrupt.qcow2"
put_be "$T/corrupt.qcow2" 72 8 2
t "image with the corrupt bit reads" "$Q" convert -O raw "$T/corrupt.qcow2" "$T/corrupt.raw"
t_status "image with the corrupt bit refuses writes" 1 "$Q" resize "$T/corrupt.qcow2" +1M
t "the refused write left the image as it was" qemu-img compare -f raw -F qcow2 "$T/corrupt.raw" "$T/orig.qcow2"

# --- 5. interoperability: snapshots, resize, amend, measure ---
img="$T/snap.qcow2"
qemu-img create -q -f qcow2 "$img" 4M
qemu-io -c 'write -P 0x11 0 1M' "$img" >/dev/null
qemu-img snapshot -c qemu-snap "$img"
qemu-io -c 'write -P 0x22 512k 1M' "$img" >/dev/null
qemu-img convert -O raw "$img" "$T/state2.raw"
"$Q" snapshot -c our-snap "$img" >"$T/log" 2>&1
qemu-io -c 'write -P 0x33 0 3M' "$img" >/dev/null
t "qemu-img lists our snapshot" sh -c "qemu-img snapshot -l '$img' | grep -q our-snap"
t "our snapshot list names qemu-img's" sh -c "'$Q' snapshot -l '$img' | grep -q qemu-snap"
t "our snapshot -a of qemu-img's snapshot" "$Q" snapshot -a qemu-snap "$img"
t "  reads the snapshot's data" qemu-io -c 'read -P 0x11 0 1M' -c 'read -P 0 1M 3M' "$img"
t "  passes qemu-img check" qemu-img check "$img"
t "qemu-img snapshot -a of our snapshot" qemu-img snapshot -a our-snap "$img"
t "  reads our snapshot's data" qemu-img compare -f raw "$T/state2.raw" "$img"
t "our snapshot -d" "$Q" snapshot -d qemu-snap "$img"
t "  passes qemu-img check" qemu-img check "$img"
t "  leaves the other snapshot" sh -c "qemu-img snapshot -l '$img' | grep -q our-snap"

qemu-img create -q -f qcow2 "$T/grow.qcow2" 3M
qemu-io -c 'write -P 0x44 0 3M' "$T/grow.qcow2" >/dev/null
cp "$T/grow.qcow2" "$T/grow-qemu.qcow2"
t "resize grow" "$Q" resize "$T/grow.qcow2" 700M
qemu-img resize -q "$T/grow-qemu.qcow2" 700M
t "  same contents as qemu-img's resize" qemu-img compare "$T/grow.qcow2" "$T/grow-qemu.qcow2"
t "  passes qemu-img check" qemu-img check "$T/grow.qcow2"
t "resize --shrink" "$Q" resize --shrink "$T/grow.qcow2" 1M
qemu-img resize -q --shrink "$T/grow-qemu.qcow2" 1M
t "  same contents as qemu-img's resize" qemu-img compare "$T/grow.qcow2" "$T/grow-qemu.qcow2"
t "  passes qemu-img check" qemu-img check "$T/grow.qcow2"

cp "$T/orig.qcow2" "$T/amend.qcow2"
t "amend compat=0.10 (zero clusters to expand)" "$Q" amend -o compat=0.10 "$T/amend.qcow2"
t "  is version 2 for qemu-img" sh -c "qemu-img info '$T/amend.qcow2' | grep -q 'compat: 0.10'"
t "  same contents" qemu-img compare "$T/amend.qcow2" "$T/orig.qcow2"
t "  passes qemu-img check" qemu-img check "$T/amend.qcow2"
t "amend compat=1.1,lazy_refcounts=on" "$Q" amend -o compat=1.1,lazy_refcounts=on "$T/amend.qcow2"
t "  lazy refcounts for qemu-img" sh -c "qemu-img info '$T/amend.qcow2' | grep -q 'lazy refcounts: true'"
t "  passes qemu-img check" qemu-img check "$T/amend.qcow2"

for bits in 64 8 16; do
  t "amend refcount_bits=$bits" "$Q" amend -o refcount_bits=$bits "$T/amend.qcow2"
  t "  qemu-img sees refcount bits $bits" sh -c "qemu-img info '$T/amend.qcow2' | grep -q 'refcount bits: $bits\$'"
  t "  same contents" qemu-img compare "$T/amend.qcow2" "$T/orig.qcow2"
  t "  passes qemu-img check" qemu-img check "$T/amend.qcow2"
done
t_status "amend refcount_bits=1 refused when clusters are shared" 1 \
  "$Q" amend -o refcount_bits=1 "$T/amend.qcow2"
t "  and the image is left as it was" qemu-img check "$T/amend.qcow2"

# persistent bitmaps own clusters that check must count (not call leaks)
qemu-img create -q -f qcow2 "$T/bitmap.qcow2" 16M
qemu-img bitmap --add "$T/bitmap.qcow2" b0 >/dev/null 2>&1
qemu-io -c 'write -P 1 0 1M' "$T/bitmap.qcow2" >/dev/null
qemu-img bitmap --add "$T/bitmap.qcow2" b1 >/dev/null 2>&1
same_check "check of an image with persistent bitmaps agrees with qemu-img" "$T/bitmap.qcow2"

for opts in cluster_size=65536 cluster_size=512 refcount_bits=1,cluster_size=4096 \
            cluster_size=2M,refcount_bits=64 compat=0.10; do
  a=$(qemu-img measure --output=json -O qcow2 -o "$opts" --size 3G 2>&1)
  b=$("$Q" measure --output=json -O qcow2 -o "$opts" --size 3G 2>&1)
  if [ "$(echo "$a" | jq -c '{required, "fully-allocated"}')" = "$(echo "$b" | jq -c '{required, "fully-allocated"}' 2>/dev/null)" ]; then
    pass
  else echo "qemu-img: $a ours: $b" >"$T/log"; fail "measure -o $opts --size 3G"; fi
  a=$(qemu-img measure --output=json -O qcow2 -o "$opts" "$T/orig.qcow2" 2>&1)
  b=$("$Q" measure --output=json -O qcow2 -o "$opts" "$T/orig.qcow2" 2>&1)
  if [ "$(echo "$a" | jq -c '{required, "fully-allocated"}')" = "$(echo "$b" | jq -c '{required, "fully-allocated"}' 2>/dev/null)" ]; then
    pass
  else echo "qemu-img: $a ours: $b" >"$T/log"; fail "measure -o $opts of an image"; fi
done

# --- 6. compression_type=zstd ---
if ! "$Q" create -q -f qcow2 -o compression_type=zstd "$T/zstd-probe.qcow2" 1M >"$T/log" 2>&1; then
  skip "zstd: $(cat "$T/log") (Debian package libzstd-dev at build time)"
else
  seed=41
  for opts in compression_type=zstd compression_type=zstd,cluster_size=4096,refcount_bits=2 \
              compression_type=zstd,cluster_size=2M; do
    model_run "$opts" $seed
    seed=$((seed + 1))
  done
  model_run compression_type=zstd,cluster_size=65536 44 "$T/base.qcow2"
  t "zstd: qemu-img reports our image's compression type" \
    sh -c "qemu-img info --output=json '$T/model.qcow2' | jq -e '.\"format-specific\".data.\"compression-type\" == \"zstd\"'"
  t "zstd: our info reports what qemu-img reports" sh -c \
    "[ \"\$('$Q' info '$T/model.qcow2' | grep 'compression type')\" = \"\$(qemu-img info '$T/model.qcow2' | grep 'compression type')\" ]"
  # data with a compressible part, an incompressible part, zeros and a short tail
  { seq 1 150000; head -c 1M /dev/urandom; head -c 300k /dev/zero; seq 1 999; } >"$T/mixed.raw"
  truncate -s %512 "$T/mixed.raw"     # whole sectors, as convert writes them
  for cs in 65536 4096 512; do
    o=compression_type=zstd,cluster_size=$cs
    rm -f "$T/zours.qcow2" "$T/ztheirs.qcow2"
    t "zstd: convert -c -o $o" "$Q" convert -c -O qcow2 -o $o "$T/mixed.raw" "$T/zours.qcow2"
    t "  qemu-img reads it" qemu-img compare -f raw "$T/mixed.raw" "$T/zours.qcow2"
    t "  passes qemu-img check" qemu-img check "$T/zours.qcow2"
    t "  has compressed clusters for qemu-img" sh -c \
      "qemu-img check --output=json '$T/zours.qcow2' | jq -e '.\"compressed-clusters\" > 0'"
    qemu-img convert -c -O qcow2 -o $o "$T/mixed.raw" "$T/ztheirs.qcow2"
    t "zstd: we read qemu-img's convert -c -o $o" "$Q" compare -f raw "$T/mixed.raw" "$T/ztheirs.qcow2"
    same_check "zstd: our check of qemu-img's image agrees (-o $o)" "$T/ztheirs.qcow2"
    t "zstd: we convert qemu-img's image back to raw" "$Q" convert -O raw "$T/ztheirs.qcow2" "$T/zback.raw"
    t "  the same data" cmp "$T/mixed.raw" "$T/zback.raw"
  done
  # a stream that ends in the last sector of the file and one that does not
  # decode to a full cluster are told apart
  qemu-img convert -c -O qcow2 -o compression_type=zstd "$T/mixed.raw" "$T/ztrunc.qcow2"
  truncate -s -600 "$T/ztrunc.qcow2"
  qemu-img convert -O raw "$T/ztrunc.qcow2" "$T/zq.raw" >/dev/null 2>&1; qs=$?
  "$Q" convert -O raw "$T/ztrunc.qcow2" "$T/zo.raw" >"$T/log" 2>&1; os=$?
  t "zstd: a truncated image fails to convert where qemu-img's convert fails ($qs)" \
    test "$os" != 0 -o "$qs" = 0

  # a damaged zstd frame is an I/O error in one line, as qemu-img fails on it
  qemu-img convert -c -O qcow2 -o compression_type=zstd "$T/mixed.raw" "$T/zdamaged.qcow2"
  entry=$(get_be "$T/zdamaged.qcow2" "$(l2_table_of "$T/zdamaged.qcow2")" 8)
  host=$((entry & ((1 << 54) - 1)))    # 64 KiB clusters: offset in bits 0-53
  printf '\377\377\377\377\000\000\000\000\377\377\377\377' |
    dd of="$T/zdamaged.qcow2" bs=1 seek=$((host + 24)) conv=notrunc 2>/dev/null
  qemu-img convert -O raw "$T/zdamaged.qcow2" "$T/zq.raw" >/dev/null 2>&1; qs=$?
  "$Q" convert -O raw "$T/zdamaged.qcow2" "$T/zo.raw" >"$T/zo.err" 2>&1; os=$?
  { echo "status $os, qemu-img's $qs"; cat "$T/zo.err"; } >"$T/log"
  if [ $qs != 0 ] && [ $os != 0 ] && [ "$(wc -l <"$T/zo.err")" = 1 ]; then pass; else
    fail "zstd: a damaged frame fails convert in one line, as qemu-img's convert fails"; fi
  qemu-img compare -f raw -F qcow2 "$T/mixed.raw" "$T/zdamaged.qcow2" >/dev/null 2>&1
  t_status "zstd: compare of a damaged image exits as qemu-img's ($?)" $? \
    "$Q" compare -f raw -F qcow2 "$T/mixed.raw" "$T/zdamaged.qcow2"

  # amend: zlib <-> zstd keeps the data; qemu-img reads both steps
  qemu-img convert -c -O qcow2 "$T/mixed.raw" "$T/zamend.qcow2"
  qemu-io -c 'write -P 0x5c 64k 64k' "$T/zamend.qcow2" >/dev/null
  qemu-img convert -O raw "$T/zamend.qcow2" "$T/zamend.raw"
  for ty in zstd zlib zstd; do
    t "amend -o compression_type=$ty" "$Q" amend -o compression_type=$ty "$T/zamend.qcow2"
    t "  qemu-img sees $ty" sh -c "qemu-img info '$T/zamend.qcow2' | grep -q 'compression type: $ty'"
    t "  same contents for qemu-img" qemu-img compare -f raw "$T/zamend.raw" "$T/zamend.qcow2"
    t "  passes qemu-img check" qemu-img check "$T/zamend.qcow2"
    t "  still compressed for qemu-img" sh -c \
      "qemu-img check --output=json '$T/zamend.qcow2' | jq -e '.\"compressed-clusters\" > 0'"
  done
  t "qemu-io writes into the amended image" qemu-io -c 'write -P 0x6d 1M 64k' "$T/zamend.qcow2"
  t "  passes qemu-img check" qemu-img check "$T/zamend.qcow2"
  qemu-img snapshot -c s1 "$T/zamend.qcow2"
  cp "$T/zamend.qcow2" "$T/zamend-before.qcow2"
  t_status "amend -o compression_type refused with internal snapshots" 1 \
    "$Q" amend -o compression_type=zlib "$T/zamend.qcow2"
  t "  the image is left as it was" cmp "$T/zamend.qcow2" "$T/zamend-before.qcow2"

  # refused options: qemu-img's status and message (the program name aside)
  same_refusal() { # desc args...
    desc=$1; shift
    rm -f "$T/zbad.qcow2"; qemu-img "$@" >/dev/null 2>"$T/q.err"; qs=$?
    rm -f "$T/zbad.qcow2"; "$Q" "$@" >/dev/null 2>"$T/o.err"; os=$?
    { echo "status $os, qemu-img's $qs"; cat "$T/q.err" "$T/o.err"; } >"$T/log"
    if [ $qs != 0 ] && [ $os = $qs ] && [ ! -e "$T/zbad.qcow2" ] &&
       [ "$(sed 's/^qemu-img: //' "$T/q.err")" = "$(sed 's/^quetzal-img: //' "$T/o.err")" ]; then
      pass; else fail "$desc"; fi
  }
  same_refusal "create -o compression_type=zstd,compat=0.10" \
    create -q -f qcow2 -o compression_type=zstd,compat=0.10 "$T/zbad.qcow2" 1M
  same_refusal "create -o compression_type=lz4" \
    create -q -f qcow2 -o compression_type=lz4 "$T/zbad.qcow2" 1M
  # headers where compression_type and incompatible bit 3 disagree, or an unknown type
  qemu-img create -q -f qcow2 "$T/orig.qcow2" 1M
  bad_header "compression_type zstd without incompatible bit 3" put_be "$H" 104 1 1
  bad_header "incompatible bit 3 with compression_type zlib" put_be "$H" 72 8 8
  bad_header "compression_type 2" eval 'put_be "$H" 104 1 2; put_be "$H" 72 8 8'
  for poke in "104 1 1" "72 8 8"; do
    cp "$T/orig.qcow2" "$H"; put_be "$H" $poke
    same_refusal "info of a header with $poke: qemu-img's message" info "$H"
  done
fi

results
