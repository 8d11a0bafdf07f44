# Sourced by the suites that compare i386 programs run under quetzal-i386 with
# the same program run natively (check-i386, check-user, check-threads,
# check-userdyn, check-x87, check-sse, check-mmx, check-avx, check-xsave).
# Where the host kernel cannot run i386 programs (no IA32 emulation, or a
# guest kernel without a 32-bit code segment: "Exec format error"), the
# native run becomes Debian's qemu-i386 7.2 running the same program; the
# hardware stays the oracle wherever it runs. Needs $tmp. Defines:
#   native32_init       sets native32 to native, qemu or none (then
#                       native32_why says why)
#   run_native32 PROG ARGS...
#                       runs an i386 program as the oracle does (with -L
#                       $NATIVE32_SYSROOT under qemu-i386 when it is set)
#   qemu32_clean FILE   drops qemu-i386's own crash report from an output
#   run_native PROG ARGS...
#                       runs a program of either architecture as the oracle does
#   qemu32_differs NAME true, printing the reason, when NAME is a test whose
#                       i386 program qemu-i386 7.2 runs differently from the
#                       hardware (the table below): skip it under qemu-i386

native32_init() {
  native32=none
  native32_why="gcc -m32 -static cannot build an i386 program (Debian package gcc-multilib)"
  echo 'int main(void) { return 0; }' > "$tmp/native32-probe.c"
  gcc -m32 -static -o "$tmp/native32-probe" "$tmp/native32-probe.c" 2>/dev/null || return 0
  if "$tmp/native32-probe" 2>/dev/null; then
    native32=native
  elif command -v qemu-i386 >/dev/null && qemu-i386 "$tmp/native32-probe" 2>/dev/null; then
    native32=qemu
  else
    native32_why="this host cannot run i386 programs natively, and qemu-i386 (Debian package qemu-user) does not run one either"
  fi
}

run_native32() {
  if [ "$native32" = qemu ]; then
    qemu-i386 ${NATIVE32_SYSROOT:+-L "$NATIVE32_SYSROOT"} "$@"
  else
    "$@"
  fi
}

# qemu32_clean FILE: drops qemu-i386's own "qemu: uncaught target signal"
# report (written to the program's stderr where the kernel prints nothing)
qemu32_clean() {
  [ "${native32:-native}" = qemu ] || return 0
  perl -0pi -e 's/qemu: uncaught target signal \d+ \([^)]*\) - core dumped\n//g' "$1"
}

# run_native PROG ARGS...: runs PROG natively, or under qemu-i386 when it is
# an i386 ELF program (EI_CLASS 1) and native32 is qemu
run_native() {
  if [ "${native32:-native}" = qemu ] && [ "$(od -An -tx1 -j4 -N1 "$1" 2>/dev/null)" = " 01" ]; then
    run_native32 "$@"
  else
    "$@"
  fi
}

# Tests whose i386 programs QEMU 7.2 runs differently from the hardware, with
# the SDM rule QEMU misses: found by running them under qemu-i386 and ours,
# where ours agrees with the SDM and with the hardware on the x86-64 build.
qemu32_differs() {
  [ "$native32" = qemu ] || return 1
  case $1 in
    # tests/i386/x87.c: FNSTENV's SW 0x35 where the hardware's (and the
    # 64-bit program's, native = ours) is 0x75, and IE after FISTP
    x87-32) echo "QEMU 7.2's x87 leaves the stack-fault flag SF and IE clear (SDM vol. 1, 8.5.1.1: a stack fault sets IE and SF)" ;;
    # check-user: qemu-i386's system-call emulation, not its CPU, differs from
    # the kernel (each seen in the program's output under qemu-i386)
    exec-32) echo "qemu-i386 passes execve of an i386 program to this host's kernel, which cannot run it (Exec format error)" ;;
    "i386 busybox runs busybox (execve)"|"i386 busybox sort | md5sum"|\
    "i386 busybox gzip round trip") echo "qemu-i386 passes execve of an i386 program to this host's kernel, which cannot run it (Exec format error)" ;;
    sighandler-32) echo "qemu-i386 7.2: execve of an i386 program fails here, and signal() reports the old handler's flags its own way" ;;
    sigfault-32|faultregs-32) echo "qemu-i386 7.2 leaves the signal frame's trapno -1 (the kernel: the x86 vector)" ;;
    procstat-32) echo "qemu-i386 7.2 itself dies of SIGSEGV running this /proc/self reader" ;;
    fdext-32) echo "qemu-i386 7.2: eventfd with a bad size and epoll_pwait2 (ENOSYS) differ from the kernel" ;;
    badptr-32) echo "qemu-i386 7.2 checks bad system-call pointers its own way (nanosleep(NULL): EINVAL, the kernel EFAULT)" ;;
    events-32) echo "qemu-i386 7.2's sysinfo does not scale to 32 bits with mem_unit as the kernel's compat sysinfo does" ;;
    sysvipc-32) echo "qemu-i386 7.2's shmat with SHM_RND picks another address" ;;
    fileio-32) echo "qemu-i386 7.2 lists no directory entries (getdents64) on this host's file system" ;;
    # check-x87 and check-mmx: QEMU 7.2's x87 and MMX (the brief's known
    # differences; the x86-64 programs check ours against the hardware)
    "precision-i386 seed "*) echo "QEMU 7.2's x87 FIADD leaves PE and C1 (rounded up) clear on an inexact result (SDM vol. 1, 8.1.3.1 and 8.5.6)" ;;
    "libm-i386 seed 1") echo "QEMU 7.2's x87 transcendentals differ from the hardware's in the last bit (pow)" ;;
    env-i386) echo "QEMU 7.2's FPREM1 leaves C0 (quotient bit 2) clear (SDM vol. 2A, FPREM1)" ;;
    fpptr-i386) echo "QEMU 7.2 keeps no x87 last-instruction opcode FOP and pointers as the hardware does (SDM vol. 1, 8.1.8)" ;;
    sigfpe-i386|unmasked-i386) echo "QEMU 7.2 raises no #MF for unmasked x87 exceptions and stores on them (SDM vol. 1, 8.7)" ;;
    x87-alias-i386) echo "QEMU 7.2's MMX writes leave an x87 register's bits 79:64 unchanged (SDM vol. 1, 9.5.1: set to all ones)" ;;
    "mmx-faults-i386 case 0") echo "QEMU 7.2 runs MOVNTQ mm, mm, a register form that raises #UD (SDM vol. 2B, MOVNTQ: memory only)" ;;
    # check-sse: each case's signal under qemu-i386 and ours (the SDM's)
    "faults-i386 case 5"|"faults-i386 case 6") echo "QEMU 7.2 runs register forms of MOVLPD/MOVNTDQ, which raise #UD (SDM vol. 2: memory only)" ;;
    "faults-i386 case 7") echo "QEMU 7.2's LDMXCSR accepts reserved bits (SDM vol. 2A, LDMXCSR: #GP)" ;;
    "faults-i386 case 11"|"faults-i386 case 22"|"faults-sse4-i386 case 11 (-cpu max)"|\
    "faults-sse4-i386 case 12 (-cpu max)"|"faults-sse4-i386 case 14 (-cpu max)") echo "QEMU 7.2 raises no #XM (SIGFPE) for unmasked SSE exceptions (SDM vol. 1, 11.5.1)" ;;
    "faults-i386 case 13"|"faults-i386 case 14"|"faults-sse4-i386 case 0 (-cpu max)"|\
    "faults-sse4-i386 case 2 (-cpu max)") echo "QEMU 7.2 does not check the 16-byte alignment of legacy-SSE memory operands of HADDPS/MOVSLDUP/PTEST/AESENC (SDM vol. 1, 11.6.7: #GP)" ;;
    "faults-i386 case 20") echo "QEMU 7.2 raises #GP, not #UD, for the undefined 0F 38 0C without 66 (SDM vol. 2: #UD)" ;;
    "intrinsics-i386 seed "*|"ssse3-i386 seed "*) echo "QEMU 7.2's SSE float results differ (hashed; check-difftest's 32-bit sequences show its two-NaN choice and MXCSR.DE instruction by instruction)" ;;
    "bmi-i386 seed "*" (-cpu max)") echo "QEMU 7.2's BLSI sets CF for a zero source and clears it otherwise (SDM vol. 2A, BLSI: CF set if the source is not zero)" ;;
    "sse4-i386 seed "*) echo "qemu-i386 7.2's CPU has no SHA, which this program runs (SIGILL)" ;;
    # check-avx, check-xsave: QEMU 7.2's AVX and XSAVE (the x86-64 programs
    # check ours against the hardware; check-difftest's 32-bit AVX groups run
    # under qemu-i386 with the differences told apart)
    "guest-avx2 i386 seed "*) echo "QEMU 7.2's AVX differs from the hardware in about 330 of 723 forms: MXCSR.DE, the two-NaN choice, scalar VEX.L=1, the gathers' VSIB index (tests/difftest/README.md)" ;;
    xsave-i386*|sigymm-i386) echo "qemu-i386 7.2 offers no XSAVEC, and this program dies of SIGSEGV under it (its i386 signal frame's XSAVE area)" ;;
    disas-i386) echo "qemu-i386 7.2's CPU lacks XSAVEC, so one more of the program's save-area instructions faults (#UD)" ;;
    # check-threads: seen once in five runs under qemu-i386, never under ours
    "altstack -m32 "*) echo "qemu-i386 7.2 now and then runs a thread's handler off its sigaltstack with SIGUSR2 unblocked (a race in its signal delivery)" ;;
    *) return 1 ;;
  esac
}
