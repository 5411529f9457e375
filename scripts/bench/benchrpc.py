"""benchrpc: what every benchmark client speaks — JSON-RPC to metricsd over its Unix socket, JSON to the simulator's
control routes over HTTP. Imported by the *-client.py scripts beside it (Python puts a script's own folder on the
import path)."""
import json
import socket
import time
import urllib.request


def http_json(method, url, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class RPCFailure(Exception):
    """metricsd answered a call with an error."""


class RPC:
    """One connection; one call at a time. Notifications (a refresh's progress) are skipped."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        self.next_id = 0

    def call(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        while True:
            answer = json.loads(self.reader.readline())
            if answer.get("id") == self.next_id:
                break
        if "error" in answer:
            raise RPCFailure(f"{method}: {answer['error']}")
        return answer["result"]

    def timed(self, method, params):
        """(milliseconds, result) of one call."""
        started = time.perf_counter()
        result = self.call(method, params)
        return (time.perf_counter() - started) * 1000, result
