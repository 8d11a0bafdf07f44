#!/usr/bin/env python3
"""Rewrites a stream-optimized VMDK made by qemu-img (grain tables in place
after the header) into the layout VMware's exporters write: the header says
the grain directory is at the end (gdOffset = ~0), the grains follow one
another behind their markers, then GT markers and grain tables, a GD marker
and the grain directory, a footer marker and the footer (a header copy with
the real gdOffset), and the end-of-stream marker.
VMware Virtual Disk Format 1.1, "Stream-Optimized Compressed Sparse Extents".
Usage: vmdk-stream-footer.py IN OUT"""
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
d = open(src, 'rb').read()
h = bytearray(d[:512])
cap, grain = struct.unpack_from('<QQ', h, 12)
desc_off, desc_size = struct.unpack_from('<QQ', h, 28)
gtes = struct.unpack_from('<I', h, 44)[0]
gd_off = struct.unpack_from('<Q', h, 56)[0]
ngt = -(-cap // (grain * gtes))
gd = struct.unpack_from('<%dI' % ngt, d, gd_off * 512)
out = bytearray(d[:(desc_off + desc_size) * 512])
struct.pack_into('<Q', out, 56, 0xffffffffffffffff)
struct.pack_into('<Q', out, 48, 0)
struct.pack_into('<I', out, 8, struct.unpack_from('<I', h, 8)[0] & ~2)
out += bytes(-len(out) % (grain * 512))
newgts = []
for g in range(ngt):
    gt = list(struct.unpack_from('<%dI' % gtes, d, gd[g] * 512))
    for i, e in enumerate(gt):
        if e > 1:
            size = struct.unpack_from('<I', d, e * 512 + 8)[0]
            blob = d[e * 512: e * 512 + 12 + size]
            gt[i] = len(out) // 512
            out += blob + bytes(-len(blob) % 512)
    newgts.append(gt)
def marker(sectors, typ):
    return struct.pack('<QII', sectors, 0, typ) + bytes(496)
gtsec = -(-gtes * 4 // 512)
newgd = []
for gt in newgts:
    out += marker(gtsec, 1)
    newgd.append(len(out) // 512)
    t = struct.pack('<%dI' % gtes, *gt)
    out += t + bytes(-len(t) % 512)
gdsec = -(-ngt * 4 // 512)
out += marker(gdsec, 2)
gdpos = len(out) // 512
t = struct.pack('<%dI' % ngt, *newgd)
out += t + bytes(-len(t) % 512)
foot = bytearray(out[:512]); struct.pack_into('<Q', foot, 56, gdpos)
out += marker(1, 3) + foot + bytes(512)
open(dst, 'wb').write(out)
