#!/bin/sh
# Linux user mode with dynamically linked programs: the host's own Debian
# programs (ls, cat, sort, md5sum, bash, python3, gzip, xz) under
# quetzal-x86_64, and Debian's i386 busybox and bash under quetzal-i386 with an
# i386 sysroot (-L) made from Debian packages in the cache folder. Each run is
# compared with a native run of the same program (stdout, stderr, exit status);
# a run over 20 s fails. Also: execve from the guest (bash running ls), the
# guest's /proc/self (exe, cmdline, maps, auxv), a missing interpreter and a
# thread (refused with one line).
# Environment: BUILD (folder with the emulators), SRC (source folder),
# QUETZAL_CACHE (default ~/.cache/quetzal).
BUILD=${BUILD:-.}
SRC=${SRC:-.}
cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
passed=0 failed=0 skipped=0
tmp=$(mktemp -d /tmp/quetzal-userdyn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
ulimit -c 0
# the same locale natively and emulated, whatever the caller's
export LC_ALL=C.UTF-8

pass() { passed=$((passed + 1)); printf '%s\n' "PASS $1"; }
fail() { failed=$((failed + 1)); printf '%s\n' "FAIL $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); printf '%s\n' "SKIP $1${2:+: $2}"; }

# run OUTPREFIX INPUT COMMAND...: stdout, stderr and status into OUTPREFIX.*
run() {
  prefix=$1 input=$2
  shift 2
  (cd "$tmp/cwd" && timeout 20 "$@" <"$input" >"$prefix.out" 2>"$prefix.err"
   echo $? >"$prefix.status") 2>/dev/null
}

# check NAME: the native run (n.*) against the emulated one (e.*)
check() {
  ns=$(cat "$tmp/n.status") es=$(cat "$tmp/e.status")
  if [ "$es" = 124 ]; then
    fail "$1" "timed out after 20 s"
  elif [ "$ns" != "$es" ]; then
    fail "$1" "exit status native $ns, emulated $es"
    head -3 "$tmp/e.err" | sed 's/^/    /'
  elif ! cmp -s "$tmp/n.out" "$tmp/e.out"; then
    fail "$1" "stdout differs"
    diff "$tmp/n.out" "$tmp/e.out" | head -5 | sed 's/^/    /'
  elif ! cmp -s "$tmp/n.err" "$tmp/e.err"; then
    fail "$1" "stderr differs"
    diff "$tmp/n.err" "$tmp/e.err" | head -5 | sed 's/^/    /'
  elif [ ! -s "$tmp/n.out" ]; then
    fail "$1" "no output natively: the test checks nothing"
  else
    pass "$1"
  fi
}

# compare NAME INPUT COMMAND...: the program natively and under quetzal-x86_64
compare() {
  name=$1 input=$2
  shift 2
  run "$tmp/n" "$input" "$@"
  run "$tmp/e" "$input" "$BUILD/quetzal-x86_64" "$@"
  check "$name"
}

for emulator in quetzal-x86_64 quetzal-i386; do
  [ -x "$BUILD/$emulator" ] || fail "$emulator" "not built"
done
mkdir -p "$tmp/cwd" "$tmp/tree/sub"
: >"$tmp/empty"

# --- input files: made here, the same for both runs ---
i=0
while [ $i -lt 3000 ]; do
  echo "line $(( (i * 7919) % 3001 )) word$(( i % 17 )) $(( i * i ))"
  i=$((i + 1))
done >"$tmp/lines"
cat "$tmp/lines" "$tmp/lines" "$tmp/lines" "$tmp/lines" >"$tmp/big"
for f in a b c; do printf 'file %s\n' $f >"$tmp/tree/$f.txt"; done
echo sub >"$tmp/tree/sub/d.txt"
ln -s a.txt "$tmp/tree/link"
touch -h -d '2024-01-02 03:04:05' "$tmp/tree"/* "$tmp/tree/sub"/* "$tmp/tree/link"

# --- x86-64: the host's dynamically linked programs ---
compare "ls -l" "$tmp/empty" /bin/ls -l "$tmp/tree"
compare "ls -lR --color=never" "$tmp/empty" /bin/ls -lR --color=never "$tmp/tree"
compare "cat" "$tmp/lines" /bin/cat
compare "cat -n of a file" "$tmp/empty" /bin/cat -n "$tmp/lines"
compare "sort -k2,2 -n" "$tmp/lines" /usr/bin/sort -k2,2 -t' ' -n
compare "sort -u" "$tmp/big" /usr/bin/sort -u
# GNU sort starts threads past 128K lines when it sees two CPUs: the guest sees one
seq 300000 -7 1 >"$tmp/many"
compare "sort -n of 43K lines" "$tmp/many" /bin/sh -c '/usr/bin/sort -n | /usr/bin/md5sum'
seq 300000 -1 1 >"$tmp/many"
compare "sort -n of 300K lines (one CPU, no threads)" "$tmp/many" /usr/bin/sort -n
compare "md5sum" "$tmp/big" /usr/bin/md5sum
compare "md5sum of files" "$tmp/empty" /usr/bin/md5sum "$tmp/lines" "$tmp/tree/a.txt"
compare "bash loop" "$tmp/empty" /bin/bash -c 'for i in 1 2 3; do echo $i; done'
compare "bash arithmetic and functions" "$tmp/empty" /bin/bash -c \
  'f() { echo "$(( $1 * $2 ))"; }; for i in $(seq 1 5); do f $i 7; done; declare -A m; m[x]=1; echo ${#m[@]}'
compare "bash pipeline and subshells" "$tmp/lines" /bin/bash -c \
  'sort | uniq -c | sort -rn | head -3; (exit 3); echo "status $?"'
# execve from the guest: bash starts ls and a script (through /bin/sh); each
# must run under the emulator too: a grandchild's /proc/cpuinfo names the
# emulated CPU only when it is emulated
out=$(cd "$tmp/cwd" && timeout 20 "$BUILD/quetzal-x86_64" /bin/bash -c \
      '/bin/sh -c "/bin/grep -m1 \"^model name\" /proc/cpuinfo"' 2>&1)
case $out in
  *Quetzal*) pass "execve: bash, sh, grep all emulated ($out)" ;;
  *) fail "execve: bash, sh, grep all emulated" "the grandchild saw: $out" ;;
esac
compare "bash runs ls (execve)" "$tmp/empty" /bin/bash -c '/bin/ls "$1"; ls -d "$1"/sub' sh "$tmp/tree"
printf '#!/bin/sh\necho "script: $0 $*"\n' >"$tmp/script" && chmod +x "$tmp/script"
compare "bash runs a script (execve)" "$tmp/empty" /bin/bash -c '"$1" x y' sh "$tmp/script"
if [ -x /usr/bin/python3 ]; then
  compare "python3 sum" "$tmp/empty" /usr/bin/python3 -c 'print(sum(range(10**6)))'
  compare "python3 modules" "$tmp/empty" /usr/bin/python3 -c \
    'import json, hashlib, re, zlib; d={"a":[1,2,3]}; print(json.dumps(d), hashlib.sha256(b"x").hexdigest()[:16], re.sub("b+","X","abbbc"), zlib.crc32(b"abc"))'
  compare "python3 script: signals, sockets, fork, timers, sqlite, ssl" "$tmp/empty" \
    /usr/bin/python3 "$SRC/tests/user/dynpy.py"
  compare "python3 subprocess" "$tmp/empty" /usr/bin/python3 -c \
    'import subprocess; print(subprocess.run(["/bin/echo","child"],capture_output=True).stdout)'
else
  fail "python3" "/usr/bin/python3 missing"
fi
compare "gzip -9 | gzip -d" "$tmp/big" /bin/sh -c '/bin/gzip -9 | /bin/gzip -d | /usr/bin/md5sum'
compare "gzip -9 output" "$tmp/big" /bin/gzip -9 -n
compare "xz | xz -d" "$tmp/lines" /bin/sh -c '/usr/bin/xz -6 | /usr/bin/xz -d | /usr/bin/md5sum'
compare "xz output" "$tmp/lines" /usr/bin/xz -3

compare "id (getgroups with a NULL buffer of size 0)" "$tmp/empty" /usr/bin/id
compare "sed" "$tmp/lines" /bin/sed -n 's/word1\([0-9]\)/W\1/p'
compare "awk" "$tmp/lines" /usr/bin/awk '{ s += $4 } END { print NR, s }'
compare "find | sort" "$tmp/empty" /bin/sh -c 'cd "$1" && /usr/bin/find . | /usr/bin/sort' sh "$tmp/tree"
compare "tar c | tar t" "$tmp/empty" /bin/sh -c '/bin/tar cf - -C "$1" . | /bin/tar tvf - | /usr/bin/sort' sh "$tmp/tree"
# programs that are there on some machines only: skipped, saying so, when not
optional() {
  name=$1 prog=$2
  shift 2
  if [ -x "$prog" ]; then
    compare "$name" "$tmp/empty" "$prog" "$@"
  else
    skip "$name" "$prog is not installed"
  fi
}
optional "perl" /usr/bin/perl -e 'my %h = map { $_ => $_ ** 2 } 1..9; print join(",", map { $h{$_} } sort keys %h), "\n"'
optional "sqlite3" /usr/bin/sqlite3 :memory: 'create table t(x); insert into t values (1),(2),(3); select sum(x), group_concat(x) from t;'
# gcc forks and execs cc1, as, collect2 and ld, each under the emulator; the
# program it makes is run natively in both cases
if [ -x /usr/bin/gcc ]; then
  cc_run='/usr/bin/gcc -O2 -o "$1" "$2" && "$1" one two; echo "status $?"'
  run "$tmp/n" "$tmp/empty" /bin/sh -c "$cc_run" sh "$tmp/hello-n" "$SRC/tests/user/hello.c"
  run "$tmp/e" "$tmp/empty" "$BUILD/quetzal-x86_64" /usr/bin/gcc -O2 -o "$tmp/hello-e" "$SRC/tests/user/hello.c"
  (cd "$tmp/cwd" && "$tmp/hello-e" one two >"$tmp/e.out" 2>>"$tmp/e.err"; echo "status $?" >>"$tmp/e.out")
  check "gcc -O2 (cc1, as, ld under the emulator), the result run natively"
else
  skip "gcc" "/usr/bin/gcc is not installed"
fi
if [ -x /usr/bin/git ]; then
  git_run='cd "$1" && git init -q r && cd r && echo a >a && git add a &&
    git -c user.name=t -c user.email=t@example.org commit -qm "first commit" && git log --format=%s && git status --short'
  rm -rf "$tmp/gitn" "$tmp/gite" && mkdir "$tmp/gitn" "$tmp/gite"
  run "$tmp/n" "$tmp/empty" /bin/bash -c "$git_run" sh "$tmp/gitn"
  run "$tmp/e" "$tmp/empty" "$BUILD/quetzal-x86_64" /bin/bash -c "$git_run" sh "$tmp/gite"
  check "git init, add, commit, log"
else
  skip "git" "/usr/bin/git is not installed"
fi

# memory calls of a dynamic C program (file mappings, MAP_FIXED, mremap,
# dlopen): built here for x86-64 and i386 (gcc-multilib, from scripts/setup.sh)
if gcc -O2 -o "$tmp/dynmap-64" "$SRC/tests/user/dynmap.c" -ldl 2>"$tmp/cc.err"; then
  compare "dynmap (mmap of files, mremap, dlopen)" "$tmp/empty" "$tmp/dynmap-64" "$tmp"
else
  fail "dynmap" "does not compile: $(head -1 "$tmp/cc.err")"
fi
# the native side of i386 programs: the host's kernel, or qemu-i386 where it
# cannot run them (tests/native32.sh)
. "$SRC/tests/native32.sh"
native32_init
n32=; [ "$native32" = qemu ] && n32=qemu-i386
if gcc -m32 -O2 -o "$tmp/dynmap-32" "$SRC/tests/user/dynmap.c" -ldl 2>"$tmp/cc.err"; then
  if $n32 "$tmp/dynmap-32" "$tmp" >/dev/null 2>&1; then
    run "$tmp/n" "$tmp/empty" $n32 "$tmp/dynmap-32" "$tmp"
    run "$tmp/e" "$tmp/empty" "$BUILD/quetzal-i386" "$tmp/dynmap-32" "$tmp"
    check "i386 dynmap with the host's multilib libraries"
  else
    skip "i386 dynmap" "$native32_why"
  fi
else
  fail "i386 dynmap" "gcc -m32 does not work (gcc-multilib missing?): $(head -1 "$tmp/cc.err")"
fi

# --- the guest's /proc/self ---
compare "/proc/self/exe" "$tmp/empty" /usr/bin/readlink /proc/self/exe
compare "/proc/self/cmdline" "$tmp/empty" /bin/cat /proc/self/cmdline
compare "/proc/PID/exe and cmdline of its own pid" "$tmp/empty" /usr/bin/python3 -c \
  'import os; d = "/proc/%d/" % os.getpid(); print(os.readlink(d + "exe"), open(d + "cmdline").read().split("\0"))'
# maps: the files mapped and their protections (addresses differ run to run)
maps_files='/bin/cat /proc/self/maps | /usr/bin/awk "\$6 ~ /^\\// || \$6 == \"[stack]\" { print \$2, \$6 }" | /usr/bin/sort | /usr/bin/uniq -c'
run "$tmp/n" "$tmp/empty" /bin/sh -c "$maps_files"
run "$tmp/e" "$tmp/empty" "$BUILD/quetzal-x86_64" /bin/sh -c "$maps_files"
check "/proc/self/maps: files and protections of cat"
# auxv: which entries there are and the values that do not move
auxv_py='
import struct
d = open("/proc/self/auxv", "rb").read()
v = dict(struct.iter_unpack("<QQ", d))
for t in (3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 16, 17, 23, 25, 31, 51):
    print(t, t in v)
for t in (4, 6, 11, 12, 13, 14, 23):
    print(t, v[t])
print("AT_ENTRY is in the program:", v[9] > v[3] - 0x100000 and v[9] < v[3] + 0x1000000)
'
compare "/proc/self/auxv" "$tmp/empty" /usr/bin/python3 -c "$auxv_py"

# /proc/cpuinfo: its flags are the CPUID bits glibc's loader reads in the same
# emulated process (ld.so --list-diagnostics), one processor as nproc and
# sysconf say
ld64=/lib64/ld-linux-x86-64.so.2
"$BUILD/quetzal-x86_64" /bin/cat /proc/cpuinfo >"$tmp/cpuinfo" 2>&1
"$BUILD/quetzal-x86_64" $ld64 --list-diagnostics >"$tmp/diag" 2>&1
cpuid_word() { sed -n "s/^x86.cpu_features.features\[$1\].cpuid\[$2\]=//p" "$tmp/diag"; }
bad=""
for f in "sse2 0x0 0x3 26" "cmov 0x0 0x3 15" "cx16 0x0 0x2 13" "popcnt 0x0 0x2 23" \
         "ssse3 0x0 0x2 9" "avx 0x0 0x2 28" "avx2 0x1 0x1 5" "lm 0x2 0x3 29" "lahf_lm 0x2 0x2 0"; do
  set -- $f
  word=$(cpuid_word $2 $3)
  [ -n "$word" ] || { bad="$bad no-diagnostics"; break; }
  want=$(( (word >> $4) & 1 ))
  have=0
  grep '^flags' "$tmp/cpuinfo" | tr ' ' '\n' | grep -qx "$1" && have=1
  [ $want = $have ] || bad="$bad $1(cpuid $want, cpuinfo $have)"
done
processors=$(grep -c '^processor' "$tmp/cpuinfo")
nprocs=$("$BUILD/quetzal-x86_64" /usr/bin/nproc)
sysconf=$("$BUILD/quetzal-x86_64" /usr/bin/getconf _NPROCESSORS_ONLN)
if [ -z "$bad" ] && [ "$processors" = "$nprocs" ] && [ "$nprocs" = "$sysconf" ]; then
  pass "/proc/cpuinfo: flags as CPUID, $processors processor(s) as nproc and sysconf"
else
  fail "/proc/cpuinfo" "$bad; processors $processors, nproc $nprocs, sysconf $sysconf"
fi

# what other processes see of a guest (ps, pidof): its comm and cmdline. The
# emulator takes the guest's name as it starts: that is waited for, up to 1.5 s
# (0.3 s was too short for an ASan build at load 18), not a fixed time.
seen_from_outside() {
  "$@" /bin/sleep 2 &
  pid=$!
  i=0
  while [ $i -lt 15 ] && [ "$(cat /proc/$pid/comm)" != sleep ]; do sleep 0.1; i=$((i + 1)); done
  printf '%s|%s\n' "$(cat /proc/$pid/comm)" "$(tr '\0' ' ' </proc/$pid/cmdline | sed 's/ *$//')"
  wait $pid
}
seen_from_outside >"$tmp/n.out" 2>"$tmp/n.err"; echo $? >"$tmp/n.status"
seen_from_outside "$BUILD/quetzal-x86_64" >"$tmp/e.out" 2>"$tmp/e.err"; echo $? >"$tmp/e.status"
check "/proc/PID/comm and cmdline seen by another process"

# --- refused with one line ---
# one_line NAME PATTERN COMMAND...: status 1, one line on stderr matching PATTERN
one_line() {
  name=$1 pattern=$2
  shift 2
  run "$tmp/e" "$tmp/empty" "$BUILD/quetzal-x86_64" "$@"
  status=$(cat "$tmp/e.status")
  if [ "$status" = 1 ] && [ "$(wc -l <"$tmp/e.err")" = 1 ] && grep -qE "$pattern" "$tmp/e.err"; then
    pass "$name ($(cat "$tmp/e.err"))"
  else
    fail "$name" "status $status: $(head -2 "$tmp/e.err" | tr '\n' '|')"
  fi
}
if gcc -O2 -Wl,--dynamic-linker=/nonexistent/ld-quetzal.so.2 -o "$tmp/no-interp" \
       "$SRC/tests/user/hello.c" 2>/dev/null && [ -x "$tmp/no-interp" ]; then
  one_line "missing interpreter" "$tmp/no-interp.*/nonexistent/ld-quetzal.so.2.*No such file" "$tmp/no-interp"
  # interpreters that cannot be: a text file, an i386 one, one with an interpreter
  printf '#!/bin/sh\necho not a loader\n' >"$tmp/text-interp" && chmod +x "$tmp/text-interp"
  for case in "text-interp:$tmp/text-interp:not an ELF executable" \
              "i386-interp:/lib/ld-linux.so.2:32-bit ELF file" \
              "nested-interp:$tmp/no-interp:the interpreter has an interpreter itself"; do
    kind=${case%%:*} rest=${case#*:}
    interp=${rest%%:*} reason=${rest#*:}
    if [ "$kind" = i386-interp ] && [ ! -e "$interp" ]; then
      skip "interpreter $kind" "$interp is not on this machine"
    elif gcc -O2 -Wl,--dynamic-linker="$interp" -o "$tmp/prog-$kind" "$SRC/tests/user/hello.c" 2>/dev/null; then
      one_line "interpreter $kind" "^quetzal-x86_64: $tmp/prog-$kind: interpreter $interp: $reason" "$tmp/prog-$kind"
    else
      fail "interpreter $kind" "gcc could not link the test program"
    fi
  done
else
  fail "missing interpreter" "gcc could not link the test program"
fi
# a thread (more in check-threads)
compare "python3 thread" "$tmp/empty" /usr/bin/python3 -c \
  'import threading; t = threading.Thread(target=print, args=("in a thread",)); t.start(); t.join()'

# --- i386: Debian's busybox and bash with an i386 sysroot ---
# The sysroot: Debian's i386 packages unpacked into the cache, with an
# ld.so.cache of their own (ldconfig -r) so the loader does not take the
# host's multilib libraries.
sysroot=$cache/i386-sysroot
sysroot_debs="libc6:i386 libtinfo6:i386 busybox:i386 bash:i386"
make_sysroot() {
  [ -x "$sysroot/bin/bash" ] && [ -x "$sysroot/bin/busybox" ] && return 0
  mkdir -p "$cache/debs" || return 1
  for d in $sysroot_debs; do
    name=${d%:*}
    # (as scripts/setup.sh: an apt-get update first when the lists are old)
    ls "$cache/debs/${name}"_*_i386.deb >/dev/null 2>&1 ||
      (cd "$cache/debs" && apt-get download "$d" >/dev/null 2>&1) ||
      { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 &&
        (cd "$cache/debs" && apt-get download "$d" >/dev/null 2>&1); } || return 1
  done
  rm -rf "$sysroot.tmp" && mkdir -p "$sysroot.tmp" || return 1
  for d in $sysroot_debs; do
    name=${d%:*}
    dpkg -x "$(ls "$cache/debs/${name}"_*_i386.deb | head -1)" "$sysroot.tmp" || return 1
  done
  mkdir -p "$sysroot.tmp/etc" && ldconfig -r "$sysroot.tmp" 2>/dev/null
  rm -rf "$sysroot" && mv "$sysroot.tmp" "$sysroot"
}
if ! make_sysroot; then
  fail "i386 sysroot" "cannot fetch $sysroot_debs (apt-get download) into $cache"
elif [ "$native32" = none ]; then
  skip "i386 programs" "$native32_why"
else
  # natively: the sysroot's own loader runs the program with its libraries
  # (setarch i686: an i386 machine, as the emulator reports in uname); where
  # the host cannot, qemu-i386 -L with the sysroot
  ld32="setarch i686 $sysroot/lib/ld-linux.so.2 --library-path $sysroot/lib/i386-linux-gnu"
  [ "$native32" = qemu ] && ld32="qemu-i386 -L $sysroot"
  compare32() {
    name=$1 input=$2
    shift 2
    if why=$(qemu32_differs "i386 $name"); then
      skip "i386 $name" "$why"
      return
    fi
    run "$tmp/n" "$input" $ld32 "$@"
    run "$tmp/e" "$input" "$BUILD/quetzal-i386" -L "$sysroot" "$@"
    check "i386 $name"
  }
  bb=$sysroot/bin/busybox
  compare32 "busybox echo" "$tmp/empty" "$bb" echo hello from i386
  compare32 "busybox sh loop" "$tmp/empty" "$bb" sh -c 'for i in 1 2 3; do echo $i; done'
  compare32 "busybox sort | md5sum" "$tmp/lines" "$bb" sh -c "$bb sort -n | $bb md5sum"
  compare32 "busybox gzip round trip" "$tmp/big" "$bb" sh -c "$bb gzip -9 | $bb gzip -d | $bb md5sum"
  compare32 "busybox ls -l" "$tmp/empty" "$bb" ls -l "$tmp/tree"
  compare32 "busybox awk" "$tmp/lines" "$bb" awk '{ s += $4 } END { print NR, s }'
  compare32 "bash loop" "$tmp/empty" "$sysroot/bin/bash" -c 'for i in 1 2 3; do echo $i; done; echo ${BASH_VERSINFO[5]}'
  # the exec'd x86-64 ls runs under quetzal-x86_64 (the sibling emulator)
  compare32 "bash runs /bin/ls (execve)" "$tmp/empty" "$sysroot/bin/bash" -c '/bin/ls -l "$1"' sh "$tmp/tree"
  compare32 "busybox runs busybox (execve)" "$tmp/empty" "$bb" sh -c "$bb echo child; $bb uname -m"
  # the x86-64 program an i386 one execs runs under quetzal-x86_64
  out=$(cd "$tmp/cwd" && timeout 20 "$BUILD/quetzal-i386" -L "$sysroot" "$sysroot/bin/bash" -c \
        '/bin/grep -m1 "^model name" /proc/cpuinfo' 2>&1)
  case $out in
    *Quetzal*) pass "i386 bash execs x86-64 grep, emulated too" ;;
    *) fail "i386 bash execs x86-64 grep, emulated too" "it saw: $out" ;;
  esac
  # the libraries come from the sysroot, and maps says so
  run "$tmp/e" "$tmp/empty" "$BUILD/quetzal-i386" -L "$sysroot" "$bb" cat /proc/self/maps
  if grep -q "$sysroot/lib/i386-linux-gnu/libc.so.6" "$tmp/e.out" &&
     grep -q "$bb\$" "$tmp/e.out" && grep -q '\[stack\]' "$tmp/e.out"; then
    pass "i386 /proc/self/maps names the sysroot's libc, the program and the stack"
  else
    fail "i386 /proc/self/maps" "$(head -3 "$tmp/e.out" | tr '\n' '|')"
  fi
  # a relative -L still holds after the guest's chdir, in the programs it execs too
  out=$(cd "$cache" && timeout 20 "$BUILD/quetzal-i386" -L i386-sysroot i386-sysroot/bin/busybox \
        sh -c 'cd / && "$0" echo child after chdir' "$bb" 2>&1)
  if [ "$out" = "child after chdir" ]; then
    pass "i386 relative -L, chdir, execve"
  else
    fail "i386 relative -L, chdir, execve" "$out"
  fi
  out=$("$BUILD/quetzal-i386" -L "$tmp/no-such-sysroot" "$bb" true 2>&1)
  if [ $? = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
     printf '%s' "$out" | grep -q "no-such-sysroot: No such file"; then
    pass "i386 -L of a missing folder ($out)"
  else
    fail "i386 -L of a missing folder" "$out"
  fi
  run "$tmp/e" "$tmp/empty" env QUETZAL_LD_PREFIX="$sysroot" "$BUILD/quetzal-i386" "$bb" echo prefix from env
  if [ "$(cat "$tmp/e.out")" = "prefix from env" ]; then
    pass "i386 QUETZAL_LD_PREFIX"
  else
    fail "i386 QUETZAL_LD_PREFIX" "status $(cat "$tmp/e.status"): $(head -1 "$tmp/e.err")"
  fi
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
