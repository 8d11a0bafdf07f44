#!/bin/sh
# Format-specific checks of the qcow, vmdk, vdi and vpc drivers, with Debian's
# qemu-img and qemu-io as the oracle:
#  1. every subformat and creation option: both tools create an empty image and
#     qemu-img describes both the same way (info JSON, field by field);
#  2. both tools convert the same data into that subformat and each reads the
#     other's image identically; the images pass both tools' check;
#  3. partial, unaligned writes into an existing image (qemu-io into ours,
#     quetzal-img bench into qemu-img's) read back the same with both tools;
#  4. backing files (qcow, vmdk) and compressed data (qcow -c, vmdk
#     streamOptimized), twoGbMaxExtent sets made by qemu-img;
#  5. damaged images: exit status as qemu-img's, a one-line error, no crash;
#     damaged VDI block maps and VMDK grain tables are reported by check as
#     qemu-img reports them, and VDI damage is repaired by check -r all.
NAME=check-formats
. "${SRC:-.}/tests/common.sh"

if ! command -v qemu-img >/dev/null 2>&1 || ! command -v qemu-io >/dev/null 2>&1; then
  echo "qemu-img/qemu-io missing (Debian package qemu-utils)"
  echo "0 passed, 1 failed"
  exit 1
fi
ours=$("$Q" --help | sed -n 's/^Supported formats: //p')
have() { case " $ours " in *" $1 "*) return 0 ;; esac; return 1; }

# --- test data: random data (aligned and not), explicit zeros, holes ---
wdata() { # offset length file
  head -c "$2" /dev/urandom | dd of="$3" bs=65536 iflag=fullblock oflag=seek_bytes seek="$1" conv=notrunc 2>/dev/null
}
SIZE=5242880
src="$T/src.raw"
truncate -s $SIZE "$src"
wdata 0 70001 "$src"
head -c 600000 /dev/zero | dd of="$src" bs=65536 oflag=seek_bytes seek=1000000 conv=notrunc 2>/dev/null
yes 'compressible text 0123456789' | head -c 300000 |
  dd of="$src" bs=65536 iflag=fullblock oflag=seek_bytes seek=2097152 conv=notrunc 2>/dev/null
wdata 3146240 512 "$src"
wdata 4194000 70000 "$src"
wdata $((SIZE - 512)) 512 "$src"

# qemu-img check only exists for these (others: exit 63, "does not support checks")
check_ok() { # TOOL FORMAT FILE
  "$1" check -f "$2" "$3"; s=$?
  [ "$s" = 0 ] || [ "$s" = 63 ]
}
# info JSON without the fields that name or size the particular file
info_fields() { # TOOL FORMAT FILE
  "$1" info -f "$2" --output=json "$3" |
    grep -v -e '"filename"' -e '"actual-size"' -e '"cid"' -e '"full-backing-filename"'
}
# same_info FORMAT FILE1 FILE2: qemu-img describes both images the same way
same_info() {
  info_fields qemu-img "$1" "$2" >"$T/info1" && info_fields qemu-img "$1" "$3" >"$T/info2" &&
    diff "$T/info1" "$T/info2"
}
# both tools read FILE as the same bytes
same_read() { # FORMAT FILE
  rm -f "$T/read-q.raw" "$T/read-o.raw"
  qemu-img convert -f "$1" -O raw "$2" "$T/read-q.raw" && "$Q" convert -f "$1" -O raw "$2" "$T/read-o.raw" &&
    cmp "$T/read-q.raw" "$T/read-o.raw"
}
# qemu_writes FORMAT FILE / our_writes FORMAT FILE: unaligned pattern, zeros, data over an end
qemu_writes() {
  qemu-io -f "$1" -c 'write -P 0x5a 12345 70000' -c 'write -z 1048576 65536' \
    -c 'write -P 0x11 3145000 8192' "$2" >/dev/null
}
our_writes() {
  "$Q" bench -f "$1" -w -c 1 -o 12345 -s 70000 --pattern=90 "$2" >/dev/null &&
    "$Q" bench -f "$1" -w -c 3 -o 1048576 -s 4096 -S 65536 --pattern=0 "$2" >/dev/null &&
    "$Q" bench -f "$1" -w -c 1 -o 3145000 -s 8192 --pattern=17 "$2" >/dev/null
}

# --- 1-3: every subformat and option ---
# format|creation options|what qemu-io may do with the image (w: write into it)
while IFS='|' read -r fmt opts mode; do
  [ -n "$fmt" ] || continue
  name="$fmt${opts:+ -o $opts}"
  if ! have "$fmt"; then skip "$name (format not built in)"; continue; fi
  o=${opts:+-o $opts}
  rm -f "$T"/ours* "$T"/theirs*
  # shellcheck disable=SC2086
  t "$name: create" "$Q" create -q -f "$fmt" $o "$T/ours.$fmt" 5M
  # shellcheck disable=SC2086
  qemu-img create -q -f "$fmt" $o "$T/theirs.$fmt" 5M
  t "$name: empty image described as qemu-img's" same_info "$fmt" "$T/ours.$fmt" "$T/theirs.$fmt"
  t "$name: empty image passes qemu-img check" check_ok qemu-img "$fmt" "$T/ours.$fmt"
  rm -f "$T"/ours* "$T"/theirs*
  # shellcheck disable=SC2086
  t "$name: convert" "$Q" convert -O "$fmt" $o "$src" "$T/ours.$fmt"
  t "$name: qemu-img reads ours" qemu-img compare -F "$fmt" "$src" "$T/ours.$fmt"
  t "$name: ours passes qemu-img check" check_ok qemu-img "$fmt" "$T/ours.$fmt"
  t "$name: ours passes our check" check_ok "$Q" "$fmt" "$T/ours.$fmt"
  # shellcheck disable=SC2086
  qemu-img convert -O "$fmt" $o "$src" "$T/theirs.$fmt"
  t "$name: we read qemu-img's" "$Q" compare -F "$fmt" "$src" "$T/theirs.$fmt"
  t "$name: qemu-img's passes our check" check_ok "$Q" "$fmt" "$T/theirs.$fmt"
  t "$name: described as qemu-img does" same_info "$fmt" "$T/ours.$fmt" "$T/theirs.$fmt"
  t "$name: our info equals qemu-img's" sh -c "info_q=\$(qemu-img info -f $fmt --output=json '$T/theirs.$fmt' | grep -v actual-size);
    info_o=\$('$Q' info -f $fmt --output=json '$T/theirs.$fmt' | grep -v actual-size); [ \"\$info_q\" = \"\$info_o\" ]"
  if [ "$mode" = w ]; then
    t "$name: qemu-io writes into ours" qemu_writes "$fmt" "$T/ours.$fmt"
    t "$name: ... both read the same" same_read "$fmt" "$T/ours.$fmt"
    t "$name: ... passes qemu-img check" check_ok qemu-img "$fmt" "$T/ours.$fmt"
  fi
  t "$name: we write into qemu-img's" our_writes "$fmt" "$T/theirs.$fmt"
  t "$name: ... both read the same" same_read "$fmt" "$T/theirs.$fmt"
  t "$name: ... passes qemu-img check" check_ok qemu-img "$fmt" "$T/theirs.$fmt"
done <<'EOF'
qcow||w
vdi||w
vdi|static=on|w
vpc||w
vpc|subformat=fixed|w
vpc|force_size=on|w
vpc|subformat=fixed,force_size=on|w
vmdk||w
vmdk|subformat=monolithicFlat|w
vmdk|subformat=streamOptimized|
vmdk|zeroed_grain=on|w
vmdk|adapter_type=lsilogic,hwversion=6|w
vmdk|compat6=on,adapter_type=buslogic,toolsversion=1234|w
vmdk|subformat=twoGbMaxExtentSparse|w
vmdk|subformat=twoGbMaxExtentFlat|w
EOF

# monolithicSparse layout: descriptor (but the CID) and tables as qemu-img's
if have vmdk; then
  for size in 1M 20G 1T; do
    for adapter in ide lsilogic; do
      rm -f "$T"/lay*.vmdk
      "$Q" create -q -f vmdk -o adapter_type=$adapter "$T/lay1.vmdk" $size
      qemu-img create -q -f vmdk -o adapter_type=$adapter "$T/lay2.vmdk" $size
      t "vmdk $size $adapter: laid out as qemu-img lays it out" sh -c "
        dd if='$T/lay1.vmdk' bs=512 skip=1 count=20 2>/dev/null | tr -d '\\000' | grep -v '^CID' >'$T/lay1.txt';
        dd if='$T/lay2.vmdk' bs=512 skip=1 count=20 2>/dev/null | tr -d '\\000' | grep -v '^CID' | sed 's/lay2/lay1/' >'$T/lay2.txt';
        cmp '$T/lay1.txt' '$T/lay2.txt' && cmp -i 10752 '$T/lay1.vmdk' '$T/lay2.vmdk' && cmp -n 512 '$T/lay1.vmdk' '$T/lay2.vmdk'"
    done
  done
  rm -f "$T"/lay*
fi

if have qcow; then
  for size in 1M 3G 1000000; do
    rm -f "$T"/lay*
    "$Q" create -q -f qcow "$T/lay1.qcow" $size
    qemu-img create -q -f qcow "$T/lay2.qcow" $size
    t "qcow $size: byte for byte as qemu-img creates it" cmp "$T/lay1.qcow" "$T/lay2.qcow"
  done
  rm -f "$T"/lay*
fi

# --- 4. compression, backing files, extent sets ---
if have qcow; then
  rm -f "$T"/*.qcow
  t "qcow -c: convert" "$Q" convert -c -O qcow "$src" "$T/ours.qcow"
  t "qcow -c: qemu-img reads ours" qemu-img compare "$src" "$T/ours.qcow"
  t "qcow -c: ours is compressed" sh -c "[ \$(stat -c %s '$T/ours.qcow') -lt 3000000 ]"
  qemu-img convert -c -O qcow "$src" "$T/theirs.qcow"
  t "qcow -c: we read qemu-img's" "$Q" compare "$src" "$T/theirs.qcow"
  t "qcow -c: we rewrite compressed clusters" our_writes qcow "$T/theirs.qcow"
  t "qcow -c: ... both read the same" same_read qcow "$T/theirs.qcow"

  rm -f "$T"/*.qcow
  t "qcow backing: create" "$Q" create -q -f qcow -b "$src" -F raw "$T/ours.qcow"
  qemu-img create -q -f qcow -b "$src" -F raw "$T/theirs.qcow"
  t "qcow backing: described as qemu-img's" same_info qcow "$T/ours.qcow" "$T/theirs.qcow"
  t "qcow backing: qemu-io writes into ours" qemu_writes qcow "$T/ours.qcow"
  t "qcow backing: ... both read the same" same_read qcow "$T/ours.qcow"
  t "qcow backing: we write into qemu-img's" our_writes qcow "$T/theirs.qcow"
  t "qcow backing: ... both read the same" same_read qcow "$T/theirs.qcow"
  t "qcow backing: both images hold the same" "$Q" compare "$T/ours.qcow" "$T/theirs.qcow"
  # commit into copies of the base: same base content, both tops emptied alike
  cp "$src" "$T/base1.raw"; cp "$src" "$T/base2.raw"
  qemu-img create -q -f qcow -b base1.raw -F raw "$T/c1.qcow"
  qemu-img create -q -f qcow -b base2.raw -F raw "$T/c2.qcow"
  qemu_writes qcow "$T/c1.qcow"; qemu_writes qcow "$T/c2.qcow"
  qemu-img commit -q "$T/c1.qcow"
  t "qcow commit" "$Q" commit -q "$T/c2.qcow"
  t "qcow commit: the base holds what qemu-img's commit gives" cmp "$T/base1.raw" "$T/base2.raw"
  t "qcow commit: the top is emptied as qemu-img empties it" sh -c "[ \$(stat -c %s '$T/c1.qcow') = \$(stat -c %s '$T/c2.qcow') ] && qemu-img map '$T/c2.qcow' | grep -q base2.raw"
fi

if have vmdk; then
  rm -f "$T"/*.vmdk
  t "vmdk -c streamOptimized: convert" "$Q" convert -c -O vmdk -o subformat=streamOptimized "$src" "$T/ours.vmdk"
  t "vmdk -c streamOptimized: qemu-img reads ours" qemu-img compare "$src" "$T/ours.vmdk"
  t "vmdk -c streamOptimized: ours is compressed" sh -c "[ \$(stat -c %s '$T/ours.vmdk') -lt 3000000 ]"

  rm -f "$T"/*.vmdk
  qemu-img convert -O vmdk "$src" "$T/base.vmdk"
  t "vmdk backing: create" "$Q" create -q -f vmdk -b base.vmdk -F vmdk "$T/ours.vmdk"
  qemu-img create -q -f vmdk -b base.vmdk -F vmdk "$T/theirs.vmdk"
  t "vmdk backing: described as qemu-img's" same_info vmdk "$T/ours.vmdk" "$T/theirs.vmdk"
  t "vmdk backing: parent CID recorded" sh -c "qemu-img info '$T/ours.vmdk' | grep -q \"parent cid: \$(qemu-img info '$T/base.vmdk' | sed -n 's/^ *cid: //p')\""
  t "vmdk backing: qemu-io writes into ours" qemu_writes vmdk "$T/ours.vmdk"
  t "vmdk backing: ... both read the same" same_read vmdk "$T/ours.vmdk"
  t "vmdk backing: we write into qemu-img's" our_writes vmdk "$T/theirs.vmdk"
  t "vmdk backing: ... both read the same" same_read vmdk "$T/theirs.vmdk"
  t "vmdk backing: ... passes qemu-img check" qemu-img check "$T/theirs.vmdk"
  # a parent written to gets a new CID; its children then refuse to read through
  cid() { qemu-img info "$1" | sed -n 's/^ *cid: //p'; }
  before=$(cid "$T/base.vmdk")
  t "vmdk CID: our first write gives the image a new CID" sh -c "'$Q' bench -w -c 1 -s 512 '$T/base.vmdk' >/dev/null && [ \"\$(qemu-img info '$T/base.vmdk' | sed -n 's/^ *cid: //p')\" != '$before' ]"
  t "vmdk CID: qemu-io then refuses to read through our child" sh -c "! qemu-io -c 'read 4194304 512' '$T/ours.vmdk' >/dev/null 2>&1"
  qemu-img convert -O vmdk "$src" "$T/base2.vmdk"
  qemu-img create -q -f vmdk -b base2.vmdk -F vmdk "$T/child2.vmdk"
  t "vmdk CID: we read through an untouched parent" "$Q" bench -c 1 -s 512 -o 4194304 "$T/child2.vmdk"
  qemu-io -c 'write 0 512' "$T/base2.vmdk" >/dev/null
  t "vmdk CID: we refuse to read through a parent qemu-io wrote to" sh -c "! '$Q' bench -c 1 -s 512 -o 4194304 '$T/child2.vmdk' >/dev/null 2>&1"

  if command -v python3 >/dev/null 2>&1; then
    rm -f "$T"/*.vmdk
    qemu-img convert -O vmdk -o subformat=streamOptimized "$src" "$T/stream.vmdk"
    python3 "$SRC/tests/formats/vmdk-stream-footer.py" "$T/stream.vmdk" "$T/footer.vmdk"
    t "vmdk stream with footer: qemu-img reads the rewritten image" qemu-img compare "$src" "$T/footer.vmdk"
    t "vmdk stream with footer: we read it" "$Q" compare "$src" "$T/footer.vmdk"
    t "vmdk stream with footer: passes our check" "$Q" check "$T/footer.vmdk"
    t "vmdk stream with footer: described as qemu-img does" sh -c "[ \"\$(qemu-img info --output=json '$T/footer.vmdk' | grep -v actual-size)\" = \"\$('$Q' info --output=json '$T/footer.vmdk' | grep -v actual-size)\" ]"
  else
    skip "vmdk stream with footer (python3 missing)"
  fi

  for sub in twoGbMaxExtentSparse twoGbMaxExtentFlat; do
    rm -rf "$T/set" && mkdir "$T/set"
    qemu-img create -q -f vmdk -o subformat=$sub "$T/set/d.vmdk" 5G
    qemu-io -c 'write -P 0x77 2147450000 100000' -c 'write -P 0x12 4294967000 4096' "$T/set/d.vmdk" >/dev/null
    t "vmdk $sub: described as qemu-img does" sh -c "[ \"\$(qemu-img info --output=json '$T/set/d.vmdk' | grep -v actual-size)\" = \"\$('$Q' info --output=json '$T/set/d.vmdk' | grep -v actual-size)\" ]"
    # qemu-img compare skips the holes of the sparse raw copy, so this is quick
    t "vmdk $sub: data across extents reads as qemu-img's" sh -c "'$Q' convert -O raw '$T/set/d.vmdk' '$T/set/o.raw' &&
      qemu-img compare -f vmdk -F raw '$T/set/d.vmdk' '$T/set/o.raw'"
    rm -f "$T/set/"*
    t "vmdk $sub: create a 5 GiB set" "$Q" create -q -f vmdk -o subformat=$sub "$T/set/o.vmdk" 5G
    qemu-img create -q -f vmdk -o subformat=$sub "$T/set/q.vmdk" 5G
    # (not the descriptors: qemu-img writes CIDs without leading zeros)
    t "vmdk $sub: the set's files are named and sized as qemu-img's" sh -c "cd '$T/set' &&
      [ \"\$(ls -l o-* | awk '{print \$5, \$9}')\" = \"\$(ls -l q-* | awk '{print \$5, \$9}' | sed 's/ q/ o/')\" ]"
    t "vmdk $sub: qemu-io writes across our extents" qemu-io -c 'write -P 0x77 2147450000 100000' \
      -c 'write -P 0x12 4294967000 4096' "$T/set/o.vmdk"
    t "vmdk $sub: ... both read the same" sh -c "'$Q' convert -O raw '$T/set/o.vmdk' '$T/set/o.raw' &&
      qemu-img compare -f vmdk -F raw '$T/set/o.vmdk' '$T/set/o.raw' && qemu-img check '$T/set/o.vmdk'"
  done
  rm -rf "$T/set"
fi

# --- 5. damaged images ---
# same_status DESCRIPTION COMMAND-ARGS...: quetzal-img and qemu-img exit alike,
# and quetzal-img says why in one line
same_status() {
  desc=$1; shift
  qemu-img "$@" >/dev/null 2>&1; want=$?
  "$Q" "$@" >"$T/out" 2>"$T/err"; got=$?
  if [ "$got" = "$want" ] && { [ "$got" = 0 ] || [ "$(wc -l <"$T/err")" -ge 1 ]; } && [ "$got" -lt 128 ]; then
    pass
  else
    { echo "exit status $got, qemu-img's $want"; cat "$T/err"; } >"$T/log"; fail "$desc"
  fi
}
poke() { # file offset hex-bytes (sh's printf knows octal escapes only)
  octal=""
  for byte in $(echo "$3" | sed 's/\(..\)/\1 /g'); do
    octal="$octal\\$(printf '%03o' "0x$byte")"
  done
  printf "$octal" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
for fmt in qcow vdi vpc vmdk; do
  have "$fmt" || continue
  rm -f "$T/bad"
  qemu-img convert -O "$fmt" "$src" "$T/good"
  head -c 100 "$T/good" >"$T/bad"
  same_status "$fmt: truncated header" info -f "$fmt" "$T/bad"
  head -c 1500 "$T/good" >"$T/bad"
  same_status "$fmt: truncated tables" info -f "$fmt" "$T/bad"
  case $fmt in
  qcow|vdi) # qemu-img reads zeros in place of the missing data; we refuse (issue 10)
    t "$fmt: truncated tables, read is an I/O error in one line" sh -c "! '$Q' convert -f $fmt \
      -O raw '$T/bad' '$T/bad.raw' 2>'$T/err' && [ \$(wc -l <'$T/err') = 1 ] && grep -q 'Input/output error' '$T/err'" ;;
  *) same_status "$fmt: truncated tables, read" convert -f "$fmt" -O raw "$T/bad" "$T/bad.raw" ;;
  esac
done
if have qcow; then
  qemu-img create -q -f qcow "$T/bad" 5M
  poke "$T/bad" 24 7fffffffffffff00
  same_status "qcow: huge size" info "$T/bad"
  qemu-img create -q -f qcow "$T/bad" 5M
  poke "$T/bad" 40 0000000100000000
  # qemu-img opens this (reading zeros past the end); we refuse tables outside
  # the file, which bounds what a tiny hostile file makes us allocate
  t "qcow: L1 table beyond the end refused in one line" sh -c "! '$Q' info '$T/bad' 2>'$T/err' && [ \$(wc -l <'$T/err') = 1 ]"
  qemu-img create -q -f qcow "$T/bad" 5M
  poke "$T/bad" 36 00000001
  same_status "qcow: encrypted" convert -O raw "$T/bad" "$T/bad.raw"
fi
if have vpc; then
  qemu-img create -q -f vpc "$T/bad" 5M
  poke "$T/bad" 512 78787878
  same_status "vpc: bad dynamic header cookie" info "$T/bad"
  qemu-img create -q -f vpc "$T/bad" 5M
  poke "$T/bad" 540 7fffffff
  same_status "vpc: huge block table" info "$T/bad"
fi
if have vpc; then
  # which size field counts depends on the creator application and the geometry
  vhd_checksum() { # rewrites the footer checksum of the copy at offset 0
    sum=$(od -An -tu1 -v -N512 "$1" | tr -s ' ' '\n' | awk 'NF { if (n < 64 || n > 67) s += $1; n++ } END { print s }')
    poke "$1" 64 "$(printf '%08x' $(( (~sum) & 0xffffffff )))"
  }
  for app in 77696e20 76706320 64327620 71656d75 71656d32 78797a77; do
    qemu-img create -q -f vpc -o force_size=on "$T/size.vhd" 10M
    poke "$T/size.vhd" 28 "$app"
    poke "$T/size.vhd" 56 012e0411                      # geometry 302/4/17: a bit more than 10 MiB
    vhd_checksum "$T/size.vhd"
    t "vpc: disk size of creator $app as qemu-img reads it" sh -c "[ \"\$(qemu-img info --output=json '$T/size.vhd' | grep virtual-size)\" = \"\$('$Q' info --output=json '$T/size.vhd' | grep virtual-size)\" ]"
  done
  poke "$T/size.vhd" 64 00000000
  same_status "vpc: bad footer checksum" info "$T/size.vhd"
fi
if have vdi; then
  qemu-img convert -O vdi "$src" "$T/bad.vdi"
  poke "$T/bad.vdi" 76 03000000
  same_status "vdi: undo image" info "$T/bad.vdi"
  # damage: block 1 shares block 0's data / points far out of range / a wrong
  # allocation count in the header
  for damage in "516 00000000" "516 00100000" "388 03000000"; do
    qemu-img convert -O vdi "$src" "$T/bad.vdi"
    # shellcheck disable=SC2086
    poke "$T/bad.vdi" $damage
    qemu-img convert -O raw "$T/bad.vdi" "$T/bad-before.raw"
    same_status "vdi ($damage): found by check" check "$T/bad.vdi"
    t "vdi ($damage): check reports it as qemu-img" sh -c "qemu-img check --output=json '$T/bad.vdi' >'$T/q.out' 2>'$T/q.err';
      '$Q' check --output=json '$T/bad.vdi' >'$T/o.out' 2>'$T/o.err'; cmp '$T/q.out' '$T/o.out' && cmp '$T/q.err' '$T/o.err'"
    t "vdi ($damage): check -r all repairs it" "$Q" check -r all "$T/bad.vdi"
    t "vdi ($damage): ... qemu-img then finds no error" qemu-img check "$T/bad.vdi"
    t "vdi ($damage): ... and the data reads as before" qemu-img compare "$T/bad-before.raw" "$T/bad.vdi"
  done
fi
if have vmdk; then
  qemu-img convert -O vmdk "$src" "$T/bad.vmdk"
  poke "$T/bad.vmdk" $((27 * 512)) 00ffff00            # first grain far past the end
  same_status "vmdk: grain past the end found by check" check "$T/bad.vmdk"
  t "vmdk: ... reported as qemu-img reports it" sh -c "qemu-img check '$T/bad.vmdk' 2>&1 | sed 's/^qemu-img: //' >'$T/q.err';
    '$Q' check '$T/bad.vmdk' 2>&1 | sed 's/^quetzal-img: //' >'$T/o.err'; cmp '$T/q.err' '$T/o.err'"
  qemu-img create -q -f vmdk "$T/bad.vmdk" 5M
  poke "$T/bad.vmdk" 75 0a0a
  same_status "vmdk: newline-damaged header" info "$T/bad.vmdk"
  same_status "vmdk: a backing file that is not VMDK" create -q -f vmdk -b "$src" -F raw "$T/bad.vmdk"
  same_status "vmdk: a missing backing file" create -q -f vmdk -b nowhere.vmdk -F vmdk "$T/bad.vmdk"
  qemu-img create -q -f vmdk -o subformat=monolithicFlat "$T/bad.vmdk" 5M
  rm -f "$T/bad-flat.vmdk"
  same_status "vmdk: missing extent file" info "$T/bad.vmdk"
  printf '# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 10 FLAT "/etc/hostname" 0\n' >"$T/bad.vmdk"
  t "vmdk: extent outside the folder refused for writing" sh -c "! '$Q' bench -w -c 1 -s 512 '$T/bad.vmdk' 2>'$T/err' && [ \$(wc -l <'$T/err') = 1 ]"
fi

# --- 6. crash: kill -9 a writer at a random moment ---
# Afterwards the image may have leaked space (and a VDI a stale allocation count,
# which qemu-img check also calls an error and check -r all repairs), but both
# tools must read it the same and it must stay writable.
big="$T/big.raw"
truncate -s 24M "$big"
for i in $(seq 0 20); do wdata $((i * 1200000)) 300000 "$big"; done
crash_round() { # FORMAT OPTIONS
  rm -f "$T"/crash*
  # shellcheck disable=SC2086
  "$Q" create -q -f "$1" $2 "$T/crash.img" 24M || return 1
  "$Q" convert -n -O "$1" "$big" "$T/crash.img" &
  pid=$!
  sleep "0.0$(($(od -An -N1 -tu1 /dev/urandom) % 90 + 10))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  "$Q" check -f "$1" "$T/crash.img"; s=$?
  case "$s" in
    0|3|63) ;;
    2) [ "$1" = vdi ] && "$Q" check -r all -f "$1" "$T/crash.img" || return 1 ;;
    *) return 1 ;;
  esac
  if [ "$1" = vdi ] || [ "$1" = vmdk ]; then
    qemu-img check -f "$1" "$T/crash.img" >/dev/null; s=$?
    [ "$s" = 0 ] || [ "$s" = 3 ] || { echo "qemu-img check: $s"; return 1; }
  fi
  same_read "$1" "$T/crash.img" || return 1
  # and the image stays usable: writing everything again gives the source
  "$Q" convert -n -O "$1" "$big" "$T/crash.img" &&
    qemu-img compare -f "$1" -F raw "$T/crash.img" "$big" >/dev/null
}
for fmt in qcow vdi vpc vmdk; do
  have "$fmt" || continue
  for round in 1 2 3; do
    t "$fmt: killed writer (round $round) leaves a consistent image" crash_round "$fmt" ""
  done
done
t "vmdk streamOptimized: killed writer leaves a readable image" crash_round vmdk "-o subformat=streamOptimized"

results
