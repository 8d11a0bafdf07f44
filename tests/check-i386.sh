#!/bin/sh
# x86 front end tests: small static programs run natively (i386 ones under
# qemu-i386 where the host cannot run them: tests/native32.sh) and under
# quetzal-x86_64 / quetzal-i386; their outputs must be identical.
#  - tests/i386/*64.S, *32.S: instruction tables (every case over a set of operand
#    values, recording registers, memory and the SDM-defined flags);
#    a mismatch names the first differing case.
#  - tests/i386/*.c: C programs built with gcc -static (glibc start-up, libc, x87).
#  - the -d in_asm log of some of them: each instruction's bytes must be those
#    objdump decodes at that address (decoder instruction lengths).
# Needs BUILD and SRC.
: "${BUILD:?}" "${SRC:?}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
CC=${CC:-gcc}

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }

# emulator for a mode: 64 or 32
emulator() {
  if [ "$1" = 64 ]; then echo "$BUILD/quetzal-x86_64"; else echo "$BUILD/quetzal-i386"; fi
}

# which case of an instruction table a byte offset falls in
case_name() {  # file offset record_size
  n=$(( $2 / $3 ))
  grep -E '^\s*CASE\(' "$1" | sed -n "$((n + 1))p" | sed 's/^ *//'
}

# the native side of i386 programs: the host's kernel, or qemu-i386 where it
# cannot run them (tests/native32.sh)
. "$SRC/tests/native32.sh"
native32_init
if [ $native32 = none ]; then
  # scripts/setup.sh --tests installs gcc-multilib and qemu-user (and fetches
  # the kernels into the cache): on a machine it prepared, this is a failure
  cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
  if dpkg-query -W -f='${Status}' gcc-multilib qemu-user 2>/dev/null | grep -q "install ok installed.*install ok installed"; then
    fail "i386 oracle" "gcc-multilib and qemu-user are installed, but: $native32_why"
  elif [ -d "$cache/linux" ]; then
    fail "i386 oracle" "$native32_why, on a machine scripts/setup.sh --tests prepared (apt-get install gcc-multilib qemu-user)"
  fi
fi
no_host32() {  # name, mode: true (and counts a skip) when mode 32 has no oracle
  [ "$2" = 32 ] || return 1
  if [ $native32 = none ]; then skip "$1" "$native32_why"; return 0; fi
  why=$(qemu32_differs "$1") || return 1
  skip "$1" "$why"
}

run_table() {  # source file, mode
  src=$1 mode=$2 name=$(basename "$1" .S)
  no_host32 "$name" "$mode" && return
  emu=$(emulator "$mode")
  if [ ! -x "$emu" ]; then skip "$name" "no $(basename "$emu")"; return; fi
  flags=""; [ "$mode" = 32 ] && flags="-m32"
  if ! $CC $flags -nostdlib -static -I"$SRC/tests/i386" -o "$tmp/$name" "$src" 2>"$tmp/$name.err"; then
    fail "$name" "does not assemble: $(head -1 "$tmp/$name.err")"; return
  fi
  if [ "$mode" = 32 ]; then run_native32 "$tmp/$name"; else "$tmp/$name"; fi > "$tmp/$name.native"
  timeout 60 "$emu" "$tmp/$name" > "$tmp/$name.emu" 2>"$tmp/$name.stderr"
  rc=$?
  if cmp -s "$tmp/$name.native" "$tmp/$name.emu"; then
    pass "$name"
  else
    off=$(cmp "$tmp/$name.native" "$tmp/$name.emu" 2>&1 | sed -nE 's/.*byte ([0-9]+).*/\1/p')
    record=$(( mode == 64 ? 32000 : 16000 ))
    if [ -n "$off" ]; then
      fail "$name" "exit $rc, first difference in case: $(case_name "$src" $((off - 1)) $record)"
    else
      fail "$name" "exit $rc, output length $(wc -c < "$tmp/$name.emu") (native $(wc -c < "$tmp/$name.native")) $(head -c 200 "$tmp/$name.stderr")"
    fi
  fi
}

run_c() {  # source file, mode
  src=$1 mode=$2 name=$(basename "$1" .c)-$2
  no_host32 "$name" "$mode" && return
  emu=$(emulator "$mode")
  if [ ! -x "$emu" ]; then skip "$name" "no $(basename "$emu")"; return; fi
  flags="-O2 -static"; [ "$mode" = 32 ] && flags="$flags -m32"
  if ! $CC $flags -o "$tmp/$name" "$src" 2>"$tmp/$name.err"; then
    skip "$name" "cannot build: $(head -1 "$tmp/$name.err")"; return
  fi
  if [ "$mode" = 32 ]; then run_native32 "$tmp/$name" arg1 arg2; else "$tmp/$name" arg1 arg2; fi \
    > "$tmp/$name.native" 2>&1; nrc=$?
  timeout 60 "$emu" "$tmp/$name" arg1 arg2 > "$tmp/$name.emu" 2>&1; erc=$?
  if [ $nrc = $erc ] && cmp -s "$tmp/$name.native" "$tmp/$name.emu"; then
    pass "$name"
  else
    fail "$name" "exit $erc (native $nrc); $(diff "$tmp/$name.native" "$tmp/$name.emu" | head -3 | tr '\n' ' ')"
  fi
}

# The in_asm log of a table program: every logged instruction's bytes must be
# those objdump decodes at that address (the decoder's instruction lengths).
check_in_asm() {  # binary, mode, name
  bin=$1 mode=$2 name=in_asm-$3
  emu=$(emulator "$mode")
  if [ ! -x "$emu" ] || ! command -v objdump >/dev/null; then skip "$name" "no $(basename "$emu") or objdump"; return; fi
  timeout 60 "$emu" -d in_asm -D "$tmp/$name.log" "$bin" >/dev/null 2>&1
  sed -nE 's/^0x0*([0-9a-f]+):  (([0-9a-f]{2} )+).*/\1 \2/p' "$tmp/$name.log" | sed 's/ *$//' |
    sort -u > "$tmp/$name.ours"
  objdump -d --insn-width=16 "$bin" | sed -nE 's/^ *([0-9a-f]+):\t(([0-9a-f]{2} )+) *\t.*/\1 \2/p' |
    sed 's/ *$//' > "$tmp/$name.raw"
  # objdump shows FWAIT + FNxxx as one instruction (FSTCW...); split it
  { grep -Ev '^[0-9a-f]+ 9b .' "$tmp/$name.raw"
    grep -E '^[0-9a-f]+ 9b .' "$tmp/$name.raw" | while read -r addr bytes; do
      echo "$addr 9b"
      printf '%x %s\n' $((0x$addr + 1)) "${bytes#9b }"
    done
  } | sort -u > "$tmp/$name.objdump"
  if [ ! -s "$tmp/$name.ours" ]; then
    fail "$name" "no in_asm output"
  elif bad=$(comm -23 "$tmp/$name.ours" "$tmp/$name.objdump" | head -3 | tr '\n' ';'); [ -n "$bad" ]; then
    fail "$name" "instructions objdump decodes differently: $bad"
  else
    pass "$name"
  fi
}

for f in "$SRC"/tests/i386/*64.S; do [ -e "$f" ] && run_table "$f" 64; done
for f in "$SRC"/tests/i386/*32.S; do [ -e "$f" ] && run_table "$f" 32; done
for f in "$SRC"/tests/i386/*.c; do
  [ -e "$f" ] || continue
  run_c "$f" 64
  run_c "$f" 32
done
for prog in misc64:64 alu32:32 libc-basics-64:64; do
  [ -x "$tmp/${prog%:*}" ] && check_in_asm "$tmp/${prog%:*}" "${prog#*:}" "${prog%:*}"
done

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
