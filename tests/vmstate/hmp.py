#!/usr/bin/env python3
"""Runs HMP commands on a monitor socket (unix:PATH) and prints their output:
hmp.py SOCKET 'cmd1' 'cmd2' ... (tests/check-vmstate.sh)."""
import socket
import sys
import time


def read_prompt(s):
    buf = b""
    while not buf.endswith(b"(qemu) "):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf.decode(errors="replace")


def connect(path, who):
    """the monitor socket at path, tried for 10 s (the emulator may still be
    starting); exits with one line naming who and path when it never answers"""
    s = socket.socket(socket.AF_UNIX)
    for _ in range(100):
        try:
            s.connect(path)
            return s
        except OSError as e:
            err = e
            time.sleep(0.1)
    sys.exit("%s: cannot connect to %s: %s" % (who, path, err))


def main():
    s = connect(sys.argv[1], "hmp.py")
    s.settimeout(120)
    read_prompt(s)
    for cmd in sys.argv[2:]:
        s.sendall(cmd.encode() + b"\n")
        out = read_prompt(s).replace("\r\n", "\n")
        # the echo of the command line (when the monitor echoes), its output,
        # then the prompt
        lines = [l for l in out.split("\n") if l != cmd and not l.startswith("(qemu)")]
        print("\n".join(lines), end="" if not lines else "\n", flush=True)


if __name__ == "__main__":
    main()
