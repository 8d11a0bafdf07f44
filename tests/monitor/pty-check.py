#!/usr/bin/env python3
"""The monitor on a terminal (tests/check-monitor.sh): -monitor stdio and
-nographic on a pseudo-terminal, where GNU readline edits the lines. Checks
completion of commands, info sub-commands, key names, drive names and file names, history
recall (Ctrl-P, the up arrow), the history file across runs, and Ctrl-A c
switching between the serial console and the monitor on mon:stdio.
   pty-check.py QUETZAL BIOS TMPDIR"""
import os, pty, re, select, subprocess, sys, time

results = {'passed': 0, 'failed': 0}

def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok ' if ok else 'FAIL ') + name + ('' if ok else ': ' + detail))

class Term:
    def __init__(self, args, env, cwd):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=cwd, start_new_session=True)
        os.close(slave)
        self.out = b''

    def read_until(self, pattern, timeout=10):
        """Reads until pattern (bytes regex) matches the output since the last
        call; returns the text read, or None on timeout."""
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(pattern, self.out, re.S)
            if m:
                text, self.out = self.out[:m.end()], self.out[m.end():]
                return text
            r, _, _ = select.select([self.master], [], [], 0.1)
            if r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    break
                if not data:
                    break
                self.out += data
        return None

    def send(self, data):
        os.write(self.master, data)

    def wait(self, timeout=10):
        end = time.time() + timeout
        while time.time() < end and self.proc.poll() is None:
            self.read_until(b'$^', 0.1)    # drain
        return self.proc.poll()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)

def monitor_stdio(binary, bios, tmp, env):
    args = [binary, '-m', '64', '-bios', bios, '-display', 'none', '-serial',
            'file:' + os.path.join(tmp, 'pty.serial'), '-monitor', 'stdio']
    t = Term(args, env, tmp)
    try:
        check('pty-prompt', t.read_until(rb'\(qemu\) ') is not None, repr(t.out[-200:]))
        t.send(b'inf\t')
        check('pty-complete-command', t.read_until(rb'info ') is not None, repr(t.out[-200:]))
        t.send(b'sta\t')
        check('pty-complete-info', t.read_until(rb'status ') is not None, repr(t.out[-200:]))
        t.send(b'\r')
        check('pty-completed-line-runs', t.read_until(rb'VM status: running.*?\(qemu\) ') is not None,
              repr(t.out[-200:]))
        t.send(b'sendkey ctrl_\t')
        check('pty-complete-key', t.read_until(rb'ctrl_r') is not None, repr(t.out[-200:]))
        t.send(b'\x15')                     # Ctrl-U: clear the line
        open(os.path.join(tmp, 'unique-dump-name.bin'), 'w').close()
        t.send(b'pmemsave 0 16 uniq\t')
        check('pty-complete-file', t.read_until(rb'unique-dump-name\.bin') is not None, repr(t.out[-200:]))
        t.send(b'\x15eject ide1\t')          # the machine's default CD-ROM drive
        check('pty-complete-device', t.read_until(rb'ide1-cd0') is not None, repr(t.out[-200:]))
        t.send(b'\x15p/x 0x1234\r')
        t.read_until(rb'0x1234\r?\n.*?\(qemu\) ')
        t.send(b'\x10\r')                   # Ctrl-P: the previous line again
        check('pty-history-ctrl-p', t.read_until(rb'0x1234\r?\n.*?\(qemu\) ') is not None, repr(t.out[-200:]))
        t.send(b'\x1b[A\r')                 # the up arrow
        check('pty-history-up-arrow', t.read_until(rb'0x1234\r?\n.*?\(qemu\) ') is not None,
              repr(t.out[-200:]))
        t.send(b'info history\r')
        hist = t.read_until(rb'\(qemu\) ')
        check('pty-info-history', hist is not None and b"'p/x 0x1234'" in hist, repr(hist))
        t.send(b'quit\r')
        check('pty-quit', t.wait() == 0, 'exit %r' % t.proc.poll())
    finally:
        t.close()
    lines = open(env['QUETZAL_HISTORY']).read().split('\n')
    check('pty-history-file', 'p/x 0x1234' in lines and lines[-2:] == ['quit', ''], repr(lines[-4:]))
    # a second run recalls the last line of the first: quit
    t = Term(args, env, tmp)
    try:
        t.read_until(rb'\(qemu\) ')
        t.send(b'\x10\r')
        check('pty-history-across-runs', t.wait() == 0, 'exit %r, %r' % (t.proc.poll(), t.out[-200:]))
    finally:
        t.close()

def mux(binary, bios, tmp, env):
    args = [binary, '-m', '64', '-bios', bios, '-nographic']
    t = Term(args, env, tmp)
    try:
        check('mux-serial', t.read_until(rb'ready') is not None, repr(t.out[-200:]))
        t.send(b'\x01c')
        check('mux-ctrl-a-c-monitor', t.read_until(rb'monitor.*?\(qemu\) ') is not None, repr(t.out[-300:]))
        t.send(b'info status\r')
        check('mux-monitor-command', t.read_until(rb'VM status: running') is not None, repr(t.out[-300:]))
        t.send(b'stop\r')
        t.read_until(rb'\(qemu\) ')
        t.send(b'\x01c')                    # back to the console; the guest is stopped
        t.read_until(rb'$^', 0.5)
        t.out = b''
        t.read_until(rb'$^', 0.7)
        quiet = b'tick' not in t.out
        t.send(b'\x01c')
        t.read_until(rb'\(qemu\) ')
        t.send(b'cont\r')
        t.read_until(rb'\(qemu\) ')
        t.send(b'\x01c')
        check('mux-stop-cont', quiet and t.read_until(rb'tick') is not None, repr(t.out[-200:]))
        t.send(b'\x01x')
        check('mux-ctrl-a-x', t.wait() == 0, 'exit %r' % t.proc.poll())
    finally:
        t.close()

def main():
    binary, bios, tmp = sys.argv[1:4]
    env = dict(os.environ, QUETZAL_HISTORY=os.path.join(tmp, 'history'), TERM='xterm')
    if os.path.exists(env['QUETZAL_HISTORY']):
        os.unlink(env['QUETZAL_HISTORY'])
    monitor_stdio(binary, bios, tmp, env)
    mux(binary, bios, tmp, env)
    print('%d passed, %d failed' % (results['passed'], results['failed']))
    return 1 if results['failed'] else 0

if __name__ == '__main__':
    sys.exit(main())
