#!/bin/sh
# Installs the Debian packages Quetzal needs (as root, with apt-get) or prints the
# exact apt-get line to run (otherwise). With --tests it adds what the test suites
# need and fetches the guest programs they run into the cache folder
# ($QUETZAL_CACHE, default ~/.cache/quetzal), never into the git tree.
set -e

build_pkgs="gcc make pkg-config zlib1g-dev libaio-dev libsdl2-dev libreadline-dev libpng-dev libzstd-dev liburing-dev libdeflate-dev"
test_pkgs="gcc-multilib qemu-utils qemu-user clang file jq strace gdb openssl acpica-tools qemu-system-x86 seabios cpio xvfb xdotool grub-pc-bin xorriso mtools e2fsprogs python3"
guest_debs="busybox-static zsh-static"

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
    (cd "$cache/debs" && { ls ${d}_*_[!i]*.deb >/dev/null 2>&1 || apt-get download "$d" >/dev/null 2>&1 ||
       { [ "$(id -u)" = 0 ] && apt-get update -qq && apt-get download "$d" >/dev/null; }; }) ||
      { echo "setup: cannot download Debian package $d" >&2; exit 1; }
    rm -rf "$cache/$d.tmp" && dpkg -x "$(ls "$cache"/debs/${d}_*.deb | grep -v '_i386\.deb$' | head -1)" "$cache/$d.tmp" && mv "$cache/$d.tmp" "$cache/$d"
  fi
done

# fetch_kernel DIR META [ARCH]: the kernel package the Debian metapackage META
# depends on, unpacked into $cache/DIR (boot/vmlinuz-*), for the boot tests
fetch_kernel() {
  dir=$1 meta=$2 arch=${3:-}
  ls "$cache/$dir"/boot/vmlinuz-* >/dev/null 2>&1 && return 0
  pkg=$(apt-cache depends "$meta${arch:+:$arch}" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)/\1/p' | head -1)
  [ -n "$pkg" ] || { echo "setup: cannot resolve $meta (apt-get update?)" >&2; return 1; }
  pkg=${pkg%%:*}
  (cd "$cache/debs" && { ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download "$pkg${arch:+:$arch}" >/dev/null; }) ||
    { echo "setup: cannot download Debian package $pkg" >&2; return 1; }
  rm -rf "$cache/$dir.tmp" && dpkg -x "$(ls "$cache"/debs/"${pkg}"_*.deb | head -1)" "$cache/$dir.tmp" &&
    rm -rf "$cache/$dir" && mv "$cache/$dir.tmp" "$cache/$dir"
}

if [ "$1" = "--tests" ]; then
  # Debian 12's x86-64 kernel for tests/check-boot.sh and the boot benchmarks
  fetch_kernel linux linux-image-amd64 || exit 1
fi
if [ "$1" = "--tests" ] || [ "$1" = "--i386" ]; then
  # the 32-bit guest of tests/check-boot.sh: the i386 archive must be enabled
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    [ "$(id -u)" = 0 ] || { echo "setup: run as root: dpkg --add-architecture i386 && apt-get update" >&2; exit 1; }
    dpkg --add-architecture i386 && apt-get update -qq
  fi
  fetch_kernel linux-686-pae linux-image-686-pae i386 || exit 1
  if [ ! -d "$cache/busybox-static-i386" ]; then
    (cd "$cache/debs" && { ls busybox-static_*_i386.deb >/dev/null 2>&1 || apt-get download busybox-static:i386 >/dev/null; }) ||
      { echo "setup: cannot download busybox-static:i386" >&2; exit 1; }
    rm -rf "$cache/busybox-static-i386.tmp" &&
      dpkg -x "$(ls "$cache"/debs/busybox-static_*_i386.deb | head -1)" "$cache/busybox-static-i386.tmp" &&
      mv "$cache/busybox-static-i386.tmp" "$cache/busybox-static-i386"
  fi
fi
exit 0
