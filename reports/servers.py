"""Pure functions over ``dimensions.servers`` (results/SCHEMA.md): rows for the
tables and charts, header limits, and the ASGI-against-WSGI cost per scheme."""

from __future__ import annotations

from typing import Any

from reports import fmt

#: Columns of a server row, in table order (the rest of the figures stay in the JSON).
ROW_FIELDS = (
    "cpu_us_per_request",
    "cpu_ratio_to_none",
    "capacity_per_core_rps",
    "rps",
    "requests",
    "server_cpu_pct",
    "open_loop_rate",
    "open_loop_requests",
    "open_loop_p50_us",
    "open_loop_p95_us",
    "open_loop_p99_us",
    "open_loop_too_few_samples",
    "schedule_lag_p99_us",
    "generator_cpu_pct",
    "generator_saturated",
    "failures",
)
#: (WSGI server, ASGI server) pairs: the same code path but for Django's handler.
ASGI_PAIRS = (("gunicorn-sync", "uvicorn"), ("granian", "granian-asgi"))
#: A difference counts as one between servers only beyond this many times its resolution.
FAR = 3.0
#: A scheme's two servers are compared only when both windows held this many requests
#: (the lab's least sample for a median: loadtests/stats.py, p50): Basic's 4-6 requests,
#: each a 0.5-0.9 s hash, vary by more than the clock's resolution.
MIN_COMPARED = 10
#: The CPU clock tick when a run did not record it (Linux's USER_HZ).
DEFAULT_TICK_S = 0.01

ASGI_MECHANISM = (
    "The mechanism, from the sources (the lab does not measure how the difference "
    "splits): Django's ASGIHandler runs each request inside asgiref's "
    "ThreadSensitiveContext and calls the lab's sync middleware and DRF view through "
    "sync_to_async(thread_sensitive=True), which runs them on a one-thread executor made "
    "for that request (django/core/handlers/asgi.py and base.py, asgiref/sync.py); a WSGI "
    "worker calls them on its own thread."
)
CAPACITY_NOTE = (
    "Server CPU µs per request (and capacity per core = 1 s / that) is a property of "
    "server and scheme: it transfers to other machines in proportion to their core speed. "
    "Throughput (req/s) and open-loop latency depend on this machine: its cores, what "
    "else ran, and the generator sharing it; a row flagged 'generator saturated' measured "
    "the generator's limit (its core near 100 % or its schedule lagging by over 1 ms)."
)


def server_rows(servers: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (server, scheme), servers in run order, schemes in registry order."""
    rows = []
    for server, entry in servers.items():
        for scheme, figures in (entry.get("schemes") or {}).items():
            rows.append(
                {"server": server, "scheme": scheme, **{k: figures.get(k) for k in ROW_FIELDS}}
            )
    return rows


def limit_rows(servers: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per server: the largest header and cookie it passed on, and beyond."""
    rows = []
    for server, entry in servers.items():
        limits = entry.get("header_limits") or {}
        if not limits:
            continue
        row: dict[str, Any] = {"server": server}
        for carrier in ("header", "cookie"):
            capped = limits.get(f"{carrier}_capped")
            row[f"{carrier}_max_bytes"] = limits.get(f"{carrier}_max_bytes")
            row[f"{carrier}_beyond"] = (
                "no limit up to 1 MiB" if capped else limits.get(f"{carrier}_far_beyond")
            )
            row[f"{carrier}_sharp"] = limits.get(f"{carrier}_limit_sharp")
            row[f"{carrier}_clear_4xx"] = limits.get(f"{carrier}_clear_4xx")
        rows.append(row)
    return rows


def asgi_costs(servers: dict[str, Any], tick_s: float = DEFAULT_TICK_S) -> list[dict[str, Any]]:
    """Per scheme and pair: server CPU µs per request under ASGI minus under WSGI, each
    from one closed-loop window of ``*_requests``; ``resolution_us``: one CPU clock tick
    over each window (``tick_s`` / its requests), summed over the two; ``compared``:
    both windows held :data:`MIN_COMPARED` requests."""
    rows = []
    for wsgi, asgi in ASGI_PAIRS:
        if wsgi not in servers or asgi not in servers:
            continue
        w_rows, a_rows = servers[wsgi].get("schemes", {}), servers[asgi].get("schemes", {})
        for scheme, w in w_rows.items():
            a = a_rows.get(scheme) or {}
            w_cpu, a_cpu = w.get("cpu_us_per_request"), a.get("cpu_us_per_request")
            if not w_cpu or not a_cpu:
                continue
            w_n, a_n = w.get("requests") or 0, a.get("requests") or 0
            resolution = tick_s * 1e6 * (1 / w_n + 1 / a_n) if w_n and a_n else None
            extra = round(a_cpu - w_cpu, 1)
            compared = min(w_n, a_n) >= MIN_COMPARED
            rows.append(
                {
                    "scheme": scheme,
                    "wsgi": wsgi,
                    "asgi": asgi,
                    "wsgi_cpu_us": w_cpu,
                    "asgi_cpu_us": a_cpu,
                    "asgi_extra_us": extra,
                    "ratio_asgi_to_wsgi": round(a_cpu / w_cpu, 2),
                    "wsgi_requests": w_n,
                    "asgi_requests": a_n,
                    "resolution_us": round(resolution, 1) if resolution else None,
                    "compared": compared,
                    "beyond_resolution": compared and abs(extra) > FAR * resolution,
                }
            )
    return rows


def asgi_statement(
    servers: dict[str, Any], tick_s: float = DEFAULT_TICK_S, none_request_us: float | None = None
) -> str | None:
    """What the ASGI-against-WSGI difference is, measured: per pair, the range of the
    per-scheme differences in server CPU per request, the windows behind them and their
    resolution, a verdict only where every difference is :data:`FAR` beyond it, and the
    mechanism the sources name; ``None`` unmeasured."""
    rows = asgi_costs(servers, tick_s)
    if not rows:
        return None
    parts = []
    for wsgi, asgi in ASGI_PAIRS:
        pair = [r for r in rows if (r["wsgi"], r["asgi"]) == (wsgi, asgi)]
        if pair:
            parts.append(_pair_sentence(pair, servers, tick_s, none_request_us))
    return " ".join(parts) + " " + ASGI_MECHANISM


def _pair_sentence(pair, servers, tick_s: float, none_request_us: float | None) -> str:
    wsgi, asgi = pair[0]["wsgi"], pair[0]["asgi"]
    read = [r for r in pair if r["compared"]]
    few = [r for r in pair if not r["compared"]]
    text = f"Server CPU µs per request, {asgi} minus {wsgi} (closed loop, one worker on one core)"
    if read:
        extras = [r["asgi_extra_us"] for r in read]
        text += (
            f": {_signed(min(extras))} to {_signed(max(extras))} µs across the {len(read)} "
            f"schemes whose windows held {MIN_COMPARED} requests or more (each in the asgi "
            "against wsgi table)"
        )
    base = next((r for r in read if r["scheme"] == "none"), None)
    if base:
        text += f"; none {_signed(base['asgi_extra_us'])} µs (×{base['ratio_asgi_to_wsgi']:.2f})"
        if none_request_us:
            text += f", against {fmt.us(none_request_us)} µs for none's whole request in process"
    if few:
        text += "; not compared, from fewer requests: " + ", ".join(
            f"{r['scheme']} ({r['wsgi_requests']} and {r['asgi_requests']})" for r in few
        )
    text += "."
    counts = [n for r in read for n in (r["wsgi_requests"], r["asgi_requests"])]
    resolutions = [r["resolution_us"] for r in read]
    if read:
        text += (
            " Each figure is one closed-loop window's server CPU over its requests "
            f"({fmt.count(min(counts))}-{fmt.count(max(counts))} per window), read at worst "
            f"to a {tick_s * 1e3:g} ms CPU clock tick (/proc stat, which keeps the threads "
            f"that have exited): ±{tick_s * 1e3:g} ms / requests, "
            f"±{fmt.us(min(resolutions))}-{fmt.us(max(resolutions))} µs on a difference."
        )
    busy = [
        servers[name]["schemes"]["none"].get("server_cpu_pct")
        for name in (wsgi, asgi)
        if "none" in servers[name].get("schemes", {})
    ]
    if busy and all(b and b >= 90 for b in busy):
        text += (
            " The worker was saturated (none: server CPU "
            + " and ".join(f"{b:.0f} %" for b in busy)
            + " of its core), so CPU per request is close to 1 / rps."
        )
    return text + _verdict(read, wsgi, asgi)


def _verdict(read: list[dict[str, Any]], wsgi: str, asgi: str) -> str:
    """Which server used more CPU per request: only over differences :data:`FAR` beyond
    their resolution, all of one sign; the rest named as ties."""
    beyond = [r for r in read if r["beyond_resolution"]]
    within = [r["scheme"] for r in read if not r["beyond_resolution"]]
    text = ""
    if beyond:
        signs = {r["asgi_extra_us"] > 0 for r in beyond}
        which = f"the {len(beyond)} schemes" if not within else f"{len(beyond)} schemes"
        if len(signs) == 1:
            more = "more" if signs == {True} else "less"
            text += (
                f" {asgi} used {more} server CPU per request than {wsgi} on {which} whose "
                f"difference is over {FAR:g}× its resolution."
            )
        else:
            text += (
                f" The differences over {FAR:g}× their resolution go both ways: no verdict "
                "between the servers."
            )
    if within:
        text += f" Within {FAR:g}× the resolution (ties): " + ", ".join(within) + "."
    return text


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + fmt.us(value)


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`server_rows` for the servers table: a refused open-loop percentile as
    ``too few samples (n=...)``, and the list of them left out (the cells say it)."""
    out = []
    for r in rows:
        few = r.get("open_loop_too_few_samples") or []
        n = fmt.count(r.get("open_loop_requests"))
        cells = {k: v for k, v in r.items() if k != "open_loop_too_few_samples"}
        for pct in few:
            cells[f"open_loop_{pct}_us"] = f"too few samples (n={n})"
        out.append(cells)
    return out


def sample_note(rows: list[dict[str, Any]], needs: dict[str, int] | None) -> str | None:
    """What the open loop's sample counts allowed: which percentiles were refused on how
    many rows (all of them said plainly); ``None`` when none was."""
    refused = {
        pct: sum(pct in (r.get("open_loop_too_few_samples") or []) for r in rows)
        for pct in ("p50", "p95", "p99")
    }
    if not any(refused.values()):
        return None
    counts = [r["open_loop_requests"] for r in rows if r.get("open_loop_requests") is not None]
    rule = ", ".join(f"{p} {fmt.count(n)}" for p, n in (needs or {}).items())
    text = (
        "An open-loop percentile is given only with 5 requests or more beyond it (the load "
        "phase's rule" + (f": {rule} requests" if rule else "") + "); this run's open-loop "
        f"windows held {fmt.count(min(counts))}-{fmt.count(max(counts))} requests per "
        "scheme (column open_loop_requests)."
    )
    for pct, count in refused.items():
        if count == len(rows):
            text += f" No {pct} on any scheme: too few samples on every row."
        elif count:
            text += f" {pct} refused on {count} of {len(rows)} rows."
    return text


def capped_note(servers: dict[str, Any]) -> str | None:
    """The rows whose closed-loop warm-up hit its cap (a connection still unanswered)."""
    capped = [
        f"{scheme} ({server})"
        for server, entry in servers.items()
        for scheme, figures in (entry.get("schemes") or {}).items()
        if figures.get("warmup_capped")
    ]
    if not capped:
        return None
    return (
        "Closed-loop warm-up capped with a connection still unanswered (its first, cold "
        "request may sit in the window): " + ", ".join(capped)
    )
