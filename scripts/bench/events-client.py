#!/usr/bin/env python3
"""events-client: the measurements of scripts/bench/events, against a running metricsd (--demo) on SOCKET.

    events-client.py SOCKET DAEMON_PID

Prints one line per figure; the wrapper script prints them side by side with their targets."""
import json
import os
import socket
import statistics
import sys
import threading
import time

from benchevents import last_seq, percentile
from benchrpc import RPC

SOCK, PID = sys.argv[1], int(sys.argv[2])


def status_kib(field):
    """A memory figure of the daemon from /proc (VmHWM: peak resident set; VmRSS: now), in KiB."""
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Subscriber(threading.Thread):
    """One connection subscribed to everything, reading until told to stop: counts events, keeps seqs, and the
    latency from each event's `at` (the daemon's clock when its transaction began) to its arrival."""

    def __init__(self, params=None, timing=False):
        super().__init__(daemon=True)
        self.timing = timing
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(SOCK)
        self.reader = self.sock.makefile("rb")
        request = {"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": params or {}}
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        reply = json.loads(self.reader.readline())
        self.seq = reply["result"]["seq"]
        self.seqs = []
        self.latencies = []
        self.lagged = False
        self.stopping = False

    def run(self):
        # As cheap as a reader can be (a regex over the raw lines, no JSON parsing) unless latencies are wanted: on
        # 2 cores ten Python readers parsing every event would measure Python, not the daemon.
        import re
        seq_pattern = re.compile(rb'"event":\{"seq":(\d+)')
        while not self.stopping:
            line = self.reader.readline()
            if not line:
                return
            if b'"method":"lagged"' in line:
                self.lagged = True
                return
            if not self.timing:
                match = seq_pattern.search(line)
                if match:
                    self.seqs.append(int(match.group(1)))
                continue
            arrived = time.time() * 1000
            event = json.loads(line)["params"]["event"]
            self.seqs.append(event["seq"])
            at = event["at"]
            # ISO 8601 with milliseconds, UTC
            struct = time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S")
            millis = (time.mktime(struct) - time.timezone) * 1000 + int(at[20:23])
            self.latencies.append(arrived - millis)

    def close(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


rpc = RPC(SOCK)
accounts = rpc.call("listAccounts", {})["accounts"]
posts = rpc.call("listPosts", {"limit": 1})["posts"]
post_id = posts[0]["id"]

# 1. Commit-to-subscriber latency, one subscriber: 2,000 importMetrics calls of one snapshot each (one event each),
#    one at a time.
subscriber = Subscriber({"types": ["import"]}, timing=True)
subscriber.start()
base = time.time() - 86_400
for index in range(2000):
    moment = base + index / 1000
    captured = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"
    rpc.call("importMetrics", {"snapshots": [{"postId": post_id, "capturedAt": captured, "views": index}]})
deadline = time.time() + 30
while len(subscriber.seqs) < 2000 and time.time() < deadline:
    time.sleep(0.01)
subscriber.close()
print(f"latency_events {len(subscriber.seqs)}")
print(f"latency_p50_ms {percentile(subscriber.latencies, 0.50):.1f}")
print(f"latency_p99_ms {percentile(subscriber.latencies, 0.99):.1f}")


# 2. A refresh of every post, limits off, with 0 and then 10 subscribers to everything (3 rounds each, alternating).
def refresh_seconds():
    started = time.perf_counter()
    report = rpc.call("refreshAll", {})
    return time.perf_counter() - started, report["summary"]["totalPostsProcessed"]


rpc.call("refreshAll", {})  # warm-up
plain, with_ten, received_ok = [], [], True
for _ in range(3):
    seconds, processed = refresh_seconds()
    plain.append(processed / seconds)
    subscribers = [Subscriber() for _ in range(10)]
    for s in subscribers:
        s.start()
    start_seq = subscribers[0].seq
    seconds, processed = refresh_seconds()
    with_ten.append(processed / seconds)
    end = last_seq(rpc)
    deadline = time.time() + 60
    while any((s.seqs[-1] if s.seqs else start_seq) < end for s in subscribers) and time.time() < deadline:
        time.sleep(0.02)
    for s in subscribers:
        expected = list(range(start_seq + 1, end + 1))
        if s.seqs[: len(expected)] != expected or s.lagged:
            received_ok = False
        s.close()
print(f"refresh_posts {processed}")
print(f"refresh_posts_per_s_0 {statistics.median(plain):.0f}")
print(f"refresh_posts_per_s_10 {statistics.median(with_ten):.0f}")
print(f"refresh_every_subscriber_every_event {'yes' if received_ok else 'NO'}")

# 3. Peak RSS with 100 stalled subscribers (they subscribe and never read) over three refreshes, against the
#    peak before them.
before = status_kib('VmHWM')
stalled = []
for _ in range(100):
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(SOCK)
    sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
    stalled.append(sock)
for _ in range(3):
    rpc.call("refreshAll", {})
after = status_kib('VmHWM')
print(f"rss_peak_before_kib {before}")
print(f"rss_peak_stalled_kib {after}")
print(f"rss_now_kib {status_kib('VmRSS')}")
print(f"events_in_log {last_seq(rpc)}")
for sock in stalled:
    sock.close()

# 4. 10,000 events to a local webhook receiver (one importMetrics call each, so one `import` event each): how long
#    from the first commit to the last delivery, and how many deliveries repeated an event.
import http.server

received = []
received_lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with received_lock:
            received.append(self.headers.get("webhook-id"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
rpc.call("upsertWebhook", {"id": "bench", "url": f"http://127.0.0.1:{server.server_address[1]}/hook", "types": ["import"]})
COUNT = 10_000
started = time.perf_counter()
base = time.time() - 2 * 86_400
for index in range(COUNT):
    moment = base + index / 1000
    captured = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"
    rpc.call("importMetrics", {"snapshots": [{"postId": post_id, "capturedAt": captured, "views": index}]})
committed = time.perf_counter() - started
deadline = time.time() + 600
while time.time() < deadline:
    with received_lock:
        if len(set(received)) >= COUNT:
            break
    time.sleep(0.05)
delivered = time.perf_counter() - started
with received_lock:
    unique = len(set(received))
    duplicates = len(received) - unique
print(f"webhook_events {COUNT}")
print(f"webhook_commit_seconds {committed:.1f}")
print(f"webhook_delivered_seconds {delivered:.1f}")
print(f"webhook_received_unique {unique}")
print(f"webhook_duplicates {duplicates}")
server.shutdown()
