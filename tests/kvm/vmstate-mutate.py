#!/usr/bin/env python3
"""Writes N damaged copies of a Quetzal migration stream (format:
migration/migration.h) for tests/check-kvm.sh's fuzz test: each changes the
payload of one of the named sections (random bytes set, or the payload one
byte shorter or longer) and makes its length and CRC-32 right again, so that
the stream passes the loader's checksum check and the section's own parser
(target-i386/machine.c's CPU section, accel/kvm/kvm-irqchip-state.c's
kernel chips, hw/'s models) sees the damage.
usage: vmstate-mutate.py IN OUTPREFIX N SEED NAME[,NAME...]"""
import random
import struct
import sys
import zlib


def sections(b):
    pos = 12
    while pos < len(b):
        kind, n = b[pos], b[pos + 1]
        name = b[pos + 2:pos + 2 + n]
        inst, ver, ln = struct.unpack_from("<IIQ", b, pos + 2 + n)
        yield kind, name, inst, ver, b[pos + 18 + n:pos + 18 + n + ln]
        pos += 18 + n + ln + 4


def mutate(body, rng):
    body = bytearray(body)
    r = rng.random()
    if r < 0.1 and body:
        return body[:-1]
    if r < 0.2:
        return body + bytes([rng.randrange(256)])
    for _ in range(rng.randint(1, 4)):
        if body:
            i = rng.randrange(len(body))
            body[i] = rng.choice([0, 0xff, 0x80, 7, rng.randrange(256)])
    return body


def main():
    src = open(sys.argv[1], "rb").read()
    n, rng = int(sys.argv[3]), random.Random(int(sys.argv[4]))
    names = [x.encode() for x in sys.argv[5].split(",")]
    secs = list(sections(src))
    targets = [i for i, s in enumerate(secs) if s[1] in names]
    for k in range(n):
        pick = rng.choice(targets)
        out = bytearray(src[:12])
        for i, (kind, name, inst, ver, body) in enumerate(secs):
            if i == pick:
                body = mutate(body, rng)
            out += bytes([kind, len(name)]) + name + struct.pack("<IIQ", inst, ver, len(body))
            out += body + struct.pack("<I", zlib.crc32(body) & 0xffffffff)
        open("%s%d" % (sys.argv[2], k), "wb").write(out)


main()
