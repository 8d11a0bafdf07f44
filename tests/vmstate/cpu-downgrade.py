#!/usr/bin/env python3
"""Rewrites a migration stream's CPU sections to an older section version, as
an older Quetzal wrote them (migration/migration.h, target-i386/machine.c):
version 3 lacks the x87 pointers (the last 22 bytes of version 4), version 2
the start-up state too (2 bytes more), version 1 the accelerator's part too
(39 bytes more). The CRCs are recomputed.
cpu-downgrade.py IN OUT VERSION (tests/check-smp.sh, tests/check-kvm.sh)."""
import struct
import sys
import zlib

CUT = {4: 0, 3: 22, 2: 22 + 2, 1: 22 + 2 + 39}


def main():
    data = open(sys.argv[1], "rb").read()
    ver = int(sys.argv[3])
    out = [data[:12]]
    pos = 12
    while pos < len(data):
        kind, n = data[pos], data[pos + 1]
        name = data[pos + 2:pos + 2 + n]
        inst, sver, length = struct.unpack_from("<IIQ", data, pos + 2 + n)
        body = pos + 18 + n
        payload = data[body:body + length]
        pos = body + length + 4
        if kind == ord("C"):
            payload = payload[:len(payload) - CUT[ver]]
            sver = ver
        out.append(bytes([kind, n]) + name + struct.pack("<IIQ", inst, sver, len(payload)))
        out.append(payload + struct.pack("<I", zlib.crc32(payload) & 0xffffffff))
        if kind == ord("E"):
            break
    open(sys.argv[2], "wb").write(b"".join(out))


if __name__ == "__main__":
    main()
