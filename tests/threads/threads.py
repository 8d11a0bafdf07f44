# Python threads: 8 threads sum disjoint ranges under the GIL, a lock-protected
# shared total, a queue and an Event; the results are exact.
import queue
import threading

total = 0
lock = threading.Lock()
results = queue.Queue()
ready = threading.Event()


def work(k):
    global total
    ready.wait()
    s = sum(range(k * 100000, (k + 1) * 100000))
    with lock:
        total += s
    results.put((k, s))


threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
ready.set()
for t in threads:
    t.join()
parts = sorted(results.get() for _ in range(8))
print(total, sum(s for _, s in parts) == total, len(parts), threading.active_count())
