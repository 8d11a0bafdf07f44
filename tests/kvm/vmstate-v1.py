#!/usr/bin/env python3
"""Rewrites a Quetzal migration stream (format: migration/migration.h) as an
older build wrote it: the CPU section ('C') at version 1, without the fields
version 2 appended (target-i386/machine.c: 39 bytes of X86CPUAccel), its
length and CRC-32 made right. usage: vmstate-v1.py IN OUT (tests/check-kvm.sh)"""
import struct
import sys
import zlib

V2_BYTES = 1 + 1 + 4 + 1 + 8 + 16 + 8


def main():
    b = open(sys.argv[1], "rb").read()
    out, pos = bytearray(b[:12]), 12
    while pos < len(b):
        kind, n = b[pos], b[pos + 1]
        name = b[pos + 2:pos + 2 + n]
        inst, ver, ln = struct.unpack_from("<IIQ", b, pos + 2 + n)
        body = b[pos + 18 + n:pos + 18 + n + ln]
        pos += 18 + n + ln + 4
        if kind == ord("C") and ver == 2:
            body, ver = body[:-V2_BYTES], 1
        out += bytes([kind, n]) + name + struct.pack("<IIQ", inst, ver, len(body)) + body
        out += struct.pack("<I", zlib.crc32(body) & 0xffffffff)
    open(sys.argv[2], "wb").write(out)


main()
