#!/bin/sh
# The guest's screen: the VGA registers and renderer driven directly
# (tests/display/vga-test, against the VGA reference's rules); SeaBIOS's VGA
# BIOS text screen and a charset/attribute screen (tests/display/textguest.S)
# screendumped by the whole machine (tests/display/screenshot, the entry point
# the monitor's screendump calls) and by qemu-system-x86_64's monitor, compared
# cell by cell (character, foreground, background: the fonts differ, ours is
# our own); mode 13h and mode 12h screens from the same guest compared with
# QEMU's pixel for pixel; Debian's kernel on the bochs-drm framebuffer (32 bpp,
# 1280x800 from the EDID block) and on vesafb (vga=0x317, 16 bpp) with fbcon,
# screendumps compared pixel for pixel with QEMU's; the SDL window under
# Xvfb, typed into with xdotool, with a guest shell on the VGA console running
# the typed command; -vga none and option errors.
#
# QEMU, Xvfb/xdotool or the cached kernel missing: those parts are skipped
# with the reason. Ends with "N passed, N failed, N skipped".
passed=0 failed=0 skipped=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }
T=$(mktemp -d /tmp/quetzal-display.XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/sanitizer.sh"; san_init "$T/sanitizer"
D=$SRC/tests/display
SHOT=$BUILD/tests/display/screenshot
CELLS="python3 $D/textcells.py"
CACHE=${QUETZAL_CACHE:-$HOME/.cache/quetzal}
have_qemu=no
command -v qemu-system-x86_64 >/dev/null 2>&1 && have_qemu=yes

# --- the VGA core and renderer, driven through ports and memory ---
if [ -x "$BUILD/tests/display/vga-test" ]; then
  out=$(cd "$T" && timeout 60 "$BUILD/tests/display/vga-test" 2>&1)
  echo "$out" | grep '^FAIL' | head -20
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
    echo "vga-test: $line"
  else
    fail "vga-test crashed: $(echo "$out" | tail -1)"
  fi
else
  fail "tests/display/vga-test not built (make tests/display/vga-test)"
fi

if [ ! -x "$SHOT" ]; then
  fail "tests/display/screenshot not built (make tests/display/screenshot)"
  echo "$passed passed, $failed failed, $skipped skipped"
  exit 1
fi

# qemu_dump OUT SERIAL_MARKER QEMU_OPTIONS...: QEMU runs the guest until the
# marker appears on its serial port, then its monitor takes a screendump.
# The Linux framebuffer boots take 20 to 40 s; at load 15 on 2 cores five
# times that: the limits here and for ours (timeout 300) allow it
qemu_dump() {
  out=$1 marker=$2
  shift 2
  ser=$T/qemu-serial.$$
  : > "$ser"
  ( i=0
    while ! grep -q "$marker" "$ser" 2>/dev/null && [ $i -lt 2900 ]; do sleep 0.1; i=$((i + 1)); done
    echo "screendump $out"; sleep 1; echo quit ) |
    timeout 300 qemu-system-x86_64 -display none -monitor stdio -serial "file:$ser" -nic none \
      "$@" >/dev/null 2>&1
  rm -f "$ser"
  [ -s "$out" ]
}

# --- SeaBIOS's VGA BIOS text screen, ours vs QEMU's, by cells ---
if gcc -c -m32 "$D/textguest.S" -o "$T/tg.o" 2>"$T/as.err" &&
   ld -m elf_i386 -Ttext 0 --oformat binary "$T/tg.o" -o "$T/tg.bin" 2>>"$T/as.err"; then
  for v in banner charset; do
    timeout 120 "$SHOT" "$T/our-$v.png" png -kernel "$T/tg.bin" -append "$v" -serial "file:$T/ser-$v" \
      >"$T/shot-$v.log" 2>&1
    st=$?
    if [ $st = 33 ] && grep -q DISPLAY-READY "$T/ser-$v"; then
      pass "text guest '$v' screendump (SeaBIOS + vgabios-stdvga.bin)"
    else
      fail "text guest '$v': exit $st: $(tail -2 "$T/shot-$v.log")"
    fi
  done
  timeout 120 "$SHOT" "$T/our-banner.ppm" ppm -kernel "$T/tg.bin" -append banner \
    -serial null >/dev/null 2>&1
  if python3 -c "
import sys, runpy
m = runpy.run_path('$D/textcells.py', run_name='lib')
a, b = m['read_image']('$T/our-banner.png'), m['read_image']('$T/our-banner.ppm')
sys.exit(0 if a == b and a[0] == 720 and a[1] == 400 else 1)"; then
    pass "PNG and PPM screendumps: the same 720x400 pixels"
  else
    fail "PNG and PPM screendumps differ (or not 720x400)"
  fi
  r=$($CELLS font "$SRC/ui/font8x16.c" "$T/our-charset.png")
  case $r in *": 0 of 256") pass "text screen drawn with our font ($r)" ;; *) fail "our font: $r" ;; esac
  row0=$($CELLS text "$T/our-charset.png" "$T/our-banner.png" 0)
  case $row0 in
    "SeaBIOS (version "*) pass "banner read back from the screen: $row0" ;;
    *) fail "banner row 0 reads '$row0'" ;;
  esac
  if [ $have_qemu = yes ]; then
    for v in charset banner; do
      qemu_dump "$T/qemu-$v.ppm" DISPLAY-READY -kernel "$T/tg.bin" -append "$v" ||
        { fail "qemu screendump of '$v' failed"; continue; }
      r=$($CELLS compare "$T/our-charset.png" "$T/qemu-charset.ppm" "$T/our-$v.png" "$T/qemu-$v.ppm" 2>&1)
      if [ $? = 0 ]; then pass "'$v' screen vs QEMU by cells: $(echo "$r" | head -1)"
      else fail "'$v' screen vs QEMU: $r"; fi
    done
    # mode 13h (chain-4) and mode 12h (planar, write mode 2, latches, bit
    # mask): the same pixels as QEMU's screendump, byte for byte
    for v in graphics13 planar12; do
      timeout 120 "$SHOT" "$T/our-$v.ppm" ppm -kernel "$T/tg.bin" -append "$v" -serial null \
        >/dev/null 2>&1
      if ! qemu_dump "$T/qemu-$v.ppm" DISPLAY-READY -kernel "$T/tg.bin" -append "$v"; then
        fail "qemu screendump of '$v' failed"
      elif cmp -s "$T/our-$v.ppm" "$T/qemu-$v.ppm"; then
        pass "'$v' screen = QEMU's, pixel for pixel ($(sed -n 2p "$T/our-$v.ppm"))"
      else
        fail "'$v' screen differs from QEMU's ($(sed -n 2p "$T/our-$v.ppm") vs $(sed -n 2p "$T/qemu-$v.ppm"))"
      fi
    done
  else
    skip "text and graphics screens vs QEMU: qemu-system-x86_64 not installed (Debian package qemu-system-x86)"
  fi
else
  fail "cannot assemble textguest.S: $(head -3 "$T/as.err")"
fi

# --- -vga none: no card, the guest still boots; option errors as QEMU words them ---
if [ -f "$T/tg.bin" ]; then
  timeout 120 "$SHOT" "$T/none.png" png -vga none -kernel "$T/tg.bin" -append banner \
    -serial "file:$T/ser-none" >"$T/shot-none.log" 2>&1
  if grep -q DISPLAY-READY "$T/ser-none" && grep -q "no display" "$T/shot-none.log" &&
     [ ! -e "$T/none.png" ]; then
    pass "-vga none: the guest boots, no screen to dump"
  else
    fail "-vga none: $(cat "$T/shot-none.log")"
  fi
fi
for bad in "-vga cirrus:unsupported card 'cirrus'" "-display gtk:unsupported display 'gtk'"; do
  opt=${bad%%:*} msg=${bad#*:}
  out=$("$BUILD/quetzal-system-x86_64" $opt 2>&1)
  st=$?
  case $out in
    *"$msg"*) [ $st = 1 ] && pass "$opt refused: $out" || fail "$opt: exit $st" ;;
    *) fail "$opt: '$out'" ;;
  esac
done

# --- Linux on the bochs-drm and VESA framebuffers (fbcon) ---
kernel=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | head -1)
bb=$CACHE/busybox-static/bin/busybox
mods=$(ls -d "$CACHE"/linux/lib/modules/* 2>/dev/null | head -1)
fb_initrd() {   # fb_initrd OUT [bochs]
  root=$(mktemp -d "$T/root.XXXXXX")
  mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp "$D/fbinit.sh" "$root/init"
  chmod 755 "$root/init"
  if [ "${2:-}" = bochs ]; then
    mkdir "$root/modules"
    order=""
    for m in drm ttm drm_kms_helper drm_ttm_helper drm_vram_helper bochs; do
      f=$(find "$mods" -name "$m.ko" | head -1)
      [ -n "$f" ] || return 1
      cp "$f" "$root/modules/"
      order="$order $m.ko"
    done
    echo "$order" > "$root/modules/order"
  fi
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$1"
}
if [ -z "$kernel" ] || [ ! -x "$bb" ] || [ -z "$mods" ]; then
  skip "framebuffer guests: no cached Debian kernel/modules/busybox (run scripts/setup.sh --tests)"
else
  # panic=-1: a panic ends the run at once instead of at the timeout;
  # no_timer_check: see tests/system-guest/boot-lib.sh (LINUX_TEST_ARGS)
  for kind in bochs vesa; do
    if [ $kind = bochs ]; then
      fb_initrd "$T/fb-$kind.gz" bochs || { fail "bochs-drm modules missing in $mods"; continue; }
      append="console=ttyS0 panic=-1 no_timer_check logo.nologo vt.global_cursor_default=0"
      want="name=bochs-drmdrmfb size=1280,800 bpp=32"    # the EDID's preferred mode
    else
      fb_initrd "$T/fb-$kind.gz"
      append="console=ttyS0 panic=-1 no_timer_check vga=0x317 logo.nologo vt.global_cursor_default=0"
      want="name=VESA VGA size=1024,768 bpp=16"
    fi
    timeout 300 "$SHOT" "$T/our-fb-$kind.png" png -m 256 -kernel "$kernel" -initrd "$T/fb-$kind.gz" \
      -append "$append" -serial "file:$T/ser-fb-$kind" >"$T/shot-fb-$kind.log" 2>&1
    st=$?
    got=$(grep -a "^QZ-FB name" "$T/ser-fb-$kind" | head -1 | sed 's/^QZ-FB //' | tr -d '\r')
    if [ $st = 33 ] && [ "$got" = "$want" ]; then
      pass "Linux $kind framebuffer: $got"
    else
      fail "Linux $kind framebuffer: exit $st (124: timed out), guest reports '$got' (want '$want')"
      tail -n 5 "$T/ser-fb-$kind" | sed 's/^/    /'
      continue
    fi
    dims=$(python3 -c "
import runpy; m = runpy.run_path('$D/textcells.py', run_name='lib')
w, h, px = m['read_image']('$T/our-fb-$kind.png')
lit = sum(1 for i in range(0, len(px), 3) if px[i:i+3] != bytes(3))
print(w, h, lit)")
    set -- $dims
    case $kind in bochs) ww=1280 hh=800 ;; *) ww=1024 hh=768 ;; esac
    if [ "$1" = $ww ] && [ "$2" = $hh ] && [ "${3:-0}" -gt 500 ]; then
      pass "$kind fbcon screendump ${ww}x$hh with text ($3 lit pixels)"
    else
      fail "$kind fbcon screendump: '$dims'"
    fi
    if [ $have_qemu = yes ]; then
      if qemu_dump "$T/qemu-fb-$kind.ppm" QZ-FB-READY -m 256 -kernel "$kernel" \
           -initrd "$T/fb-$kind.gz" -append "$append"; then
        r=$(python3 -c "
import runpy; m = runpy.run_path('$D/textcells.py', run_name='lib')
a, b = m['read_image']('$T/our-fb-$kind.png'), m['read_image']('$T/qemu-fb-$kind.ppm')
n = sum(1 for i in range(0, min(len(a[2]), len(b[2])), 3) if a[2][i:i+3] != b[2][i:i+3])
print('%dx%d vs %dx%d, %d pixels differ' % (a[0], a[1], b[0], b[1], n))")
        case $r in
          "${ww}x$hh vs ${ww}x$hh, 0 pixels differ") pass "$kind fbcon screen = QEMU's, pixel for pixel" ;;
          *) fail "$kind fbcon screen vs QEMU: $r" ;;
        esac
      else
        fail "qemu screendump of the $kind framebuffer guest failed"
      fi
    else
      skip "$kind fbcon vs QEMU: qemu-system-x86_64 not installed"
    fi
  done
fi

# --- the SDL window: keys typed with xdotool reach a shell on the console ---
if ! grep -q '^CONFIG_SDL=y' "$BUILD/config.mak" 2>/dev/null; then
  skip "SDL window: built without SDL (Debian package libsdl2-dev)"
elif ! command -v xvfb-run >/dev/null 2>&1 || ! command -v xdotool >/dev/null 2>&1; then
  skip "SDL window: xvfb-run or xdotool missing (Debian packages xvfb, xdotool)"
elif [ -z "$kernel" ] || [ ! -x "$bb" ]; then
  skip "SDL window: no cached Debian kernel/busybox"
else
  root=$(mktemp -d "$T/sdlroot.XXXXXX")
  mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp "$D/sdlinit.sh" "$root/init"
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$T/sdl.gz"
  cat > "$T/sdl-run.sh" <<EOF
#!/bin/sh
"$BUILD/quetzal-system-x86_64" -m 256 -display sdl -serial "file:$T/ser-sdl" -no-reboot \
  -kernel "$kernel" -initrd "$T/sdl.gz" -append "console=ttyS0 panic=-1 no_timer_check" >"$T/sdl.log" 2>&1 &
pid=\$!
i=0
while ! grep -q QZ-SHELL-READY "$T/ser-sdl" 2>/dev/null && [ \$i -lt 2400 ]; do sleep 0.1; i=\$((i + 1)); done
win=\$(xdotool search --sync --name Quetzal | head -1)
xdotool windowactivate --sync "\$win" 2>/dev/null || xdotool windowfocus --sync "\$win"
xdotool type --delay 120 'echo QZ-TYPED-\$((6*7)) > /dev/ttyS0'
xdotool key --delay 120 Return
i=0
while ! grep -q QZ-TYPED-42 "$T/ser-sdl" 2>/dev/null && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
xdotool type --delay 120 'poweroff -f'
xdotool key Return
i=0
while kill -0 \$pid 2>/dev/null && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
kill \$pid 2>/dev/null
EOF
  timeout 400 xvfb-run -a -s "-screen 0 1280x1024x24" sh "$T/sdl-run.sh" >/dev/null 2>&1
  if grep -q QZ-TYPED-42 "$T/ser-sdl" 2>/dev/null; then
    pass "SDL window: xdotool typed 'echo QZ-TYPED-\$((6*7))', the guest shell printed QZ-TYPED-42"
  else
    fail "SDL window: the typed command did not run; serial tail: $(tail -3 "$T/ser-sdl" 2>/dev/null | tr '\n' ' '); $(tail -2 "$T/sdl.log" 2>/dev/null)"
  fi
fi

san_check
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
