#!/usr/bin/env python3
"""Runs a `swift test` command under a deadline of its own, reading Swift Testing's JSON event stream.

    test-deadline.py SECONDS STREAM_PATH -- swift test ... --event-stream-output-path STREAM_PATH ...

Why: a test blocked in synchronous code (waitpid, recv, usleep), or awaiting something that ignores cancellation,
is not ended by `.timeLimit`, and a run that hangs says nothing until CI's own timeout kills the job with no clue
which test it was. Here, when SECONDS pass, or when one test function has been running for METRICSD_TEST_STALL
seconds (default 480: the slowest test, two clusters stopped, takes about 125 s beside a release build), the tests
that started and never ended are printed by name, the whole process tree of the run is killed (the test binary and
whatever it spawned: daemons, simulators, PostgreSQL), and the run exits 124 (as timeout(1) does). The names come
again after the stack dump, as the run's last lines: a CI page that shows only a log's tail still names the test.

The stream is JSON lines (Swift Testing's ABI, version 0): records of kind "test" describe each test (id, name,
displayName, kind function or suite); records of kind "event" carry payload.kind testStarted / testEnded /
testCaseStarted / testCaseEnded / testSkipped / runEnded ... with the payload's testID.
"""
import json
import os
import signal
import subprocess
import sys
import shutil
import time


def descendants(root):
    """Every live process below `root` (by parent pid, from /proc): tests may spawn processes in other groups."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name is in parentheses and may hold spaces: the fields after the last ')'.
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        for child in children.get(pid, []):
            found.append(child)
            pending.append(child)
    return found


def dump_stacks(process):
    """Every thread's stack of each test binary still running (the `*.xctest` process), with gdb when the machine
    has it: a hang then names its own cause in the log instead of asking for a reproduction. Bounded: gdb gets 60 s."""
    if shutil.which("gdb") is None:
        print("tests: (no gdb on this machine: no stack dump)", flush=True)
        return
    for pid in descendants(process.pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                argv0 = cmdline.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if not argv0.endswith(".xctest"):
            continue
        print(f"tests: stacks of {argv0} (pid {pid}):", flush=True)
        try:
            subprocess.run(["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt 30"],
                           stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
        except subprocess.TimeoutExpired:
            print("tests: gdb did not finish within 60 s", flush=True)
        sys.stdout.flush()


def kill_tree(process):
    """SIGTERM to the run's group and every descendant (so daemons and PostgreSQL can stop cleanly), then SIGKILL
    to whatever is left after a few seconds."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        targets = descendants(process.pid)
        for pid in targets:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        end = time.monotonic() + grace
        while time.monotonic() < end and process.poll() is None:
            time.sleep(0.1)
    process.wait()


class Stream:
    """The event stream as read so far: which tests started and have not ended."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.names = {}  # test id -> (display name, kind)
        self.running = {}  # (test id, is a test case) -> how many are in progress
        self.started = {}  # test function id -> monotonic time its latest start was read

    def read(self):
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.offset)
                data = stream.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            if line.strip():
                self.record(line)

    def record(self, line):
        try:
            record = json.loads(line)
        except ValueError:
            return
        payload = record.get("payload") or {}
        if record.get("kind") == "test":
            name = payload.get("displayName") or payload.get("name") or payload.get("id")
            self.names[payload.get("id")] = (name, payload.get("kind"))
            return
        if record.get("kind") != "event":
            return
        kind, test = payload.get("kind"), payload.get("testID")
        if test is None:
            return
        if kind in ("testStarted", "testCaseStarted"):
            key = (test, kind == "testCaseStarted")
            self.running[key] = self.running.get(key, 0) + 1
            if kind == "testStarted":
                self.started[test] = time.monotonic()
        elif kind in ("testEnded", "testCaseEnded"):
            key = (test, kind == "testCaseEnded")
            if self.running.get(key, 0) <= 1:
                self.running.pop(key, None)
            else:
                self.running[key] -= 1

    def unfinished(self):
        """Test functions (not suites) that started and did not end, by name and id; suites only if no function
        is known to be running."""
        functions, suites = [], []
        for (test, is_case) in self.running:
            if is_case:
                continue
            name, kind = self.names.get(test, (None, None))
            line = f"{name}  [{test}]" if name else test
            (suites if kind == "suite" else functions).append(line)
        return sorted(functions) or sorted(suites)

    def stalled(self, seconds):
        """A test function (not a suite) running for longer than `seconds`, by name, if any."""
        now = time.monotonic()
        for (test, is_case) in self.running:
            name, kind = self.names.get(test, (None, None))
            if is_case or kind == "suite" or now - self.started.get(test, now) <= seconds:
                continue
            return name or test
        return None


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 3
    seconds, path, command = float(sys.argv[1]), sys.argv[2], sys.argv[4:]
    if os.path.exists(path):
        os.unlink(path)
    stream = Stream(path)
    # Its own session: the whole run is one process group to kill, apart from the terminal's Ctrl-C group.
    process = subprocess.Popen(command, start_new_session=True)
    forward = lambda signum, _frame: os.killpg(process.pid, signum)
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    stall = float(os.environ.get("METRICSD_TEST_STALL", "480"))
    deadline = time.monotonic() + seconds
    while process.poll() is None:
        stalled = stream.stalled(stall)
        if time.monotonic() >= deadline or stalled:
            stream.read()
            running = stream.unfinished()
            sys.stdout.flush()
            reason = (f"{stalled} ran for over {stall:g} s (METRICSD_TEST_STALL)" if stalled
                      else f"the run passed its deadline of {seconds:g} s (METRICSD_TEST_DEADLINE)")
            def name_them(heading):
                print(f"tests: {reason}; {heading}:", flush=True)
                for line in running:
                    print(f"  still running: {line}", flush=True)

            print(flush=True)
            name_them(f"{len(running)} test(s) started and never finished")
            dump_stacks(process)
            kill_tree(process)
            print("tests: killed the test run's process tree", flush=True)
            name_them("still running when it was killed")
            return 124
        stream.read()
        time.sleep(0.5)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
