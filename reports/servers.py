"""Pure functions over ``dimensions.servers`` (results/SCHEMA.md): rows for the
tables and charts, header limits, and the ASGI-against-WSGI cost per scheme."""

from __future__ import annotations

from typing import Any

#: Columns of a server row, in table order (the rest of the figures stay in the JSON).
ROW_FIELDS = (
    "cpu_us_per_request",
    "cpu_ratio_to_none",
    "capacity_per_core_rps",
    "rps",
    "open_loop_rate",
    "open_loop_p50_us",
    "open_loop_p95_us",
    "open_loop_p99_us",
    "schedule_lag_p99_us",
    "generator_cpu_pct",
    "generator_saturated",
    "failures",
)
#: (WSGI server, ASGI server) pairs: the same code path but for Django's handler.
ASGI_PAIRS = (("gunicorn-sync", "uvicorn"), ("granian", "granian-asgi"))

WHY_ASGI = (
    "Under ASGI Django runs the lab's sync DRF view through sync_to_async: each request "
    "hops from the event loop to the one thread-sensitive worker thread and back (two "
    "context switches, a future, the ASGI message dicts), which a WSGI worker never does."
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


def asgi_costs(servers: dict[str, Any]) -> list[dict[str, Any]]:
    """Per scheme and pair: server CPU µs per request under ASGI minus under WSGI."""
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
            rows.append(
                {
                    "scheme": scheme,
                    "wsgi": wsgi,
                    "asgi": asgi,
                    "wsgi_cpu_us": w_cpu,
                    "asgi_cpu_us": a_cpu,
                    "asgi_extra_us": round(a_cpu - w_cpu, 1),
                    "ratio_asgi_to_wsgi": round(a_cpu / w_cpu, 2),
                }
            )
    return rows


def asgi_statement(servers: dict[str, Any]) -> str | None:
    """One sentence with the measured ASGI cost per scheme, and why; ``None`` unmeasured."""
    rows = asgi_costs(servers)
    if not rows:
        return None
    parts = [
        f"{r['scheme']} {r['asgi_extra_us']:+,.0f} µs (×{r['ratio_asgi_to_wsgi']:.2f}, "
        f"{r['asgi']} vs {r['wsgi']})"
        for r in rows
    ]
    return "Server CPU per request, ASGI against WSGI: " + "; ".join(parts) + ". " + WHY_ASGI
