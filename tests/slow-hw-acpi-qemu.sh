#!/bin/sh
# Our ACPI tables run by Linux: Debian's kernel boots under QEMU 7.2 (the oracle
# machine) with our tables given as ACPI table upgrades in the initrd
# (kernel/firmware/acpi/*.aml, OEM ids set to QEMU's so the kernel replaces
# QEMU's tables). The guest prints its tables and dmesg and powers off through
# our \_S5.
#   boot 1: our DSDT only; QEMU's FADT and MADT are compared with ours field by
#           field where the two agree by design.
#   boot 2: our DSDT, FADT (its FACS/DSDT pointers set to QEMU's), MADT, HPET.
# Each boot passes when the kernel took our tables, reported no ACPI error or
# warning and found what the tables describe. Skips without qemu-system-x86_64,
# cpio, python3, busybox or the kernel. Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slow-hw-acpi-qemu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

kernel=$(ls "$HOME"/.cache/quetzal/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$(command -v busybox)
if [ -z "$kernel" ] || [ -z "$bb" ] || ! command -v qemu-system-x86_64 >/dev/null ||
   ! command -v cpio >/dev/null || ! command -v python3 >/dev/null; then
  skip "needs qemu-system-x86_64, cpio, python3, static busybox and Debian's kernel in ~/.cache/quetzal/linux"
  echo "$passed passed, $failed failed, $skipped skipped"; exit 0
fi
mkdir -p "$tmp/tables" "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys"
"$BUILD/tests/hw/platform-test" "$tmp/tables" >/dev/null   # built for 128 MiB of low RAM
cp "$bb" "$tmp/root/bin/busybox"
cat > "$tmp/root/init" <<'EOF2'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
for t in FACP APIC; do
  echo "=== $t"
  hexdump -v -e '16/1 "%02x " "\n"' /sys/firmware/acpi/tables/$t
done
echo "=== DMESG"
dmesg
echo "=== END"
poweroff -f
EOF2
chmod +x "$tmp/root/init"

# patch.py IN OUT [FACS DSDT]: QEMU's OEM ids, OEM revision 2, the FADT's
# pointers (FIRMWARE_CTRL, DSDT, X_DSDT) when given, checksum.
cat > "$tmp/patch.py" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[10:16] = b'BOCHS '; d[16:24] = b'BXPC    '; d[24:28] = (2).to_bytes(4, 'little')
if len(sys.argv) > 3:
    facs, dsdt = int(sys.argv[3], 0), int(sys.argv[4], 0)
    d[36:40] = facs.to_bytes(4, 'little'); d[40:44] = dsdt.to_bytes(4, 'little')
    d[140:148] = dsdt.to_bytes(8, 'little')
d[9] = 0; d[9] = (-sum(d)) & 0xff
open(sys.argv[2], 'wb').write(d)
PY
# dump.py LOG SIG: the table the guest printed, as hex offsets FACS DSDT for FACP
cat > "$tmp/dump.py" <<'PY'
import re, sys
cur, data = None, {}
for line in open(sys.argv[1], errors='replace'):
    m = re.search(r'=== (\w+)', line)
    if m:
        cur = m.group(1); data[cur] = bytearray(); continue
    if cur in ('FACP', 'APIC') and re.match(r'^([0-9a-f]{2} ?)+$', line.strip()):
        data[cur] += bytes(int(x, 16) for x in line.split())
open(sys.argv[2], 'wb').write(data.get('FACP', b''))
open(sys.argv[3], 'wb').write(data.get('APIC', b''))
PY

# boot NAME: initrd = the upgrade tables in $tmp/NAME/kernel/firmware/acpi + the shell
boot() {
  (cd "$tmp/$1" && find kernel | cpio -o -H newc 2>/dev/null) > "$tmp/$1.initrd"
  (cd "$tmp/root" && find . | cpio -o -H newc 2>/dev/null) >> "$tmp/$1.initrd"
  timeout 300 qemu-system-x86_64 -machine pc -m 128 -nographic -serial mon:stdio -net none \
    -kernel "$kernel" -initrd "$tmp/$1.initrd" -append "console=ttyS0 no_timer_check loglevel=4" \
    -no-reboot </dev/null 2>&1 | tr -d '\r' > "$tmp/l"
}
has() { if grep -qE "$2" "$tmp/l"; then pass; else fail "$1"; fi; }
common_checks() {
  has "$1: our DSDT in use" 'ACPI: DSDT 0x[0-9A-F]+ [0-9A-F]+ \(v01 BOCHS  BXPC     00000002 QZTL'
  has "$1: AML loaded" '1 ACPI AML tables successfully acquired and loaded'
  has "$1: PCI root bridge" 'PCI Root Bridge \[PCI0\] \(domain 0000 \[bus 00-ff\]\)'
  has "$1: PCI windows" 'root bus resource \[io  0x0d00-0xffff window\]'
  has "$1: S5 supported" 'ACPI: PM: \(supports S0 S5\)'
  has "$1: PCI link from the route registers" 'Interrupt link LNKD configured for IRQ 11'
  has "$1: PnP devices" 'PnP ACPI: found 4 devices'
  has "$1: COM1 from ACPI" 'ttyS0 at I/O 0x3f8 \(irq = 4'
  has "$1: i8042 from ACPI" 'i8042: PNP: PS/2 Controller \[PNP0303:KBD,PNP0f13:MOU\] at 0x60,0x64 irq 1,12'
  has "$1: RTC from ACPI" 'rtc_cmos 00:0'
  has "$1: powered off through _S5" 'reboot: Power down'
  if grep -qE 'ACPI (BIOS )?(Error|Warning)|AE_[A-Z_]+|Firmware Bug|FW_BUG' "$tmp/l"; then
    fail "$1: ACPI errors in dmesg"; grep -E 'ACPI (BIOS )?(Error|Warning)|AE_|Firmware Bug' "$tmp/l" | head
  else
    pass
  fi
}

# boot 1: our DSDT over QEMU's tables
mkdir -p "$tmp/b1/kernel/firmware/acpi"
python3 "$tmp/patch.py" "$tmp/tables/dsdt.dat" "$tmp/b1/kernel/firmware/acpi/dsdt.aml"
boot b1
has "boot 1: table upgrade taken" 'Table Upgrade: override \[DSDT-BOCHS -BXPC'
common_checks "boot 1"
python3 "$tmp/dump.py" "$tmp/l" "$tmp/qfacp" "$tmp/qapic"
if python3 - "$tmp/qfacp" "$tmp/qapic" "$tmp/tables" <<'PY'
import sys
q, qa = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
o, oa = (open(f'{sys.argv[3]}/{n}.dat', 'rb').read() for n in ('facp', 'apic'))
# SCI_INT..PSTATE_CNT, PM1a_EVT, PM1a_CNT, PM_TMR, block lengths, C2/C3, century
spans = [(46, 56), (56, 60), (64, 68), (76, 80), (88, 92), (96, 100), (108, 109)]
bad = [s for s in spans if q[s[0]:s[1]] != o[s[0]:s[1]]]
# FADT flags: ours are QEMU's (WBINVD PROC_C1 SLP_BUTTON RTC_S4) plus RESET_REG_SUP
if len(q) < 116 or int.from_bytes(q[112:116], 'little') & 0xa5 != int.from_bytes(o[112:116], 'little') & 0xa5:
    bad.append('flags')
def entries(t):
    out, off = [], 44
    while off + 2 <= len(t) and t[off + 1] >= 2:
        out.append(bytes(t[off:off + t[off + 1]])); off += t[off + 1]
    return out
# every MADT entry of ours is in QEMU's (QEMU adds overrides for its link IRQs 5, 10, 11)
missing = [e.hex() for e in entries(oa) if e not in entries(qa)]
if bad or missing or qa[36:44] != oa[36:44]:
    print('differs from QEMU: FADT', bad, 'MADT entries', missing); sys.exit(1)
print('boot 1: FADT/MADT agree with QEMU 7.2')
PY
then pass; else fail "boot 1: FADT/MADT against QEMU's"; fi

# boot 2: our DSDT, FADT, MADT and HPET
facs=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(int.from_bytes(d[36:40],'little'))" "$tmp/qfacp" 2>/dev/null)
dsdt=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(int.from_bytes(d[40:44],'little'))" "$tmp/qfacp" 2>/dev/null)
if [ -z "$facs" ] || [ "$facs" = 0 ]; then
  fail "boot 2: no FADT from boot 1"
else
  mkdir -p "$tmp/b2/kernel/firmware/acpi"
  python3 "$tmp/patch.py" "$tmp/tables/dsdt.dat" "$tmp/b2/kernel/firmware/acpi/dsdt.aml"
  python3 "$tmp/patch.py" "$tmp/tables/facp.dat" "$tmp/b2/kernel/firmware/acpi/facp.aml" "$facs" "$dsdt"
  python3 "$tmp/patch.py" "$tmp/tables/apic.dat" "$tmp/b2/kernel/firmware/acpi/apic.aml"
  python3 "$tmp/patch.py" "$tmp/tables/hpet.dat" "$tmp/b2/kernel/firmware/acpi/hpet.aml"
  boot b2
  has "boot 2: our FADT in use" 'ACPI: FACP 0x[0-9A-F]+ 0000F4 \(v03 BOCHS  BXPC     00000002 QZTL'
  has "boot 2: our MADT in use" 'ACPI: APIC 0x[0-9A-F]+ [0-9A-F]+ \(v01 BOCHS  BXPC     00000002 QZTL'
  has "boot 2: our HPET in use" 'ACPI: HPET 0x[0-9A-F]+ 000038 \(v01 BOCHS  BXPC     00000002 QZTL'
  has "boot 2: PM timer" 'ACPI: PM-Timer IO Port: 0x608'
  has "boot 2: SCI override" 'INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level\)'
  has "boot 2: link IRQ override" 'INT_SRC_OVR \(bus 0 bus_irq 10 global_irq 10 high level\)'
  has "boot 2: IRQ0 override" 'INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)'
  has "boot 2: LINT1 NMI" 'LAPIC_NMI \(acpi_id\[0xff\] dfl dfl lint\[0x1\]\)'
  has "boot 2: I/O APIC" 'IOAPIC\[0\]: apic_id 0, version [0-9]+, address 0xfed?c00000, GSI 0-23'
  has "boot 2: HPET" 'hpet0: at MMIO 0xfed00000'
  has "boot 2: acpi_pm clocksource" 'clocksource: acpi_pm: mask: 0xffffff'
  common_checks "boot 2"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
