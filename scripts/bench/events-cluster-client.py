#!/usr/bin/env python3
"""events-cluster-client: the measurements of scripts/bench/events-cluster, against three running metricsd on one
PostgreSQL database.

    events-cluster-client.py SOCKET1 SOCKET2 SOCKET3

(1) A subscriber to everything on each daemon; one refreshAll (limits off) on the first, whose accounts the three
    daemons share, so each commits its part of the events: per subscriber, whether it saw every seq once and in
    order, and the latency from each event's `at` (the committing daemon's clock when its transaction began) to its
    arrival, p50 and p99 over all three subscribers.
(2) How late a daemon's cache serves a snapshot another daemon replaced: 200 times, an importMetrics of a newer
    point on the first daemon, then latestMetrics of that post on the second in a loop until it answers the new
    value: the time from the import's reply to that answer, p50 and p99."""
import re
import socket
import sys
import threading
import time

from benchevents import AT, SEQ, at_millis, last_seq, percentile
from benchrpc import RPC

SOCKETS = sys.argv[1:4]


class Subscriber(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        self.sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
        line = self.reader.readline()
        self.start_seq = int(re.search(rb'"seq":(\d+)', line).group(1))
        self.seqs, self.latencies, self.lagged = [], [], False

    def run(self):
        for line in self.reader:
            arrived = time.time() * 1000
            if b'"method":"lagged"' in line:
                self.lagged = True
                return
            seq, at = SEQ.search(line), AT.search(line)
            if seq and at:
                self.seqs.append(int(seq.group(1)))
                self.latencies.append(arrived - at_millis(at))


rpcs = [RPC(path) for path in SOCKETS]
post = rpcs[0].call("listPosts", {"workspaceId": "ws-0", "limit": 1})["posts"][0]["id"]

# (0) One event at a time: 300 imports on the first daemon, one subscriber on the second (what a quiet cluster's
#     path costs: commit, numbering, NOTIFY, the read of the log, delivery).
quiet = Subscriber(SOCKETS[1])
quiet.start()
base = time.time() - 3 * 86_400
for index in range(300):
    moment = base + index
    captured = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + ".000Z"
    rpcs[0].call("importMetrics", {"snapshots": [{"postId": post, "capturedAt": captured, "views": index}]})
deadline = time.time() + 30
while len(quiet.seqs) < 300 and time.time() < deadline:
    time.sleep(0.01)
print(f"quiet_events {len(quiet.seqs)}")
print(f"quiet_latency_p50_ms {percentile(quiet.latencies, 0.50):.1f}")
print(f"quiet_latency_p99_ms {percentile(quiet.latencies, 0.99):.1f}")

subscribers = [Subscriber(path) for path in SOCKETS]
for s in subscribers:
    s.start()
report = rpcs[0].call("refreshAll", {"wait": True})
end = last_seq(rpcs[1])
deadline = time.time() + 120
while any((s.seqs[-1] if s.seqs else 0) < end for s in subscribers) and time.time() < deadline:
    time.sleep(0.05)
complete = []
for s in subscribers:
    expected = list(range(s.start_seq + 1, end + 1))
    complete.append(s.seqs[: len(expected)] == expected and not s.lagged)
latencies = [value for s in subscribers for value in s.latencies]
print(f"cluster_posts {report['summary']['totalPostsProcessed']}")
print(f"cluster_events {end - subscribers[0].start_seq}")
print(f"cluster_gap_free {'yes' if all(complete) else 'NO ' + str(complete)}")
print(f"cluster_latency_p50_ms {percentile(latencies, 0.50):.1f}")
print(f"cluster_latency_p99_ms {percentile(latencies, 0.99):.1f}")
# How the latency moved over the refresh (a backlog grows; a slow path is slow throughout): p50 per tenth of its events.
first = subscribers[1].latencies
tenths = [first[i * len(first) // 10:(i + 1) * len(first) // 10] for i in range(10)]
print("cluster_latency_by_tenth_ms " + " ".join(f"{percentile(t, 0.5):.0f}" for t in tenths))

# (2) The cache of another daemon.
for _ in range(200):
    rpcs[1].call("latestMetrics", {"postIds": [post]})
delays = []
for round in range(200):
    views = 10_000_000 + round
    moment = time.time()
    captured = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"
    rpcs[0].call("importMetrics", {"snapshots": [{"postId": post, "capturedAt": captured, "views": views}]})
    replied = time.perf_counter()
    while True:
        metrics = rpcs[1].call("latestMetrics", {"postIds": [post]})["metrics"][0]
        if metrics.get("views") == views:
            break
        if time.perf_counter() - replied > 10:
            break
    delays.append((time.perf_counter() - replied) * 1000)
    time.sleep(0.005)
print(f"cache_late_p50_ms {percentile(delays, 0.50):.1f}")
print(f"cache_late_p99_ms {percentile(delays, 0.99):.1f}")
