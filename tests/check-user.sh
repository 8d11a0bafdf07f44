#!/bin/sh
# Linux user mode: static programs run under quetzal-x86_64 and quetzal-i386,
# each compared with the same binary run natively (output and exit status), plus
# Debian's static busybox (x86-64, and i386 when cached) and zsh-static (when
# cached) with job control, traps and signals, bad input, options and -strace.
# Runs that can hang on a signal bug have a 10 s limit; a timeout fails.
# Environment: BUILD (folder with the emulators), SRC (source folder).
BUILD=${BUILD:-.}
SRC=${SRC:-.}
cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
busybox=$cache/busybox-static/bin/busybox
passed=0 failed=0 skipped=0
tmp=$(mktemp -d /tmp/quetzal-user.XXXXXX)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
# native crashes of the test programs must not leave core files around
ulimit -c 0

pass() { passed=$((passed + 1)); printf '%s\n' "PASS $1"; }
fail() { failed=$((failed + 1)); printf '%s\n' "FAIL $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); printf '%s\n' "SKIP $1${2:+: $2}"; }

# run OUTPREFIX INPUT DIR COMMAND...: stdout, stderr and status into OUTPREFIX.*
run() {
  prefix=$1 input=$2 dir=$3
  shift 3
  # the subshell records the status itself, so that no shell reports the signal
  (cd "$dir" && timeout "${run_timeout:-60}" "$@" <"$input" >"$prefix.out" 2>"$prefix.err"
   echo $? >"$prefix.status") 2>/dev/null
}

# compare NAME INPUT EMULATOR COMMAND...: native run against emulated run (an
# i386 program's native run is under qemu-i386 where the host cannot run it:
# tests/native32.sh; its "qemu: uncaught target signal" line is QEMU's own)
compare() {
  name=$1 input=$2 emulator=$3
  shift 3
  if [ $emulator = quetzal-i386 ] && why=$(qemu32_differs "$name"); then
    skip "$name" "$why"
    return
  fi
  mkdir -p "$tmp/native" "$tmp/emulated"
  if [ $emulator = quetzal-i386 ] && [ "$native32" = qemu ]; then
    run "$tmp/n" "$input" "$tmp/native" qemu-i386 "$@"
    qemu32_clean "$tmp/n.err"
  else
    run "$tmp/n" "$input" "$tmp/native" "$@"
  fi
  run "$tmp/e" "$input" "$tmp/emulated" "$BUILD/$emulator" "$@"
  ns=$(cat "$tmp/n.status") es=$(cat "$tmp/e.status")
  if [ "$ns" != "$es" ]; then
    fail "$name" "exit status native $ns, emulated $es"
    head -3 "$tmp/e.err" | sed 's/^/    /'
  elif ! cmp -s "$tmp/n.out" "$tmp/e.out"; then
    fail "$name" "stdout differs"
    diff "$tmp/n.out" "$tmp/e.out" | head -5 | sed 's/^/    /'
  elif ! cmp -s "$tmp/n.err" "$tmp/e.err"; then
    fail "$name" "stderr differs"
    diff "$tmp/n.err" "$tmp/e.err" | head -5 | sed 's/^/    /'
  else
    pass "$name"
  fi
  rm -rf "$tmp/native" "$tmp/emulated"
}

for emulator in quetzal-x86_64 quetzal-i386; do
  if [ ! -x "$BUILD/$emulator" ]; then
    fail "$emulator" "not built"
  fi
done

# --- guest programs built from tests/user/*.c ---
echo "5 -3 100 123456789012 -9223372036854775807 0 42" >"$tmp/numbers.txt"
: >"$tmp/empty"
# the native side of i386 programs: the host's kernel, or qemu-i386 where it
# cannot run them ("Exec format error"; tests/native32.sh)
. "$SRC/tests/native32.sh"
native32_init
m32=no host32=no
gcc -m32 -static -o "$tmp/probe" "$tmp/native32-probe.c" 2>/dev/null && m32=yes
if [ $native32 != none ]; then
  host32=yes
elif [ $m32 = yes ]; then
  m32=no
  skip "i386 programs" "$native32_why"
fi
programs="hello arith divzero strings recursion stdio fileio memory smc smcpages segv ud2 int3 abort process exec socket spawn badptr events signals sighandler sigfault sigstorm sysmisc farret fdext sysvipc procstat superblock faultregs chainflags loopregs traceloop faultindex cmpflags incflags branchflags rotflags zx32flags repstring jumpflags loopflags"
for bits in 64 32; do
  emulator=quetzal-x86_64
  [ $bits = 32 ] && emulator=quetzal-i386
  if [ $bits = 32 ] && [ $m32 = no ]; then
    skip "i386 programs" "gcc -m32 -static does not work (Debian package gcc-multilib)"
    continue
  fi
  for prog in $programs; do
    bin=$tmp/$prog-$bits
    if ! gcc -m$bits -O2 -static -o "$bin" "$SRC/tests/user/$prog.c" 2>"$tmp/cc.err"; then
      fail "$prog-$bits" "does not compile: $(head -1 "$tmp/cc.err")"
      continue
    fi
    case $prog in
      stdio) compare "$prog-$bits" "$tmp/numbers.txt" $emulator "$bin" ;;
      fileio|memory|events|fdext) mkdir -p "$tmp/files" && compare "$prog-$bits" "$tmp/empty" $emulator "$bin" "$tmp/files" ;;
      hello) compare "$prog-$bits" "$tmp/empty" $emulator "$bin" first second ;;
      *) compare "$prog-$bits" "$tmp/empty" $emulator "$bin" ;;
    esac
  done
done

# i386 addresses that wrap at 4 GiB (tests/user/addr32wrap.c): the program
# checks itself by the SDM's rule, so it runs under quetzal-i386 even where the
# host cannot run i386 programs (where it can, also against the native run)
if gcc -m32 -O2 -static -o "$tmp/addr32wrap" "$SRC/tests/user/addr32wrap.c" 2>"$tmp/cc.err"; then
  out=$("$BUILD/quetzal-i386" "$tmp/addr32wrap" 2>&1)
  st=$?
  if [ $st = 0 ] && ! echo "$out" | grep -qv '^ok '; then
    pass "addr32wrap-32 (self-checked)"
  else
    fail "addr32wrap-32 (self-checked)" "exit $st: $(echo "$out" | grep -v '^ok ' | head -2 | tr '\n' ' ')"
  fi
  [ "$host32" = yes ] && compare "addr32wrap-32" "$tmp/empty" quetzal-i386 "$tmp/addr32wrap"
else
  skip "addr32wrap-32" "gcc -m32 -static does not work (Debian package gcc-multilib)"
fi

# the x86-64 vsyscall page: old static programs call it (the host kernel must
# map it for the native side: vsyscall=xonly or emulate)
if ! grep -q '\[vsyscall\]' /proc/self/maps; then
  skip "vsyscall page" "this host kernel does not map it (vsyscall=none): no native run to compare"
elif gcc -O2 -static -o "$tmp/vsyscall" "$SRC/tests/user/vsyscall.c" 2>"$tmp/cc.err"; then
  compare "vsyscall page" "$tmp/empty" quetzal-x86_64 "$tmp/vsyscall"
  compare "vsyscall page, misaligned entry" "$tmp/empty" quetzal-x86_64 "$tmp/vsyscall" misaligned
else
  fail "vsyscall page" "does not compile: $(head -1 "$tmp/cc.err")"
fi

# reserving 1 TiB of PROT_NONE address space costs nothing (x86-64 only: an
# i386 program cannot ask for that much)
if gcc -O2 -static -o "$tmp/reserve" "$SRC/tests/user/reserve.c" 2>"$tmp/cc.err"; then
  compare "reserve 1 TiB" "$tmp/empty" quetzal-x86_64 "$tmp/reserve"
else
  fail "reserve 1 TiB" "does not compile: $(head -1 "$tmp/cc.err")"
fi

# static-pie (ET_DYN without an interpreter): loaded at a base of our choice
for bits in 64 32; do
  emulator=quetzal-x86_64
  [ $bits = 32 ] && emulator=quetzal-i386
  [ $bits = 32 ] && [ $m32 = no ] && continue
  if gcc -m$bits -O2 -static-pie -o "$tmp/hello-pie-$bits" "$SRC/tests/user/hello.c" 2>/dev/null; then
    compare "static-pie hello-$bits" "$tmp/empty" $emulator "$tmp/hello-pie-$bits" one
  else
    skip "static-pie hello-$bits" "gcc -static-pie does not work here"
  fi
done

# A generated minimal program made only of INT3: both must die with SIGTRAP.
gen=$tmp/elf-gen
if gcc -O2 -o "$gen" "$SRC/tests/user/elf-gen.c" 2>"$tmp/cc.err"; then
  "$gen" 64 valid "$tmp/int3-only-64" && chmod +x "$tmp/int3-only-64"
  compare "generated ELF x86-64" "$tmp/empty" quetzal-x86_64 "$tmp/int3-only-64"
  "$gen" 32 valid "$tmp/int3-only-32" && chmod +x "$tmp/int3-only-32"
  if [ "$host32" = yes ]; then
    compare "generated ELF i386" "$tmp/empty" quetzal-i386 "$tmp/int3-only-32"
  else
    skip "generated ELF i386" "$native32_why"
  fi
else
  fail "elf-gen" "does not compile: $(head -1 "$tmp/cc.err")"
fi

# --- busybox ---
if [ -x "$busybox" ]; then
  mkdir -p "$tmp/tree/sub/deeper"
  i=0
  while [ $i -lt 300 ]; do
    echo "word$((i * 7 % 13)) $((i * 37 % 101)) line $i" >>"$tmp/data.txt"
    i=$((i + 1))
  done
  cp "$tmp/data.txt" "$tmp/tree/a.txt"
  echo hello >"$tmp/tree/sub/b.txt"
  echo deeper >"$tmp/tree/sub/deeper/c.txt"
  touch -d "2020-01-02 03:04:05" "$tmp/tree" "$tmp/tree/a.txt" "$tmp/tree/sub" \
    "$tmp/tree/sub/b.txt" "$tmp/tree/sub/deeper" "$tmp/tree/sub/deeper/c.txt"
  d=$tmp/data.txt
  bb() { compare "busybox $(printf '%s' "$*" | tr -s '\n ' '  ' | cut -c1-50)" "$tmp/data.txt" quetzal-x86_64 "$busybox" "$@"; }
  bb echo hello world
  bb sh -c 'i=0; while [ $i -lt 50 ]; do echo "line $i"; i=$((i + 1)); done'
  bb sort -k2 -n "$d"
  bb sort -r "$d"
  bb md5sum "$d"
  bb sha256sum "$d"
  bb wc "$d"
  bb sed -e 's/[0-9]/#/g' -e '/word1 /d' "$d"
  bb awk '{ sum[$1] += $2 } END { for (k in sum) n++; print n, NR }' "$d"
  bb grep -c 'word[135] ' "$d"
  bb cut -d' ' -f2,4 "$d"
  bb tr 'a-z' 'A-Z'
  bb head -n 7 "$d"
  bb tail -n 5 "$d"
  bb sh -c 'sort "$1" | uniq -c | sort -n | tail -3' sh "$d"
  bb sh -c 'x=$(echo substituted); echo "$x $((6 * 7))"; for f in a b c; do echo $f; done | tac'
  bb sh -c 'cd "$1" && tar cf - . | md5sum' sh "$tmp/tree"
  bb sh -c 'cd "$1" && find . -name "*.txt" | sort' sh "$tmp/tree"
  bb ls -ln "$tmp/tree/sub"
  bb seq 5 3 40
  bb expr 12345 \* 6789
  bb printf '%05d|%s|%x\n' 42 text 255
  bb sh -c 'false; echo status $?; exit 3'
  bb sh -c 'echo to stderr >&2; cat /nonexistent'
  bb od -A x -t x1 -N 64 "$d"
  bb xargs -n 3 echo
  # execve of scripts (a static and a host interpreter) and of the other ABI's program
  printf '#!%s sh\necho "script args: $*"\n' "$busybox" >"$tmp/script-static"
  printf '#!/bin/sh\necho "host shell script: $1"\n' >"$tmp/script-host"
  chmod +x "$tmp/script-static" "$tmp/script-host"
  other=""
  # (natively only: qemu-i386 would not be in the path of busybox's execve)
  [ -f "$tmp/hello-32" ] && [ $native32 = native ] && other="; $tmp/hello-32 from busybox"
  bb sh -c "$tmp/script-static a b; $tmp/script-host c$other"
  # job control and traps: the shell waits in rt_sigsuspend and runs its trap
  # handlers; a hang counts as a failure after 10 s (timeout's status 124)
  run_timeout=10
  bb sh -c 'sleep 0.2 & wait; echo "wait: $?"'
  bb sh -c 'sleep 0.1 & sleep 0.2 & wait; echo both done'
  # (whether ash reports "Terminated" races with SIGCHLD, natively too)
  bb sh -c 'exec 2>/dev/null; sleep 5 & pid=$!; kill $pid; wait $pid; echo "killed child: $?"'
  bb sh -c 'trap "echo got USR1" USR1; kill -USR1 $$; echo after'
  bb sh -c 'trap "echo trapped TERM" TERM; kill $$; echo still here'
  bb sh -c 'trap "echo alarm" ALRM; (sleep 0.1; kill -ALRM $$) & wait; echo "wait: $?"; wait'
  bb sh -c 'echo a b c | (read x y z; echo "$z $y $x"); v=$(echo sub; exit 3); echo "$v $?"'
  bb sh -c 'for i in 1 2 3; do (exit $i) & done; wait; echo loop done'
  # an applet busybox runs through execve("/proc/self/exe") names itself from
  # comm "exe" (Linux takes comm from the execve file name); ps and pidof see it.
  # The sleep lasts until it is killed (a short one could end before ps, each
  # applet a new emulator under load); pidof is asked again until the child
  # has gone through its execve (up to 10 s), then once more for the verdict
  run_timeout=60
  bb sh -c 'cut -d" " -f2 /proc/self/stat; sleep 100 & p=$!; n=0
    until pidof sleep | grep -qw $p || [ $n = 100 ]; do sleep 0.1; n=$((n + 1)); done
    pidof sleep | grep -qw $p && echo pidof finds it; ps | grep -w "^ *$p" | grep -o "sleep 100"
    exec 2>/dev/null; kill $p; wait $p; echo "killed: $?"'
  run_timeout=
else
  fail "busybox" "$busybox missing (run scripts/setup.sh --tests)"
fi

# --- i386 busybox: the same shell signal paths through the i386 frames ---
busybox32=$cache/busybox-static-i386/bin/busybox
if [ ! -x "$busybox32" ]; then
  skip "i386 busybox" "$busybox32 missing (scripts/setup.sh --i386 fetches it)"
elif [ "$host32" = no ]; then
  skip "i386 busybox" "$native32_why"
else
  run_timeout=10
  bb32() { compare "i386 busybox $(printf '%s' "$*" | cut -c1-40)" "$tmp/empty" quetzal-i386 "$busybox32" "$@"; }
  bb32 sh -c 'sleep 0.2 & wait; echo "wait: $?"'
  bb32 sh -c 'trap "echo got USR1" USR1; kill -USR1 $$; echo after'
  bb32 sh -c 'trap "echo alarm" ALRM; (sleep 0.1; kill -ALRM $$) & wait; echo "wait: $?"; wait'
  bb32 sh -c 'x=$(echo sub; exit 3); echo "$x $?"; echo a b | (read x y; echo "$y $x")'
  run_timeout=
fi

# --- zsh-static (job control through rt_sigsuspend and kill(child, SIGCONT)) ---
zsh=$cache/zsh-static/bin/zsh-static
if [ -x "$zsh" ]; then
  run_timeout=10
  zs() { compare "zsh $(printf '%s' "$*" | cut -c1-50)" "$tmp/empty" quetzal-x86_64 "$zsh" -f -c "$@"; }
  zs '/bin/true; echo "external: $?"'
  zs 'x=$(echo sub); print -r -- "$x"; echo a b | tr a-z A-Z'
  zs 'sleep 0.2 & wait; echo waited; for i in 1 2 3; do /bin/echo $i; done | wc -l'
  zs 'trap "echo got USR1" USR1; kill -USR1 $$; echo after'
  zs 'sleep 0.3 & pid=$!; kill -STOP $pid; sleep 0.1; kill -CONT $pid; sleep 0.4; wait $pid; echo "status $?"'
  run_timeout=
else
  skip "zsh" "$zsh missing (Debian package zsh-static, unpacked there as scripts/setup.sh does busybox-static)"
fi

# --- bad input: one line naming the file, exit status 1, no crash, no core ---
# bad_input NAME EMULATOR FILE
# bad_input NAME EMULATOR FILE [REASON]: status 1, one line naming FILE (and REASON)
bad_input() {
  name=$1 emulator=$2 file=$3 reason=${4:-}
  mkdir -p "$tmp/cwd"
  (cd "$tmp/cwd" && ulimit -c unlimited 2>/dev/null; timeout 20 "$BUILD/$emulator" "$file" >"$tmp/bad.out" 2>"$tmp/bad.err")
  status=$?
  lines=$(wc -l <"$tmp/bad.err")
  if [ "$status" != 1 ]; then
    fail "bad input: $name" "exit status $status, expected 1"
  elif [ "$lines" != 1 ] || ! grep -qF "$file" "$tmp/bad.err"; then
    fail "bad input: $name" "expected one line naming $file, got: $(head -2 "$tmp/bad.err" | tr '\n' '|')"
  elif [ -n "$reason" ] && ! grep -qF "$reason" "$tmp/bad.err"; then
    fail "bad input: $name" "expected the reason '$reason', got: $(head -1 "$tmp/bad.err")"
  elif grep -qiE 'internal error|sanitizer|runtime error' "$tmp/bad.err"; then
    fail "bad input: $name" "$(head -1 "$tmp/bad.err")"
  elif [ -n "$(ls "$tmp/cwd")" ]; then
    fail "bad input: $name" "left files behind: $(ls "$tmp/cwd")"
  else
    pass "bad input: $name ($(cat "$tmp/bad.err"))"
  fi
  rm -rf "$tmp/cwd"
}

bad_input "missing file" quetzal-x86_64 "$tmp/does-not-exist"
echo "just some text" >"$tmp/text-file" && chmod +x "$tmp/text-file"
bad_input "text file" quetzal-x86_64 "$tmp/text-file"
bad_input "directory" quetzal-x86_64 "$tmp"
if [ -f "$tmp/hello-64" ]; then
  head -c 40 "$tmp/hello-64" >"$tmp/truncated-header" && chmod +x "$tmp/truncated-header"
  bad_input "truncated ELF header" quetzal-x86_64 "$tmp/truncated-header"
  head -c 2000 "$tmp/hello-64" >"$tmp/truncated-elf" && chmod +x "$tmp/truncated-elf"
  bad_input "truncated ELF" quetzal-x86_64 "$tmp/truncated-elf"
  cp "$tmp/hello-64" "$tmp/no-permission" && chmod 000 "$tmp/no-permission"
  bad_input "no permission" quetzal-x86_64 "$tmp/no-permission"
  bad_input "x86-64 program on quetzal-i386" quetzal-i386 "$tmp/hello-64"
fi
[ -f "$tmp/hello-32" ] && bad_input "i386 program on quetzal-x86_64" quetzal-x86_64 "$tmp/hello-32"
# ELF headers for ARM machines (gABI header fields; e_machine 183 AArch64, 40 ARM)
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000\001\000\000\000\000\000\100\000\000\000\000\000\100\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\070\000\001\000\000\000\000\000\000\000' >"$tmp/aarch64-elf"
printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\050\000\001\000\000\000\000\200\000\000\064\000\000\000\000\000\000\000\000\000\000\000\064\000\040\000\001\000\000\000\000\000\000\000' >"$tmp/arm-elf"
chmod +x "$tmp/aarch64-elf" "$tmp/arm-elf"
bad_input "AArch64 ELF" quetzal-x86_64 "$tmp/aarch64-elf"
bad_input "ARM ELF" quetzal-i386 "$tmp/arm-elf"
# a dynamically linked host program (ELF program header PT_INTERP): runs with
# the host's ld.so (tests/check-userdyn.sh has the real programs)
if gcc -O2 -o "$tmp/dynamic" "$SRC/tests/user/hello.c" 2>/dev/null; then
  compare "dynamically linked hello" "$tmp/empty" quetzal-x86_64 "$tmp/dynamic" one two
else
  fail "dynamically linked hello" "gcc cannot link it"
fi
# each hostile file must exist (a generator that wrote nothing would give the
# one-line "No such file" error too) and be refused for its own reason
if [ -x "$gen" ]; then
  for case in "bad-phoff:program headers beyond the end of the file" \
              "bad-phentsize:bad program header size" \
              "no-phdr:no program headers" \
              "many-phdr:too many program headers" \
              "filesz-gt-memsz:file size exceeds memory size" \
              "segment-beyond-eof:beyond the end of the file" \
              "overlap:overlaps or is out of order" \
              "wrong-type:not an executable" \
              "interp:PT_INTERP path is not a NUL-terminated string" \
              "huge-memsz:outside the address space" \
              "low-vaddr:below the lowest mappable address" \
              "wrap-vaddr:outside the address space"; do
    kind=${case%%:*} reason=${case#*:}
    for bits in 64 32; do
      emulator=quetzal-x86_64 abi=x86-64
      [ $bits = 32 ] && emulator=quetzal-i386 abi=i386
      file=$tmp/hostile-$kind-$bits
      rm -f "$file"
      "$gen" $bits $kind "$file" && chmod +x "$file"
      if [ ! -s "$file" ]; then
        fail "bad input: hostile ELF $kind ($abi)" "elf-gen wrote no file"
        continue
      fi
      bad_input "hostile ELF $kind ($abi)" $emulator "$file" "$reason"
    done
  done
else
  fail "hostile ELF" "elf-gen was not built"
fi

# segments where the emulator itself is (its address known with randomization off)
if [ -x "$gen" ] && setarch x86_64 -R true 2>/dev/null; then
  "$gen" 64 emulator-overlap "$tmp/hostile-emulator-overlap" && chmod +x "$tmp/hostile-emulator-overlap"
  (cd "$tmp" && setarch x86_64 -R "$BUILD/quetzal-x86_64" "$tmp/hostile-emulator-overlap" \
    >"$tmp/bad.out" 2>"$tmp/bad.err")
  status=$?
  if [ $status = 1 ] && grep -q "overlaps the emulator" "$tmp/bad.err" &&
     [ "$(wc -l <"$tmp/bad.err")" = 1 ]; then
    pass "bad input: segments over the emulator ($(cat "$tmp/bad.err"))"
  else
    fail "bad input: segments over the emulator" "status $status: $(head -2 "$tmp/bad.err" | tr '\n' '|')"
  fi
fi

# --- options ---
# option_error NAME ARGS...: one line on stderr, exit status 1
option_error() {
  name=$1
  shift
  "$BUILD/quetzal-x86_64" "$@" >"$tmp/opt.out" 2>"$tmp/opt.err"
  status=$?
  if [ $status = 1 ] && [ "$(wc -l <"$tmp/opt.err")" = 1 ]; then
    pass "option error: $name ($(cat "$tmp/opt.err"))"
  else
    fail "option error: $name" "status $status, stderr: $(head -2 "$tmp/opt.err" | tr '\n' '|')"
  fi
}
option_error "unknown option" -no-such-option "$tmp/hello-64"
option_error "no program"
option_error "bad stack size" -s 12x "$tmp/hello-64"
option_error "unknown log item" -d nonsense "$tmp/hello-64"
option_error "missing argument" -E
if "$BUILD/quetzal-x86_64" -version | grep -q quetzal && "$BUILD/quetzal-x86_64" -h | grep -q strace; then
  pass "-version and -h"
else
  fail "-version and -h"
fi
if [ -x "$busybox" ]; then
  # -E, -U and -0 against the native equivalents (env, busybox's argv[0] dispatch)
  run "$tmp/n" "$tmp/empty" "$tmp" env -u HOME QZ_TEST=set "$busybox" sh -c 'echo "$QZ_TEST ${HOME:-no home}"'
  run "$tmp/e" "$tmp/empty" "$tmp" "$BUILD/quetzal-x86_64" -E QZ_TEST=set -U HOME "$busybox" sh -c 'echo "$QZ_TEST ${HOME:-no home}"'
  if cmp -s "$tmp/n.out" "$tmp/e.out" && [ -s "$tmp/e.out" ]; then pass "-E and -U"; else fail "-E and -U" "$(cat "$tmp/e.out" "$tmp/e.err")"; fi
  run "$tmp/n" "$tmp/empty" "$tmp" "$busybox" echo argv0 test
  run "$tmp/e" "$tmp/empty" "$tmp" "$BUILD/quetzal-x86_64" -0 echo "$busybox" argv0 test
  if cmp -s "$tmp/n.out" "$tmp/e.out" && [ -s "$tmp/e.out" ]; then pass "-0"; else fail "-0" "$(cat "$tmp/e.out" "$tmp/e.err")"; fi
fi

# --- binfmt_misc: the registration's magic/mask and the emulator's arguments ---
# matches FILE LINE: FILE's first 20 bytes, masked, equal the line's magic
binfmt_matches() {
  magic=$(printf '%s' "$2" | cut -d: -f5 | sed 's/\\x//g; s/ELF/454c46/')
  mask=$(printf '%s' "$2" | cut -d: -f6 | sed 's/\\x//g')
  bytes=$(od -A n -t x1 -N 20 "$1" | tr -d ' \n')
  i=0 masked=""
  while [ $i -lt 40 ]; do
    b=$(printf '%s' "$bytes" | cut -c$((i + 1))-$((i + 2)))
    m=$(printf '%s' "$mask" | cut -c$((i + 1))-$((i + 2)))
    masked=$masked$(printf '%02x' $((0x${b:-00} & 0x$m)))
    i=$((i + 2))
  done
  [ "$masked" = "$magic" ]
}
line32=$(sh "$SRC/scripts/quetzal-binfmt.sh" --dry-run --path "$BUILD" | grep '^:quetzal-i386:')
line64=$(sh "$SRC/scripts/quetzal-binfmt.sh" --dry-run --x86_64 --path "$BUILD" | grep '^:quetzal-x86_64:')
if [ -f "$tmp/hello-32" ] && [ -f "$tmp/hello-64" ]; then
  if binfmt_matches "$tmp/hello-32" "$line32" && ! binfmt_matches "$tmp/hello-64" "$line32" &&
     binfmt_matches "$tmp/hello-64" "$line64" && ! binfmt_matches "$tmp/hello-32" "$line64" &&
     ! binfmt_matches "$tmp/text-file" "$line32" &&
     { [ ! -f "$tmp/hello-pie-32" ] || binfmt_matches "$tmp/hello-pie-32" "$line32"; }; then
    pass "binfmt_misc magic/mask select i386 and x86-64 programs only"
  else
    fail "binfmt_misc magic/mask" "$line32"
  fi
fi
# the kernel's auxv for flags P (AT_FLAGS) and O (AT_EXECFD), given by an
# LD_PRELOAD shim of getauxval; the P form runs as "exec -a ARGV0" does natively
if [ "$host32" = yes ] && [ $m32 = yes ] && command -v bash >/dev/null &&
   gcc -O2 -shared -fPIC -o "$tmp/shim.so" "$SRC/tests/user/binfmt-shim.c" -ldl 2>"$tmp/cc.err" &&
   gcc -m32 -O2 -static -o "$tmp/argv0-32" "$SRC/tests/user/argv0.c" 2>>"$tmp/cc.err"; then
  if [ $native32 = qemu ]; then   # qemu-i386 -0: its argv[0] for the program
    qemu-i386 -0 my-argv0 "$tmp/argv0-32" a "b c" >"$tmp/n.out" 2>&1
  else
    bash -c 'exec -a my-argv0 "$1" a "b c"' sh "$tmp/argv0-32" >"$tmp/n.out" 2>&1
  fi
  LD_PRELOAD=$tmp/shim.so QZ_AT_FLAGS=1 "$BUILD/quetzal-i386" "$tmp/argv0-32" my-argv0 a "b c" \
    >"$tmp/e.out" 2>&1
  if cmp -s "$tmp/n.out" "$tmp/e.out"; then pass "binfmt_misc P flag: argv[0] kept"
  else fail "binfmt_misc P flag" "$(diff "$tmp/n.out" "$tmp/e.out" | head -3 | tr '\n' '|')"; fi
  LD_PRELOAD=$tmp/shim.so QZ_AT_FLAGS=1 QZ_AT_EXECFD=5 "$BUILD/quetzal-i386" \
    /nonexistent/argv0-32 my-argv0 a "b c" >"$tmp/e.out" 2>&1 5<"$tmp/argv0-32"
  if cmp -s "$tmp/n.out" "$tmp/e.out"; then pass "binfmt_misc O flag: the program from AT_EXECFD"
  else fail "binfmt_misc O flag" "$(diff "$tmp/n.out" "$tmp/e.out" | head -3 | tr '\n' '|')"; fi
else
  skip "binfmt_misc arguments" "needs i386 programs run (natively or by qemu-i386), bash and gcc -shared"
fi
# The kernel's side: a private registration by file extension (never the i386
# magic, which would send every i386 program of the machine to us while the
# suites run), flags P and O, then the same argv[0] as the native "exec -a".
bm=/proc/sys/fs/binfmt_misc
if [ ! -w $bm/register ] && [ "$(id -u)" = 0 ]; then
  mount -t binfmt_misc binfmt_misc $bm 2>/dev/null
fi
if [ ! -w $bm/register ]; then
  skip "binfmt_misc registration" "$bm is not writable (not root, or the container forbids the mount)"
elif [ ! -f "$tmp/argv0-32" ] || [ ! -s "$tmp/n.out" ]; then
  skip "binfmt_misc registration" "needs i386 programs run natively"
else
  name=quetzal-test-$$ ext=qzt$$
  cp "$tmp/argv0-32" "$tmp/prog.$ext" && chmod +x "$tmp/prog.$ext"
  if printf ':%s:E::%s::%s:PO\n' $name $ext "$BUILD/quetzal-i386" >$bm/register 2>"$tmp/bm.err"; then
    bash -c 'exec -a my-argv0 "$1" a "b c"' sh "$tmp/prog.$ext" >"$tmp/k.out" 2>&1
    echo -1 >$bm/$name
    if cmp -s "$tmp/n.out" "$tmp/k.out"; then pass "binfmt_misc registration (kernel, flags P and O)"
    else fail "binfmt_misc registration" "$(diff "$tmp/n.out" "$tmp/k.out" | head -3 | tr '\n' '|')"; fi
  else
    fail "binfmt_misc registration" "the kernel refused it: $(cat "$tmp/bm.err")"
  fi
fi

# --- -strace: the write of the program's line appears with its fd and count ---
for bits in 64 32; do
  emulator=quetzal-x86_64
  [ $bits = 32 ] && emulator=quetzal-i386
  [ -f "$tmp/hello-$bits" ] || continue
  "$BUILD/$emulator" -strace "$tmp/hello-$bits" a b >"$tmp/st.out" 2>"$tmp/st.err"
  count=$(wc -c <"$tmp/st.out" | tr -d ' ')
  if grep -qE "^[0-9]+ write\(1,0x[0-9a-f]+,$count\) = $count\$" "$tmp/st.err" &&
     grep -qE "^[0-9]+ exit_group\(5\)" "$tmp/st.err" &&
     [ "$(cat "$tmp/st.out")" = "hello, world (2 arguments)" ]; then
    pass "-strace $bits-bit"
  else
    fail "-strace $bits-bit" "$(tail -3 "$tmp/st.err" | tr '\n' '|')"
  fi
done

# --- -strace against strace(1) of the native run: the same system calls, in order ---
if command -v strace >/dev/null 2>&1; then
  for bits in 64 32; do
    emulator=quetzal-x86_64
    [ $bits = 32 ] && emulator=quetzal-i386
    for prog in hello strings fileio; do
      [ -f "$tmp/$prog-$bits" ] || continue
      if [ $bits = 32 ] && [ $native32 != native ]; then
        skip "-strace call list of $prog-32" "strace(1) needs the i386 program run natively (qemu-i386 -strace names calls its own way)"
        continue
      fi
      mkdir -p "$tmp/files"
      (cd "$tmp" && strace -f -o "$tmp/st.native" "$tmp/$prog-$bits" "$tmp/files" >/dev/null 2>&1)
      (cd "$tmp" && "$BUILD/$emulator" -strace "$tmp/$prog-$bits" "$tmp/files" >/dev/null 2>"$tmp/st.emu")
      sed -E 's/^[0-9]+ +//; s/\(.*//' "$tmp/st.native" | grep -vE '^(\+\+\+|---|execve)' >"$tmp/names.native"
      sed -E 's/^[0-9]+ //; s/\(.*//' "$tmp/st.emu" >"$tmp/names.emu"
      if cmp -s "$tmp/names.native" "$tmp/names.emu"; then
        pass "-strace call list of $prog-$bits ($(wc -l <"$tmp/names.emu") calls, as strace)"
      else
        fail "-strace call list of $prog-$bits" "$(diff "$tmp/names.native" "$tmp/names.emu" | head -4 | tr '\n' ' ')"
      fi
    done
  done
else
  skip "-strace call lists" "strace(1) is not installed (Debian package strace)"
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
