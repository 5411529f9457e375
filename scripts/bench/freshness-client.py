#!/usr/bin/env python3
"""freshness-client: the protocol and arithmetic half of scripts/bench/freshness (the bash script starts and stops
the processes; read its header for what is measured and why).

Subcommands:
  sim-config OUT.json BUDGET SINCE_MS   the simulator configuration: per-account limits of BUDGET calls an hour
                                        (Meta accountCallBudget, TikTok perAccount requestsPerWindow), publishing
                                        from SINCE_MS on at the population's density, long token lifetimes
  seed SIM_URL OUT.json                 500 accounts (167 Instagram, 167 Facebook Pages, 166 TikTok), no seeded
                                        posts (they are all published, see the bash header); writes the summaries
  register SOCKET SEED.json             10 workspaces, 500 accounts, syncPosts for each (the first discovery)
  ready SOCKET                          exits 0 once metricsd answers `health`
  watch SPEC.json OUT.json              samples both daemons every simulated BENCH_SAMPLE_HOURS until the end of the
                                        simulated period; writes the aggregated figures
  report KIND FILE [KIND FILE]          prints (KIND normal or scarce) the table with PASS/FAIL marks; exits 3 when a target is missed
"""
import calendar
import json
import os
import socket
import sqlite3
import sys
import threading
import time
import urllib.request

from benchrpc import RPC, RPCFailure, http_json

HOUR = 3_600_000
DAY = 24 * HOUR
# The standard ladder (metricsd --cadence standard): the bands both daemons are judged on.
BANDS = [("<1d", 0, DAY, HOUR), ("1d-7d", DAY, 7 * DAY, 6 * HOUR), ("7d-30d", 7 * DAY, 30 * DAY, DAY)]
WINDOW = 30 * DAY
PLATFORM_ACCOUNTS = (("instagram", 167, 1), ("facebook", 167, 2), ("tiktok", 166, 3))  # 500 accounts
POSTS_PER_ACCOUNT = 20           # live in the 30-day window, on average: 10,000 posts
WORKSPACES = 10
DISCOVERY_ENDPOINTS = {"instagram.mediaList", "facebook.posts", "tiktok.videoList"}
TOKEN_ENDPOINTS = {"instagram.refreshToken", "tiktok.oauthToken"}


# --- Setup -----------------------------------------------------------------------------------------------------

def sim_config(out, budget, since_ms):
    budget = int(budget)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(since_ms) // 1000))
    config = {"simulator": {
        "metaLimits": {"enabled": True, "windowSeconds": 3600, "windowBuckets": 60, "appCallBudget": 10_000_000,
                       "accountCallBudget": budget, "usageHeaderMinimumPercent": 0},
        "tiktokLimits": {"enabled": True, "perAccount": True, "requestsPerWindow": budget, "windowSeconds": 3600,
                         "windowBuckets": 60},
        # Tokens outlive the run: the comparison is about freshness (see the bash header for why).
        "tokens": {"tiktokAccessSeconds": 60 * 86400, "tiktokClientKey": "bench-key",
                   "tiktokClientSecret": "bench-secret"},
        "publishing": {"postsPerAccountPerDay": POSTS_PER_ACCOUNT / 30, "since": since, "seed": 9},
    }}
    with open(out, "w") as f:
        json.dump(config, f)


def seed(sim_url, out):
    accounts = []
    for platform, count, seed_value in PLATFORM_ACCOUNTS:
        summary = http_json("POST", f"{sim_url}/_sim/seed", {"generate": {
            "accountsPerPlatform": count, "postsPerAccount": 0, "platforms": [platform], "seed": seed_value}})
        accounts += summary["accounts"]
    with open(out, "w") as f:
        json.dump(accounts, f)
    print(f"accounts={len(accounts)}")


def register(sock_path, seed_file):
    with open(seed_file) as f:
        seeded = json.load(f)
    by_platform = {p: [a for a in seeded if a["platform"] == p] for p, _, _ in PLATFORM_ACCOUNTS}
    ordered = []  # platforms interleaved
    for i in range(max(len(v) for v in by_platform.values())):
        for platform, _, _ in PLATFORM_ACCOUNTS:
            if i < len(by_platform[platform]):
                ordered.append(by_platform[platform][i])
    rpc = RPC(sock_path)
    for w in range(WORKSPACES):
        rpc.call("upsertWorkspace", {"id": f"ws-{w}", "name": f"Studio {w}"})
    posts = 0
    for n, account in enumerate(ordered):
        params = {"id": f"acct-{n:03d}", "workspaceId": f"ws-{n % WORKSPACES}", "platform": account["platform"],
                  "externalAccountId": account["id"], "accessToken": account["accessToken"]}
        if account.get("refreshToken"):
            params["refreshToken"] = account["refreshToken"]
        if account.get("accessTokenExpiresAt"):
            params["tokenExpiresAt"] = account["accessTokenExpiresAt"]
        rpc.call("upsertAccount", params)
    # Discovery after every account is known, so the planner's first passes see the whole population.
    for n in range(len(ordered)):
        posts += rpc.call("syncPosts", {"accountId": f"acct-{n:03d}"})["registered"]
    # Fewer than the posts live: the daemon's own discovery (--sync-posts) starts as soon as the first posts are
    # due and registers the rest of the accounts' posts itself.
    print(f"accounts={len(ordered)} posts_by_this_client={posts}")


def ready(sock_path):
    try:
        RPC(sock_path).call("health")
    except OSError:
        sys.exit(1)


# --- Sampling --------------------------------------------------------------------------------------------------

def percentile(sorted_values, percent):
    """Nearest rank, as metricsd's FreshnessTally computes it."""
    n = len(sorted_values)
    return sorted_values[max(0, min(n - 1, (percent * n + 99) // 100 - 1))]


def proc_status(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    fields[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return fields


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


class Side:
    """One daemon with its simulator: (i) the planner or (ii) the sweep."""

    def __init__(self, spec):
        self.label = spec["label"]
        self.rpc = RPC(spec["socket"])
        self.db = sqlite3.connect(spec["database"], timeout=30, check_same_thread=False)
        self.sim_url = spec["sim"]
        self.pid = spec["pid"]
        self.sim_pid = spec["sim_pid"]
        self.platform_of = {}  # external account id -> platform, from the seed
        with open(spec["seed"]) as f:
            for account in json.load(f):
                self.platform_of[account["id"]] = account["platform"]
        self.samples = []
        self.previous_accounts = None
        self.max_hour_calls = {"instagram": 0, "facebook": 0, "tiktok": 0}
        self.max_calls_last_hour = 0
        self.first_stats = None
        self.last_stats = None
        self.cpu_start = None
        self.rss_peak = 0

    def sample(self, measuring, clock):
        report = self.rpc.call("freshness")
        now = iso_ms(report["at"])
        rows = self.db.execute(
            "SELECT posted_at, last_refreshed_at, next_due_at FROM posts"
            " WHERE external_post_id IS NOT NULL AND posted_at >= ?",
            (now - WINDOW,)).fetchall()
        stats = http_json("GET", f"{self.sim_url}/_sim/stats")
        stats_at = clock()  # the shared clock when the simulator answered (about)
        status = proc_status(self.pid)
        self.rss_peak = max(self.rss_peak, status.get("VmHWM", 0))
        if not measuring:
            return
        staleness = [[] for _ in BANDS]
        intervals = [[] for _ in BANDS]   # the schedule's choice: next due - last refresh
        lateness = [[] for _ in BANDS]    # how long past its due time a post waits: now - next due, or 0
        posts = [0] * len(BANDS)
        never = [0] * len(BANDS)
        for posted_at, last, next_due in rows:
            age = max(0, now - posted_at)
            for index, (_, low, high, _) in enumerate(BANDS):
                if low <= age < high:
                    posts[index] += 1
                    if last is None:
                        never[index] += 1
                    else:
                        staleness[index].append(max(0, now - last))
                        if next_due is not None and next_due > last:
                            intervals[index].append(next_due - last)
                    lateness[index].append(max(0, now - next_due) if next_due is not None else 0)
                    break
        bands = []
        for index, values in enumerate(staleness):
            values.sort()
            intervals[index].sort()
            lateness[index].sort()
            bands.append({"posts": posts[index], "never": never[index],
                          "p50": percentile(values, 50) if values else None,
                          "p99": percentile(values, 99) if values else None,
                          "interval_p50": percentile(intervals[index], 50) if intervals[index] else None,
                          "interval_p99": percentile(intervals[index], 99) if intervals[index] else None,
                          "late_p99": percentile(lateness[index], 99) if lateness[index] else None})
        own = {b["band"]: b for b in report["bands"]}
        sample = {"at": now, "bands": bands,
                  # metricsd's own report, for the cross-check (the planner's bands are the same ladder)
                  "own": {name: (own[name]["stalenessSeconds"] or {}).get("p99") for name, *_ in BANDS if name in own},
                  "overdue": {b["band"]: b["overdue"] for b in report["bands"]}}
        self.max_calls_last_hour = max([self.max_calls_last_hour] + [a["callsLastHour"] for a in report["accounts"]])
        sample["share"] = median([a["budget"] for a in report["accounts"]])  # the planner's hourly share, as it sees it
        if self.previous_accounts is not None:
            # Calls between two samples, per hour of the shared clock between the two reads: sampling runs on the
            # real clock, and a real tenth of a second is over a simulated minute at speed 720.
            hours = max(1.0, (stats_at - self.previous_stats_at) / HOUR)
            for account, counts in stats["accounts"].items():
                before = self.previous_accounts.get(account, {}).get("requests", 0)
                platform = self.platform_of.get(account)
                if platform:
                    self.max_hour_calls[platform] = max(self.max_hour_calls[platform], (counts["requests"] - before) / hours)
        self.previous_accounts = stats["accounts"]
        self.previous_stats_at = stats_at
        if self.first_stats is None:
            self.first_stats = stats
            self.cpu_start = (time.monotonic(), cpu_seconds(self.pid), cpu_seconds(self.sim_pid))
        self.last_stats = stats
        self.cpu_end = (time.monotonic(), cpu_seconds(self.pid), cpu_seconds(self.sim_pid))
        self.samples.append(sample)

    def first_snapshot_delays(self, since, until):
        """Publish-to-first-snapshot of every post published between `since` and `until` (ms): its first capture
        minus its publication; a post never captured counts as waiting until `until` (it is not dropped)."""
        rows = self.db.execute(
            "SELECT p.posted_at, (SELECT min(s.captured_at) FROM snapshots s WHERE s.post_key = p.key)"
            " FROM posts p WHERE p.posted_at >= ? AND p.posted_at < ?", (since, until)).fetchall()
        return sorted(max(0, (first if first is not None else until) - posted) for posted, first in rows)

    def result(self, measured_days, measure_from, end):
        def delta(kind, key="requests"):
            total = 0
            for name, counts in self.last_stats["endpoints"].items():
                if kind(name):
                    total += counts[key] - self.first_stats["endpoints"].get(name, {}).get(key, 0)
            return total
        refresh = lambda name: name not in DISCOVERY_ENDPOINTS and name not in TOKEN_ENDPOINTS
        bands = []
        for index, (name, _, _, target) in enumerate(BANDS):
            p50s = [s["bands"][index]["p50"] for s in self.samples if s["bands"][index]["p50"] is not None]
            p99s = [s["bands"][index]["p99"] for s in self.samples if s["bands"][index]["p99"] is not None]
            bands.append({"band": name, "target": target,
                          "p50": median(p50s), "p99": median(p99s), "worst_p99": max(p99s) if p99s else None,
                          "posts": median([s["bands"][index]["posts"] for s in self.samples]),
                          "interval_p50": median([s["bands"][index]["interval_p50"] for s in self.samples]),
                          "interval_p99": median([s["bands"][index]["interval_p99"] for s in self.samples]),
                          "late_p99": median([s["bands"][index]["late_p99"] for s in self.samples]),
                          "worst_late_p99": max((s["bands"][index]["late_p99"] or 0 for s in self.samples), default=None),
                          "never": max(s["bands"][index]["never"] for s in self.samples)})
        # The cross-check: metricsd's own freshness p99 against the bench's, where the bands are the same.
        check = []
        for s in self.samples:
            for index, (name, *_) in enumerate(BANDS):
                own, mine = s["own"].get(name), s["bands"][index]["p99"]
                if own is not None and mine is not None:
                    check.append(abs(own * 1000 - mine))
        real, cpu_daemon, cpu_sim = (b - a for a, b in zip(self.cpu_start, self.cpu_end))
        # Posts published in the measured days, but at least two hours before its end (each had its chance).
        delays = self.first_snapshot_delays(measure_from, end - 2 * HOUR)
        return {
            "first_snapshot_posts": len(delays),
            "first_snapshot_p50": percentile(delays, 50) if delays else None,
            "first_snapshot_p99": percentile(delays, 99) if delays else None,
            "label": self.label, "samples": len(self.samples), "measured_days": measured_days, "bands": bands,
            "refresh_calls": delta(refresh), "discovery_calls": delta(lambda n: n in DISCOVERY_ENDPOINTS),
            "token_calls": delta(lambda n: n in TOKEN_ENDPOINTS), "all_calls": delta(lambda n: True),
            "rejections": self.last_stats["total"]["rateLimited"], "errors": self.last_stats["total"]["errors"],
            "max_hour_calls": self.max_hour_calls, "max_calls_last_hour": self.max_calls_last_hour,
            "rss_peak": max(self.rss_peak, proc_status(self.pid).get("VmHWM", 0)),
            "rss_end": proc_status(self.pid).get("VmRSS", 0),
            "cpu_daemon": cpu_daemon / real if real > 0 else 0, "cpu_sim": cpu_sim / real if real > 0 else 0,
            "check_max_ms": max(check) if check else None,
            "check_median_ms": median(check),
            "share": median([s["share"] for s in self.samples]),
            "overdue_youngest_max": max((s["overdue"]["<1d"] for s in self.samples if "<1d" in s["overdue"]), default=None),
        }


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def iso_ms(text):
    # 2026-11-24T19:04:00.123Z
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(text[20:23])


def watch(spec_file, out):
    with open(spec_file) as f:
        spec = json.load(f)
    speed, anchor = spec["speed"], spec["anchor"]
    sides = [Side(s) for s in spec["sides"]]

    def sim_now():
        return anchor + (time.time() * 1000 - anchor) * speed

    def sleep_until(sim_ms):
        delay = (anchor + (sim_ms - anchor) / speed) / 1000 - time.time()
        if delay > 0:
            time.sleep(delay)

    start = sim_now()
    measure_from = start + spec["warmup_days"] * DAY
    end = start + spec["days"] * DAY
    interval = spec["sample_hours"] * HOUR
    late = 0
    # Warm-up: a sample every few simulated hours keeps the peak RSS sampled; nothing else is kept.
    at = start
    while at < measure_from:
        sleep_until(at)
        for side in sides:
            side.sample(False, sim_now)
        at += 6 * HOUR
    at = measure_from
    progress = 0
    while at <= end:
        sleep_until(at)
        if sim_now() > at + interval / 2:
            late += 1  # the sampler fell behind: skip ahead rather than sample a burst
        threads = [threading.Thread(target=side.sample, args=(True, sim_now)) for side in sides]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done = int((at - start) / DAY)
        if done != progress:
            progress = done
            print(f"  simulated day {done} of {spec['days']}", file=sys.stderr, flush=True)
        at += interval
        while at < sim_now() - interval / 2:
            at += interval
            late += 1
    measured_days = (end - measure_from) / DAY
    result = {"budget": spec["budget"], "speed": speed, "days": spec["days"], "warmup_days": spec["warmup_days"],
              "late_samples": late, "sides": [side.result(measured_days, measure_from, end) for side in sides],
              "account_rate": spec["account_rate"], "posts_registered": spec.get("posts_registered")}
    with open(out, "w") as f:
        json.dump(result, f)


# --- Report ----------------------------------------------------------------------------------------------------

def duration(ms):
    if ms is None:
        return "-"
    seconds = ms / 1000
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


class Verdicts:
    def __init__(self):
        self.targets = 0
        self.missed = 0

    def mark(self, ok):
        self.targets += 1
        if not ok:
            self.missed += 1
        return "PASS" if ok else "FAIL"


def report(*pairs):
    verdicts = Verdicts()
    for kind, path in zip(pairs[0::2], pairs[1::2]):
        with open(path) as f:
            r = json.load(f)
        planner, sweep = r["sides"]
        budget = r["budget"]
        print()
        print(f"{kind} budget: {budget} calls per account per hour (simulator: Meta accountCallBudget per 3600 s, "
              f"TikTok per-account video query window), metricsd --account-rate {r['account_rate']};")
        print(f"    {r['days']} simulated days at --clock-speed {r['speed']:g}, the first {r['warmup_days']:g} warm-up; "
              f"measured over {planner['measured_days']:.1f} days, {planner['samples']} samples per daemon"
              + (f" ({r['late_samples']} sampling slots missed: the machine fell behind)" if r['late_samples'] else ""))
        print(f"    (i) planner: --cadence standard; (ii) sweep: --cadence fixed:21600; p50/p99: median over the "
              f"hourly samples of the band's staleness percentile, worst: the largest p99 seen")
        print(f"  {'':24} {'(i) planner':>32}   {'(ii) sweep':>24}   {'(ii)/(i)':>14}   target")
        print(f"  {'band     posts  target':24} {'p50':>8} {'p99':>8} {'worst':>8}   {'p50':>8} {'p99':>8} {'worst':>6}"
              f"   {'p50':>6} {'p99':>7}")
        for index, band in enumerate(planner["bands"]):
            other = sweep["bands"][index]
            target = band["target"]
            mark = ""
            if kind == "normal":
                ok = band["p99"] is not None and band["p99"] <= target
                mark = f"(i) p99 <= {duration(target)}: {verdicts.mark(ok)}"
                if index == 0:
                    five = band["p99"] is not None and other["p99"] is not None and other["p99"] >= 5 * band["p99"]
                    mark += f"; (ii)/(i) p99 >= 5x: {verdicts.mark(five)}"
            elif index == 0:
                ok = band["p99"] is not None and band["p99"] <= target
                mark = f"(i) p99 <= {duration(target)}: {verdicts.mark(ok)}"
            print(f"  {band['band']:7} {band['posts'] or 0:6.0f} {duration(target):>7}   "
                  f"{duration(band['p50']):>8} {duration(band['p99']):>8} {duration(band['worst_p99']):>8}   "
                  f"{duration(other['p50']):>8} {duration(other['p99']):>8} {duration(other['worst_p99']):>6}   "
                  f"{ratio(other['p50'], band['p50']):>6} {ratio(other['p99'], band['p99']):>7}   {mark}")
        print(f"  {'why (schedule)':24} {'interval p50/p99':>17} {'late p99/worst':>15}   "
              f"{'interval p50/p99':>17} {'late p99/worst':>15}   (interval: next due - last refresh, the schedule's "
              f"choice; late: now - next due)")
        for index, band in enumerate(planner["bands"]):
            other = sweep["bands"][index]
            pair = lambda a, b: f"{duration(a)}/{duration(b)}"
            print(f"  {band['band']:24} {pair(band['interval_p50'], band['interval_p99']):>17} "
                  f"{pair(band['late_p99'], band['worst_late_p99']):>15}   "
                  f"{pair(other['interval_p50'], other['interval_p99']):>17} "
                  f"{pair(other['late_p99'], other['worst_late_p99']):>15}")
        if kind == "scarce":
            over = [(b["p99"] or 0) / b["target"] for b in planner["bands"]]
            in_order = all(over[i] <= over[i + 1] for i in range(len(over) - 1))
            print(f"  {'':24} (i) p99 / target by band: " + ", ".join(f"{o:.2f}" for o in over)
                  + f"   older bands degrading in order: {verdicts.mark(in_order)}")

        days = planner["measured_days"]

        def per_day(side, key):
            return side[key] / days if days > 0 else 0

        def row(label, a, b, fmt, mark=""):
            ratio_text = ratio(b, a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else "-"
            print(f"  {label:24} {fmt(a):>26}   {fmt(b):>24}   {ratio_text:>14}   {mark}")

        count = lambda v: "-" if v is None else f"{v:,.0f}"
        calls_ok = planner["all_calls"] <= sweep["all_calls"]
        row("refresh calls/day", per_day(planner, "refresh_calls"), per_day(sweep, "refresh_calls"), count)
        row("discovery calls/day", per_day(planner, "discovery_calls"), per_day(sweep, "discovery_calls"), count)
        row("all calls/day", per_day(planner, "all_calls"), per_day(sweep, "all_calls"), count,
            f"(i) <= (ii): {verdicts.mark(calls_ok)}" if kind == "normal" else "")
        if kind == "normal":
            # The ceiling for discovery: what the sweep daemon spent on it in this bench before (5,129 a day).
            ceiling = float(os.environ.get("BENCH_DISCOVERY_CEILING", "5129"))
            print(f"  {'':24} (i) discovery <= {ceiling:,.0f}/day: "
                  f"{verdicts.mark(per_day(planner, 'discovery_calls') <= ceiling)}")
        row("publish -> first snapshot p50", planner["first_snapshot_p50"], sweep["first_snapshot_p50"], duration)
        row("publish -> first snapshot p99", planner["first_snapshot_p99"], sweep["first_snapshot_p99"], duration,
            f"(i) <= 1h: {verdicts.mark((planner['first_snapshot_p99'] or 0) <= HOUR)}" if kind == "normal" else "")
        row("  posts published (measured)", planner["first_snapshot_posts"], sweep["first_snapshot_posts"], count)
        row("rejections (whole run)", planner["rejections"], sweep["rejections"], count,
            f"(i) 0: {verdicts.mark(planner['rejections'] == 0)}")
        row("other errors (whole run)", planner["errors"], sweep["errors"], count)
        use = lambda side: max(side["max_hour_calls"].values()) / budget
        row("busiest account-hour", use(planner), use(sweep), lambda v: f"{v:.0%} of budget",
            f"(i) <= 50%: {verdicts.mark(use(planner) <= 0.5)}" if kind == "normal" else "")
        for platform in ("instagram", "facebook", "tiktok"):
            row(f"  {platform}", planner["max_hour_calls"][platform], sweep["max_hour_calls"][platform],
                lambda v: f"{v:,.1f} calls")
        row("  metricsd callsLastHour", planner["max_calls_last_hour"], sweep["max_calls_last_hour"],
            lambda v: f"{v:,.0f} calls")
        row("planner's share (median account)", planner["share"], sweep["share"], lambda v: f"{v:,.1f} calls/h")
        row("<1d overdue (own report), most", planner["overdue_youngest_max"], sweep["overdue_youngest_max"], count)
        mb = lambda v: f"{v / 1048576:,.0f} MB"
        row("metricsd peak RSS", planner["rss_peak"], sweep["rss_peak"], mb)
        row("metricsd RSS at the end", planner["rss_end"], sweep["rss_end"], mb)
        row("CPU metricsd / sim", f"{planner['cpu_daemon']:.0%} / {planner['cpu_sim']:.0%}",
            f"{sweep['cpu_daemon']:.0%} / {sweep['cpu_sim']:.0%}", str)
        if planner["check_max_ms"] is not None:
            typical = planner.get("check_median_ms")
            print(f"  check: the bench's p99 and (i)'s own `freshness` p99 (read just before, the daemon running on) "
                  + (f"differ by {typical / 1000:.0f} s in the median sample and band, " if typical is not None else "differ ")
                  + f"at most {planner['check_max_ms'] / 1000:.0f} s")
    print()
    if verdicts.missed:
        print(f"{verdicts.missed} of {verdicts.targets} targets missed")
        sys.exit(3)
    print(f"all {verdicts.targets} targets met")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "sim-config":
        sim_config(*args)
    elif command == "seed":
        seed(*args)
    elif command == "register":
        register(*args)
    elif command == "ready":
        ready(*args)
    elif command == "watch":
        watch(*args)
    elif command == "report":
        report(*args)
    else:
        sys.exit(f"freshness-client: unknown command {command}")
