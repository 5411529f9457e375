#!/usr/bin/env python3
"""analytics-client: the protocol half of scripts/bench/analytics (the bash script starts and stops metricsd).

Subcommands (each prints `key=value` lines for the bash script):
  populate SOCKET NOW_MS       100 workspaces (three time zones) x (1 account per platform, 1,000 posts posted over
                               90 days) and 10,000,000 snapshots: each post about every 21.6 hours from its posting
                               to NOW, written time-major (every post's point of one moment, then the next moment),
                               the order refreshes write in; and a workspace `big` of 100,000 posts with one
                               snapshot each, for the page walk
  hourly SOCKET NOW_MS         1 workspace, 1,000 posts, 90 days of hourly snapshots (2,160,000), time-major
  reads SOCKET NOW_MS ROUNDS   p50/p99 of topPosts (increase over 7 days), series (90 days, daily), deltas (a page
                               of 500 posts), anomalies and bestTimes, each on ROUNDS workspaces in turn; and a walk
                               of `big` (100,000 posts) and of a 1,000-post workspace by pages of 500 (listPosts and
                               latestMetrics), p50/p99 per page
  ready SOCKET                 exits 0 once metricsd answers health
  retention SOCKET             prints the last retention pass from health (started/finished, deleted)
"""
import json
import random
import socket
import statistics
import sys
import time

from benchrpc import RPC, RPCFailure, http_json

DAY = 86_400_000
HOUR = 3_600_000
WORKSPACES = 100
POSTS_PER_WORKSPACE = 1000
SNAPSHOTS_PER_POST = 100
BIG_POSTS = 100_000
BATCH = 10_000  # importMetrics takes at most 10,000 a call
ZONES = ["UTC", "Europe/Paris", "America/New_York"]
PLATFORMS = ["instagram", "tiktok", "facebook"]


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def register(rpc, workspace, zone, posts, now, rng, spread_days):
    rpc.call("upsertWorkspace", {"id": workspace, "name": workspace, "timeZone": zone})
    for platform in PLATFORMS:
        rpc.call("upsertAccount", {"id": f"{workspace}-{platform}", "workspaceId": workspace, "platform": platform,
                                   "externalAccountId": f"{workspace}-{platform}", "accessToken": "t"})
    registered = []
    for start in range(0, posts, 10_000):
        batch = []
        for index in range(start, min(posts, start + 10_000)):
            platform = PLATFORMS[index % 3]
            posted = now - rng.randrange(spread_days * DAY)
            post = {"id": f"{workspace}-p{index}", "accountId": f"{workspace}-{platform}",
                    "externalPostId": f"x{index}", "postedAt": iso(posted)}
            batch.append(post)
            registered.append((post["id"], platform, posted))
        rpc.call("upsertPosts", {"posts": batch})
    return registered


def values(rng, platform, age_days, step):
    views = int(200 * (1 + age_days) ** 0.8 * (1 + step * 0.01)) + rng.randrange(50)
    snapshot = {"views": views, "likes": views // 25, "comments": views // 300}
    if platform != "tiktok":
        snapshot["reach"] = int(views * 0.7)
        snapshot["saves"] = views // 400
    snapshot["shares"] = views // 500
    return snapshot


def send_snapshots(rpc, points):
    for start in range(0, len(points), BATCH):
        rpc.call("importMetrics", {"snapshots": points[start:start + BATCH]})


def populate(path, now):
    rpc = RPC(path)
    rng = random.Random(2026)
    posts = []
    for w in range(WORKSPACES):
        posts += register(rpc, f"w{w:02d}", ZONES[w % 3], POSTS_PER_WORKSPACE, now, rng, 90)
    interval = 90 * DAY // SNAPSHOTS_PER_POST
    total = 0
    started = time.time()
    for step in range(SNAPSHOTS_PER_POST):
        moment = now - 90 * DAY + step * interval
        points = []
        for post_id, platform, posted in posts:
            at = moment + rng.randrange(HOUR)
            if at < posted or at > now:
                continue
            point = {"postId": post_id, "capturedAt": iso(at)}
            point.update(values(rng, platform, (at - posted) / DAY, step))
            points.append(point)
        send_snapshots(rpc, points)
        total += len(points)
    big = register(rpc, "big", "UTC", BIG_POSTS, now, rng, 30)
    send_snapshots(rpc, [dict({"postId": p, "capturedAt": iso(now - HOUR)}, **values(rng, pl, 1, 0)) for p, pl, _ in big])
    print(f"posts={len(posts) + len(big)} snapshots={total + len(big)} seconds={time.time() - started:.1f}")


def hourly(path, now):
    rpc = RPC(path)
    rng = random.Random(7)
    posts = register(rpc, "h", "Europe/Paris", 1000, now - 90 * DAY, rng, 1)
    total = 0
    started = time.time()
    for hour in range(90 * 24):
        moment = now - 90 * DAY + hour * HOUR
        points = []
        for post_id, platform, posted in posts:
            at = moment + rng.randrange(600_000)
            point = {"postId": post_id, "capturedAt": iso(at)}
            point.update(values(rng, platform, (at - posted) / DAY, hour // 24))
            points.append(point)
        send_snapshots(rpc, points)
        total += len(points)
    print(f"posts={len(posts)} snapshots={total} seconds={time.time() - started:.1f}")


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]
    return pick(0.5), pick(0.99)


def reads(path, now, rounds):
    rpc = RPC(path)
    workspaces = [f"w{(i * 37) % WORKSPACES:02d}" for i in range(rounds)]
    cases = {
        "topPosts": lambda w: ("topPosts", {"workspaceId": w, "metric": "views", "by": "increase",
                                            "since": iso(now - 7 * DAY), "until": iso(now), "limit": 10}),
        "series": lambda w: ("series", {"workspaceId": w, "metric": "views", "interval": "day",
                                        "since": iso(now - 90 * DAY), "until": iso(now)}),
        "deltas": lambda w: ("deltas", {"workspaceId": w, "period": "day", "limit": 500}),
        "anomalies": lambda w: ("anomalies", {"workspaceId": w}),
        "bestTimes": lambda w: ("bestTimes", {"workspaceId": w}),
    }
    for name, case in cases.items():
        for w in workspaces[:3]:  # warm-up
            rpc.call(*case(w))
        samples = [rpc.timed(*case(w))[0] for w in workspaces]
        p50, p99 = percentiles(samples)
        print(f"read={name} p50_ms={p50:.2f} p99_ms={p99:.2f}")
    for workspace, label in (("big", "100000"), ("w00", "1000")):
        for method in ("listPosts", "latestMetrics"):
            samples, cursor, pages = [], None, 0
            while True:
                params = {"workspaceId": workspace, "limit": 500}
                if cursor:
                    params["cursor"] = cursor
                elapsed, result = rpc.timed(method, params)
                samples.append(elapsed)
                pages += 1
                cursor = result.get("nextCursor")
                if not cursor:
                    break
            p50, p99 = percentiles(samples)
            print(f"walk={method}:{label} pages={pages} p50_ms={p50:.2f} p99_ms={p99:.2f} total_s={sum(samples) / 1000:.2f}")


def ready(path):
    try:
        RPC(path).call("health")
    except OSError:
        sys.exit(1)


def retention(path):
    database = RPC(path).call("health")["database"]
    last = database.get("lastRetention") or {}
    print(f"rows={database.get('snapshotRows')} started={last.get('startedAt')} finished={last.get('finishedAt')} deleted={last.get('deletedSnapshots')}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "populate":
        populate(sys.argv[2], int(sys.argv[3]))
    elif command == "hourly":
        hourly(sys.argv[2], int(sys.argv[3]))
    elif command == "reads":
        reads(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "ready":
        ready(sys.argv[2])
    elif command == "retention":
        retention(sys.argv[2])
    else:
        sys.exit(f"analytics-client: unknown command {command}")
