#!/usr/bin/env python3
"""events-fanout-client: section (5) of scripts/bench/events — 1,000 subscribers to everything on one metricsd
during a refresh paced by the platforms' limits (the daemon's default rates), as deployed.

    events-fanout-client.py SOCKET SUBSCRIBERS

The subscribers are spread over two reader processes (one each would be 1,000 Python threads on 2 cores), each
reading its sockets with one selector and nothing but a regex per line. Prints whether every subscriber received
every event of the refresh, and delivery latency p50/p99 (arrival − the event's `at`) over all of them."""
import multiprocessing
import re
import selectors
import socket
import sys
import time

from benchevents import AT, SEQ, at_millis, last_seq, percentile
from benchrpc import RPC

SOCK, COUNT = sys.argv[1], int(sys.argv[2])
PROCESSES = 2


def reader(count, ready, end_seq, results):
    selector = selectors.DefaultSelector()
    state = {}
    for _ in range(count):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(SOCK)
        sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
        reply = b""
        while b"\n" not in reply:
            reply += sock.recv(4096)
        start = int(re.search(rb'"seq":(\d+)', reply).group(1))
        sock.setblocking(False)
        state[sock] = {"buffer": reply.split(b"\n", 1)[1], "start": start, "last": start, "ok": True}
        selector.register(sock, selectors.EVENT_READ)
    ready.release()
    latencies = []
    while True:
        target = end_seq.value
        if target and all(s["last"] >= target or not s["ok"] for s in state.values()):
            break
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            s = state[sock]
            try:
                chunk = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                s["ok"] = False
                selector.unregister(sock)
                continue
            arrived = time.time() * 1000
            data = s["buffer"] + chunk
            lines = data.split(b"\n")
            s["buffer"] = lines.pop()
            for line in lines:
                match = SEQ.search(line)
                if not match:
                    if b'"lagged"' in line:
                        s["ok"] = False
                    continue
                seq = int(match.group(1))
                if seq != s["last"] + 1:
                    s["ok"] = False
                s["last"] = seq
                at = AT.search(line)
                if at:
                    latencies.append(arrived - at_millis(at))
    results.put((sum(1 for s in state.values() if s["ok"] and s["last"] >= end_seq.value), latencies))


if __name__ == "__main__":
    rpc = RPC(SOCK)
    ready = multiprocessing.Semaphore(0)
    end_seq = multiprocessing.Value("q", 0)
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=reader, args=(COUNT // PROCESSES, ready, end_seq, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.acquire()
    started = time.perf_counter()
    report = rpc.call("refreshAll", {"wait": True})
    seconds = time.perf_counter() - started
    end_seq.value = last_seq(rpc)
    complete, latencies = 0, []
    for _ in workers:
        done, values = results.get(timeout=300)
        complete += done
        latencies += values
    for worker in workers:
        worker.join()
    print(f"fanout_subscribers {COUNT}")
    print(f"fanout_posts {report['summary']['totalPostsProcessed']}")
    print(f"fanout_refresh_seconds {seconds:.1f}")
    print(f"fanout_notifications {len(latencies)}")
    print(f"fanout_complete {complete}")
    print(f"fanout_p50_ms {percentile(latencies, 0.50):.1f}")
    print(f"fanout_p99_ms {percentile(latencies, 0.99):.1f}")
