#!/usr/bin/env python3
"""The gdb stub with -smp 2: each CPU is a gdb thread. Debian's gdb attaches at
reset to tests/smp/smp-start.S, breaks where an AP enters protected mode (the
stop names thread 2), lists both CPUs, reads each CPU's registers, steps the
AP and catches its LOCK XADD with a write watchpoint. Raw packets check the
thread ids the stub refuses. The same session runs against Debian's
qemu-system-x86_64 when it is given; both outputs must agree (QEMU's gdb
threads are "Thread 1.N", its multiprocess naming).

usage: gdb-smp-check.py EMULATOR SMP_BIN AP_ENTRY_HEX TMPDIR [QEMU]
(where the BSP is when the AP stops is timing: its addresses compare as <bsp>)
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_session import free_port  # noqa: E402

emu, guest, ap_entry, tmp = sys.argv[1:5]
qemu = sys.argv[5] if len(sys.argv) > 5 else None
passed = failed = 0


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL: %s %s' % (name, detail))


def start(binary, port):
    return subprocess.Popen([binary, '-smp', '2', '-m', '64', '-bios', guest, '-display', 'none',
                             '-no-reboot', '-nic', 'none', '-serial', 'null', '-S',
                             '-gdb', 'tcp::%d' % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_port(port):
    for _ in range(100):
        try:
            return socket.create_connection(('127.0.0.1', port), timeout=10)
        except OSError:
            time.sleep(0.1)
    return None


def gdb_session(binary, tag):
    port = free_port()
    proc = start(binary, port)
    script = os.path.join(tmp, tag + '.gdb')
    with open(script, 'w') as f:
        f.write('\n'.join(['set pagination off', 'set confirm off',
                           'target remote 127.0.0.1:%d' % port,
                           'break *0x%s' % ap_entry, 'continue', 'info threads',
                           'p/x $pc', 'thread 1', 'p/x $pc', 'thread 2', 'stepi', 'p/x $pc',
                           'delete', 'watch *(int *)0x600', 'continue', 'p $_thread',
                           'p/x $pc', 'info threads', 'kill', '']))
    s = wait_port(port)         # the port is up: gdb can attach
    if s:
        s.close()
    try:
        out = subprocess.run(['gdb', '-batch', '-nx', '-x', script], capture_output=True,
                             timeout=60).stdout.decode('latin-1')
    except subprocess.TimeoutExpired:
        out = '(timeout)'
    proc.kill()
    proc.wait()
    # QEMU names threads pid.tid (multiprocess); the stub here plain ids
    out = re.sub(r'Thread 1\.(\d+)', r'Thread \1', out)
    out = out.replace('(process 1)', '(Remote target)')
    # (and widens the thread table's column for it)
    lines, bsp = [], False
    for l in out.splitlines():
        if l.startswith(('warning:', 'determining')):
            continue
        l = re.sub(r' +', ' ', l)
        if bsp or 'Thread 1 (CPU#0' in l or l.startswith('$2 = '):
            l = re.sub(r'0x[0-9a-f]+', '<bsp>', l)
        bsp = l.startswith('[Switching to thread 1 ')
        lines.append(l)
    return lines, out


def packet(s, data):
    s.sendall(b'$%s#%02x' % (data, sum(data) & 0xff))
    buf = b''
    while not re.search(rb'\$([^#]*)#..', buf):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    m = re.search(rb'\$([^#]*)#..', buf)
    return m.group(1).decode() if m else None


def raw_session(binary):
    port = free_port()
    proc = start(binary, port)
    s = wait_port(port)
    replies = []
    if s:
        for p in [b'qfThreadInfo', b'qsThreadInfo', b'Hg2', b'qC', b'T2', b'T3', b'Hg3', b'Hc-1',
                  b'Hg0', b'qThreadExtraInfo,2', b'qThreadExtraInfo,3']:
            replies.append('%s -> %s' % (p.decode(), packet(s, p)))
        s.close()
    proc.kill()
    proc.wait()
    return replies


ours, raw_out = gdb_session(emu, 'ours')
text = '\n'.join(ours)
check('gdb-smp-bp-in-ap', 'Thread 2 hit Breakpoint 1, 0x%016x' % int(ap_entry, 16) in text,
      text[:600])
threads = re.findall(r'^\*? ?(\d) Thread (\d) \(CPU#(\d) \[(\w+)\]\)', text, re.M)
check('gdb-smp-info-threads', threads[:2] == [('1', '1', '0', 'running'), ('2', '2', '1', 'running')],
      repr(threads))
pcs = re.findall(r'^\$\d+ = (0x[0-9a-f]+)', text, re.M)
bsp_pc = re.findall(r'^\$2 = (0x[0-9a-f]+)', raw_out, re.M)
entry = int(ap_entry, 16)
check('gdb-smp-registers-per-cpu', len(pcs) >= 2 and int(pcs[0], 16) == entry
      and len(bsp_pc) == 1 and int(bsp_pc[0], 16) != entry, repr((pcs, bsp_pc)))
check('gdb-smp-stepi-ap', len(pcs) >= 2 and int(pcs[1], 16) == entry + 4, repr(pcs))
check('gdb-smp-watch-in-ap', 'Thread 2 hit Hardware watchpoint 2' in text
      and 'Old value = 0\nNew value = 1' in text and '$4 = 2' in text, text[-500:])
raw = raw_session(emu)
want = ['qfThreadInfo -> m01,02', 'qsThreadInfo -> l', 'Hg2 -> OK', 'qC -> QC02', 'T2 -> OK',
        'T3 -> E22', 'Hg3 -> E22', 'Hc-1 -> OK', 'Hg0 -> OK',
        'qThreadExtraInfo,2 -> ' + b'CPU#1 [halted ]'.hex(), 'qThreadExtraInfo,3 -> E22']
# at reset the AP waits for its start-up IPI: halted, as QEMU says
check('gdb-smp-raw-packets', raw == want, '\n  ' + '\n  '.join(raw))
if qemu:
    theirs = gdb_session(qemu, 'qemu')[0]
    check('gdb-smp-vs-qemu', ours == theirs,
          '\nours:\n  %s\nQEMU:\n  %s' % ('\n  '.join(ours), '\n  '.join(theirs)))
print('%d passed, %d failed' % (passed, failed))
