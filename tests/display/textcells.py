#!/usr/bin/env python3
"""Reads 80x25 text screens out of screendumps (PPM P6 or 8-bit RGB PNG), cell
by cell: each 9x16 cell becomes (glyph class, foreground, background).

Glyph tables are learned from each emulator's own dump of the "charset" screen
of textguest.S (code k in attribute 0x07 at row 2 + k/32, column 8 + 2*(k%32)),
so two emulators with different fonts compare by character, not by pixel.
Codes whose glyphs our font draws alike (blank, the hollow box) form one
class (the smallest code).

  textcells.py font FONT_C CHARSET_DUMP     our dump shows our font's glyphs
  textcells.py compare OURS_CHARSET THEIRS_CHARSET OURS THEIRS
  textcells.py text OURS_CHARSET DUMP ROW   the characters of one row
"""
import re
import sys
import zlib

CW, CH = 9, 16


def read_image(path):
    data = open(path, 'rb').read()
    if data.startswith(b'P6'):
        m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+(\d+)\s', data)
        w, h = int(m.group(1)), int(m.group(2))
        return w, h, data[m.end():m.end() + 3 * w * h]
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path + ': not a PPM or PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], 'big')
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h = int.from_bytes(body[:4], 'big'), int.from_bytes(body[4:8], 'big')
            assert body[8] == 8 and body[9] == 2 and body[12] == 0, 'only 8-bit RGB'
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, out, stride, prev = zlib.decompress(idat), bytearray(), 3 * w, bytearray(3 * w)
    for y in range(h):                      # PNG spec 9.2: the five filter types
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], prev[i - 3] if i >= 3 else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return w, h, bytes(out)


def cell_pixels(img, row, col):
    w, h, px = img
    return [[px[3 * ((row * CH + y) * w + col * CW + x):][:3] for x in range(8)] for y in range(CH)]


def key_of(cell, ink):
    return tuple(sum(1 << (7 - x) for x in range(8) if cell[y][x] == ink) for y in range(CH))


def learn(img):
    """glyph key -> first code, and code -> key, from the charset screen"""
    table, keys = {}, []
    for k in range(256):
        cell = cell_pixels(img, 2 + k // 32, 8 + 2 * (k % 32))
        ink = max({c for r in cell for c in r})     # attribute 0x07: grey on black
        keys.append(key_of(cell, ink) if ink != bytes(3) else (0,) * CH)
        table.setdefault(keys[-1], k)
    return table, keys


def decode(img, table, classes):
    """per cell, every reading (class, fg, bg) its two colours allow"""
    grid = []
    for row in range(img[1] // CH):
        for col in range(img[0] // CW):
            cell = cell_pixels(img, row, col)
            colors = sorted({c for r in cell for c in r})
            if len(colors) == 1:
                grid.append([(classes[0x20], None, colors[0])])
                continue
            found = []
            for ink in colors:
                k = key_of(cell, ink)
                if k in table and len(colors) == 2:
                    bg = [c for c in colors if c != ink][0]
                    found.append((classes[table[k]], ink, bg))
            grid.append(found or [('?', tuple(colors), None)])
    return grid


def our_classes(learned):
    table, keys = learned
    return {code: table[keys[code]] for code in range(256)}


def main():
    cmd = sys.argv[1]
    if cmd == 'font':
        src = open(sys.argv[2]).read()
        rows = re.findall(r'\{ ((?:0x[0-9a-f]{2}, ){15}0x[0-9a-f]{2}) \}', src)
        assert len(rows) == 256
        table = learn(read_image(sys.argv[3]))[0]
        bad = 0
        for code, r in enumerate(rows):
            key = tuple(int(v, 16) for v in r.split(', '))
            if table.get(key) is None or rows[table[key]] != r:
                bad += 1
        print('glyphs not as in the font table: %d of 256' % bad)
        return 1 if bad else 0
    ours_cs, theirs_cs = read_image(sys.argv[2]), None
    our_learned = learn(ours_cs)
    classes = our_classes(our_learned)
    if cmd == 'text':
        grid = decode(read_image(sys.argv[3]), our_learned[0], classes)
        row = int(sys.argv[4])
        blank = classes[0x20]
        print(''.join(' ' if c[0][0] == blank else chr(c[0][0]) if isinstance(c[0][0], int)
                      and 32 <= c[0][0] < 127 else '?' for c in grid[80 * row:80 * row + 80]).rstrip())
        return 0
    their_learned = learn(read_image(sys.argv[3]))
    # their codes mapped to our classes: codes their font draws apart and
    # ours alike compare equal; a cell matches when some reading of theirs
    # equals ours
    their_classes = {code: classes[code] for code in range(256)}
    their_table = {key: code for key, code in their_learned[0].items()}
    a = decode(read_image(sys.argv[4]), our_learned[0], classes)
    b = decode(read_image(sys.argv[5]), their_table, their_classes)
    diff = [i for i in range(min(len(a), len(b))) if not set(a[i]) & set(b[i])]
    unknown = sum(1 for c in a + b if c[0][0] == '?')
    print('cells: %d, differing: %d, undecodable: %d' % (len(a), len(diff) + abs(len(a) - len(b)), unknown))
    for i in diff[:8]:
        print('  row %d col %d: ours %s theirs %s' % (i // 80, i % 80, a[i], b[i]))
    return 0 if not diff and len(a) == len(b) and not unknown else 1


if __name__ == '__main__':
    sys.exit(main())
