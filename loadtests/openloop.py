"""A small HTTP load generator: closed loop for capacity, open loop for latency.

Run as a child process pinned to its own core (``python -m loadtests.openloop``),
over each target (scheme) in turn; it prints one JSON object. Raw sockets and ``perf_counter``
timings: no whole-millisecond rounding, and a request costs the generator a few
tens of µs, so it stays far from its core's limit at the rates a lab server takes.

* closed loop: ``connections`` threads send back to back; server CPU (its process
  tree, :mod:`infra.cpu`) and completed requests over the window give CPU µs per
  request and throughput.
* open loop: request *i* is due at ``t0 + i / rate`` whatever came back before;
  latency runs from that scheduled time, so a stalled server's queue shows up in
  the percentiles (no coordinated omission). Lag = actual send - scheduled time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys
import threading
import time
from typing import Any

from infra import cpu
from loadtests.stats import too_few_samples
from results.stats import PERCENTILES, latency_summary, percentile

#: Open-loop senders: requests that may be in flight at once before lag builds up.
OPEN_THREADS = 32
#: The generator is saturated above this much of its core, or when its schedule slips.
SATURATED_PCT = 90.0
LAG_LIMIT_US = 1000.0
#: A closed-loop window is stretched until it holds this many requests...
MIN_REQUESTS = 5
#: ...or has lasted this long (s), whichever comes first.
MAX_WINDOW_S = 5.0
#: The closed loop's warm-up lasts its fixed time and until every connection has had
#: an answer, but at most this much longer (s); a warm-up that hits it says so.
WARMUP_CAP_S = 10.0
#: How often the warm-up looks at the connections' answers (s).
WARMUP_POLL_S = 0.01
#: The rule, in words, for provenance.servers.
WARMUP_RULE = (
    "each closed-loop window opens after the fixed warm-up and once every connection has "
    "had an answer (a cold per-process or per-thread cache, basic-cached's first password "
    f"hash, stays out of it), at most {WARMUP_CAP_S:g} s later (flagged warmup_capped); "
    "the open loop follows on the warm server"
)


def max_window_s(window_s: float) -> float:
    """The longest a closed-loop window may be stretched to."""
    return max(window_s, MAX_WINDOW_S)


class Connection:
    """One HTTP/1.1 connection, reopened when the server closes it (gunicorn sync)."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.address, self.timeout, self.sock = (host, port), timeout, None

    def request(self, data: bytes) -> tuple[int, bytes]:
        """Send ``data`` (a whole request) and return (status, body)."""
        reused = self.sock is not None
        try:
            return self._exchange(data)
        except (ConnectionError, TimeoutError, OSError):
            self.close()
            if not reused:
                raise
            return self._exchange(data)  # a kept-alive connection the server closed idle

    def _exchange(self, data: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the response head")
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(fields.get("content-length", "0"))
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed mid-body")
            body += chunk
        if fields.get("connection") == "close" or lines[0].startswith("HTTP/1.0"):
            self.close()
        return status, body

    def close(self) -> None:
        """Close the socket (a next request reconnects)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def warm_up(
    answers: list[int],
    warmup_s: float,
    cap_s: float = WARMUP_CAP_S,
    clock=time.perf_counter,
    sleep=time.sleep,
) -> tuple[float, bool]:
    """Wait out the warm-up: ``warmup_s``, then until every connection's count in
    ``answers`` is non-zero or ``cap_s`` more has passed; return (seconds, capped).

    A cold cache costs its first request per worker or thread (basic-cached: a 0.5-0.9 s
    password hash; gthread and Django under ASGI hash on up to one thread per
    connection at once): a fixed 0.5 s warm-up ended before them, and windows of 6-38
    requests averaged 60,000-410,000 µs of server CPU against 2,900 warm."""
    start = clock()
    sleep(warmup_s)
    deadline = start + warmup_s + cap_s
    while min(answers) == 0 and clock() < deadline:
        sleep(WARMUP_POLL_S)
    return clock() - start, min(answers) == 0


def build_request(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    """The bytes of one GET, as a client sends them."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def closed_loop(
    host: str,
    port: int,
    data: bytes,
    server_pid: int,
    connections: int,
    warmup_s: float,
    window_s: float,
    warmup_cap_s: float = WARMUP_CAP_S,
) -> dict[str, Any]:
    """Back-to-back requests on ``connections`` connections; CPU and rate over the window
    that follows the warm-up (:func:`warm_up`)."""
    # One counter per sender: += on a shared cell is not atomic across threads.
    done, failures, stop = [0] * connections, [0] * connections, threading.Event()

    def sender(slot: int) -> None:
        conn = Connection(host, port)
        while not stop.is_set():
            try:
                status, _ = conn.request(data)
            except OSError:
                status = 0
            done[slot] += 1
            if status != 200:
                failures[slot] += 1
        conn.close()

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    warmed_s, capped = warm_up(done, warmup_s, warmup_cap_s)
    count0, fail0, cpu0 = sum(done), sum(failures), cpu.tree_cpu_seconds(server_pid)
    own0, t0 = time.process_time(), time.perf_counter()
    time.sleep(window_s)
    # A scheme at a few requests/s (Basic with the real hasher) gets a longer window,
    # up to max_window_s(), so its CPU per request rests on a few requests.
    while sum(done) - count0 < MIN_REQUESTS and time.perf_counter() - t0 < max_window_s(window_s):
        time.sleep(0.05)
    count1, fail1, cpu1 = sum(done), sum(failures), cpu.tree_cpu_seconds(server_pid)
    own1, t1 = time.process_time(), time.perf_counter()
    stop.set()
    for t in threads:
        t.join(15)
    requests = count1 - count0
    server_s = cpu.cpu_delta(cpu0, cpu1)
    return {
        "warmup_s": round(warmed_s, 3),
        "warmup_capped": capped,
        "requests": requests,
        "failures": fail1 - fail0,
        "rps": round(requests / (t1 - t0), 1),
        "cpu_us_per_request": round(server_s * 1e6 / requests, 1) if requests else None,
        "server_cpu_pct": round(100 * server_s / (t1 - t0), 1),
        "generator_cpu_pct": round(100 * (own1 - own0) / (t1 - t0), 1),
    }


def open_loop(host: str, port: int, data: bytes, rate: float, window_s: float) -> dict[str, Any]:
    """Requests on a fixed timetable at ``rate``/s; latency from each scheduled time."""
    total = max(1, int(rate * window_s))
    latencies: list[float] = []
    lags: list[float] = []
    failures = [0]
    indices = itertools.count()  # next() on a count is atomic in CPython
    start = time.perf_counter() + 0.05

    def sender() -> None:
        conn = Connection(host, port)
        while (i := next(indices)) < total:
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent = time.perf_counter()
            try:
                status, _ = conn.request(data)
            except OSError:
                status = 0
            end = time.perf_counter()
            latencies.append((end - due) * 1e6)
            lags.append(max(0.0, sent - due) * 1e6)
            if status != 200:
                failures[0] += 1
        conn.close()

    own0 = time.process_time()
    threads = [threading.Thread(target=sender, daemon=True) for _ in range(OPEN_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(window_s + 60)
    wall = time.perf_counter() - start
    lat = latency_summary(latencies)
    # The lab's rule (loadtests.stats): a percentile with too few samples above it is
    # not reported (p99 of 2 requests is their maximum, already in max_us).
    refused = too_few_samples(len(latencies))
    return {
        "rate": round(rate, 1),
        "requests": len(latencies),
        "failures": failures[0],
        **{f"p{n}_us": None if f"p{n}" in refused else lat[f"p{n}_us"] for n in PERCENTILES},
        "too_few_samples": refused,
        "max_us": lat["max_us"],
        "schedule_lag_p99_us": round(percentile(sorted(lags), 99) or 0.0, 1),
        "generator_cpu_pct": round(100 * (time.process_time() - own0) / wall, 1),
    }


def measure(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    server_pid: int,
    *,
    warmup_s: float,
    window_s: float,
    connections: int,
    load_fraction: float,
) -> dict[str, Any]:
    """Closed loop, then open loop at ``load_fraction`` of the capacity it found."""
    data = build_request(host, port, path, headers)
    closed = closed_loop(host, port, data, server_pid, connections, warmup_s, window_s)
    # Capacity: what the server served closed-loop, bounded by its CPU per request
    # (1 s of one core / that), so a slow generator cannot push the rate up.
    capacity = closed["rps"]
    if closed["cpu_us_per_request"]:
        capacity = min(capacity, 1e6 / closed["cpu_us_per_request"])
    opened = open_loop(host, port, data, max(1.0, capacity * load_fraction), window_s)
    gen_pct = max(closed["generator_cpu_pct"], opened["generator_cpu_pct"])
    return {
        "closed": closed,
        "open": opened,
        "generator_saturated": gen_pct > SATURATED_PCT
        or opened["schedule_lag_p99_us"] > LAG_LIMIT_US,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure each target of ``--targets`` in turn; print ``{name: result}`` as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--targets", required=True, help='JSON list of {"name", "path", "headers"}')
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--warmup", type=float, default=0.3)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--load-fraction", type=float, default=0.5)
    parser.add_argument("--cpu", type=int, default=-1, help="pin to this core (-1: no pin)")
    args = parser.parse_args(argv)
    if args.cpu >= 0:
        cpu.pin({args.cpu})
    results = {
        target["name"]: measure(
            args.host,
            args.port,
            target["path"],
            target["headers"],
            args.server_pid,
            warmup_s=args.warmup,
            window_s=args.window,
            connections=args.connections,
            load_fraction=args.load_fraction,
        )
        for target in json.loads(args.targets)
    }
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
