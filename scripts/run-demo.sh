#!/bin/sh
# The main job until system mode exists: run Debian's static busybox in user mode.
set -e
cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
bb=$cache/busybox-static/bin/busybox
echo "+ quetzal-x86_64 $bb uname -m; echo hello from busybox"
"$BUILD/quetzal-x86_64" "$bb" sh -c 'uname -m; echo hello from busybox; ls / | head -5'
