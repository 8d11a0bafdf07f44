#!/usr/bin/env python3
"""The monitor against Debian's Linux kernel (tests/check-monitor.sh): boots it
with a busybox initramfs whose /init prints the addresses of linux_banner and
do_idle from /proc/kallsyms (Debian's System.map package file is a stub), then
over HMP reads the banner through the kernel's 4-level page tables (x, info
tlb, info mem), disassembles at $pc, and with Debian's gdb breaks at do_idle,
steps and reads the banner; the guest's serial ticks go on after each.
   linux-check.py QUETZAL KERNEL INITRD TMPDIR"""
import os, re, shutil, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_session import Emulator, HMP, free_port, listening

results = {'passed': 0, 'failed': 0, 'skipped': 0}

def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok ' if ok else 'FAIL ') + name + ('' if ok else ': ' + detail))

def ticks(emu):
    return len(re.findall(r'^tick \d+', emu.serial_text(), re.M))

def hmp_part(emu, syms):
    m = HMP(emu)
    banner = syms['linux_banner']
    m.cmd('stop')
    x = m.cmd('x/13cb 0x%x' % banner)
    chars = ''.join(re.findall(r"'(.)'", x))
    check('linux-x-banner-through-paging', chars == 'Linux version', repr(x))
    page = banner & ~0xfff
    tlb = m.cmd('info tlb')
    # the banner's page, or the large page holding it
    covered = False
    for line in tlb.split('\n'):
        mm = re.match(r'([0-9a-f]{16}): ([0-9a-f]{16}) (.{9})', line)
        if mm:
            va, size = int(mm.group(1), 16), 0x200000 if mm.group(3)[2] == 'P' else 0x1000
            covered |= va <= page < va + size
    check('linux-info-tlb-4-level', covered, 'no mapping of 0x%x in %d lines' % (page, tlb.count('\n')))
    mem = m.cmd('info mem')
    inside = [l for l in mem.split('\n') if re.match(r'[0-9a-f]{16}-[0-9a-f]{16}', l) and
              int(l[:16], 16) <= banner < int(l[17:33], 16)]
    check('linux-info-mem', len(inside) == 1 and inside[0].endswith(('-r-', '-rw')), repr(inside))
    regs = m.cmd('info registers')
    rip = re.search(r'RIP=([0-9a-f]{16})', regs)
    pc = m.cmd('p/x $pc').strip()
    check('linux-registers-long-mode', rip is not None and int(pc, 16) == int(rip.group(1), 16) and
          'CS =0010' in regs, regs[:300])
    dis = [l for l in m.cmd('x/4i $pc').split('\n') if l]
    check('linux-disas-64', len(dis) == 4 and all(l.startswith('0x%016x'[:2]) for l in dis) and
          dis[0].startswith('0x%016x' % int(pc, 16)), repr(dis))
    t = ticks(emu)
    m.cmd('cont')
    check('linux-runs-after-cont', emu.wait_serial('tick %d' % (t + 2), timeout=30), 'ticks %d' % ticks(emu))
    m.close()

def gdb_part(emu, syms, port, tmp):
    script = os.path.join(tmp, 'linux.gdb')
    with open(script, 'w') as f:
        f.write('\n'.join(['set confirm off', 'set architecture i386:x86-64',
                           'target remote 127.0.0.1:%d' % port,
                           'break *0x%x' % syms['do_idle'], 'continue', 'info registers rip',
                           'stepi', 'info registers rip', 'x/s 0x%x' % syms['linux_banner'],
                           'delete',
                           # long mode: the timer interrupt's store to jiffies, then a read
                           'watch *(long*)0x%x' % syms['jiffies'], 'continue', 'delete',
                           'rwatch *(long*)0x%x' % syms['jiffies'], 'continue', 'delete',
                           'detach', '']))
    g = subprocess.run(['gdb', '-batch', '-nx', '-x', script], capture_output=True, timeout=120)
    out = g.stdout.decode('latin-1')
    rips = [int(v, 16) for v in re.findall(r'^rip\s+(0x[0-9a-f]+)', out, re.M)]
    check('linux-gdb-break-at-symbol', rips[:1] == [syms['do_idle']] and 'Breakpoint 1,' in out, out[-400:])
    check('linux-gdb-stepi', len(rips) == 2 and syms['do_idle'] < rips[1] <= syms['do_idle'] + 15,
          repr([hex(r) for r in rips]))
    check('linux-gdb-memory', 'Linux version' in out, out[-300:])
    w = re.search(r'^Old value = (\d+)\nNew value = (\d+)$', out, re.M)
    check('linux-gdb-watch-jiffies', w is not None and int(w.group(2)) == int(w.group(1)) + 1,
          out[-400:])
    check('linux-gdb-rwatch-jiffies', re.search(r'read watchpoint \d+: \S+\n\nValue = \d+\n', out)
          is not None, out[-300:])
    t = ticks(emu)
    check('linux-runs-after-detach', emu.wait_serial('tick %d' % (t + 2), timeout=30), 'ticks %d' % ticks(emu))

def main():
    binary, kernel, initrd, tmp = sys.argv[1:5]
    port = free_port()
    emu = Emulator(binary, None, tmp, 'linux', extra=[
        '-M', 'pc,fast-boot=on', '-m', '256', '-kernel', kernel, '-initrd', initrd,
        '-append', 'console=ttyS0 panic=-1 no_timer_check', '-gdb', 'tcp:127.0.0.1:%d' % port])
    try:
        # the first tick: /init's loop runs (busybox sleep forked and back)
        if not emu.wait_serial('QZ-MON-READY', timeout=240) or not emu.wait_serial('tick 1', timeout=60):
            check('linux-boot', False, 'no QZ-MON-READY or tick; last: %r' % emu.serial_text()[-300:])
            return
        syms = {}
        for addr, name in re.findall(r'QZ-SYM ([0-9a-f]+) \S (\w+)', emu.serial_text()):
            syms[name] = int(addr, 16)
        if not syms.get('linux_banner') or not syms.get('do_idle') or not syms.get('jiffies'):
            results['skipped'] += 1
            print('skip linux: /proc/kallsyms hides the addresses (%r)' % syms)
            return
        check('linux-boot', True)
        hmp_part(emu, syms)
        if shutil.which('gdb') and listening(port):
            gdb_part(emu, syms, port, tmp)
        else:
            results['skipped'] += 1
            print('skip linux-gdb: gdb not installed (Debian package gdb)')
        m = HMP(emu)
        m.send_raw(b'quit\n')
        check('linux-quit', emu.wait_exit() == 0, 'exit %r' % emu.proc.poll())
    finally:
        emu.kill()

if __name__ == '__main__':
    main()
    print('%d passed, %d failed, %d skipped' % (results['passed'], results['failed'], results['skipped']))
    sys.exit(1 if results['failed'] else 0)
