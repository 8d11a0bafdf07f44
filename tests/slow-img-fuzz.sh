#!/bin/sh
# Fuzzes each format driver's open/read/status/check path with libFuzzer for a
# bounded time (QUETZAL_FUZZ_SECONDS per format, default 60), starting from the
# committed seeds in tests/fuzz-corpus/<format>/. A crash, leak, sanitizer
# report or an allocation above the limit is a failure.
BUILD=${BUILD:-.}
SRC=${SRC:-.}
seconds=${QUETZAL_FUZZ_SECONDS:-60}
T=$(mktemp -d "${TMPDIR:-/tmp}/slow-img-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0 skipped=0

if ! command -v clang >/dev/null 2>&1; then
  echo "clang missing (Debian package clang)"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
libs="-lz -lpthread"
grep -q CONFIG_LIBAIO "$BUILD/config-host.h" && libs="$libs -laio"
# every block-layer source: drivers.c names the drivers that are linked in
# shellcheck disable=SC2086
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
     -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I"$BUILD" -I"$SRC" -I"$SRC/include" \
     "$SRC"/block/*.c "$SRC/tests/fuzz/img-fuzz.c" $libs -o "$T/img-fuzz" 2>"$T/build.log"; then
  cat "$T/build.log"; echo "0 passed, 1 failed"; exit 1
fi
formats=$("$BUILD/quetzal-img" --help | sed -n 's/^Supported formats: //p')
for f in $formats; do
  mkdir -p "$T/corpus-$f"
  [ -d "$SRC/tests/fuzz-corpus/$f" ] && cp "$SRC/tests/fuzz-corpus/$f"/* "$T/corpus-$f/" 2>/dev/null
  if (cd "$T" && ./img-fuzz --format="$f" -max_total_time="$seconds" -malloc_limit_mb=1024 \
        -rss_limit_mb=2048 -timeout=20 -max_len=1048576 "corpus-$f" >"$T/$f.log" 2>&1); then
    passed=$((passed + 1))
    echo "ok: $f ($(grep -o 'Done [0-9]* runs' "$T/$f.log" | tail -1))"
  else
    failed=$((failed + 1))
    echo "FAIL: fuzzing $f"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x' "$T/$f.log" | head -20
    ls "$T"/crash-* "$T"/leak-* "$T"/oom-* "$T"/timeout-* 2>/dev/null | head -3
  fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
