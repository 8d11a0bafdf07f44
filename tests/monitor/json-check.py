#!/usr/bin/env python3
"""The QMP JSON parser against Python's json module (RFC 8259), on random
values, random mutations of them and random bytes: both must accept the same
texts and agree on the value. Python accepts a few things QMP refuses on
purpose (\\u0000, lone surrogates, NaN/Infinity, nesting past 64): those
cases count as rejections on the Python side. Prints "ok ..."/"FAIL ..." and
returns the counts; never a hard-coded answer.
   json-check.py JSON_TEST_BINARY [SEED]"""
import json, random, subprocess, sys

MAX_DEPTH = 64

def rand_string(r):
    pool = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\x01', '\u00e9', '\u4e2d', '\U0001f600', '\x7f']
    return ''.join(r.choice(pool) for _ in range(r.randrange(6)))

def rand_value(r, depth=0):
    k = r.randrange(9 if depth < 5 else 6)
    if k == 0: return None
    if k == 1: return r.choice([True, False])
    if k == 2: return r.randrange(-2**53, 2**53)
    if k == 3: return r.uniform(-1e6, 1e6)
    if k in (4, 5): return rand_string(r)
    if k in (6, 7):
        return {rand_string(r): rand_value(r, depth + 1) for _ in range(r.randrange(4))}
    return [rand_value(r, depth + 1) for _ in range(r.randrange(4))]

def mutate(r, text):
    b = bytearray(text.encode())
    for _ in range(r.randrange(1, 4)):
        op = r.randrange(4)
        pos = r.randrange(len(b) + 1)
        if op == 0 and b:
            del b[min(pos, len(b) - 1)]
        elif op == 1:
            b[pos:pos] = bytes([r.choice(b'{}[]",:\\0123456789.eE+-tfnul \x00\xff\xc3\xa9')])
        elif op == 2 and b:
            b[min(pos, len(b) - 1)] = r.randrange(256)
        else:
            b = b[:pos]
    return bytes(b)

def depth_of(v):
    if isinstance(v, dict):
        return 1 + max([depth_of(x) for x in v.values()] + [0])
    if isinstance(v, list):
        return 1 + max([depth_of(x) for x in v] + [0])
    return 0

def has_refused_string(v):
    """What QMP refuses though RFC 8259's grammar allows it (QEMU's parser
    refuses them too): NUL characters and unpaired surrogates."""
    if isinstance(v, str):
        return '\x00' in v or any(0xd800 <= ord(c) <= 0xdfff for c in v)
    if isinstance(v, dict):
        return any(has_refused_string(k) or has_refused_string(x) for k, x in v.items())
    if isinstance(v, list):
        return any(has_refused_string(x) for x in v)
    return False

REJECT = object()

def has_infinite(v):
    if isinstance(v, float):
        return v != v or v in (float('inf'), float('-inf'))
    if isinstance(v, dict):
        return any(has_infinite(x) for x in v.values())
    if isinstance(v, list):
        return any(has_infinite(x) for x in v)
    return False

def python_parse(data):
    """Python's value of data, or REJECT."""
    try:
        text = data.decode('utf-8', errors='strict')
    except UnicodeDecodeError:
        return REJECT
    def bad_constant(name):
        raise ValueError(name)
    try:
        v = json.loads(text, parse_constant=bad_constant)
    except (ValueError, RecursionError):
        return REJECT
    if depth_of(v) > MAX_DEPTH or has_refused_string(v) or has_infinite(v):
        return REJECT   # out of range numbers: QMP refuses them as well
    return v

def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
            not isinstance(a, bool) and not isinstance(b, bool) and abs(a - b) <= 1e-9 * max(1, abs(a))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) == type(b) and a == b

def main():
    binary = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    r = random.Random(seed)
    cases = []
    for _ in range(1500):
        text = json.dumps(rand_value(r), ensure_ascii=r.choice([True, False]))
        cases.append(text.encode())
        cases.append(mutate(r, text))
    for _ in range(300):
        cases.append(bytes(r.randrange(256) for _ in range(r.randrange(1, 40))))
    cases += [b'[' * 70 + b']' * 70, b'[' * 64 + b']' * 64, b'"\\ud800"', b'"\\ud83d\\ude00"',
              b'"\\u0000"', b'01', b'-0', b'1e400', b'"\xed\xa0\x80"', b'"\xc0\x80"', b'{"a":1,}',
              b'[1,]', b'', b' ', b'tru', b'nulll', b'"\x1f"', b'{"a" 1}', b'1.5e3', b'-']
    feed = b''.join(b'%d\n' % len(c) + c for c in cases)
    out = subprocess.run([binary], input=feed, capture_output=True, timeout=120)
    lines = out.stdout.decode('utf-8', errors='replace').split('\n')
    passed = failed = 0
    if out.returncode != 0 or len(lines) < len(cases):
        print("FAIL json-parse: json-test exited %d after %d of %d cases" %
              (out.returncode, len(lines) - 1, len(cases)))
        return 0, 1
    for data, line in zip(cases, lines):
        want = python_parse(data)
        if line.startswith('OK '):
            try:
                got = json.loads(line[3:])
            except ValueError:
                got = ValueError
            ok = want is not REJECT and got is not ValueError and same(want, got)
        else:
            ok = want is REJECT
        if ok:
            passed += 1
        else:
            failed += 1
            if failed <= 5:
                print("FAIL json-parse: %r: ours %s, python %r" % (data[:80], line[:80], want))
    print("ok json-parse: %d cases agree with Python's json (seed %d)" % (passed, seed)
          if not failed else "FAIL json-parse: %d of %d cases disagree" % (failed, len(cases)))
    return (1, 0) if not failed else (0, 1)

if __name__ == '__main__':
    p, f = main()
    print("%d passed, %d failed" % (p, f))
    sys.exit(1 if f else 0)
