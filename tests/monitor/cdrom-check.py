#!/usr/bin/env python3
"""Debian's Linux kernel sees the monitor's CD changes (tests/check-monitor.sh):
a busybox initramfs (cdrom-init.sh, with ata_piix, sr_mod and isofs) mounts the
CD in ide1-cd0 and reads its /id; the host's HMP `change ide1-cd0 cd2.iso`
must make the guest read the other CD's /id, `info block` must show it, the
guest's 4 O_DIRECT reads of 64 KiB from ide0-hd0 must show in `info
blockstats` (rd_bytes +262144, rd_operations +4), and `eject -f ide1-cd0` must
leave the guest with an empty drive (mount: no medium); a read of a cluster
cut off a qcow2 image on ide0-hd1 gives BLOCK_IO_ERROR (action "report") and
counts in failed_rd_operations; HMP `block_resize virtio0 2` grows the
virtio disk from 1 to 2 MiB while the guest runs and Linux sees the new size
in /sys/block/vda/size (virtio's configuration change); QMP
blockdev-snapshot-sync then switches virtio0 to a qcow2 overlay while the
guest runs: the guest's write goes to it (vd.raw unchanged, the overlay's
qemu-img info names vd.raw as backing file), the guest reads it back, and
HMP `commit virtio0` puts it into vd.raw; with DEVICE_TRAY_MOVED events on
QMP for each tray movement. Booted through SeaBIOS: with -M pc,fast-boot=on
the kernel's ata_piix probe never ends (hw/pc.c's firmware-less set-up).
Known: an eject while the guest's ATAPI DMA read is in flight can leave
Linux waiting for the command until its timeout; the guest keeps the drive
idle while the host ejects.
   cdrom-check.py QUETZAL KERNEL INITRD TMPDIR"""
import os, re, shutil, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_session import Emulator, HMP, QMP

results = {'passed': 0, 'failed': 0, 'skipped': 0}

def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok ' if ok else 'FAIL ') + name + ('' if ok else ': ' + detail))

def stats(m, dev):
    line = [l for l in m.cmd('info blockstats').split('\n') if l.startswith(dev + ':')]
    return dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', line[0])) if line else {}

def qemu_img(*args):
    return subprocess.run(['qemu-img'] + list(args), capture_output=True, text=True)

def check_overlay(tmp, m, emu):
    """The guest's write is in the overlay only; commit moves it down."""
    check('snapshot-guest-reads-back', 'QZ-VDW ok' in emu.serial_text(), emu.serial_text()[-200:])
    base, copy, ov = (os.path.join(tmp, n) for n in ('vd.raw', 'vd.copy', 'vd-ov.qcow2'))
    r = qemu_img('compare', '-U', '-f', 'raw', '-F', 'raw', base, copy)
    check('snapshot-base-unchanged', r.returncode == 0, r.stdout + r.stderr)
    info = qemu_img('info', '-U', ov).stdout
    check('snapshot-overlay-backing', re.search(r'backing file: vd\.raw[\n ]', info) is not None and
          'backing file format: raw' in info, info)
    pattern = (b'QZDATA\n' * 10000)[:65536]
    raw = os.path.join(tmp, 'vd-ov.raw')
    qemu_img('convert', '-U', '-O', 'raw', ov, raw)
    with open(raw, 'rb') as f:
        f.seek(1 << 20)
        check('snapshot-overlay-has-write', f.read(65536) == pattern, 'not in the overlay')
    out = m.cmd('commit virtio0')
    check('snapshot-commit-quiet', out.strip() == '', repr(out))
    with open(base, 'rb') as f:
        f.seek(1 << 20)
        check('snapshot-commit-into-base', f.read(65536) == pattern, 'not in vd.raw')

def main():
    binary, kernel, initrd, tmp = sys.argv[1:5]
    for n in ('cd1', 'cd2'):
        d = os.path.join(tmp, n)
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, 'id'), 'w').write(n + '\n')
        subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-o', n + '.iso', n], cwd=tmp,
                       check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(tmp, 'disk.raw'), 'wb') as f:
        f.write(os.urandom(1 << 20))
    # a qcow2 image whose data cluster at 2 MiB is cut off the file: reads fail
    bad = os.path.join(tmp, 'bad.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', bad, '4M'], check=True)
    subprocess.run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0x11 2M 64k', bad], check=True,
                   stdout=subprocess.DEVNULL)
    os.truncate(bad, os.path.getsize(bad) - 65536)
    with open(os.path.join(tmp, 'vd.raw'), 'wb') as f:
        f.truncate(1 << 20)
    emu = Emulator(binary, None, tmp, 'cdrom', qmp=True, extra=[
        '-m', '256', '-kernel', kernel, '-initrd', initrd,
        '-append', 'console=ttyS0 panic=-1 no_timer_check quiet', '-no-reboot',
        '-drive', 'file=disk.raw,format=raw,if=ide,index=0',
        '-drive', 'file=bad.qcow2,format=qcow2,if=ide,index=1', '-cdrom', 'cd1.iso',
        '-drive', 'file=vd.raw,format=raw,if=virtio'])
    try:
        q = QMP(emu.qmp_path)
        q.cmd('qmp_capabilities')
        m = HMP(emu)
        if emu.wait_serial('QZ-VDA ', timeout=240):
            check('virtio-size-before', 'QZ-VDA 2048' in emu.serial_text(), emu.serial_text()[-200:])
            out = m.cmd('block_resize virtio0 2')
            check('block-resize-quiet', out.strip() == '', repr(out))
            check('block-resize-image', os.path.getsize(os.path.join(tmp, 'vd.raw')) == 2 << 20,
                  '%d bytes' % os.path.getsize(os.path.join(tmp, 'vd.raw')))
            ok = emu.wait_serial('QZ-VDA-RESIZED', timeout=120)
            check('virtio-guest-sees-resize', ok and re.search(r'QZ-VDA-RESIZED 4096\r?\n', emu.serial_text()) is not None,
                  emu.serial_text()[-200:])
            snap = q.cmd('blockdev-snapshot-sync', {'device': 'virtio0', 'snapshot-file': 'vd-ov.qcow2',
                                                    'snapshot-node-name': 'vdsnap'})
            check('snapshot-sync-reply', snap == {'return': {}}, repr(snap))
            shutil.copyfile(os.path.join(tmp, 'vd.raw'), os.path.join(tmp, 'vd.copy'))
            blk = m.cmd('info block virtio0')
            check('snapshot-info-block', 'virtio0 (vdsnap): vd-ov.qcow2 (qcow2)' in blk and
                  'Backing file:     vd.raw (chain depth: 1)' in blk, blk)
        if not emu.wait_serial('QZ-STATS-1', timeout=240):
            check('cdrom-boot', False, 'no QZ-STATS-1; last: %r' % emu.serial_text()[-300:])
            return
        check('cdrom-guest-reads-cd1', 'QZ-CD1 cd1' in emu.serial_text(), emu.serial_text()[-200:])
        s1 = stats(m, 'ide0-hd0')
        out = m.cmd('change ide1-cd0 -f cd2.iso')    # the guest's mount locks the tray
        check('cdrom-change-quiet', out.strip() == '', repr(out))
        blk = m.cmd('info block ide1-cd0')
        check('cdrom-info-block-new-medium', 'ide1-cd0 (#block' in blk and
              ': cd2.iso (raw, read-only)' in blk and 'tray closed' in blk, blk)
        if not emu.wait_serial('QZ-STATS-2', timeout=120):
            check('cdrom-guest-reads-cd2', False, emu.serial_text()[-300:])
            return
        check('cdrom-guest-reads-cd2', 'QZ-CD2 cd2' in emu.serial_text(), emu.serial_text()[-200:])
        s2 = stats(m, 'ide0-hd0')
        if os.path.exists(os.path.join(tmp, 'vd.copy')):
            check_overlay(tmp, m, emu)
        d_bytes = s2.get('rd_bytes', 0) - s1.get('rd_bytes', 0)
        d_ops = s2.get('rd_operations', 0) - s1.get('rd_operations', 0)
        check('cdrom-blockstats-direct-reads', d_bytes == 262144 and d_ops == 4,
              'rd_bytes +%d, rd_operations +%d' % (d_bytes, d_ops))
        err = q.wait_event('BLOCK_IO_ERROR', timeout=5)
        want = {'device', 'nospace', 'node-name', 'reason', 'operation', 'action'}
        check('cdrom-block-io-error-event', 'QZ-IOERR' in emu.serial_text() and err is not None and
              set(err['data']) == want and err['data']['device'] == 'ide0-hd1' and
              err['data']['operation'] == 'read' and err['data']['action'] == 'report',
              repr(err) + emu.serial_text()[-100:])
        hd1 = q.cmd('query-blockstats')['return'][1]
        check('cdrom-blockstats-failed-reads', hd1['device'] == 'ide0-hd1' and
              hd1['stats']['failed_rd_operations'] >= 1, repr(hd1.get('stats'))[:300])
        cd = stats(m, 'ide1-cd0')
        check('cdrom-blockstats-cd-reads', cd.get('rd_bytes', 0) > 0 and cd.get('rd_operations', 0) > 0,
              repr(cd))
        # the guest locks the tray while it has the CD mounted (PREVENT MEDIUM
        # REMOVAL): -f as a user would
        out = m.cmd('eject -f ide1-cd0')
        check('cdrom-eject-quiet', out.strip() == '', repr(out))
        ok = emu.wait_serial('QZ-EJECTED', timeout=60)
        check('cdrom-guest-sees-eject', ok, emu.serial_text()[-200:])
        moves = []
        while True:
            e = q.wait_event('DEVICE_TRAY_MOVED', timeout=1)
            if not e:
                break
            moves.append((e['data']['device'], e['data']['tray-open']))
        # change: open, close; eject: open; then Linux's sr driver, opening the
        # drive to mount, closes the tray itself (START STOP UNIT, LoEj):
        # the event of a guest-moved tray
        check('cdrom-tray-events', moves == [('ide1-cd0', True), ('ide1-cd0', False),
                                            ('ide1-cd0', True), ('ide1-cd0', False)], repr(moves))
        check('cdrom-guest-powers-off', emu.wait_exit(timeout=60) == 0, 'exit %r' % emu.proc.poll())
    finally:
        emu.kill()

if __name__ == '__main__':
    main()
    print('%d passed, %d failed, %d skipped' % (results['passed'], results['failed'], results['skipped']))
    sys.exit(1 if results['failed'] else 0)
