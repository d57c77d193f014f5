"""What the servers dimension may be trusted for: a closed-loop window that opens only
after every connection's first (cold) answer, open-loop percentiles refused below the
lab's sample counts, ratios written as the report writes ratios, and an ASGI-against-WSGI
statement that says what was measured and to what resolution."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from benchmarks.servers import add_ratios, row
from loadtests import openloop
from reports import charts_dimensions, fmt, servers
from reports.render import tables
from results.summary import add_servers
from tests.synthetic_run import entry, summary, write_run

COLD_S = 0.5  # the first request's wait, far beyond the fixed warm-up used here (0.01 s)


@contextmanager
def cold_server() -> Iterator[int]:
    """A loopback HTTP/1.1 server with a per-process cache that starts cold: its first
    request holds every other up for :data:`COLD_S` (one worker, as gunicorn sync) and
    answers 203, so a closed loop that lets it into its window counts a failure."""
    lock, state = threading.Lock(), {"cold": True}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            with lock:
                status = 203 if state["cold"] else 200
                if state["cold"]:
                    threading.Event().wait(COLD_S)  # the first hash, on the one worker
                    state["cold"] = False
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed(port: int, **kwargs) -> dict:
    data = openloop.build_request("127.0.0.1", port, "/", {})
    return openloop.closed_loop("127.0.0.1", port, data, os.getpid(), 2, 0.01, 0.05, **kwargs)


def test_the_closed_loop_window_opens_after_every_connections_cold_answer():
    with cold_server() as port:
        result = closed(port)
    # The fixed 0.01 s warm-up alone would leave the cold answer (a 203) in the window.
    assert result["failures"] == 0 and result["requests"] >= openloop.MIN_REQUESTS
    assert result["warmup_capped"] is False


def test_a_warm_up_past_its_cap_says_so():
    with cold_server() as port:
        result = closed(port, warmup_cap_s=0.05)
    assert result["warmup_capped"] is True


class FakeClock:
    """A clock that moves only when slept on; answers arrive at given times."""

    def __init__(self, answers: list[int], arrivals: dict[float, int]):
        self.now, self.answers, self.arrivals = 0.0, answers, dict(arrivals)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        for at, slot in list(self.arrivals.items()):
            if at <= self.now:
                self.answers[slot] += 1
                del self.arrivals[at]


def test_the_warm_up_lasts_its_fixed_time_then_until_the_last_connection_answers():
    answers = [0, 0, 0, 0]
    clock = FakeClock(answers, {0.05: 0, 0.06: 1, 0.07: 2, 2.5: 3})  # one cold hash: 2.5 s
    waited, capped = openloop.warm_up(answers, 0.5, 10.0, clock, clock.sleep)
    assert 2.5 <= waited < 2.5 + 2 * openloop.WARMUP_POLL_S and not capped
    answers = [1, 1, 1, 1]  # all answered early: the fixed warm-up still runs in full
    clock = FakeClock(answers, {})
    assert openloop.warm_up(answers, 0.5, 10.0, clock, clock.sleep) == (0.5, False)
    answers = [1, 0]  # one never answers: stopped at the cap, and it says so
    clock = FakeClock(answers, {})
    waited, capped = openloop.warm_up(answers, 0.5, 10.0, clock, clock.sleep)
    assert capped and 10.5 <= waited < 10.5 + 2 * openloop.WARMUP_POLL_S


def test_open_loop_percentiles_from_too_few_requests_are_refused():
    with cold_server() as port:
        data = openloop.build_request("127.0.0.1", port, "/", {})
        openloop.closed_loop("127.0.0.1", port, data, os.getpid(), 1, 0.01, 0.01)  # warm it
        opened = openloop.open_loop("127.0.0.1", port, data, rate=200.0, window_s=0.1)
    assert opened["requests"] == 20 and opened["failures"] == 0
    assert opened["too_few_samples"] == ["p95", "p99"]
    assert opened["p50_us"] is not None and opened["p95_us"] is opened["p99_us"] is None
    assert opened["max_us"] >= opened["p50_us"]  # the maximum is still given


def generator_result(cpu_us: float, requests: int, open_requests: int, refused: list[str]):
    """What ``loadtests.openloop`` prints for one target (figures chosen by the test)."""
    percentiles = {f"{p}_us": None if p in refused else 900.0 for p in ("p50", "p95", "p99")}
    return {
        "closed": {
            "warmup_s": 0.1,
            "warmup_capped": False,
            "requests": requests,
            "failures": 0,
            "rps": 1e6 / cpu_us,
            "cpu_us_per_request": cpu_us,
            "server_cpu_pct": 99.0,
            "generator_cpu_pct": 20.0,
        },
        "open": {
            "rate": 400.0,
            "requests": open_requests,
            "failures": 0,
            **percentiles,
            "too_few_samples": refused,
            "max_us": 2000.0,
            "schedule_lag_p99_us": 100.0,
            "generator_cpu_pct": 10.0,
        },
        "generator_saturated": False,
    }


def measured(figures: dict[str, dict[str, tuple]]) -> dict:
    """``run_servers``' result for ``{server: {scheme: (cpu_us, n, open n, refused)}}``,
    through the producer's own row and ratio code."""
    out = {}
    for server, schemes in figures.items():
        rows = {name: row(generator_result(*args)) for name, args in schemes.items()}
        add_ratios(rows)
        out[server] = {"server": {}, "header_limits": {}, "schemes": rows}
    meta = {"cpu_clock_tick_s": 0.01, "open_loop_min_samples": {"p50": 10, "p95": 100, "p99": 500}}
    return {"meta": meta, "servers": out}


def servers_run(tmp_path, figures):
    data = summary([entry("none"), entry("token")])
    return write_run(tmp_path / "run", add_servers(data, measured(figures)))


QUICK_LIKE = {
    "gunicorn-sync": {
        "none": (990.0, 307, 148, ["p99"]),
        "token": (1327.3, 227, 111, ["p99"]),
        "basic": (905471.0, 5, 1, ["p50", "p95", "p99"]),
    },
    "uvicorn": {
        "none": (5849.1, 53, 25, ["p95", "p99"]),
        "token": (1327.3 + 3221.0, 40, 19, ["p95", "p99"]),
        "basic": (838333.3, 6, 1, ["p50", "p95", "p99"]),
    },
}


def test_the_servers_table_writes_ratios_and_refused_percentiles_with_n(tmp_path):
    run = servers_run(tmp_path, QUICK_LIKE)
    table = next(t for t in tables.dimensions(run) if t.title == "servers")
    cells = [dict(zip(table.header, r, strict=True)) for r in table.rows]
    token = next(c for c in cells if (c["server"], c["scheme"]) == ("gunicorn-sync", "token"))
    assert token["cpu_ratio_to_none"] == fmt.ratio(1.34) == "1.34\u00d7"  # was "1", as none
    assert token["open_loop_requests"] == "111"
    assert token["open_loop_p95_us"] == "900"
    assert token["open_loop_p99_us"] == "too few samples (n=111)"
    assert "open_loop_too_few_samples" not in table.header
    notes = " ".join(tables.server_notes(run))
    assert "No p99 on any scheme: too few samples on every row." in notes
    assert "p95 refused on 4 of 6 rows" in notes and "p99 500" in notes


def test_the_p99_chart_marks_a_refused_p99_instead_of_drawing_it(tmp_path, monkeypatch):
    figures = {
        "gunicorn-sync": {"none": (990.0, 900, 600, []), "token": (1300.0, 700, 450, ["p99"])},
    }
    run = servers_run(tmp_path, figures)
    drawn = []
    monkeypatch.setattr(charts_dimensions, "to_svg", lambda fig, key: drawn.append(fig) or "svg")
    assert charts_dimensions.server_p99(run) == "svg"
    (ax,) = drawn[0].axes
    ticks = zip((t.get_text() for t in ax.get_yticklabels()), ax.get_yticks(), strict=True)
    widths = {
        name: next(b.get_width() for b in ax.patches if abs(b.get_center()[1] - y) < 1e-9)
        for name, y in ticks
    }
    assert widths["none"] == 900.0 and widths["token"] == 0  # no bar for the refused p99
    assert "gunicorn-sync: too few samples (n=450)" in [t.get_text() for t in ax.texts]
    monkeypatch.setattr(charts_dimensions, "to_svg", lambda fig, key: "svg")
    none_only = {"gunicorn-sync": {"none": (990.0, 900, 450, ["p99"])}}
    assert charts_dimensions.server_p99(servers_run(tmp_path / "b", none_only)) is None


def test_the_asgi_statement_says_what_was_measured_and_to_what_resolution(tmp_path):
    run = servers_run(tmp_path, QUICK_LIKE)
    text = tables.server_notes(run)[0]
    assert "uvicorn minus gunicorn-sync" in text
    assert "+3,221 to +4,859 µs across the 2 schemes whose windows held 10 requests" in text
    assert "not compared, from fewer requests: basic (5 and 6)" in text
    assert "40-307 per window" in text and "10 ms CPU clock tick" in text
    assert "against 100 µs for none's whole request in process" in text
    assert "uvicorn used more server CPU per request than gunicorn-sync on the 2" in text
    assert "ThreadSensitiveContext" in text and "context switches" not in text


def test_no_verdict_between_servers_within_the_resolution():
    # 100 requests a window: a 10 ms tick is ±100 µs each, ±200 µs on the difference.
    figures = measured(
        {
            "gunicorn-sync": {"none": (1000.0, 100, 50, [])},
            "uvicorn": {"none": (1500.0, 100, 50, [])},
        }
    )["servers"]
    (cost,) = servers.asgi_costs(figures)
    assert cost["resolution_us"] == pytest.approx(200.0) and not cost["beyond_resolution"]
    text = servers.asgi_statement(figures)
    assert "Within 3\u00d7 the resolution (ties): none." in text and "used more" not in text
