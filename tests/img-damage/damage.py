#!/usr/bin/env python3
"""Damaged copies of a disk image, for tests/check-img-damage.sh.

usage: damage.py FORMAT IMAGE OUTDIR
Writes OUTDIR/<FORMAT>.<damage> files, each a copy of IMAGE with one
deterministic damage, and prints their names (one a line):
  cut-<permille>  the file truncated to that share of its length
  cut-tail        the file less its last 512 bytes
  ptr-*           one table entry pointed past the end of the file, found by
                  parsing the format's header (field offsets from the format
                  specifications: qcow2 spec, qcow header, VirtualBox VDI
                  header, "Virtual Hard Disk Image Format Specification",
                  "VMware Virtual Disk Format 1.1").
"""
import os
import struct
import sys

CUTS = (100, 250, 500, 750, 900, 990)


def be64(d, o): return struct.unpack_from('>Q', d, o)[0]
def be32(d, o): return struct.unpack_from('>I', d, o)[0]
def le64(d, o): return struct.unpack_from('<Q', d, o)[0]
def le32(d, o): return struct.unpack_from('<I', d, o)[0]


def far(size, align):
    """An aligned offset well past the end of a file of size bytes."""
    return (size // align + 64) * align


def qcow2_ptrs(d):
    cb = be32(d, 20)
    cs = 1 << cb
    l1 = be64(d, 40)
    l1_size = be32(d, 36)
    out = {}
    entries = [be64(d, l1 + 8 * i) for i in range(l1_size)]
    used = [i for i, e in enumerate(entries) if e & 0x00fffffffffffe00]
    if not used:
        return out
    i = used[0]
    p = bytearray(d)
    struct.pack_into('>Q', p, l1 + 8 * i, (1 << 63) | far(len(d), cs))
    out['ptr-l1'] = p
    l2 = entries[i] & 0x00fffffffffffe00
    for j in range(cs // 8):
        e = be64(d, l2 + 8 * j)
        if e & (1 << 62):                      # compressed: offset in the low bits
            mask = (1 << (62 - (cb - 8))) - 1
            new = (e & ~mask) | far(len(d), 512)
        elif e & 0x00fffffffffffe00:
            new = (e & ~0x00fffffffffffe00) | far(len(d), cs)
        else:
            continue
        p = bytearray(d)
        struct.pack_into('>Q', p, l2 + 8 * j, new)
        out['ptr-l2'] = p
        break
    return out


def qcow_ptrs(d):
    cb, l2b = d[32], d[33]
    l1 = be64(d, 40)
    out = {}
    l2 = 0
    for i in range(64):
        if l1 + 8 * i + 8 <= len(d) and be64(d, l1 + 8 * i):
            l2 = be64(d, l1 + 8 * i)
            break
    if not l2:
        return out
    for j in range(1 << l2b):
        e = be64(d, l2 + 8 * j)
        if not e:
            continue
        if e >> 63:
            mask = (1 << (63 - cb)) - 1
            new = (e & ~mask) | far(len(d), 512)
        else:
            new = far(len(d), 1 << cb)
        p = bytearray(d)
        struct.pack_into('>Q', p, l2 + 8 * j, new)
        out['ptr-l2'] = p
        break
    return out


def vdi_ptrs(d):
    bmap, blocks = le32(d, 0x154), le32(d, 0x180)
    out = {}
    for i in range(blocks):
        if le32(d, bmap + 4 * i) < 0xfffffffe:
            p = bytearray(d)
            struct.pack_into('<I', p, bmap + 4 * i, 0x7ffffff0)
            out['ptr-bmap'] = p
            p = bytearray(d)                   # one block more than the file holds
            struct.pack_into('<I', p, 0x184, le32(d, 0x184) + 1)
            struct.pack_into('<I', p, bmap + 4 * i, le32(d, 0x184))
            out['ptr-bmap-next'] = p
            break
    return out


def vhd_checksum(buf, at):
    b = bytearray(buf)
    b[at:at + 4] = b'\0\0\0\0'
    return (~sum(b)) & 0xffffffff


def vpc_ptrs(d):
    dyn = be64(d, 16)
    out = {}
    if dyn >= len(d) or d[dyn:dyn + 8] != b'cxsparse':
        return out
    bat, n = be64(d, dyn + 16), be32(d, dyn + 28)
    for i in range(n):
        if be32(d, bat + 4 * i) != 0xffffffff:
            p = bytearray(d)
            struct.pack_into('>I', p, bat + 4 * i, far(len(d), 512) // 512)
            out['ptr-bat'] = p
            break
    p = bytearray(d)
    struct.pack_into('>Q', p, dyn + 16, far(len(d), 512))
    struct.pack_into('>I', p, dyn + 36, vhd_checksum(p[dyn:dyn + 1024], 36))
    out['ptr-bat-offset'] = p
    return out


def vmdk_ptrs(d):
    if d[:4] != b'KDMV':
        return {}
    gtes, gd = le32(d, 44), le64(d, 56)
    out = {}
    if gd == 0xffffffffffffffff:
        gd = le64(d, len(d) - 1024 + 56)   # stream footer copy
    if gd * 512 + 4 > len(d):
        return out
    gt = le32(d, gd * 512)
    if not gt:
        return out
    p = bytearray(d)
    struct.pack_into('<I', p, gd * 512, far(len(d), 512) // 512)
    out['ptr-gd'] = p
    for j in range(gtes):
        if le32(d, gt * 512 + 4 * j) > 1:
            p = bytearray(d)
            struct.pack_into('<I', p, gt * 512 + 4 * j, far(len(d), 512) // 512)
            out['ptr-gte'] = p
            break
    return out


PTRS = {'qcow2': qcow2_ptrs, 'qcow': qcow_ptrs, 'vdi': vdi_ptrs, 'vpc': vpc_ptrs,
        'vmdk': vmdk_ptrs}


def main():
    fmt, image, outdir = sys.argv[1:4]
    d = open(image, 'rb').read()
    base = os.path.join(outdir, os.path.basename(image))
    variants = {'cut-%d' % c: d[:len(d) * c // 1000] for c in CUTS}
    variants['cut-tail'] = d[:len(d) - 512]
    variants.update(PTRS[fmt](d))
    for name, data in variants.items():
        path = '%s.%s' % (base, name)
        with open(path, 'wb') as f:
            f.write(data)
        print(path)


main()
