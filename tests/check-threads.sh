#!/bin/sh
# Guest threads in Linux user mode: pthread programs from tests/threads/ built
# for x86-64 and i386, static and dynamic, run under quetzal-x86_64 and
# quetzal-i386 and compared with the same binary run natively (output and exit
# status): a mutex-protected counter and __thread data (8 threads), condition
# variables, LOCK-prefixed instructions and XCHG/CMPXCHG8B/16B (exact counts),
# futex operations by raw system calls (timeouts, bitset, requeue, i386
# futex_time64), a storm of 1,000 threads, pthread_kill and a process signal
# taken by the one thread that does not block it, per-thread sigaltstack, fork
# beside threads that map memory with the main thread leaving first, a fault
# in one thread ending all; four threads generating and rewriting code
# (translation-cache flushes and invalidation while other threads run, static
# builds only); and python3 with 8 threads (dynamic, x86-64).
# Each run has a 120 s limit; a timeout fails.
# Environment: BUILD (folder with the emulators), SRC (source folder).
BUILD=${BUILD:-.}
SRC=${SRC:-.}
passed=0 failed=0 skipped=0
tmp=$(mktemp -d /tmp/quetzal-threads.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "${SRC:-.}/tests/sanitizer.sh"; san_init "$tmp/sanitizer"
ulimit -c 0

pass() { passed=$((passed + 1)); printf '%s\n' "PASS $1"; }
fail() { failed=$((failed + 1)); printf '%s\n' "FAIL $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); printf '%s\n' "SKIP $1${2:+: $2}"; }

# run OUTPREFIX COMMAND...: stdout, stderr and status into OUTPREFIX.*
run() {
  prefix=$1
  shift
  (timeout 120 "$@" </dev/null >"$prefix.out" 2>"$prefix.err"; echo $? >"$prefix.status") \
    2>/dev/null
}

# compare NAME EMULATOR COMMAND...: native run against emulated run (an i386
# program's native run is under qemu-i386 where the host cannot run it:
# tests/native32.sh)
compare() {
  name=$1 emulator=$2
  shift 2
  if [ $emulator = quetzal-i386 ] && why=$(qemu32_differs "$name"); then
    skip "$name" "$why"
    return
  fi
  if [ $emulator = quetzal-i386 ] && [ $native32 = qemu ]; then
    run "$tmp/n" qemu-i386 "$@"
  else
    run "$tmp/n" "$@"
  fi
  run "$tmp/e" "$BUILD/$emulator" "$@"
  ns=$(cat "$tmp/n.status") es=$(cat "$tmp/e.status")
  if [ ! -s "$tmp/n.out" ]; then
    fail "$name" "the native run printed nothing (status $ns)"
  elif [ "$ns" != "$es" ]; then
    fail "$name" "exit status native $ns, emulated $es"
    head -3 "$tmp/e.err" | sed 's/^/    /'
  elif ! cmp -s "$tmp/n.out" "$tmp/e.out"; then
    fail "$name" "stdout differs"
    diff "$tmp/n.out" "$tmp/e.out" | head -5 | sed 's/^/    /'
  else
    pass "$name: $(head -1 "$tmp/e.out")"
  fi
}

for emulator in quetzal-x86_64 quetzal-i386; do
  [ -x "$BUILD/$emulator" ] || fail "$emulator" "not built"
done

progs="mutex condvar atomics futex storm kill altstack forkexit crash"
. "$SRC/tests/native32.sh"
native32_init
for arch in 64 32; do
  emulator=quetzal-x86_64
  [ $arch = 32 ] && emulator=quetzal-i386
  extra=
  [ $arch = 64 ] && extra=-mcx16
  for link in static dynamic; do
    flag=
    [ $link = static ] && flag=-static
    more=
    # the JIT test (a million translations) once per architecture
    [ $link = static ] && more=jit
    for prog in $progs $more; do
      bin=$tmp/$prog-$arch-$link
      if ! gcc -m$arch $extra -O2 $flag -pthread -o "$bin" "$SRC/tests/threads/$prog.c" \
           2>"$tmp/cc.err"; then
        fail "$prog -m$arch $link" "does not compile: $(head -1 "$tmp/cc.err")"
        continue
      fi
      if [ $arch = 32 ] && [ $native32 = none ]; then
        skip "$prog -m$arch $link" "$native32_why"
        continue
      fi
      compare "$prog -m$arch $link" $emulator "$bin"
    done
  done
done

# python3 (dynamically linked, from the host) with 8 threads
if [ -x /usr/bin/python3 ]; then
  compare "python3 threading" quetzal-x86_64 /usr/bin/python3 "$SRC/tests/threads/threads.py"
else
  skip "python3 threading" "/usr/bin/python3 is not installed"
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
