#!/bin/sh
# Damaged images never lose data silently (issue 10, item 1). Images of every
# format made by Debian's qemu-img and by quetzal-img from the same data are
# damaged deterministically (tests/img-damage/damage.py: truncated to several
# lengths, one table entry pointed past the end of the file), then:
#  - convert exits 0 only when it reproduces the original data; otherwise it
#    fails with a one-line message (no zeros in place of data);
#  - compare against the original never says "identical" for such an image,
#    and an error is one line;
#  - where qemu-img refuses to open the image, so do we (one line);
#  - a VHD or sparse/stream-optimized VMDK from which data is missing (qemu-img's
#    convert does not reproduce the original) is refused at open, naming why
#    ("truncated" / "past the end of the file"), as qemu-img does for VHD;
#  - the undamaged images convert back to the original data (control);
#  - images of several files (monolithicFlat and twoGbMaxExtentSparse VMDK, a
#    qcow2 over a backing file) with one of their files cut in half: convert
#    fails in one line, compare does not call them identical.
# And malformed command lines (issue 10, item 3): exit status as qemu-img's, a
# one-line error naming what is wrong, nothing printed on stdout and no file
# written when the command is refused.
NAME=check-img-damage
. "${SRC:-.}/tests/common.sh"

if ! command -v qemu-img >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  echo "qemu-img or python3 missing (Debian packages qemu-utils, python3)"
  echo "0 passed, 1 failed"
  exit 1
fi
DAMAGE="$SRC/tests/img-damage/damage.py"
one_line() { [ -s "$1" ] && [ "$(wc -l <"$1")" = 1 ]; }
# same_data RAW: RAW holds the original's bytes (VHD rounds the disk size up to
# its geometry: what lies past the original's length must be zeros)
same_data() {
  [ "$(stat -c %s "$1")" -ge "$(stat -c %s "$S")" ] && cmp -n "$(stat -c %s "$S")" "$1" "$S" &&
    [ "$(tail -c +$(($(stat -c %s "$S") + 1)) "$1" | tr -d '\000' | wc -c)" = 0 ]
}

# --- the original: random data, a hole, zeros, compressible text, a tail ---
S="$T/src.raw"
python3 - "$S" <<'PY'
import random, sys
r = random.Random(10)
d = bytearray(r.getrandbits(8) for _ in range(3 << 20))
d[700000:1300000] = bytes(600000)
d[1600000:1900000] = (b'compressible text 0123456789\n' * 11000)[:300000]
open(sys.argv[1], 'wb').write(d)
PY

# variant: label format convert-options
variants="qcow2:qcow2: qcow2c:qcow2:-c qcow:qcow: qcowc:qcow:-c vdi:vdi: vpc:vpc: vmdk:vmdk:
vmdks:vmdk:-o_subformat=streamOptimized"
# qemu-img's and our convert of a damaged image D (into $T/qo.raw, $T/oo.raw)
check_damaged() { # label fmt D
  dfmt=$2 D=$3 name="$1 $(basename "$3")"
  qemu-img info -f "$dfmt" "$D" >/dev/null 2>&1; qi=$?
  qemu-img convert -f "$dfmt" -O raw "$D" "$T/qo.raw" >/dev/null 2>&1 && same_data "$T/qo.raw" >/dev/null 2>&1
  qsame=$?
  "$Q" info -f "$dfmt" "$D" >/dev/null 2>"$T/oi.err"; oi=$?
  "$Q" convert -f "$dfmt" -O raw "$D" "$T/oo.raw" >/dev/null 2>"$T/oc.err"; oc=$?
  if [ $oc = 0 ]; then
    t "$name: convert exits 0 only with the original data" same_data "$T/oo.raw"
  else
    t "$name: convert fails in one line" one_line "$T/oc.err"
  fi
  "$Q" compare -f "$dfmt" -F raw "$D" "$S" >/dev/null 2>"$T/cmp.err"; cs=$?
  if [ $oc != 0 ]; then
    t "$name: compare does not call it identical" [ $cs != 0 ]
    [ $cs -ge 2 ] && t "$name: compare fails in one line" one_line "$T/cmp.err"
  fi
  if [ $qi != 0 ]; then
    t "$name: qemu-img refuses it, and so do we (one line)" sh -c "[ $oi != 0 ] && [ \$(wc -l <'$T/oi.err') = 1 ]"
  fi
  case $dfmt in
  vpc|vmdk)
    if [ $qsame != 0 ]; then
      t "$name: data missing, refused at open naming why" sh -c "[ $oi != 0 ] &&
        grep -Eq 'truncated|past the end of the file' '$T/oi.err'"
    fi ;;
  esac
}

for creator in qemu-img quetzal-img; do
  tool=qemu-img; [ $creator = quetzal-img ] && tool=$Q
  for v in $variants; do
    label=${v%%:*} rest=${v#*:} fmt=${rest%%:*} opts=$(echo "${rest#*:}" | tr _ ' ')
    I="$T/$label-${creator%-img}.$fmt"
    # shellcheck disable=SC2086
    "$tool" convert $opts -O "$fmt" "$S" "$I" >"$T/log" 2>&1; st=$?
    if [ $st != 0 ]; then
      # qemu-img 7.2 cannot write compressed qcow (version 1): ours only then
      if [ $creator = qemu-img ]; then
        skip "$creator $label: qemu-img cannot make it (exit status $st, $(wc -c <"$T/log") bytes of output)"
      else
        fail "$creator creates $label"
      fi
      continue
    fi
    t "$creator $label: the undamaged image converts back to the data" sh -c \
      "'$Q' convert -O raw '$I' '$T/back.raw'"
    t "$creator $label: ... identical" same_data "$T/back.raw"
    mkdir -p "$T/d"
    for D in $(python3 "$DAMAGE" "$fmt" "$I" "$T/d"); do
      check_damaged "$creator $label" "$fmt" "$D"
      rm -f "$D"
    done
  done
done

# --- images of several files: a truncated extent or backing file ---
# cut_part DESC IMAGE PART: PART (a file of IMAGE) cut to half its length; our
# convert of IMAGE fails in one line (or reproduces the data), compare does not
# call it identical
cut_part() {
  size=$(stat -c %s "$3")
  truncate -s $((size / 2)) "$3"
  "$Q" convert -O raw "$2" "$T/oo.raw" >/dev/null 2>"$T/oc.err"; oc=$?
  if [ $oc = 0 ]; then
    t "$1: convert exits 0 only with the original data" same_data "$T/oo.raw"
  else
    t "$1: convert fails in one line" one_line "$T/oc.err"
    "$Q" compare "$2" "$S" >/dev/null 2>"$T/cmp.err"
    t "$1: compare does not call it identical" [ $? != 0 ]
  fi
}
for creator in qemu-img quetzal-img; do
  tool=qemu-img; [ $creator = quetzal-img ] && tool=$Q
  rm -f "$T"/m*.vmdk "$T"/ov.qcow2 "$T"/bk.qcow2
  "$tool" convert -O vmdk -o subformat=monolithicFlat "$S" "$T/mf.vmdk"
  cut_part "$creator monolithicFlat, flat extent cut" "$T/mf.vmdk" "$T/mf-flat.vmdk"
  "$tool" convert -O vmdk -o subformat=twoGbMaxExtentSparse "$S" "$T/ms.vmdk"
  cut_part "$creator twoGbMaxExtentSparse, extent cut" "$T/ms.vmdk" "$T/ms-s001.vmdk"
  "$tool" convert -O qcow2 "$S" "$T/bk.qcow2"
  "$tool" create -q -f qcow2 -b bk.qcow2 -F qcow2 "$T/ov.qcow2"
  cut_part "$creator qcow2 over a cut backing file" "$T/ov.qcow2" "$T/bk.qcow2"
done

# --- malformed command lines: qemu-img's exit status, nothing printed or written ---
B="$T/base.qcow2" N="$T/new"
qemu-img create -q -f qcow2 "$B" 1M
# cli DESC WANT-IN-ERROR ARGS...: both refuse with the same status; ours in one
# line containing WANT, with an empty stdout, leaving no file $N
cli() {
  desc=$1 want=$2; shift 2
  rm -f "$N"; qemu-img "$@" >/dev/null 2>&1; qs=$?
  rm -f "$N"; "$Q" "$@" >"$T/cli.out" 2>"$T/cli.err"; os=$?
  { echo "exit status $os, qemu-img's $qs"; cat "$T/cli.out" "$T/cli.err"; } >"$T/log"
  if [ $qs != 0 ] && [ $os = $qs ] && [ ! -e "$N" ] && [ ! -s "$T/cli.out" ] &&
     one_line "$T/cli.err" && grep -qF -- "$want" "$T/cli.err"; then pass; else fail "$desc"; fi
  rm -f "$N"
}
cli "create -F without -b" "Backing format cannot be used without backing file" \
  create -f qcow2 -F qcow2 "$N" 1M
for size in -5M 12X abc 1.2.3 -0; do
  cli "create with size $size" "'$size'" create -f qcow2 "$N" -- "$size"
done
cli "create -o size=abc" "'abc'" create -f qcow2 -o size=abc "$N"
cli "resize by a malformed amount" "'-1Q'" resize "$B" -- -1Q
for fmt in raw vdi vpc; do
  cli "create -b for $fmt" "Backing file not supported for file format '$fmt'" \
    create -f $fmt -b "$B" -F qcow2 "$N" 1M
done
cli "create -o unknown" "Invalid parameter 'foo'" create -f qcow2 -o foo=bar "$N" 1M
cli "create -o option of another format" "Invalid parameter 'cluster_size'" \
  create -f vpc -o cluster_size=64k "$N" 1M
cli "convert -B for vdi" "Backing file not supported" convert -O vdi -B "$B" "$B" "$N"
cli "measure --size and a filename" "--size N cannot be used together with a filename" \
  measure --size 1G -O qcow2 "$B"
cli "measure -o unknown (--size)" "Invalid parameter 'foo'" measure --size 1G -O qcow2 -o foo=1
cli "measure -o unknown (file)" "Invalid parameter 'foo'" measure -O qcow2 -o foo=1 "$B"
cli "measure without size or file" "Either --size N or one filename" measure -O qcow2
cli "create -u without a size" "Image creation needs a size parameter" \
  create -f qcow2 -u -b "$B" -F qcow2 "$N"
cp "$B" "$T/amend.qcow2"
cli "amend -o unknown" "Invalid parameter 'foo'" amend -o foo=1 "$T/amend.qcow2"
t "amend -o unknown leaves the image as it was" cmp "$B" "$T/amend.qcow2"
# -o size= with a backing file: that size, not the backing file's (as qemu-img)
"$Q" create -q -f qcow2 -b "$B" -F qcow2 -o size=2M "$N"
t "create -b with -o size takes that size" sh -c "qemu-img info --output=json '$N' | grep -q '\"virtual-size\": 2097152'"
rm -f "$N"
cli "compare without files" "Expecting two image file names" compare
cli "compare with one file" "Expecting two image file names" compare "$B"
cli "compare with three files" "Expecting two image file names" compare "$B" "$B" "$B"
cli "compare with an unknown option" "usage" compare -x "$B" "$B"
cli "compare with an unknown format" "nosuch" compare -f nosuch "$B" "$B"
# convert option combinations qemu-img refuses (qemu-img.c img_convert)
cli "convert --target-is-zero without -n" "--target-is-zero requires use of -n flag" \
  convert --target-is-zero -O raw "$B" "$N"
cli "convert -C -c" "Cannot enable copy offloading when -c is used" convert -C -c -O qcow2 "$B" "$N"
cli "convert -C -S" "Cannot enable copy offloading when -S is used" convert -C -S 0 -O raw "$B" "$N"
cli "convert -S above 16 MiB" "up to 16777216" convert -S 17M -O raw "$B" "$N"
cli "convert -S not a multiple of 512" "multiples of 512" convert -S 1000 -O raw "$B" "$N"
cli "convert -S malformed" "'-1'" convert -S -1 -O raw "$B" "$N"
cli "convert -r malformed" "'abc'" convert -r abc -O raw "$B" "$N"
cli "convert without files" "Must specify image file name" convert
cli "convert without an output file" "Must specify image file name" convert "$B"
rm -f "$N"
t "convert -C (data copied without zero detection)" "$Q" convert -C -O qcow2 "$B" "$N"
t "convert -C: qemu-img compare" qemu-img compare "$B" "$N"
rm -f "$N"
t "convert -S 16M" "$Q" convert -S 16M -O raw "$B" "$N"
t "convert -S 16M: qemu-img compare" qemu-img compare -F raw "$B" "$N"
rm -f "$N"
# check opens the backing chain (issue 10, item 2): a missing or unreadable
# backing file or an unknown backing format is an error with qemu-img's exit
# status and message (the program name aside); -r does not write before that
same_error() { # DESC ARGS...: same non-zero status and message as qemu-img
  desc=$1; shift
  qemu-img "$@" >/dev/null 2>"$T/q.err"; qs=$?
  "$Q" "$@" >"$T/cli.out" 2>"$T/cli.err"; os=$?
  { echo "exit status $os, qemu-img's $qs"; cat "$T/q.err" "$T/cli.err"; } >"$T/log"
  if [ $qs != 0 ] && [ $os = $qs ] && one_line "$T/cli.err" &&
     [ "$(sed 's/^qemu-img: //' "$T/q.err")" = "$(sed 's/^quetzal-img: //' "$T/cli.err")" ]; then
    pass; else fail "$desc"; fi
}
(
  cd "$T" || exit 1
  qemu-img create -q -f qcow2 chain-base.qcow2 1M
  qemu-img create -q -f qcow2 -b chain-base.qcow2 -F qcow2 chain-mid.qcow2
  qemu-img create -q -f qcow2 -b chain-mid.qcow2 -F qcow2 chain-top.qcow2
  qemu-img create -q -f qcow2 -b chain-dir -F qcow2 -u chain-unreadable.qcow2 1M
  mkdir chain-dir
  # a backing format no driver has: qemu-img will not write one, so rename it
  qemu-img create -q -f qcow2 -b chain-base.qcow2 -F qcow2 chain-unknown.qcow2
  python3 -c "import sys; f = open(sys.argv[1], 'r+b'); d = f.read(65536)
i = d.index(b'qcow2', 104); f.seek(i); f.write(b'xcow9')" chain-unknown.qcow2
)
t "check of a whole chain" "$Q" check "$T/chain-top.qcow2"
mv "$T/chain-base.qcow2" "$T/chain-gone.qcow2"
cp "$T/chain-mid.qcow2" "$T/chain-mid.orig"
for cmd in "check" "check -r leaks" "check -r all" "check --output=json"; do
  same_error "$cmd with a missing backing file two levels down" $cmd "$T/chain-top.qcow2"
  same_error "$cmd with a missing backing file" $cmd "$T/chain-mid.qcow2"
done
t "check -r leaves an image with a missing backing file as it was" \
  cmp "$T/chain-mid.qcow2" "$T/chain-mid.orig"
mv "$T/chain-gone.qcow2" "$T/chain-base.qcow2"
# the reason differs ("Is a directory"): the status and the file named must not
"$Q" check "$T/chain-unreadable.qcow2" >"$T/dir.err" 2>&1
st=$?; qemu-img check "$T/chain-unreadable.qcow2" >/dev/null 2>&1; qs=$?
t "check with a directory as backing file: qemu-img's status, one line naming it" \
  sh -c "[ $st = $qs ] && [ \$(wc -l <'$T/dir.err') = 1 ] && grep -q 'backing file: .*chain-dir' '$T/dir.err'"
same_error "check with an unknown backing format" check "$T/chain-unknown.qcow2"
same_error "check -r all with an unknown backing format" check -r all "$T/chain-unknown.qcow2"
results
