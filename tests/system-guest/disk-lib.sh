# Shared by tests/check-disk.sh and tests/bench/disk.sh (sourced, not run):
# make_disk_initramfs OUT builds the initramfs of the disk guests: Debian's
# busybox-static, tests/system-guest/disk-init.sh as /init, and the storage
# modules of the cached Debian kernel (ata_piix, sd_mod, sr_mod, ext4, isofs,
# virtio_pci, virtio_blk) with what they depend on (the "depends=" field of
# each module's .modinfo section), in load order. Needs SRC, T and CACHE.
make_disk_initramfs() {
  out=$1
  moddir=$(ls -d "$CACHE"/linux/lib/modules/*/kernel 2>/dev/null | head -1)
  bb=$CACHE/busybox-static/bin/busybox
  [ -n "$moddir" ] && [ -x "$bb" ] || { echo "kernel modules or busybox missing in $CACHE" >&2; return 1; }
  root=$T/initramfs
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/modules"
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  order=""
  for m in crc32c_generic ata_piix sd_mod sr_mod ext4 isofs virtio_pci virtio_blk; do
    add_module $m || { echo "module $m not found" >&2; return 1; }
  done
  echo $order >"$root/modules.order"
  cp "$SRC/tests/system-guest/disk-init.sh" "$root/init"
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

add_module() {
  local n f d
  n=$(echo "$1" | tr - _)
  case " $order " in *" $n.ko "*) return 0 ;; esac
  f=$(find "$moddir" -name "$n.ko*" -o -name "$(echo "$n" | tr _ -).ko*" | head -1)
  [ -n "$f" ] || return 1
  for d in $(tr '\0' '\n' <"$f" | grep -a '^depends=' | cut -d= -f2 | tr , ' '); do
    add_module "$d" || return 1
  done
  case $f in *.xz) xz -dc "$f" >"$root/modules/$n.ko" ;; *) cp "$f" "$root/modules/$n.ko" ;; esac
  order="$order $n.ko"
}
