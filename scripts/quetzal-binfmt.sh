#!/bin/sh
# Registers quetzal-i386 with the kernel's binfmt_misc, so that i386 Linux
# programs run under it when executed directly (as Debian's qemu-user-binfmt
# does for qemu-i386); quetzal-x86_64 too with --x86_64 (for hosts that do
# not run x86-64 programs themselves). Format of a registration
# (Documentation/admin-guide/binfmt-misc.rst):
#   :name:type:offset:magic:mask:interpreter:flags
# Flags: P preserve argv[0] (the emulator gets FULLPATH ARGV0 ARGS and knows
# it from AT_FLAGS), O the kernel opens the program (AT_EXECFD), C
# credentials from the program (implies O; setuid programs run with their
# owner's rights under the emulator: use with care), F the kernel opens the
# interpreter now (it then works in chroots and containers).
#
# Usage: quetzal-binfmt.sh [--path DIR] [--flags FLAGS] [--x86_64] [--dry-run]
#        quetzal-binfmt.sh --uninstall [--x86_64]
# Needs root and binfmt_misc mounted on /proc/sys/fs/binfmt_misc.
set -eu

binfmt=${BINFMT_MISC:-/proc/sys/fs/binfmt_misc}
path=
flags=P
action=install
arches=i386
dry_run=no

usage() {
  sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"
  exit "${1:-0}"
}

while [ $# -gt 0 ]; do
  case $1 in
    --path) [ $# -ge 2 ] || usage 1; path=$2; shift ;;
    --flags) [ $# -ge 2 ] || usage 1; flags=$2; shift ;;
    --x86_64) arches="i386 x86_64" ;;
    --uninstall) action=uninstall ;;
    --dry-run) dry_run=yes ;;
    -h|--help) usage 0 ;;
    *) echo "quetzal-binfmt.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
  shift
done

case $flags in
  *[!POCF]*) echo "quetzal-binfmt.sh: flags are letters of P, O, C, F: '$flags'" >&2; exit 1 ;;
esac

# the emulator learns of P from AT_FLAGS, which Linux passes since 5.12: on an
# older kernel it could not tell ARGV0 from the program's first argument
case $flags in
  *P*)
    release=$(uname -r)
    major=${release%%.*} rest=${release#*.}
    minor=${rest%%[!0-9]*}
    if [ "$major" -lt 5 ] || { [ "$major" = 5 ] && [ "${minor:-0}" -lt 12 ]; }; then
      echo "quetzal-binfmt.sh: flag P needs Linux 5.12 or later (AT_FLAGS); this is $release:" \
           "use --flags without P" >&2
      exit 1
    fi ;;
esac

# ELF header fields matched (System V gABI, "ELF Header"): the magic, EI_CLASS
# (1: 32-bit, 2: 64-bit), EI_DATA 1 (little-endian), EI_VERSION 1; any OS ABI
# and padding; e_type 2 or 3 (ET_EXEC, ET_DYN: the mask drops bit 0);
# e_machine 3 (EM_386) or 62 (EM_X86_64).
ident_mask='\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00'
magic_for() {
  case $1 in
    i386) printf '%s' '\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00' ;;
    x86_64) printf '%s' '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00' ;;
  esac
}
mask='\xfe\xff\xff\xff'

if [ $dry_run = no ] && [ ! -w "$binfmt/register" ]; then
  echo "quetzal-binfmt.sh: $binfmt/register is not writable (root, and" \
       "'mount binfmt_misc -t binfmt_misc $binfmt'?)" >&2
  exit 1
fi

for arch in $arches; do
  name=quetzal-$arch
  if [ $action = uninstall ]; then
    if [ -e "$binfmt/$name" ]; then
      [ $dry_run = yes ] && { echo "echo -1 > $binfmt/$name"; continue; }
      echo -1 >"$binfmt/$name"
      echo "removed $name"
    else
      echo "$name was not registered"
    fi
    continue
  fi
  if [ -n "$path" ]; then
    interp=$path/$name
  else
    interp=$(command -v "$name" || true)
    [ -n "$interp" ] || interp=$(cd "$(dirname "$0")/.." && pwd)/$name
  fi
  case $interp in
    /*) ;;
    *) interp=$(cd "$(dirname "$interp")" && pwd)/$(basename "$interp") ;;
  esac
  if [ ! -x "$interp" ]; then
    echo "quetzal-binfmt.sh: $interp is not an executable (build it, or give --path)" >&2
    exit 1
  fi
  line=":$name:M::$(magic_for "$arch"):$ident_mask$mask:$interp:$flags"
  if [ $dry_run = yes ]; then
    printf '%s\n' "$line"
    continue
  fi
  [ -e "$binfmt/$name" ] && echo -1 >"$binfmt/$name"
  printf '%s' "$line" >"$binfmt/register"
  echo "registered $name: $interp (flags $flags)"
done
