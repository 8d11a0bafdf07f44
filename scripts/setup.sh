#!/bin/sh
# Installs the Debian packages Quetzal needs (as root, with apt-get) or prints the
# exact apt-get line to run (otherwise). With --tests it adds what the test suites
# need and fetches the guest programs they run into the cache folder
# ($QUETZAL_CACHE, default ~/.cache/quetzal), never into the git tree.
set -e

build_pkgs="gcc make pkg-config zlib1g-dev libaio-dev libsdl2-dev libreadline-dev libpng-dev"
test_pkgs="gcc-multilib qemu-utils qemu-user clang file jq strace acpica-tools"
guest_debs="busybox-static"

want=$build_pkgs
[ "$1" = "--tests" ] && want="$want $test_pkgs"

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: missing Debian packages; run as root:" >&2
    echo "  apt-get install$missing" >&2
    exit 1
  fi
fi

cache=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
mkdir -p "$cache/debs"
for d in $guest_debs; do
  if [ ! -d "$cache/$d" ]; then
    (cd "$cache/debs" && { ls ${d}_*.deb >/dev/null 2>&1 || apt-get download "$d" >/dev/null 2>&1 ||
       { [ "$(id -u)" = 0 ] && apt-get update -qq && apt-get download "$d" >/dev/null; }; }) ||
      { echo "setup: cannot download Debian package $d" >&2; exit 1; }
    rm -rf "$cache/$d.tmp" && dpkg -x "$cache"/debs/${d}_*.deb "$cache/$d.tmp" && mv "$cache/$d.tmp" "$cache/$d"
  fi
done
exit 0
