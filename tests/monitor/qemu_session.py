"""Helpers of the monitor tests: start an emulator (ours or Debian's
qemu-system-x86_64) with the monitor guest, talk HMP over a unix socket or
stdio, and QMP over a unix socket; a free TCP port, and whether one listens."""
import json, os, socket, subprocess, time

def free_port():
    """a TCP port on 127.0.0.1 nobody uses now (for -gdb tcp::PORT)"""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port):
    """whether a socket listens on TCP port (LISTEN is state 0A in /proc/net/tcp)"""
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            for line in open(table).read().split('\n')[1:]:
                f = line.split()
                if len(f) > 3 and f[3] == '0A' and int(f[1].split(':')[1], 16) == port:
                    return True
        except OSError:
            pass
    return False


class Emulator:
    def __init__(self, binary, bios, tmp, tag, extra=(), hmp=True, qmp=False, stdio=False,
                 prefix=()):
        self.tmp = tmp
        self.serial = os.path.join(tmp, tag + '.serial')
        self.hmp_path = os.path.join(tmp, tag + '.hmp')
        self.qmp_path = os.path.join(tmp, tag + '.qmp')
        for stale in (self.serial, self.hmp_path, self.qmp_path):
            if os.path.exists(stale):
                os.unlink(stale)
        args = [binary] + list(prefix) + (['-m', '64', '-bios', bios] if bios else []) + [
                '-display', 'none', '-serial', 'file:' + self.serial]
        if stdio:
            args += ['-monitor', 'stdio']
        elif hmp:
            args += ['-monitor', 'unix:%s,server=on,wait=off' % self.hmp_path]
        else:
            args += ['-monitor', 'none']
        if qmp:
            args += ['-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path]
        args += list(extra)
        self.proc = subprocess.Popen(args, cwd=tmp, stdin=subprocess.PIPE if stdio else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE if stdio else subprocess.DEVNULL,
                                     stderr=open(os.path.join(tmp, tag + '.stderr'), 'wb'))
        for path in ([self.hmp_path] if hmp and not stdio else []) + ([self.qmp_path] if qmp else []):
            self._wait_for(path)

    def _wait_for(self, path):
        for _ in range(200):
            if os.path.exists(path):
                return
            time.sleep(0.05)
        raise RuntimeError('no socket ' + path)

    def serial_text(self):
        try:
            with open(self.serial, 'rb') as f:
                return f.read().decode('latin-1')
        except OSError:
            return ''

    def wait_serial(self, text, count=1, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            if self.serial_text().count(text) >= count:
                return True
            time.sleep(0.05)
        return False

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class HMP:
    """HMP over a unix socket or a pipe: sends a line, returns the text up to
    the next "(qemu) " prompt, without the echo of the command (QEMU's
    readline echoes it with escape sequences; ours does not on a socket)."""
    PROMPT = b'(qemu) '

    def __init__(self, emu, stdio=False):
        self.emu = emu
        if stdio:
            self.rfile, self.wfile = emu.proc.stdout, emu.proc.stdin
            self.sock = None
        else:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(emu.hmp_path)
            self.sock.settimeout(20)
        self.buf = b''
        self.banner = self._until_prompt()

    def _read(self):
        if self.sock:
            data = self.sock.recv(65536)
        else:
            data = os.read(self.rfile.fileno(), 65536)
        if not data:
            raise EOFError
        return data

    def _until_prompt(self):
        while self.PROMPT not in self.buf:
            self.buf += self._read()
        out, self.buf = self.buf.split(self.PROMPT, 1)
        return out.decode('latin-1')

    def send_raw(self, data):
        if self.sock:
            self.sock.sendall(data)
        else:
            self.wfile.write(data)
            self.wfile.flush()

    def cmd(self, line):
        self.send_raw(line.encode('latin-1') + b'\n' if isinstance(line, str) else line + b'\n')
        out = self._until_prompt().replace('\r', '')
        # drop QEMU's echo: everything up to the first newline that ends the
        # edited command line (it holds escape sequences)
        if '\x1b[' in out:
            out = out.split('\n', 1)[1] if '\n' in out else ''
        return out

    def close(self):
        if self.sock:
            self.sock.close()


class QMP:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.sock.settimeout(20)
        self.buf = b''
        self.events = []
        self.greeting = self.recv()

    def recv(self):
        while b'\n' not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def send_raw(self, data):
        self.sock.sendall(data)

    def reply(self):
        """The next reply; events before it are kept in self.events."""
        while True:
            msg = self.recv()
            if 'event' in msg:
                self.events.append(msg)
            else:
                return msg

    def cmd(self, name, args=None, **extra):
        msg = {'execute': name}
        if args is not None:
            msg['arguments'] = args
        msg.update(extra)
        self.sock.sendall(json.dumps(msg).encode() + b'\n')
        return self.reply()

    def wait_event(self, name, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            for e in self.events:
                if e['event'] == name:
                    self.events.remove(e)
                    return e
            self.sock.settimeout(max(0.1, end - time.time()))
            try:
                msg = self.recv()
            except (socket.timeout, EOFError):
                break
            finally:
                self.sock.settimeout(20)
            if 'event' in msg:
                self.events.append(msg)
        return None
