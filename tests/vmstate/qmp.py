#!/usr/bin/env python3
"""Runs QMP commands on a socket (unix:PATH) and prints each reply and each
event as one JSON line: qmp.py SOCKET '{"execute": ...}' ...
(tests/check-vmstate.sh)."""
import json
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from hmp import connect  # noqa: E402


def main():
    s = connect(sys.argv[1], "qmp.py")
    s.settimeout(120)
    f = s.makefile("rwb", buffering=0)
    f.readline()                                   # the greeting
    for cmd in ['{"execute": "qmp_capabilities"}'] + sys.argv[2:]:
        if cmd == "wait-migration":       # query-migrate until it is over
            for _ in range(1200):
                f.write(b'{"execute": "query-migrate"}\n')
                msg = json.loads(f.readline())
                while "event" in msg:
                    print(json.dumps({"event": msg["event"], "data": msg.get("data")}), flush=True)
                    msg = json.loads(f.readline())
                if msg.get("return", {}).get("status") in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.1)
            continue
        f.write(cmd.encode() + b"\n")
        while True:
            msg = json.loads(f.readline())
            if "event" in msg:
                print(json.dumps({"event": msg["event"], "data": msg.get("data")}), flush=True)
                continue
            if cmd != sys.argv[1] and "qmp_capabilities" not in cmd:
                print(json.dumps(msg), flush=True)
            break


if __name__ == "__main__":
    main()
