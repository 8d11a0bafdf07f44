#!/usr/bin/env python3
"""The monitor's drive commands (tests/check-monitor.sh): the same HMP and QMP
session against the bare-metal monitor guest under quetzal-system-x86_64 and
Debian's qemu-system-x86_64 (info block, blockstats, snapshots, network;
change/eject of the CD-ROM and floppy, error messages; commit; query-block,
query-blockstats, eject, blockdev-change-medium and the DEVICE_TRAY_MOVED
events), compared line by line and member by member after normalising what
names QEMU's objects (#blockNNN node names, device[N] QOM paths, #netNNN) and
dropping QEMU's sd0 (an SD card slot the pc machine has no controller for).
Without QEMU, the checks that do not need it still run (commit's data).
   block-check.py QUETZAL BIOS TMPDIR [QEMU]"""
import json, os, re, shutil, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_session import Emulator, HMP, QMP

results = {'passed': 0, 'failed': 0, 'skipped': 0}

def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok ' if ok else 'FAIL ') + name + ('' if ok else ': ' + detail))

def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def make_images(tmp):
    for n in ('cd1', 'cd2'):
        d = os.path.join(tmp, n + '-dir')
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, 'id'), 'w').write(n + '\n')
        run(['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-o', n + '.iso', d], tmp)
    with open(os.path.join(tmp, 'base.raw'), 'wb') as f:
        f.write(b'B' * (1 << 20))
    with open(os.path.join(tmp, 'fd.img'), 'wb') as f:
        f.truncate(1474560)

def fresh_images(tmp, tag):
    """Per emulator: its own disks (QEMU locks images), snapshots made by qemu-img."""
    run(['qemu-img', 'create', '-q', '-f', 'qcow2', tag + '-q.qcow2', '8M'], tmp)
    run(['qemu-img', 'snapshot', '-c', 'snap1', tag + '-q.qcow2'], tmp)
    run(['qemu-img', 'snapshot', '-c', 'snap2', tag + '-q.qcow2'], tmp)
    shutil.copy(os.path.join(tmp, 'base.raw'), os.path.join(tmp, tag + '-base.raw'))
    shutil.copy(os.path.join(tmp, 'base.raw'), os.path.join(tmp, tag + '-d.raw'))
    run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', tag + '-base.raw', '-F', 'raw',
         tag + '-top.qcow2'], tmp)
    # data in the top image that commit must carry down
    run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0x5a 65536 4096', tag + '-top.qcow2'], tmp)

HMP_CMDS = ['info block', 'info blockstats', 'info snapshots', 'info network', 'help change',
            'help eject', 'help commit', 'eject ide1-cd0', 'info block ide1-cd0',
            'change ide1-cd0 cd2.iso', 'info block ide1-cd0', 'eject floppy0',
            'info block floppy0', 'change floppy0 fd.img raw', 'info block floppy0',
            'eject ide0-hd0', 'eject nosuch', 'change ide1-cd0 nosuch.iso',
            'change ide1-cd0 cd1.iso qcow2', 'change ide0-hd0 cd1.iso', 'commit nosuch',
            'commit ide1-cd0', 'commit ide0-hd1', 'info block ide0-hd1', 'info blockstats',
            # block_resize: MiB without a suffix; the qcow2 has internal snapshots
            'help block_resize', 'block_resize virtio0 16', 'block_resize virtio0 12345b',
            'block_resize ide1-cd0 2', 'block_resize nosuch 1',
            'block_resize ide0-hd0 2', 'block_resize ide0-hd0 1000b', 'block_resize ide0-hd0 1536k',
            'block_resize virtio0 abc', 'block_resize floppy0 2']

def session(binary, bios, tmp, tag):
    fresh_images(tmp, tag)
    extra = ['-drive', 'file=%s-d.raw,format=raw,if=ide,index=0' % tag,
             '-drive', 'file=%s-top.qcow2,if=ide,index=1' % tag, '-cdrom', 'cd1.iso',
             '-drive', 'file=%s-q.qcow2,if=virtio,cache=none' % tag,
             '-fda', 'fd.img', '-netdev', 'user,id=n1,net=10.1.0.0/16',
             '-device', 'e1000,netdev=n1,mac=52:54:00:00:00:09']
    emu = Emulator(binary, bios, tmp, tag, extra=extra, qmp=True)
    seen = {}
    try:
        if not emu.wait_serial('ready'):
            seen['error'] = 'the guest did not start: ' + open(os.path.join(tmp, tag + '.stderr')).read()[-300:]
            return seen
        m = HMP(emu)
        q = QMP(emu.qmp_path)
        q.cmd('qmp_capabilities')
        for i, c in enumerate(HMP_CMDS):
            try:
                seen['hmp %02d %s' % (i, c)] = m.cmd(c)
            except EOFError:
                seen['error'] = 'the emulator died at %r (exit %r)' % (c, emu.wait_exit())
                return seen
        seen['qmp query-block'] = q.cmd('query-block')
        seen['qmp eject'] = q.cmd('eject', {'device': 'ide1-cd0'})
        seen['qmp eject-again'] = q.cmd('eject', {'device': 'ide1-cd0'})
        seen['qmp eject-nosuch'] = q.cmd('eject', {'device': 'nosuch'})
        seen['qmp change'] = q.cmd('blockdev-change-medium', {'device': 'ide1-cd0', 'filename': 'cd1.iso'})
        seen['qmp change-bad'] = q.cmd('blockdev-change-medium', {'device': 'ide1-cd0', 'filename': 'nosuch.iso'})
        seen['qmp query-block-after'] = q.cmd('query-block')
        seen['qmp query-blockstats'] = q.cmd('query-blockstats')
        node = [b['inserted']['node-name'] for b in seen['qmp query-block'].get('return', [])
                if b['device'] == 'virtio0']
        for tag, args in (('node', {'node-name': node[0] if node else '?', 'size': 24 << 20}),
                          ('nosuch', {'device': 'nosuch', 'size': 1 << 20}),
                          ('neither', {'size': 1 << 20}),
                          ('negative', {'device': 'virtio0', 'size': -512}),
                          ('unaligned', {'device': 'virtio0', 'size': 1000}),
                          ('readonly', {'device': 'ide1-cd0', 'size': 1 << 20}),
                          ('string', {'device': 'virtio0', 'size': '1M'})):
            seen['qmp block_resize ' + tag] = q.cmd('block_resize', args)
        seen['qmp query-block-resized'] = q.cmd('query-block')
        time.sleep(0.3)
        seen['events'] = [e for e in q.events if e['event'] == 'DEVICE_TRAY_MOVED']
        q.events = []
        while q.wait_event('DEVICE_TRAY_MOVED', timeout=0.3):
            pass
    finally:
        emu.kill()
    return seen

def norm_text(s):
    s = re.sub(r'#block\d+', '#blockN', s)
    s = re.sub(r'device\[\d+\]', 'device[N]', s)
    s = re.sub(r'#net\d+', '#netN', s)
    s = re.sub(r'(idle_time_ns|_total_time_ns)=\d+', r'\1=T', s)
    s = re.sub(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', 'DATE', s)
    # QEMU's sd0 entry: an SD slot without a controller on pc
    s = re.sub(r'(\n\n)?sd0: \[not inserted\]\n    Removable device: not locked, tray closed\n?', '', s)
    s = '\n'.join(l for l in s.split('\n') if not l.startswith('sd0: '))
    return s.strip('\n')

# Left out of the comparison: the qcow2 header details of "format-specific"
# (not given), the host file's allocation ("actual-size": the image layout is
# block/'s), and query-blockstats' protocol-layer nodes ("parent", "backing":
# their offsets follow the image layout).
IGNORED = ('timestamp', 'format-specific', 'actual-size', 'parent', 'backing')

def norm_json(v, key=''):
    if isinstance(v, dict):
        return {k: norm_json(x, k) for k, x in v.items() if k not in IGNORED}
    if isinstance(v, list):
        items = [norm_json(x) for x in v]
        return [x for x in items if not (isinstance(x, dict) and x.get('device') == 'sd0')]
    if isinstance(v, str):
        return norm_text(v)
    if key.endswith('_time_ns') or key in ('idle_time_ns', 'date-sec', 'date-nsec'):
        return 'T'
    return v

def first_diff(a, b, path=''):
    """Where two JSON values first differ, for the failure message."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return '%s/%s: only in %s' % (path, k, 'ours' if k in a else 'qemu')
            d = first_diff(a[k], b[k], path + '/' + k)
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return '%s: %d items, qemu %d' % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, '%s[%d]' % (path, i))
            if d:
                return d
        return None
    return None if a == b else '%s: ours %r, qemu %r' % (path, a, b)

def image_data(path, fmt, off, n):
    out = subprocess.run(['qemu-io', '-f', fmt, '-r', '-c', 'read -P 0x5a %d %d' % (off, n), path],
                         capture_output=True, text=True)
    return 'Pattern verification failed' not in out.stdout and out.returncode == 0

# QMP's savevm equivalents as jobs: (command, arguments) with DISK for the
# qcow2 drive's node name; a failed load comes last (it leaves the machine
# stopped, in restore-vm, until cont)
JOBS = [('snapshot-save', {'job-id': 'j1', 'tag': 's1', 'vmstate': 'DISK', 'devices': ['DISK']}),
        ('query-jobs', {}), ('job-dismiss', {'id': 'j1'}), ('query-jobs', {}),
        ('snapshot-save', {'job-id': 'j2', 'tag': 's2', 'vmstate': 'nosuch', 'devices': ['DISK']}),
        ('snapshot-save', {'job-id': 'j2', 'tag': 's2', 'vmstate': 'DISK', 'devices': ['DISK']}),
        ('snapshot-load', {'job-id': 'j3', 'tag': 's1', 'vmstate': 'DISK', 'devices': ['DISK']}),
        ('snapshot-delete', {'job-id': 'j4', 'tag': 's1', 'devices': ['DISK']}),
        ('query-jobs', {}), ('job-dismiss', {'id': 'nosuch'}),
        ('human-monitor-command', {'command-line': 'info snapshots'}),
        ('snapshot-load', {'job-id': 'j5', 'tag': 'nosuch', 'vmstate': 'DISK', 'devices': ['DISK']}),
        ('query-status', {}), ('cont', {}), ('query-status', {})]

def jobs_session(binary, bios, tmp, tag):
    """The JOBS on a machine with one qcow2 disk: each command's reply and
    the events up to the next command, node names and times normalised."""
    img = tag + '-jobs.qcow2'
    run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '8M'], tmp)
    emu = Emulator(binary, bios, tmp, tag + '-jobs', hmp=False, qmp=True,
                   extra=['-drive', 'file=%s,if=ide,format=qcow2' % img])
    seen = []
    try:
        q = QMP(emu.qmp_path)
        q.cmd('qmp_capabilities')
        node = [b['inserted']['node-name'] for b in q.cmd('query-block')['return']
                if b['device'] == 'ide0-hd0'][0]
        for name, args in JOBS:
            r = q.cmd(name, json.loads(json.dumps(args).replace('DISK', node)))
            before, q.events = q.events, []
            q.wait_event('-', timeout=0.3)          # the events after the reply
            after, q.events = q.events, []
            brief = lambda es: [(e['event'], e.get('data', {}).get('status'),
                                 e.get('data', {}).get('id')) for e in es]
            ev = [brief(before), brief(after)]
            if name == 'human-monitor-command':
                r = {'return': r.get('return', '').split('\n')[-2:]}
            seen.append((name, json.loads(re.sub(r'#block\d+', '#blockN', json.dumps(r))), ev))
    finally:
        emu.kill()
    return seen

# blockdev-snapshot-sync (QMP) and snapshot_blkdev (HMP) on a machine with a
# raw IDE disk, a raw virtio disk, a read-only virtio disk and the empty
# CD-ROM drive: errors, an existing file overwritten (absolute-paths), an
# overlay on an overlay found by node name, then query-block, info block and
# commit; T- stands for the emulator's file prefix
SNAPS = [('nosuch', {'device': 'nosuch', 'snapshot-file': 'T-o.qcow2'}),
         ('node-nosuch', {'node-name': 'nosuch', 'snapshot-file': 'T-o.qcow2'}),
         ('no-device', {'snapshot-file': 'T-o.qcow2'}),
         ('no-medium', {'device': 'ide1-cd0', 'snapshot-file': 'T-o.qcow2'}),
         ('bad-format', {'device': 'ide0-hd0', 'snapshot-file': 'T-o.qcow2', 'format': 'nosuch'}),
         ('raw-format', {'device': 'ide0-hd0', 'snapshot-file': 'T-o.raw', 'format': 'raw'}),
         ('read-only', {'device': 'virtio1', 'snapshot-file': 'T-r.qcow2'}),
         ('overwrite', {'device': 'ide0-hd0', 'snapshot-file': 'T-exist.qcow2'}),
         ('node-name', {'device': 'virtio0', 'snapshot-file': 'T-v1.qcow2',
                        'snapshot-node-name': 'snap1'}),
         ('node-name-used', {'device': 'virtio0', 'snapshot-file': 'T-v2.qcow2',
                             'snapshot-node-name': 'snap1'}),
         ('by-node-unnamed', {'node-name': 'snap1', 'snapshot-file': 'T-v2.qcow2'}),
         ('by-node', {'node-name': 'snap1', 'snapshot-file': 'T-v2.qcow2', 'format': 'qcow2',
                      'mode': 'absolute-paths', 'snapshot-node-name': 'snap2'}),
         ('existing-missing', {'device': 'ide0-hd0', 'snapshot-file': 'T-none.qcow2',
                               'mode': 'existing'}),
         ('bad-mode', {'device': 'ide0-hd0', 'snapshot-file': 'T-o.qcow2', 'mode': 'nosuch'})]
SNAP_HMP = ['snapshot_blkdev nosuch T-x.qcow2', 'snapshot_blkdev ide0-hd0',
            'snapshot_blkdev ide0-hd0 T-h.raw raw', 'snapshot_blkdev ide0-hd0 T-h.qcow2',
            'info block', 'commit virtio0', 'commit ide0-hd0', 'info block ide0-hd0']

def snap_session(binary, bios, tmp, tag):
    """SNAPS and SNAP_HMP: each reply with the events after it, normalised."""
    for n in ('s', 'v', 'r'):
        with open(os.path.join(tmp, '%s-snap-%s.raw' % (tag, n)), 'wb') as f:
            f.write(n.encode() * (1 << 20))
    open(os.path.join(tmp, tag + '-exist.qcow2'), 'w').write('not an image')
    emu = Emulator(binary, bios, tmp, tag + '-snap', qmp=True, extra=[
        '-drive', 'file=%s-snap-s.raw,if=ide,index=0,format=raw' % tag,
        '-drive', 'file=%s-snap-v.raw,if=virtio,format=raw' % tag,
        '-drive', 'file=%s-snap-r.raw,if=virtio,format=raw,readonly=on' % tag])
    seen = {}
    fix = lambda v: json.loads(json.dumps(v).replace(tag + '-', 'T-'))
    try:
        q = QMP(emu.qmp_path)
        q.cmd('qmp_capabilities')
        m = HMP(emu)
        for name, args in SNAPS:
            r = q.cmd('blockdev-snapshot-sync', json.loads(json.dumps(args).replace('T-', tag + '-')))
            q.wait_event('-', timeout=0.2)
            seen['snapshot-sync ' + name] = fix([r, [e['event'] for e in q.events]])
            q.events = []
        seen['snapshot query-block'] = norm_json(fix(q.cmd('query-block')))
        for c in SNAP_HMP:
            seen['snapshot hmp ' + c] = norm_text(m.cmd(c.replace('T-', tag + '-')).replace(tag + '-', 'T-'))
        with open(os.path.join(tmp, tag + '-snap-v.raw'), 'rb') as f:
            seen['snapshot base after commit'] = f.read(16).decode()
    finally:
        emu.kill()
    return seen

LIMITED = """import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
os.execv(sys.argv[2], sys.argv[2:])
"""

def full_session(binary, bios, tmp, tag):
    """HMP savevm with the image's file unable to grow past 512 KiB (a file
    size limit, SIGXFSZ ignored: writes fail as on a full disk): the error
    line, the events, the run state and the snapshot list after it, and
    qemu-img check's verdict on the image."""
    img = tag + '-full.qcow2'
    run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '8M'], tmp)
    wrapper = os.path.join(tmp, 'limited')
    with open(wrapper, 'w') as f:
        f.write('#!%s\n%s' % (sys.executable, LIMITED))
    os.chmod(wrapper, 0o755)
    emu = Emulator(wrapper, bios, tmp, tag + '-full', qmp=True,
                   extra=['-drive', 'file=%s,if=ide,format=qcow2' % img], prefix=[str(512 << 10), binary])
    try:
        q = QMP(emu.qmp_path)
        q.cmd('qmp_capabilities')
        m = HMP(emu)
        out = m.cmd('savevm s1')
        q.wait_event('-', timeout=0.3)
        seen = {'error': any(l.startswith('Error: ') for l in out.split('\n')),
                'events': [e['event'] for e in q.events], 'status': m.cmd('info status'),
                'snapshots': m.cmd('info snapshots'), 'alive': q.cmd('query-status')}
    finally:
        emu.kill()
    r = subprocess.run(['qemu-img', 'check', os.path.join(tmp, img)], capture_output=True, text=True)
    seen['check'] = r.returncode == 0 and 'No errors were found' in r.stdout
    return seen, out.strip()

def main():
    binary, bios, tmp = sys.argv[1:4]
    qemu = sys.argv[4] if len(sys.argv) > 4 else None
    for tool in ('xorriso', 'qemu-img', 'qemu-io'):
        if not shutil.which(tool):
            results['skipped'] += 1
            print('skip block: %s not installed (Debian package %s)' %
                  (tool, 'xorriso' if tool == 'xorriso' else 'qemu-utils'))
            return
    make_images(tmp)
    ours = session(binary, bios, tmp, 'qz')
    if 'error' in ours:
        check('block-session', False, ours['error'])
        return
    # commit ide0-hd1 wrote the top image's cluster into its raw backing file
    check('block-commit-data', image_data(os.path.join(tmp, 'qz-base.raw'), 'raw', 65536, 4096),
          'the raw backing file lacks the committed cluster')
    check('block-tray-events', [e['data']['tray-open'] for e in ours['events']] ==
          [True, False, True, False], repr(ours['events'])[:300])
    jobs = jobs_session(binary, bios, tmp, 'qz')
    check('jobs-snapshot-save', jobs[1][1].get('return') == [
        {'current-progress': 1, 'status': 'concluded', 'total-progress': 1,
         'type': 'snapshot-save', 'id': 'j1'}] and
          jobs[0][2][1] == [('JOB_STATUS_CHANGE', s, 'j1') for s in ('waiting', 'pending', 'concluded')],
          repr(jobs[:2]))
    check('jobs-info-snapshots', jobs[10][1].get('return') == ['There is no snapshot available.\r', ''],
          repr(jobs[10]))
    snaps = snap_session(binary, bios, tmp, 'qz')
    check('snapshot-sync-overlay', snaps['snapshot-sync node-name'] == [{'return': {}}, []] and
          subprocess.run(['qemu-img', 'info', '-U', os.path.join(tmp, 'qz-v1.qcow2')],
                         capture_output=True, text=True).stdout.count('backing file: qz-snap-v.raw') == 1,
          repr(snaps['snapshot-sync node-name']))
    full, msg = full_session(binary, bios, tmp, 'qz')
    check('savevm-disk-full-error', full['error'], repr(msg))
    check('savevm-disk-full-consistent', full['check'], 'qemu-img check failed')
    check('savevm-disk-full-runs-on', full['status'] == 'VM status: running\n' and
          full['snapshots'] == 'There is no snapshot available.\n', repr(full))
    if not qemu:
        results['skipped'] += 1
        print('skip block-vs-qemu: qemu-system-x86_64 not installed')
        return
    # QEMU's message names the failed RAM write ("Error while writing VM
    # state: Input/output error"), ours the image and errno: only its form is compared
    check('savevm-disk-full-vs-qemu', full == full_session(qemu, bios, tmp, 'qm')[0], repr(full))
    theirs = snap_session(qemu, bios, tmp, 'qm')
    for k in sorted(snaps):
        a, b = snaps[k], theirs.get(k)
        check('snapshot-vs-qemu ' + k[9:], a == b, (first_diff(a, b) if isinstance(a, dict) else None)
              or 'ours %r\n    qemu %r' % (a, b))
    for (name, r, ev), (_, qr, qev) in zip(jobs, jobs_session(qemu, bios, tmp, 'qm')):
        check('jobs-vs-qemu %s %s' % (name, r and json.dumps(r)[:40]), (r, ev) == (qr, qev),
              'ours %r %r\n    qemu %r %r' % (r, ev, qr, qev))
    theirs = session(qemu, bios, tmp, 'qm')
    if 'error' in theirs:
        results['skipped'] += 1
        print('skip block-vs-qemu: QEMU session failed: ' + theirs['error'])
        return
    # node and file names differ by the tag: qz-/qm- images
    for k in sorted(ours):
        a, b = ours[k], theirs.get(k)
        if isinstance(a, str):
            a, b = norm_text(a.replace('qz-', 'X-')), norm_text((b or '').replace('qm-', 'X-'))
        else:
            a = norm_json(json.loads(json.dumps(a).replace('qz-', 'X-')))
            b = norm_json(json.loads(json.dumps(b).replace('qm-', 'X-')))
        if isinstance(a, str):
            check('block-vs-qemu ' + k, a == b, 'ours %r\n    qemu %r' % (a, b) if a != b else '')
        else:
            check('block-vs-qemu ' + k, a == b, first_diff(a, b) or '')

if __name__ == '__main__':
    main()
    print('%d passed, %d failed, %d skipped' % (results['passed'], results['failed'], results['skipped']))
    sys.exit(1 if results['failed'] else 0)
