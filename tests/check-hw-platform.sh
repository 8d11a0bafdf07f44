#!/bin/sh
# Platform devices suite: the unit test of the PCI bus, i440FX, PIIX3, PIIX4 PM,
# fw_cfg and the ACPI table builder (tests/hw/platform-test, one result per
# check), then the ACPI tables it dumps checked by Debian's iasl (acpica-tools):
# every table disassembles without errors, and the DSDT survives a round trip
# (disassemble, compile with no errors or warnings, disassemble again: same ASL).
# Ends with "N passed, N failed, N skipped".
: "${BUILD:?set BUILD to the build folder}" "${SRC:?set SRC to the source folder}"
passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-hw-platform.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$tmp/sanitizer"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

prog="$BUILD/tests/hw/platform-test"
if [ -x "$prog" ]; then
  out=$("$prog" "$tmp")
  echo "$out" | grep '^FAIL' | head -20
  line=$(echo "$out" | tail -1)
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
  f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
  if [ -n "$p" ]; then
    passed=$((passed + p)); failed=$((failed + f))
    echo "platform unit test: $line"
  else
    fail "platform-test printed no result"
  fi
else
  fail "platform-test not built"
fi

if ! command -v iasl >/dev/null 2>&1; then
  skip "iasl not installed (apt-get install acpica-tools)"
else
  cd "$tmp" || exit 1
  for t in dsdt dsdt4 dsdt255 facp facs apic hpet rsdt xsdt; do
    if [ ! -s "$t.dat" ]; then
      fail "$t.dat was not dumped"
    elif iasl -d "$t.dat" >"$t.log" 2>&1 && [ -s "$t.dsl" ] &&
         ! grep -qiE '^ *(error|warning)|invalid|unknown' "$t.dsl" "$t.log"; then
      pass
    else
      fail "iasl -d $t.dat"; head -20 "$t.log"
    fi
  done
  # DSDT round trip
  for t in dsdt dsdt4 dsdt255; do
    mkdir -p rt-$t && cp $t.dsl rt-$t/in.dsl && cd rt-$t || exit 1
    if iasl -oa -p out in.dsl >compile.log 2>&1 &&
       grep -q ' 0 Errors, 0 Warnings' compile.log &&
       iasl -d out.aml >dis.log 2>&1 &&
       norm() { grep -v '^ \*' "$1" | grep -v DefinitionBlock | sed 's/\\_/_/g'; } &&
       norm in.dsl >a && norm out.dsl >b && cmp -s a b; then
      pass
    else
      fail "$t round trip through iasl"; grep -iE 'error|warning' compile.log | head; diff a b | head
    fi
    cd ..
  done
  # the AML run by ACPICA's interpreter (acpiexec; PCI config space simulated as
  # zeroed memory): PCI link LNKB set to IRQ 10, read back, disabled
  if command -v acpiexec >/dev/null 2>&1; then
    timeout 60 acpiexec -b 'execute \_SB.LNKB._SRS (89 06 00 09 01 0a 00 00 00 79 00);
      execute \_SB.LNKB._CRS; execute \_SB.LNKB._STA; execute \_SB.LNKB._DIS;
      execute \_SB.LNKB._STA; execute \_SB.LNKB._CRS; execute \_SB.LNKA._PRS;
      execute \_S5; execute \_SB.PCI0.ISA.HPET._STA; execute \_SB.PCI0.FWCF._STA' \
      dsdt.dat >exec.log 2>&1
    grep -E '^ *\[|^ *00[0-9]0:|Error' exec.log | sed 's/^ *//; s/ *$//' >exec.out
    cat >exec.want <<'W'
[Buffer] Length 0B =     0000: 89 06 00 09 01 0A 00 00 00 79 00                 // .........y.
[Integer] = 000000000000000B
[Integer] = 0000000000000009
[Buffer] Length 0B =     0000: 89 06 00 09 01 00 00 00 00 79 00                 // .........y.
[Buffer] Length 13 =
0000: 89 0E 00 09 03 05 00 00 00 0A 00 00 00 0B 00 00  // ................
0010: 00 79 00                                         // .y.
[Package] Contains 4 Elements:
[Integer] = 0000000000000000
[Integer] = 0000000000000000
[Integer] = 0000000000000000
[Integer] = 0000000000000000
[Integer] = 000000000000000F
[Integer] = 000000000000000B
W
    if cmp -s exec.out exec.want; then pass; else fail "acpiexec results"; diff exec.want exec.out | head; fi
  else
    skip "acpiexec not installed"
  fi
  # names Linux looks for
  for n in '_S5,' 'Device (PCI0)' 'EisaId ("PNP0A03")' '_PRT, Package (0x80)' \
           'EisaId ("PNP0B00")' 'EisaId ("PNP0501")' 'EisaId ("PNP0303")' \
           'EisaId ("PNP0103")' '"QEMU0002"' 'Memory32Fixed (ReadOnly' '_PIC, 1, NotSerialized'; do
    if grep -qF "$n" dsdt.dsl; then pass; else fail "DSDT lacks $n"; fi
  done
fi
san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
