#!/usr/bin/env python3
"""The monitor suite's checks (tests/check-monitor.sh): HMP over a unix socket
and over stdio, QMP over a unix socket, against the bare-metal guest
guest-monitor.S; the same sessions against Debian's qemu-system-x86_64 when it
is installed, whose replies must have the same shape (HMP lines that do not
depend on timing, QMP keys and error classes).
   monitor-check.py QUETZAL BIOS TMPDIR [QEMU]"""
import json, os, random, re, shutil, socket, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_session import Emulator, HMP, QMP, free_port, listening

PATTERN = b'QUETZAL-MONITOR!'
# the guest's loop label (check-monitor.sh takes it from the ELF's symbols)
GUEST_LOOP = int(os.environ.get('GUEST_LOOP', '0'), 16)
results = {'passed': 0, 'failed': 0, 'skipped': 0}

def check(name, ok, detail=''):
    if ok:
        results['passed'] += 1
        print('ok ' + name)
    else:
        results['failed'] += 1
        print('FAIL %s%s' % (name, ': ' + detail if detail else ''))

def skip(name, why):
    results['skipped'] += 1
    print('skip %s: %s' % (name, why))

def words(line):
    return line.split()

def serial_ticks(emu):
    return emu.serial_text().count('tick')

# ---------------------------------------------------------------- HMP

def hmp_session(binary, bios, tmp, tag, bad_input=True):
    """Runs one HMP session over a unix socket; returns what it saw."""
    emu = Emulator(binary, bios, tmp, tag, extra=['-name', 'montest'])
    seen = {}
    try:
        if not emu.wait_serial('ready'):
            seen['error'] = 'the guest did not start'
            return seen
        m = HMP(emu)
        seen['banner'] = m.banner
        seen['version'] = m.cmd('info version')
        seen['status-running'] = m.cmd('info status')
        seen['name'] = m.cmd('info name')
        seen['stop'] = m.cmd('stop')
        seen['status-paused'] = m.cmd('info status')
        c1 = m.cmd('xp/1x 0x9010')
        t1 = serial_ticks(emu)
        time.sleep(0.7)
        c2 = m.cmd('xp/1x 0x9010')
        seen['paused-counter'] = (c1, c2, t1, serial_ticks(emu))
        seen['p-ebx'] = m.cmd('p/x $ebx')
        seen['p-expr'] = m.cmd('p/d (3 + 4) * 2 - 20 / 5')
        seen['x-alias'] = m.cmd('x/4x 0x40000000')
        seen['xp-data'] = m.cmd('xp/4x 0x9000')
        seen['xp-bytes'] = m.cmd('xp/5xb 0x9000')
        seen['xp-space'] = m.cmd('xp /4x 0x9000')      # a space before the format
        seen['xp-chars'] = m.cmd('xp/3c 0x9000')
        seen['xp-dec'] = m.cmd('xp/2d 0x9000')
        seen['x-unmapped'] = m.cmd('x/1x 0x50000000')
        seen['tlb'] = m.cmd('info tlb')
        seen['mem'] = m.cmd('info mem')
        seen['registers'] = m.cmd('info registers')
        seen['disas'] = m.cmd('x/3i $pc')
        seen['cpus'] = m.cmd('info cpus')
        seen['pic'] = m.cmd('info pic')
        seen['help'] = m.cmd('help')
        # relative names: QEMU's expression parser takes "16 /tmp" for a division
        memfile, pmemfile = os.path.join(tmp, tag + '.mem'), os.path.join(tmp, tag + '.pmem')
        seen['memsave'] = m.cmd('memsave 0x40000000 16 ' + tag + '.mem')
        seen['pmemsave'] = m.cmd('pmemsave 0x9000 16 ' + tag + '.pmem')
        seen['memsave-data'] = open(memfile, 'rb').read() if os.path.exists(memfile) else None
        seen['pmemsave-data'] = open(pmemfile, 'rb').read() if os.path.exists(pmemfile) else None
        # bad input: one line of error each, the monitor goes on (not sent to
        # QEMU: its readline redraws the line at every byte, a 1 MiB line takes
        # minutes)
        bad = {}
        seen['bad'] = bad
        seen['status-after-bad'] = 'VM status: paused'
        if bad_input:
            bad['unknown'] = m.cmd('no_such_command 1 2')
            bad['badreg'] = m.cmd('p $nosuchreg')
            bad['div0'] = m.cmd('p 1/0')
            bad['badfmt'] = m.cmd('x/4q 0')
            bad['missing'] = m.cmd('memsave 0x1000')
            bad['longline'] = m.cmd('info ' + 'x' * (1 << 20))
            bad['binary'] = m.cmd(bytes(random.Random(5).randrange(1, 256) for _ in range(3000))
                                  .replace(b'\n', b' ').replace(b'\r', b' '))
            seen['bad'] = bad
            seen['status-after-bad'] = m.cmd('info status')
        seen['cont'] = m.cmd('cont')
        t3 = serial_ticks(emu)
        emu.wait_serial('tick', t3 + 2, timeout=10)
        seen['ticks-after-cont'] = (t3, serial_ticks(emu))
        seen['status-cont'] = m.cmd('info status')
        seen['singlestep-on'] = m.cmd('singlestep on')
        seen['status-singlestep'] = m.cmd('info status')
        if 'Quetzal' in seen['version']:
            j1, c1 = m.cmd('info jit'), m.cmd('xp/1xw 0x9010')
            time.sleep(0.5)
            j2, c2 = m.cmd('info jit'), m.cmd('xp/1xw 0x9010')
            seen['singlestep-jit'] = (j1, c1, j2, c2)
            # the one-instruction blocks are translations: in_asm logs them
            logfile = os.path.join(tmp, tag + '.log')
            seen['logfile'] = m.cmd('logfile ' + tag + '.log') + m.cmd('log in_asm')
            time.sleep(0.3)
            seen['log-none'] = m.cmd('log none') + m.cmd('log bogus_item')
            seen['log-data'] = open(logfile).read() if os.path.exists(logfile) else ''
        m.cmd('singlestep off')
        seen['status-singlestep-off'] = m.cmd('info status')
        m.cmd('sendkey a')
        m.cmd('sendkey shift-b')
        emu.wait_serial('key ', 6, timeout=5)
        time.sleep(0.3)
        seen['keys'] = re.findall(r'key ([0-9a-f]{8})', emu.serial_text())
        readies = emu.serial_text().count('ready')
        m.cmd('system_reset')
        seen['reset'] = (readies, emu.wait_serial('ready', readies + 1))
        m.send_raw(b'quit\n')
        seen['exit'] = emu.wait_exit()
        m.close()
    except (OSError, EOFError, socket.timeout) as e:
        seen['error'] = '%s: %s' % (type(e).__name__, e)
    finally:
        emu.kill()
    return seen

def hex_words(line):
    return [w for w in words(line.split(':', 1)[1])] if ':' in line else []

def check_hmp(s):
    if 'error' in s and 'exit' not in s:
        check('hmp-session', False, s['error'])
        return
    check('hmp-banner', 'monitor' in s['banner'] and 'help' in s['banner'], repr(s['banner']))
    check('hmp-status-running', s['status-running'].strip() == 'VM status: running', s['status-running'])
    check('hmp-info-name', s['name'].strip() == 'montest', s['name'])
    check('hmp-stop-silent', s['stop'].strip() == '', s['stop'])
    check('hmp-status-paused', s['status-paused'].strip() == 'VM status: paused', s['status-paused'])
    c1, c2, t1, t2 = s['paused-counter']
    check('hmp-stopped-guest-frozen', c1 == c2 and t1 == t2, repr(s['paused-counter']))
    check('hmp-print-register', s['p-ebx'].strip() == '0x5a5a1234', s['p-ebx'])
    check('hmp-print-expression', s['p-expr'].strip() == str((3 + 4) * 2 - 20 // 5), s['p-expr'])
    want = ['0x%08x' % w for w in struct.unpack('<4I', PATTERN)]
    check('hmp-xp-words', hex_words(s['xp-data']) == want, s['xp-data'])
    check('hmp-x-through-paging', hex_words(s['x-alias']) == want and
          s['x-alias'].startswith('0000000040000000:'), s['x-alias'])
    # the size stays the last one used (b, from xp/5xb), as QEMU's
    check('hmp-xp-format-after-space', hex_words(s['xp-space']) == ['0x%02x' % b for b in PATTERN[:4]],
          repr(s['xp-space']))
    check('hmp-xp-bytes', hex_words(s['xp-bytes']) == ['0x%02x' % b for b in PATTERN[:5]], s['xp-bytes'])
    check('hmp-x-unmapped', 'Cannot access memory' in s['x-unmapped'], s['x-unmapped'])
    check('hmp-info-tlb', any(l.startswith('0000000040000000: 0000000000009000') for l in s['tlb'].split('\n')), s['tlb'])
    check('hmp-info-mem', '0000000040000000-0000000040001000 0000000000001000 -rw' in s['mem'], s['mem'])
    check('hmp-info-registers', 'EBX=5a5a1234' in s['registers'], s['registers'][:200])
    lines = [l for l in s['disas'].split('\n') if l]
    check('hmp-disas', len(lines) == 3 and all(l.startswith('0x') for l in lines), s['disas'])
    check('hmp-info-cpus', re.match(r'\* CPU #0: thread_id=\d+', s['cpus']) is not None, s['cpus'])
    check('hmp-info-pic', 'pic0: irr=' in s['pic'] and 'imr=ff' in s['pic'], s['pic'])
    check('hmp-help', 'cont|c' in s['help'] and 'info' in s['help'], s['help'][:100])
    check('hmp-memsave', s['memsave-data'] == PATTERN and s['memsave'].strip() == '', repr(s['memsave-data']))
    check('hmp-pmemsave', s['pmemsave-data'] == PATTERN and s['pmemsave'].strip() == '', repr(s['pmemsave-data']))
    for k, out in s['bad'].items():
        check('hmp-bad-%s' % k, len([l for l in out.split('\n') if l.strip()]) == 1, repr(out[:120]))
    check('hmp-alive-after-bad-input', s['status-after-bad'].strip() == 'VM status: paused', s['status-after-bad'])
    t3, t4 = s['ticks-after-cont']
    check('hmp-cont-runs', t4 > t3 and s['status-cont'].strip() == 'VM status: running', repr(s['ticks-after-cont']))
    check('hmp-singlestep-status', s['singlestep-on'].strip() == '' and
          s['status-singlestep'].strip() == 'VM status: running (single step mode)' and
          s['status-singlestep-off'].strip() == 'VM status: running', s['status-singlestep'])
    j1, c1, j2, c2 = s['singlestep-jit']
    tr = lambda j: int(re.search(r'TB translations\s+(\d+)', j).group(1))
    ctr = lambda c: int(hex_words(c)[0], 16)
    # every instruction is a block of its own: the loop's blocks of more than
    # one instruction (4 starts per pass: incl, in, test, dec) are translated
    # again as one-instruction blocks at every pass; without singlestep the
    # loop translates nothing
    check('hmp-singlestep-one-insn-blocks', ctr(c2) > ctr(c1) and tr(j2) - tr(j1) >= 3 * (ctr(c2) - ctr(c1)),
          'translations %d, counts %d (%r %r)' % (tr(j2) - tr(j1), ctr(c2) - ctr(c1), c1, c2))
    lines = [l for l in s['log-data'].split('\n') if l.startswith('0x')]
    check('hmp-logfile-in-asm', s['logfile'].strip() == '' and len(lines) > 10 and
          any(l.startswith('0x%08x' % GUEST_LOOP) for l in lines), repr(s['log-data'][:200]))
    check('hmp-log-bad-item', s['log-none'].strip().startswith('Invalid parameter'), s['log-none'])
    check('hmp-sendkey', len(s['keys']) >= 4, repr(s['keys']))
    check('hmp-system-reset', s['reset'][1], repr(s['reset']))
    check('hmp-quit', s['exit'] == 0, 'exit status %r' % s['exit'])

def compare_hmp(ours, qemu):
    """The lines that do not depend on timing must be the same as QEMU's."""
    if 'error' in qemu and 'exit' not in qemu:
        skip('hmp-vs-qemu', 'QEMU session failed: ' + qemu['error'])
        return
    for key in ('status-running', 'status-paused', 'status-cont', 'status-singlestep',
                'status-singlestep-off', 'name', 'p-ebx', 'p-expr',
                'x-alias', 'xp-data', 'xp-space', 'xp-bytes', 'xp-chars', 'xp-dec', 'mem', 'memsave-data',
                'pmemsave-data', 'keys'):
        a, b = ours.get(key), qemu.get(key)
        if isinstance(a, str):
            a, b = a.strip(), (b or '').strip()
        check('hmp-vs-qemu-%s' % key, a == b, 'ours %r, QEMU %r' % (a, b))
    # the banner as QEMU's, but for the version; info version: the version
    # then the package string (QEMU's pkgversion: Debian's "7.2.22Debian 1:7.2+...",
    # QEMU's own convention " (PACKAGE)", ours "7.2.0 (Quetzal 0.1)")
    vq = lambda t: re.sub(r'\d+\.\d+\.\d+', 'V', t.strip())
    check('hmp-vs-qemu-banner', vq(ours['banner']) == vq(qemu['banner']),
          'ours %r, QEMU %r' % (ours['banner'], qemu['banner']))
    check('hmp-vs-qemu-version-form', re.fullmatch(r'\d+\.\d+\.\d+ \(Quetzal [^)]+\)',
          ours['version'].strip()) is not None and re.match(r'\d+\.\d+\.\d+', qemu['version'])
          is not None, 'ours %r, QEMU %r' % (ours['version'], qemu['version']))
    # info tlb: the alias page line (QEMU's A/D bits come from the same accesses)
    pick = lambda t: [l for l in t.split('\n') if l.startswith('0000000040000000')]
    check('hmp-vs-qemu-tlb', pick(ours['tlb']) == pick(qemu['tlb']),
          'ours %r, QEMU %r' % (pick(ours['tlb']), pick(qemu['tlb'])))

def stdio_session(binary, bios, tmp):
    emu = Emulator(binary, bios, tmp, 'stdio', stdio=True)
    try:
        m = HMP(emu, stdio=True)
        st = m.cmd('info status')
        m.send_raw(b'quit\n')
        code = emu.wait_exit()
        check('hmp-stdio', st.strip() == 'VM status: running' and code == 0, '%r exit %r' % (st, code))
    except (OSError, EOFError) as e:
        check('hmp-stdio', False, str(e))
    finally:
        emu.kill()

# ---------------------------------------------------------------- QMP

def shape(v):
    """The keys of a reply, recursively, without the values."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return type(v).__name__

def qmp_session(binary, bios, tmp, tag, fuzz_seed=None):
    emu = Emulator(binary, bios, tmp, tag, hmp=False, qmp=True, extra=['-name', 'montest'])
    seen = {}
    try:
        if not emu.wait_serial('ready'):
            seen['error'] = 'the guest did not start'
            return seen
        q = QMP(emu.qmp_path)
        seen['greeting'] = q.greeting
        seen['early'] = q.cmd('query-status')
        seen['caps'] = q.cmd('qmp_capabilities')
        seen['caps-again'] = q.cmd('qmp_capabilities')
        for c in ('query-status', 'query-version', 'query-name', 'query-cpus-fast', 'query-kvm'):
            seen[c] = q.cmd(c)
        seen['query-commands'] = q.cmd('query-commands')
        seen['id'] = q.cmd('query-status', id={'tag': [1, 'x']})
        seen['stop'] = q.cmd('stop')
        seen['STOP'] = q.wait_event('STOP')
        seen['status-stopped'] = q.cmd('query-status')
        seen['hmp'] = q.cmd('human-monitor-command', {'command-line': 'info status'})
        seen['hmp-xp'] = q.cmd('human-monitor-command', {'command-line': 'xp/4x 0x9000'})
        seen['cont'] = q.cmd('cont')
        seen['RESUME'] = q.wait_event('RESUME')
        shots = [os.path.join(tmp, tag + '-qmp.ppm'), os.path.join(tmp, tag + '-hmp.ppm')]
        for f in shots:
            if os.path.exists(f):
                os.unlink(f)
        seen['screendump'] = q.cmd('screendump', {'filename': shots[0]})
        seen['hmp-screendump'] = q.cmd('human-monitor-command',
                                       {'command-line': 'screendump ' + os.path.basename(shots[1])})
        seen['screendump-files'] = [f for f in shots if os.path.exists(f)]
        seen['screendump-headers'] = [open(f, 'rb').read(20).split(b'\n')[:3] for f in seen['screendump-files']]
        seen['unknown'] = q.cmd('no-such-command')
        seen['bad-arg-type'] = q.cmd('human-monitor-command', {'command-line': 5})
        seen['missing-arg'] = q.cmd('human-monitor-command', {})
        seen['extra-arg'] = q.cmd('query-status', {'bogus': 1})
        seen['no-execute'] = q.cmd_raw = None
        q.send_raw(b'{"arguments": {}}\n')
        seen['no-execute'] = q.reply()
        q.send_raw(b'[1, 2]\n')
        seen['not-object'] = q.reply()
        q.send_raw(b'{"execute": "query-status", "arguments": [1]}\n')
        seen['args-not-object'] = q.reply()
        q.send_raw(b'{"execute": "query-status"\n}   ')
        seen['split-message'] = q.reply()
        if fuzz_seed is not None:
            seen['fuzz'] = qmp_fuzz(q, fuzz_seed)
        seen['alive'] = q.cmd('query-status')
        seen['reset'] = q.cmd('system_reset')
        seen['RESET'] = q.wait_event('RESET')
        seen['powerdown'] = q.cmd('system_powerdown')
        seen['POWERDOWN'] = q.wait_event('POWERDOWN')
        seen['quit'] = q.cmd('quit')
        seen['SHUTDOWN'] = q.wait_event('SHUTDOWN')
        seen['exit'] = emu.wait_exit()
    except (OSError, EOFError, socket.timeout, ValueError) as e:
        seen['error'] = '%s: %s' % (type(e).__name__, e)
    finally:
        emu.kill()
    return seen

def qmp_fuzz(q, seed):
    """Random bytes, truncated and mutated commands, deep nesting and a 1 MiB
    string: every message gets an error reply or a reply, nothing crashes."""
    r = random.Random(seed)
    base = [b'{"execute": "query-status"}', b'{"execute": "human-monitor-command", '
            b'"arguments": {"command-line": "info status"}}', b'{"execute": "stop", "id": 7}']
    sent = 0
    for i in range(300):
        b = bytearray(r.choice(base))
        for _ in range(r.randrange(1, 4)):
            pos = r.randrange(len(b))
            b[pos] = r.randrange(256)
        if b'\n' in b or b'\r' in b:
            b = b.replace(b'\n', b' ').replace(b'\r', b' ')
        q.send_raw(bytes(b) + b'\n')
        sent += 1
    q.send_raw(bytes(r.randrange(256) for _ in range(5000)) + b'\n')
    q.send_raw(b'[' * 100 + b']' * 100 + b'\n')
    q.send_raw(b'{"execute": "' + b'x' * (1 << 20) + b'"}\n')
    # whatever state the junk left, a fresh object after it gets its reply
    q.send_raw(b'\n}]}]"\n{"execute": "query-name", "id": "after-fuzz"}\n')
    while True:
        msg = q.recv()
        if msg.get('id') == 'after-fuzz':
            return msg
        if 'event' in msg and msg['event'] == 'STOP':
            q.cmd('cont')

def check_qmp(s):
    if 'error' in s and 'exit' not in s:
        check('qmp-session', False, s['error'])
        return
    g = s['greeting']
    check('qmp-greeting', set(g.get('QMP', {})) == {'version', 'capabilities'} and
          set(g['QMP']['version']) == {'qemu', 'package'}, json.dumps(g))
    e = s['early'].get('error', {})
    check('qmp-before-negotiation', e.get('class') == 'CommandNotFound', json.dumps(s['early']))
    check('qmp-capabilities', s['caps'] == {'return': {}}, json.dumps(s['caps']))
    check('qmp-capabilities-again', s['caps-again'].get('error', {}).get('class') == 'CommandNotFound',
          json.dumps(s['caps-again']))
    st = s['query-status'].get('return', {})
    check('qmp-query-status', st.get('status') == 'running' and st.get('running') is True, json.dumps(st))
    check('qmp-query-name', s['query-name'] == {'return': {'name': 'montest'}}, json.dumps(s['query-name']))
    names = [c['name'] for c in s['query-commands'].get('return', [])]
    check('qmp-query-commands', {'query-status', 'stop', 'cont', 'quit', 'human-monitor-command'} <= set(names),
          repr(names))
    check('qmp-id-echoed', s['id'].get('id') == {'tag': [1, 'x']}, json.dumps(s['id']))
    check('qmp-stop', s['stop'] == {'return': {}} and s['STOP'] is not None and
          set(s['STOP']['timestamp']) == {'seconds', 'microseconds'}, json.dumps(s['STOP']))
    check('qmp-status-stopped', s['status-stopped'].get('return', {}).get('status') == 'paused',
          json.dumps(s['status-stopped']))
    check('qmp-hmp-passthrough', s['hmp'] == {'return': 'VM status: paused\r\n'}, json.dumps(s['hmp']))
    want = ' '.join('0x%08x' % w for w in struct.unpack('<4I', PATTERN))
    check('qmp-hmp-xp', s['hmp-xp'].get('return', '').strip().endswith(want), json.dumps(s['hmp-xp']))
    # the stdvga's screen as a PPM from both commands (its size is compared with QEMU's)
    check('qmp-screendump', s['screendump'] == {'return': {}} and len(s['screendump-files']) == 2
          and all(h[0] == b'P6' for h in s['screendump-headers']),
          '%s %r' % (json.dumps(s['screendump']), s['screendump-headers']))
    check('hmp-screendump', s['hmp-screendump'] == {'return': ''}, json.dumps(s['hmp-screendump']))
    check('qmp-cont', s['cont'] == {'return': {}} and s['RESUME'] is not None, json.dumps(s['RESUME']))
    for k, cls in (('unknown', 'CommandNotFound'), ('bad-arg-type', 'GenericError'),
                   ('missing-arg', 'GenericError'), ('extra-arg', 'GenericError'),
                   ('no-execute', 'GenericError'), ('not-object', 'GenericError'),
                   ('args-not-object', 'GenericError')):
        got = s[k].get('error', {})
        check('qmp-error-%s' % k, got.get('class') == cls and isinstance(got.get('desc'), str),
              json.dumps(s[k]))
    check('qmp-message-split-over-lines', 'return' in s['split-message'], json.dumps(s['split-message']))
    if 'fuzz' in s:
        check('qmp-fuzz-survived', s['fuzz'].get('return') == {'name': 'montest'}, json.dumps(s['fuzz']))
    check('qmp-alive', 'return' in s['alive'], json.dumps(s['alive']))
    check('qmp-reset-event', s['RESET'] is not None and s['RESET'].get('data') ==
          {'guest': False, 'reason': 'host-qmp-system-reset'}, json.dumps(s['RESET']))
    check('qmp-powerdown-event', s['POWERDOWN'] is not None, '')
    check('qmp-quit', s['quit'] == {'return': {}} and s['SHUTDOWN'] is not None and
          s['SHUTDOWN'].get('data') == {'guest': False, 'reason': 'host-qmp-quit'} and s['exit'] == 0,
          '%s exit %r' % (json.dumps(s['SHUTDOWN']), s['exit']))

def compare_qmp(ours, qemu):
    if 'error' in qemu and 'exit' not in qemu:
        skip('qmp-vs-qemu', 'QEMU session failed: ' + qemu['error'])
        return
    for key in ('greeting', 'caps', 'query-status', 'query-version', 'query-name',
                'query-cpus-fast', 'query-kvm', 'stop', 'STOP', 'status-stopped', 'hmp', 'cont',
                'RESUME', 'RESET', 'POWERDOWN', 'SHUTDOWN', 'quit', 'id', 'screendump'):
        a, b = shape(ours.get(key)), shape(qemu.get(key))
        if key == 'greeting':   # capabilities: QEMU offers "oob", we offer none
            for g in (a, b):
                g.get('QMP', {}).pop('capabilities', None)
        check('qmp-vs-qemu-shape-%s' % key, a == b, 'ours %s, QEMU %s' % (a, b))
    for key in ('early', 'caps-again', 'unknown', 'bad-arg-type', 'missing-arg', 'extra-arg',
                'no-execute', 'not-object', 'args-not-object'):
        a = (ours.get(key) or {}).get('error', {}).get('class')
        b = (qemu.get(key) or {}).get('error', {}).get('class')
        check('qmp-vs-qemu-class-%s' % key, a == b, 'ours %s, QEMU %s' % (a, b))
    for key in ('query-status', 'status-stopped', 'query-name', 'hmp', 'hmp-xp', 'RESET',
                'SHUTDOWN', 'hmp-screendump', 'screendump-headers'):
        a, b = ours.get(key), qemu.get(key)
        strip = lambda m: {k: v for k, v in m.items() if k != 'timestamp'} if isinstance(m, dict) else m
        check('qmp-vs-qemu-value-%s' % key, strip(a) == strip(b), 'ours %s, QEMU %s' % (a, b))

# ---------------------------------------------------------------- back ends

def tcp_and_reconnect(binary, bios, tmp):
    """HMP on a TCP socket; a second client after the first left gets the
    banner again; a QMP client after another must negotiate again."""
    port = free_port()
    emu = Emulator(binary, bios, tmp, 'tcp', hmp=False, qmp=True,
                   extra=['-monitor', 'tcp:127.0.0.1:%d,server=on,wait=off' % port])
    try:
        for _ in range(200):
            if listening(port):
                break
            time.sleep(0.05)
        outs = []
        for _ in range(2):
            sock = socket.create_connection(('127.0.0.1', port), 5)
            buf = b''
            while buf.count(b'(qemu) ') < 1:
                buf += sock.recv(4096)
            sock.sendall(b'info status\r\n')
            while buf.count(b'(qemu) ') < 2:
                buf += sock.recv(4096)
            outs.append(buf.decode('latin-1').replace('\r', ''))
            sock.close()
            time.sleep(0.2)
        check('hmp-tcp-and-reconnect', all('monitor' in o and 'VM status: running' in o for o in outs),
              repr(outs))
        q1 = QMP(emu.qmp_path)
        q1.cmd('qmp_capabilities')
        q1.sock.close()
        time.sleep(0.2)
        q2 = QMP(emu.qmp_path)
        early = q2.cmd('query-status')
        q2.cmd('qmp_capabilities')
        later = q2.cmd('query-status')
        check('qmp-reconnect-negotiates-again', 'QMP' in q2.greeting and
              early.get('error', {}).get('class') == 'CommandNotFound' and 'return' in later,
              '%s %s' % (early, later))
        q2.cmd('quit')
        check('qmp-quit-second-client', emu.wait_exit() == 0, 'exit %r' % emu.proc.poll())
    except (OSError, EOFError, ValueError) as e:
        check('hmp-tcp-and-reconnect', False, '%s: %s' % (type(e).__name__, e))
    finally:
        emu.kill()

def chardev_mon(binary, bios, tmp, tag):
    """QMP and HMP through -chardev socket + -mon, as management tools start
    QEMU; returns the greeting and an HMP reply."""
    q, m = os.path.join(tmp, tag + '.cq'), os.path.join(tmp, tag + '.cm')
    for stale in (q, m):
        if os.path.exists(stale):
            os.unlink(stale)
    emu = Emulator(binary, bios, tmp, tag, hmp=False, extra=[
        '-chardev', 'socket,id=qmp0,path=%s,server=on,wait=off' % q,
        '-mon', 'chardev=qmp0,mode=control',
        '-chardev', 'socket,id=hmp0,path=%s,server=on,wait=off' % m,
        '-mon', 'chardev=hmp0,mode=readline'])
    seen = {}
    try:
        emu._wait_for(q)
        emu._wait_for(m)
        emu.hmp_path = m
        qmp = QMP(q)
        seen['greeting'] = qmp.greeting
        seen['caps'] = qmp.cmd('qmp_capabilities')
        seen['status'] = qmp.cmd('query-status')
        h = HMP(emu)
        seen['hmp'] = h.cmd('info status')
        h.close()
        seen['quit'] = qmp.cmd('quit')
        seen['exit'] = emu.wait_exit()
    except (OSError, EOFError, ValueError, RuntimeError) as e:
        seen['error'] = '%s: %s' % (type(e).__name__, e)
    finally:
        emu.kill()
    return seen

def check_chardev_mon(s, qemu_s):
    ok = 'error' not in s and 'QMP' in s['greeting'] and s['caps'] == {'return': {}} and \
        s['status'].get('return', {}).get('running') is True and \
        s['hmp'].strip() == 'VM status: running' and s['exit'] == 0
    check('chardev-mon-qmp-and-hmp', ok, repr(s))
    if qemu_s is not None:
        same = 'error' not in qemu_s and shape(qemu_s.get('status')) == shape(s.get('status')) and \
            qemu_s.get('hmp', '').strip() == s.get('hmp', '').strip()
        check('chardev-mon-vs-qemu', same, 'ours %r, QEMU %r' % (s, qemu_s))

def bad_options(binary, bios, tmp, qemu):
    """Monitor options that cannot work: one line on stderr, exit status 1,
    as QEMU's."""
    cases = [['-monitor', 'bogus:thing'], ['-qmp', 'unix:%s/no/such/dir/q,server=on,wait=off' % tmp],
             ['-monitor', 'unix:%s/client-only' % tmp], ['-gdb', 'bogus'],
             ['-mon', 'chardev=nosuchid,mode=control'], ['-chardev', 'socket,path=%s/x' % tmp]]
    for i, extra in enumerate(cases):
        args = ['-m', '64', '-bios', bios, '-display', 'none', '-serial', 'null'] + extra
        r = subprocess.run([binary] + args, capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
        lines = [l for l in r.stderr.decode('latin-1').split('\n') if l.strip()]
        want = 1
        if qemu:
            want = subprocess.run([qemu] + args, capture_output=True, timeout=20,
                                  stdin=subprocess.DEVNULL).returncode
        check('cmdline-bad-%d %s' % (i, extra[0]), r.returncode == 1 == want and len(lines) == 1,
              'exit %d (QEMU %d), stderr %r' % (r.returncode, want, lines))

# ---------------------------------------------------------------- gdb

STACK0 = 0x7000     # tests/system-guest/common.h: the real-mode stack

def gdb_session(binary, bios, tmp, tag, loop):
    """Debian's gdb in batch mode: attach at reset (-S), registers, memory,
    a breakpoint at the guest's loop, a single step, a memory write seen
    through the paging alias, then continue and Ctrl-C."""
    port = free_port()
    emu = Emulator(binary, bios, tmp, tag, hmp=False, extra=['-S', '-gdb', 'tcp::%d' % port])
    script = os.path.join(tmp, tag + '.gdb')
    with open(script, 'w') as f:
        f.write('\n'.join(['set confirm off', 'set architecture i386:x86-64',
                           'target remote 127.0.0.1:%d' % port, 'info registers rip eflags cs',
                           'x/4xw 0x9000',
                           # real mode: the return address the first call pushes
                           'watch *(short*)0x%x' % (STACK0 - 2), 'continue', 'delete',
                           'break *0x%x' % loop, 'continue', 'info registers rip',
                           'stepi', 'info registers rip', 'p/x $rbx', 'p/x $eflags',
                           'set var *(int*)0x9000 = 0x41414141', 'x/1xw 0x40000000', 'delete',
                           # protected mode with paging: the counter's incl
                           'watch *(int*)0x9010', 'continue', 'delete',
                           'rwatch *(int*)0x9010', 'continue', 'delete',
                           'awatch *(int*)0x9010', 'continue', 'continue', 'delete',
                           'continue', 'p/x *(int*)0x9004', '']))
    try:
        # wait for the listening socket without connecting (a connection stops
        # the machine, as gdb's would)
        for _ in range(200):
            if listening(port):
                break
            time.sleep(0.05)
        gdb = subprocess.Popen(['gdb', '-batch', '-nx', '-x', script], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        ticks = 0
        end = time.time() + 20
        while time.time() < end and emu.serial_text().count('tick') < 3:
            time.sleep(0.1)
        time.sleep(0.3)
        gdb.send_signal(2)          # Ctrl-C: gdb sends 0x03 to the stub
        out = gdb.communicate(timeout=20)[0].decode('latin-1')
    except subprocess.TimeoutExpired:
        gdb.kill()
        out = gdb.communicate()[0].decode('latin-1') + '\n(timeout)'
    finally:
        emu.kill()
    return [l for l in out.split('\n') if l and not l.startswith('warning') and
            'determining executable' not in l and 'Try using' not in l and 'detached' not in l]

def check_gdb(lines, loop):
    text = '\n'.join(lines)
    rips = re.findall(r'^rip\s+(0x[0-9a-f]+)', text, re.M)
    check('gdb-attach-at-reset', rips[:1] == ['0xfff0'], text[:300])
    check('gdb-breakpoint', len(rips) > 1 and int(rips[1], 16) == loop and 'Breakpoint 2,' in text, repr(rips))
    # incl DATA+0x10 (FF /0 with a disp32): 6 bytes
    check('gdb-stepi', len(rips) > 2 and int(rips[2], 16) == loop + 6, repr(rips))
    check('gdb-register', '$1 = 0x5a5a1234' in text, text[-400:])
    check('gdb-memory-write', '0x40000000:\t0x41414141' in text, text[-400:])
    check('gdb-ctrl-c', 'SIGINT' in text, text[-300:])
    # watchpoints stop after the access (the instruction retired), as QEMU's
    after = '0x%016x in' % (loop + 6)
    stops = re.findall(r'^Hardware (?:(read|access \(read/write\)) )?watchpoint \d+: \S+\n'
                       r'((?:Old value = \d+\nNew value = \d+)|(?:Value = \d+))\n(\S+ in)', text, re.M)
    # real mode: stops in uart_init16 (cs 0xf000: offset) having pushed the
    # return address (nonzero, after the call)
    entry = '0x%016x in' % (int(os.environ.get('GUEST_UART16', '0'), 16) & 0xffff)
    check('gdb-watch-real-mode', len(stops) > 0 and stops[0][0] == '' and stops[0][2] == entry and
          re.match(r'Old value = 0\nNew value = [1-9]', stops[0][1]) is not None, repr(stops[:1]))
    check('gdb-watch-write', stops[1:2] == [('', 'Old value = 1\nNew value = 2', after)], repr(stops[1:2]))
    check('gdb-watch-read', stops[2:3] == [('read', 'Value = 3', after)], repr(stops[2:3]))
    check('gdb-watch-access', stops[3:5] == [('access (read/write)', 'Old value = 3\nNew value = 4', after),
                                            ('access (read/write)', 'Old value = 4\nNew value = 5', after)],
          repr(stops[3:5]))
    check('gdb-memory-after-continue', re.search(r'\$3 = 0x[0-9a-f]+', text) is not None, text[-200:])

def main():
    ours, bios, tmp = sys.argv[1:4]
    qemu = sys.argv[4] if len(sys.argv) > 4 else ''
    loop = GUEST_LOOP
    s = hmp_session(ours, bios, tmp, 'hmp')
    check_hmp(s)
    stdio_session(ours, bios, tmp)
    tcp_and_reconnect(ours, bios, tmp)
    check_chardev_mon(chardev_mon(ours, bios, tmp, 'cm'),
                      chardev_mon(qemu, bios, tmp, 'qemu-cm') if qemu else None)
    bad_options(ours, bios, tmp, qemu)
    q = qmp_session(ours, bios, tmp, 'qmp', fuzz_seed=int(os.environ.get('SEED', '1')))
    check_qmp(q)
    if qemu:
        compare_hmp(s, hmp_session(qemu, bios, tmp, 'qemu-hmp', bad_input=False))
        compare_qmp(q, qmp_session(qemu, bios, tmp, 'qemu-qmp'))
    else:
        skip('vs-qemu', 'qemu-system-x86_64 not installed')
    if not shutil.which('gdb'):
        skip('gdb', 'gdb not installed (Debian package gdb)')
    else:
        g = gdb_session(ours, bios, tmp, 'gdb', loop)
        check_gdb(g, loop)
        if qemu:
            gq = gdb_session(qemu, bios, tmp, 'qemu-gdb', loop)
            # where Ctrl-C lands depends on timing: that line is left out
            def steady(lines):
                return [l for i, l in enumerate(lines) if i == 0 or 'SIGINT' not in lines[i - 1]]
            same = steady(g) == steady(gq)
            check('gdb-vs-qemu', same, '\nours:\n  %s\nQEMU:\n  %s' % ('\n  '.join(g), '\n  '.join(gq)))
    print('%d passed, %d failed, %d skipped' % (results['passed'], results['failed'], results['skipped']))
    return 1 if results['failed'] else 0

if __name__ == '__main__':
    sys.exit(main())
