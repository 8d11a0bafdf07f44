# Python under quetzal-x86_64 (tests/check-userdyn.sh): signals, sockets, subprocess,
# fork, select, sqlite, ssl, an interval timer; output compared with a native run.
import os, signal, socket, subprocess, sys, tempfile, json, sqlite3, ssl, hashlib, time, select, fcntl, struct
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
print("signal", got)
a, b = socket.socketpair()
a.sendall(b"ping"); print("socketpair", b.recv(4))
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); s, _ = srv.accept()
c.sendall(b"tcp"); print("tcp", s.recv(3))
print("subprocess", subprocess.check_output(["/bin/sh", "-c", "echo $((6*7))"]).strip())
pid = os.fork()
if pid == 0:
    os._exit(7)
print("fork/wait", os.waitpid(pid, 0)[1] >> 8)
r, w = os.pipe(); os.write(w, b"x"); print("select", select.select([r], [], [], 1)[0] == [r])
with tempfile.TemporaryDirectory() as d:
    db = sqlite3.connect(os.path.join(d, "t.db")); db.execute("create table t(x)"); db.execute("insert into t values (42)")
    print("sqlite", db.execute("select x from t").fetchone())
print("ssl", ssl.OPENSSL_VERSION.split()[0], hashlib.md5(b"abc").hexdigest())
signal.signal(signal.SIGALRM, lambda s, f: got.append("alarm"))
signal.setitimer(signal.ITIMER_REAL, 0.05)
time.sleep(0.2)
print("itimer", got)
print("json", json.dumps({"k": [1, 2]}))
