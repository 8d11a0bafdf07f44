# Shared by tests/check-boot.sh and the boot benchmarks (tests/bench/boot.sh, guest-cpu.sh)
# (sourced, not run). Builds a Linux initramfs (cpio newc, gzip; see the kernel's
# Documentation/driver-api/early-userspace/buffer-format.rst) around Debian's
# busybox-static, with an /init that checks the guest and prints QZ-* markers,
# and boots a kernel with it under $SYSEMU.
#
# Needs: SRC, BUILD, T (scratch folder). Sets SYSEMU (default
# $BUILD/quetzal-system-x86_64) and CACHE.
SYSEMU=${SYSEMU:-$BUILD/quetzal-system-x86_64}
CACHE=${QUETZAL_CACHE:-$HOME/.cache/quetzal}

# the file the guest hashes: generated the same way on the host (seq output)
BOOT_MD5_COUNT=20000

# sysemu_available: whether $SYSEMU can be run
sysemu_available() {
  case $SYSEMU in
    */*) [ -x "$SYSEMU" ] ;;
    *) command -v "$SYSEMU" >/dev/null 2>&1 ;;
  esac
}

# sysemu_is_qemu: QEMU has no fast-boot machine option
sysemu_is_qemu() {
  case $(basename "$SYSEMU") in qemu*) return 0 ;; esac
  return 1
}

# make_initramfs BUSYBOX OUT [EXTRA_FILE]: the initramfs with /init (and
# /bench/prog when EXTRA_FILE is given: the guest runs it and prints its output)
make_initramfs() {
  bb=$1 out=$2 extra=${3:-}
  root=$(mktemp -d "$T/root.XXXXXX")
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/bench"
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  # /dev/console for init's output when we may create device nodes; /init
  # also mounts devtmpfs and reopens the console otherwise
  mknod "$root/dev/console" c 5 1 2>/dev/null || true
  seq 1 $BOOT_MD5_COUNT | md5sum | cut -d' ' -f1 > "$root/expected.md5"
  [ -n "$extra" ] && cp "$extra" "$root/bench/prog"
  cp "$SRC/tests/system-guest/init.sh" "$root/init"
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# boot_verdict LOG TIMEOUT MARKERS: after boot_run, sets why to what went wrong
# (timeout, exit status, each marker missing (dots stand for spaces), QZ-FAIL
# lines, a panic), empty when the boot passed
boot_verdict() {
  why=""
  [ "$boot_status" = 124 ] && why="timed out after $2 s"
  [ -z "$why" ] && [ "$boot_status" != 0 ] && why="exit status $boot_status"
  for m in $3; do
    pat=$(echo "$m" | tr . ' ')
    grep -q "$pat" "$1" 2>/dev/null || why="${why:+$why; }missing \"$pat\""
  done
  bad=$(grep -E 'QZ-FAIL|Kernel panic' "$1" 2>/dev/null | head -3 | tr '\n' ' ')
  [ -n "$bad" ] && why="${why:+$why; }$bad"
}

# LINUX_TEST_ARGS: kernel parameters every test boot of Linux passes.
# no_timer_check (Documentation/admin-guide/kernel-parameters.txt: "Disables
# the code which tests for broken timer IRQ sources"): check_timer() in
# arch/x86/kernel/apic/io_apic.c wants 5 PIT interrupts handled within 40e9/HZ
# TSC cycles (80 ms of host time at our 2 GHz TSC, HZ=250) and panics with
# "IO-APIC + timer doesn't work!" otherwise. The PIT and the TSC both run on
# the host's clock (system/main-loop.c, as QEMU's virtual clock without
# icount), so on a starved host (2 cores, load 11: 3 boots in 6 panicked) the
# vCPU simply does not run long enough in those 80 ms; nothing in the timer
# is wrong. Linux sets the same flag itself under KVM and Hyper-V
# (paravirt_ops_setup, ms_hyperv_init_platform) for that reason. The route
# the check would have tested (IRQ 0 through IO-APIC pin 2) is checked
# instead by /init from /proc/interrupts (tests/system-guest/init.sh).
LINUX_TEST_ARGS="no_timer_check"

# boot_run LOG TIMEOUT KERNEL INITRD APPEND [EXTRA OPTIONS...]: boots; sets
# boot_status (124: timed out)
boot_run() {
  log=$1 tmo=$2 kernel=$3 initrd=$4 append=$5
  shift 5
  timeout "$tmo" "$SYSEMU" -m 256 -display none -no-reboot -serial "file:$log" \
    -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 $LINUX_TEST_ARGS $append" "$@" \
    </dev/null >"$log.out" 2>&1
  boot_status=$?
}
