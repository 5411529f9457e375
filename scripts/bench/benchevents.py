"""benchevents: what the events benchmarks' clients share — reading an event notification's seq and `at` off its raw
line, a percentile, and the log's last seq through `events` pages. Imported by events-client.py, events-cluster-client.py
and events-fanout-client.py (Python puts a script's own folder on the import path)."""
import re
import time

AT = re.compile(rb'"at":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z"')
SEQ = re.compile(rb'"event":\{"seq":(\d+)')
_EPOCH = {}


def at_millis(match):
    """An `AT` match as Unix milliseconds. strptime costs tens of microseconds: it runs once per second of
    timestamps, or readers of tens of thousands of events measure Python rather than the daemons."""
    text, fraction = match.group(1), match.group(2)
    base = _EPOCH.get(text)
    if base is None:
        struct = time.strptime(text.decode(), "%Y-%m-%dT%H:%M:%S")
        base = _EPOCH[text] = (time.mktime(struct) - time.timezone) * 1000
    return base + int(fraction)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def last_seq(rpc):
    """The log's last seq, paging through `events` from 1."""
    seq, start = 0, 1
    while True:
        page = rpc.call("events", {"fromSeq": start, "limit": 1000})
        if page["events"]:
            seq = page["events"][-1]["seq"]
        if len(page["events"]) < 1000:
            return max(seq, page["nextSeq"] - 1)
        start = page["nextSeq"]
