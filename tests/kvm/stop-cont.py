#!/usr/bin/env python3
"""Drives a machine's human monitor for tests/check-kvm.sh: the machine is
started with -S; "cont", then once the guest's serial log has a line MARKER,
"stop", sleeps SECS, "info registers", "cont"; prints what info registers
answered. Works against
quetzal-system-x86_64 and qemu-system-x86_64 (-monitor unix:SOCK,server=on,wait=off).
usage: stop-cont.py SOCK SERIAL-LOG MARKER SECS"""
import socket
import sys
import time


def wait_for(pred, limit, what):
    end = time.time() + limit
    while time.time() < end:
        if pred():
            return
        time.sleep(0.02)
    sys.exit("stop-cont: no %s in %d s" % (what, limit))


def has_marker(path, marker):
    try:
        with open(path, errors="replace") as f:
            return any(line.strip() == marker for line in f)
    except OSError:
        return False


def read_until_prompt(s):
    buf = b""
    s.settimeout(10)
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace")


def command(s, line):
    s.sendall(line.encode() + b"\n")
    return read_until_prompt(s)


def main():
    sock, log, marker, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    conn = []

    def connect():
        c = socket.socket(socket.AF_UNIX)
        if c.connect_ex(sock) == 0:
            conn.append(c)
            return True
        c.close()
        return False

    wait_for(connect, 20, "monitor at " + sock)
    s = conn[0]
    read_until_prompt(s)
    command(s, "cont")      # started with -S: the guest runs once we are here
    wait_for(lambda: has_marker(log, marker), 30, "'%s' in the guest's output" % marker)
    command(s, "stop")
    time.sleep(secs)
    regs = command(s, "info registers")
    command(s, "cont")
    s.close()
    # the answer without the echoed command and the prompt, escape sequences
    # (QEMU's readline) taken out
    out = []
    for line in regs.replace("\r", "").split("\n"):
        while "\x1b[" in line:
            i = line.index("\x1b[")
            j = i + 2
            while j < len(line) and not line[j].isalpha():
                j += 1
            line = line[:i] + line[j + 1:]
        if "=" in line and "info registers" not in line:
            out.append(line)
    print("\n".join(out))


main()
