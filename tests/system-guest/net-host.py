#!/usr/bin/env python3
"""Host side of tests/check-net.sh: waits until the guest's serial log shows
QZ-LISTEN, connects to the hostfwd port, sends DATA_FILE, shuts down its write
side and prints the MD5 and length of what the guest sends back before closing."""
import hashlib, socket, sys, time

log, port, data_file, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
deadline = time.time() + timeout
while time.time() < deadline:
    try:
        if b"QZ-LISTEN" in open(log, "rb").read():
            break
    except OSError:
        pass
    time.sleep(0.2)
else:
    print("no-listen"); sys.exit(1)
data = open(data_file, "rb").read()
got = b""
# nc starts just after the marker: until it listens, the guest resets the
# forwarded connection and we see an empty answer; try again then
while not got and time.time() < deadline:
    time.sleep(0.5)
    s = socket.create_connection(("127.0.0.1", port), timeout=max(1, deadline - time.time()))
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        got = b""
    s.close()
print(hashlib.md5(got).hexdigest(), len(got))
