#!/usr/bin/env python3
"""refresh-client: the protocol half of scripts/bench/refresh (the bash script starts and stops the processes).

Subcommands (each prints `key=value` lines, or JSON where noted, for the bash script to read):
  seed SIM_URL OUT.json            seeds the simulator (100 accounts over three platforms, 100 posts each),
                                   writes the seed summaries (accounts, tokens, post ids) to OUT.json
  register SOCKET SEED.json OUT.json
                                   upsertWorkspace x10, upsertAccount x100 (platforms interleaved, account n in
                                   workspace n % 10), syncPosts per account (discovers and registers the posts);
                                   writes the population (account -> workspace, platform, posts registered)
  ready SOCKET                     exits 0 once metricsd answers `health`
  refresh SOCKET SIM_URL SEED.json [PLATFORM...]
                                   one `refreshAll {"wait":true[,"platforms":[...]]}`, timed around the call;
                                   simulator stats read before and after, so the calls are counted by the
                                   simulator, not trusted from the daemon (also the busiest account's calls per
                                   platform, for per-account budgets)
  config SIM_URL JSON              replaces the simulator configuration (PUT /_sim/config; resets its windows)
  latency SIM_URL SEED.json N      median latency of N sequential keep-alive requests per platform, the way
                                   a one-request-at-a-time client sees it (for the original-pacing model)
  original POPULATION.json LATENCY_IG LATENCY_FB LATENCY_TT
                                   the original design's completion time for the population, computed exactly
                                   from its pacing (see `original` below)

Scale mode (BENCH_POSTS):
  seed-scale SIM_URL OUT.json PER_PLATFORM
                                   PER_PLATFORM accounts on each platform x 100 posts (one generate request)
  register-scale SOCKET SIM_URL SEED.json SYNC_ACCOUNTS
                                   workspaces and accounts; the first SYNC_ACCOUNTS accounts' posts through
                                   syncPosts (timed, for comparison), the others listed from the simulator here
                                   and registered with upsertPosts in batches of 10,000 (timed)
  memory PID [reset]               VmRSS and VmHWM of PID in bytes; with `reset`, clears VmHWM afterwards
                                   (/proc/PID/clear_refs 5) so the next reading is the peak from then on
"""
import concurrent.futures
import http.client
import json
import socket
import statistics
import sys
import time
import urllib.parse
import urllib.request

from benchrpc import RPC, RPCFailure, http_json

ACCOUNTS = {"instagram": 34, "facebook": 33, "tiktok": 33}  # 100 accounts
POSTS_PER_ACCOUNT = 100                                     # 10,000 posts
WORKSPACES = 10


def seed(sim_url, out):
    # Two generate requests (the generator gives every listed platform the same account count): 34 Instagram
    # accounts, then 33 Facebook Pages and 33 TikTok users. Posts spread over the last 28 days, inside
    # metricsd's 30-day window, so every post is due.
    summaries = []
    for platforms, count, seed_value in ((["instagram"], ACCOUNTS["instagram"], 1),
                                         (["facebook", "tiktok"], ACCOUNTS["facebook"], 2)):
        summaries.append(http_json("POST", f"{sim_url}/_sim/seed", {"generate": {
            "accountsPerPlatform": count, "postsPerAccount": POSTS_PER_ACCOUNT, "platforms": platforms,
            "seed": seed_value, "maxAgeDays": 28}}))
    accounts = [a for s in summaries for a in s["accounts"]]
    with open(out, "w") as f:
        json.dump(accounts, f)
    print(f"accounts={len(accounts)} posts={sum(len(a['postIDs']) for a in accounts)}")


def register(sock_path, seed_file, out):
    with open(seed_file) as f:
        seeded = json.load(f)
    by_platform = {p: [a for a in seeded if a["platform"] == p] for p in ("instagram", "facebook", "tiktok")}
    ordered = []  # platforms interleaved, so no platform sorts first in the daemon's account order
    for i in range(max(len(v) for v in by_platform.values())):
        for platform in ("instagram", "facebook", "tiktok"):
            if i < len(by_platform[platform]):
                ordered.append(by_platform[platform][i])
    rpc = RPC(sock_path)
    for w in range(WORKSPACES):
        rpc.call("upsertWorkspace", {"id": f"ws-{w}", "name": f"Studio {w}"})
    population = []
    for n, account in enumerate(ordered):
        account_id, workspace = f"acct-{n:03d}", f"ws-{n % WORKSPACES}"
        params = {"id": account_id, "workspaceId": workspace, "platform": account["platform"],
                  "externalAccountId": account["id"], "accessToken": account["accessToken"]}
        if account.get("refreshToken"):
            params["refreshToken"] = account["refreshToken"]
        if account.get("accessTokenExpiresAt"):
            params["tokenExpiresAt"] = account["accessTokenExpiresAt"]
        rpc.call("upsertAccount", params)
        synced = rpc.call("syncPosts", {"accountId": account_id})
        population.append({"id": account_id, "workspace": workspace, "platform": account["platform"],
                           "posts": synced["discovered"]})
    with open(out, "w") as f:
        json.dump(population, f)
    total = sum(a["posts"] for a in population)
    print(f"accounts={len(population)} posts={total}")


def ready(sock_path):
    try:
        RPC(sock_path).call("health")
    except OSError:
        sys.exit(1)


def refresh(sock_path, sim_url, seed_file, platforms):
    with open(seed_file) as f:
        platform_of = {a["id"]: a["platform"] for a in json.load(f)}
    rpc = RPC(sock_path)
    before = http_json("GET", f"{sim_url}/_sim/stats")
    params = {"wait": True}
    if platforms:
        params["platforms"] = platforms
    started = time.monotonic()
    report = rpc.call("refreshAll", params)
    seconds = time.monotonic() - started
    after = http_json("GET", f"{sim_url}/_sim/stats")

    def delta(key, prefix=""):
        total = 0
        for name, counts in after["endpoints"].items():
            if name.startswith(prefix):
                total += counts[key] - before["endpoints"].get(name, {}).get(key, 0)
        return total

    summary = report["summary"]
    fields = {
        "seconds": f"{seconds:.3f}", "posts": summary["totalPostsProcessed"], "updated": summary["totalMetricsUpdated"],
        "errors": summary["totalErrors"], "skipped": summary["totalSkipped"],
        "calls": delta("requests"), "rate_limited": delta("rateLimited"), "sim_errors": delta("errors"),
    }
    for platform in ("instagram", "facebook", "tiktok"):
        fields[f"calls_{platform}"] = delta("requests", platform + ".")
        fields[f"rejected_{platform}"] = delta("rateLimited", platform + ".")
        fields[f"posts_{platform}"] = summary["byPlatform"].get(platform, {}).get("processed", 0)
        fields[f"max_account_calls_{platform}"] = max(
            [counts["requests"] - counts["rateLimited"]
             - before["accounts"].get(a, {}).get("requests", 0) + before["accounts"].get(a, {}).get("rateLimited", 0)
             for a, counts in after["accounts"].items() if platform_of.get(a) == platform] or [0])
    print(" ".join(f"{k}={v}" for k, v in fields.items()))


def config(sim_url, text):
    http_json("PUT", f"{sim_url}/_sim/config", json.loads(text))


def latency(sim_url, seed_file, n):
    with open(seed_file) as f:
        seeded = json.load(f)
    host = urllib.parse.urlsplit(sim_url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    results = {}
    for platform in ("instagram", "facebook", "tiktok"):
        account = next(a for a in seeded if a["platform"] == platform)
        token, post = account["accessToken"], account["postIDs"][0]
        samples = []
        for _ in range(n):
            if platform == "instagram":
                method, path, body, headers = "GET", f"/v25.0/{post}/insights?metric=views,reach&access_token={token}", None, {}
            elif platform == "facebook":
                fields = ("shares,reactions.summary(total_count).limit(0),comments.summary(true).limit(0),"
                          "insights.metric(post_media_view,post_total_media_view_unique,post_reactions_by_type_total,"
                          "post_clicks)")
                method, path, body, headers = "GET", f"/v25.0/{post}?fields={fields}&access_token={token}", None, {}
            else:
                method, path = "POST", "/v2/video/query/?fields=id,view_count,like_count"
                body = json.dumps({"filters": {"video_ids": [post]}})
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            samples.append(time.perf_counter() - started)
            if response.status != 200:
                sys.exit(f"refresh-client: latency probe {platform} answered {response.status}")
        results[platform] = statistics.median(samples)
    print(" ".join(f"{p}={v * 1000:.3f}" for p, v in results.items()))  # milliseconds


def original(population_file, lat_ig, lat_fb, lat_tt):
    """The original refresh's pacing, exactly: workspaces one after another; within a workspace its posts in
    batches of 10, one request per post, sequential, 200 ms after each request but the last of a batch, 2 s
    between batches (no pause between workspaces, which only favours the original). Request latency is the
    measured sequential latency per platform. Nothing else (its own CPU, database writes) is counted, so this is
    a lower bound for the original."""
    with open(population_file) as f:
        population = json.load(f)
    latency = {"instagram": lat_ig / 1000, "facebook": lat_fb / 1000, "tiktok": lat_tt / 1000}
    workspaces = {}
    for account in population:
        workspaces.setdefault(account["workspace"], []).extend([account["platform"]] * account["posts"])
    total = 0.0
    requests = 0
    for posts in workspaces.values():
        batches = (len(posts) + 9) // 10
        total += sum(latency[p] for p in posts) + 0.2 * (len(posts) - batches) + 2.0 * max(0, batches - 1)
        requests += len(posts)
    print(f"seconds={total:.1f} requests={requests} workspaces={len(workspaces)}")


# --- Scale mode --------------------------------------------------------------------------------------------------

def seed_scale(sim_url, out, per_platform):
    summary = http_json("POST", f"{sim_url}/_sim/seed", {"generate": {
        "accountsPerPlatform": int(per_platform), "postsPerAccount": POSTS_PER_ACCOUNT,
        "platforms": ["instagram", "facebook", "tiktok"], "seed": 1, "maxAgeDays": 28}})
    accounts = summary["accounts"]
    with open(out, "w") as f:
        json.dump(accounts, f)
    print(f"accounts={len(accounts)} posts={sum(len(a['postIDs']) for a in accounts)}")


class SimLister:
    """An account's posts with their times (and Instagram media types), read from the simulator the way metricsd's
    discovery reads them, over one keep-alive connection per thread."""

    def __init__(self, sim_url):
        self.host = urllib.parse.urlsplit(sim_url)
        self.local = __import__("threading").local()

    def _get(self, method, path, body=None, headers=None):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host.hostname, self.host.port, timeout=60)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {data}")
        return data

    def posts(self, account):
        token, platform = account["accessToken"], account["platform"]
        found = []
        if platform == "instagram":
            data = self._get("GET", f"/v25.0/{account['id']}/media?fields=id,timestamp,media_product_type&limit=100"
                                    f"&access_token={token}")
            for media in data["data"]:
                found.append((media["id"], media["timestamp"], media.get("media_product_type")))
            assert "next" not in data.get("paging", {}), "more than 100 media"
        elif platform == "facebook":
            data = self._get("GET", f"/v25.0/{account['id']}/posts?fields=id,created_time&limit=100&access_token={token}")
            for post in data["data"]:
                found.append((post["id"], post["created_time"], None))
            assert "next" not in data.get("paging", {}), "more than 100 posts"
        else:
            cursor = None
            while True:
                body = {"max_count": 20} if cursor is None else {"max_count": 20, "cursor": cursor}
                data = self._get("POST", "/v2/video/list/?fields=id,create_time", json.dumps(body),
                                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})["data"]
                for video in data["videos"]:
                    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(video["create_time"]))
                    found.append((video["id"], created, None))
                if not data["has_more"]:
                    break
                cursor = data["cursor"]
        return found


def register_scale(sock_path, sim_url, seed_file, sync_accounts):
    sync_accounts = int(sync_accounts)
    with open(seed_file) as f:
        seeded = json.load(f)
    rpc = RPC(sock_path)
    for w in range(WORKSPACES):
        rpc.call("upsertWorkspace", {"id": f"ws-{w}", "name": f"Studio {w}"})
    started = time.monotonic()
    ids = []
    for n, account in enumerate(seeded):
        account_id = f"acct-{n:05d}"
        params = {"id": account_id, "workspaceId": f"ws-{n % WORKSPACES}", "platform": account["platform"],
                  "externalAccountId": account["id"], "accessToken": account["accessToken"]}
        if account.get("refreshToken"):
            params["refreshToken"] = account["refreshToken"]
        if account.get("accessTokenExpiresAt"):
            params["tokenExpiresAt"] = account["accessTokenExpiresAt"]
        rpc.call("upsertAccount", params)
        ids.append(account_id)
    accounts_seconds = time.monotonic() - started

    # syncPosts for a sample: metricsd lists each account and registers what it finds, one account a call.
    started = time.monotonic()
    synced = 0
    for n in range(min(sync_accounts, len(seeded))):
        synced += rpc.call("syncPosts", {"accountId": ids[n]})["registered"]
    sync_seconds = time.monotonic() - started

    # The rest: listed here (4 threads), registered with upsertPosts, 10,000 a call.
    lister = SimLister(sim_url)
    started = time.monotonic()
    rest = list(range(min(sync_accounts, len(seeded)), len(seeded)))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        listings = list(pool.map(lambda n: lister.posts(seeded[n]), rest))
    list_seconds = time.monotonic() - started
    started = time.monotonic()
    batch = []
    upserted = 0

    def flush():
        nonlocal batch, upserted
        if batch:
            upserted += rpc.call("upsertPosts", {"posts": batch})["created"]
            batch = []

    for n, posts in zip(rest, listings):
        for external_id, posted_at, media_type in posts:
            post = {"id": f"{ids[n]}/{external_id}", "accountId": ids[n], "externalPostId": external_id,
                    "postedAt": posted_at}
            if media_type:
                post["mediaProductType"] = media_type
            batch.append(post)
            if len(batch) == 10_000:
                flush()
    flush()
    upsert_seconds = time.monotonic() - started
    print(f"accounts={len(ids)} accounts_seconds={accounts_seconds:.2f} synced_accounts={min(sync_accounts, len(seeded))} "
          f"synced={synced} sync_seconds={sync_seconds:.2f} listed_seconds={list_seconds:.2f} "
          f"upserted={upserted} upsert_seconds={upsert_seconds:.2f} posts={synced + upserted}")


def memory(pid, reset=None):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0]) * 1024
    if reset == "reset":
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    print(f"rss={fields.get('VmRSS', 0)} hwm={fields.get('VmHWM', 0)}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "seed":
        seed(*args)
    elif command == "register":
        register(*args)
    elif command == "refresh":
        refresh(args[0], args[1], args[2], args[3:])
    elif command == "ready":
        ready(*args)
    elif command == "config":
        config(*args)
    elif command == "latency":
        latency(args[0], args[1], int(args[2]))
    elif command == "original":
        original(args[0], *map(float, args[1:]))
    elif command == "seed-scale":
        seed_scale(*args)
    elif command == "register-scale":
        register_scale(*args)
    elif command == "memory":
        memory(*args)
    else:
        sys.exit(f"refresh-client: unknown command {command}")
