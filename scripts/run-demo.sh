#!/bin/sh
# The main job until system mode exists: Debian's static busybox (x86-64) run in
# user mode under quetzal-x86_64: a shell with a pipeline, command substitution
# and a few applets, each of them a fork and an execve of busybox again.
set -e
cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
bb=$cache/busybox-static/bin/busybox
if [ ! -x "$bb" ]; then
  echo "run-demo: $bb is missing (run scripts/setup.sh --tests)" >&2
  exit 1
fi
script='uname -m; echo "hello from busybox $(busybox | head -1 | cut -d" " -f2)";
ls / | head -5; seq 1 5 | awk "{ s += \$1 } END { print \"sum\", s }"'
echo "+ quetzal-x86_64 $bb sh -c '$script'"
"$BUILD/quetzal-x86_64" "$bb" sh -c "$script"
