"""The report's charts of the dimensions (JWT length, hashers, session engines, knox
tokens, scale, servers): one function each, taking a :class:`~reports.collect.Run` and
returning SVG text or ``None``; :data:`reports.charts.CHARTS` lists them all."""

from __future__ import annotations

from matplotlib.transforms import blended_transform_factory

from reports.collect import Run
from reports.svg import (
    GREY,
    PALETTE,
    colour,
    family_height,
    family_layout,
    figure,
    mark_families,
    to_svg,
    whiskers,
)


def jwt_tokens(run: Run) -> str | None:
    """JWT length as claims are added, and by signing algorithm."""
    claims = [c for c in run.dimensions.get("jwt_claims", []) if c.get("token_bytes")]
    algs = [a for a in run.dimensions.get("jwt_algorithms", []) if a.get("token_bytes")]
    if not claims and not algs:
        return None
    fig, (ax, ax2) = figure(3.2, ncols=2)
    if claims:
        labels = [f"{len(c.get('claims', []))}: {(c.get('claims') or ['?'])[-1]}" for c in claims]
        ax.barh(range(len(claims))[::-1], [c["token_bytes"] for c in claims], color=PALETTE[0])
        ax.set_yticks(range(len(claims))[::-1], labels, fontsize=8)
        ax.set_xlabel("token bytes, by claims (count: last added)")
    if algs:
        ax2.barh(range(len(algs))[::-1], [a["token_bytes"] for a in algs], color=PALETTE[1])
        ax2.set_yticks(range(len(algs))[::-1], [a["algorithm"] for a in algs])
        ax2.set_xlabel("token bytes, by algorithm")
    return to_svg(fig, "jwt_tokens")


def hashers(run: Run) -> str | None:
    """Password verify cost per hasher (log scale); insecure ones hatched."""
    rows = [h for h in run.dimensions.get("hashers", []) if h.get("verify_us") is not None]
    if not rows:
        return None
    fig, (ax,) = figure(0.45 * len(rows) + 1.2)
    y = list(range(len(rows)))[::-1]
    bars = ax.barh(
        y,
        [h["verify_us"] for h in rows],
        xerr=whiskers([h["verify_us"] for h in rows], [h.get("verify_iqr_us") for h in rows]),
        color=PALETTE[2],
        capsize=3,
    )
    for bar, h in zip(bars, rows, strict=True):
        if h.get("insecure"):
            bar.set_hatch("//")
            bar.set_facecolor("white")
            bar.set_edgecolor(PALETTE[2])
    ax.set_yticks(y, [h["hasher"] + (" (insecure)" if h.get("insecure") else "") for h in rows])
    ax.set_xscale("log")
    ax.set_xlabel("µs to verify one password (log scale)")
    return to_svg(fig, "hashers")


def session_engines(run: Run) -> str | None:
    """Request cost (with IQR) and cookie size per session engine."""
    rows = [e for e in run.dimensions.get("session_engines", []) if e.get("request_us") is not None]
    if not rows:
        return None
    fig, (ax, ax2) = figure(0.45 * len(rows) + 1.4, ncols=2)
    y = list(range(len(rows)))[::-1]
    ax.barh(
        y,
        [e["request_us"] for e in rows],
        xerr=whiskers([e["request_us"] for e in rows], [e.get("request_iqr_us") for e in rows]),
        color=PALETTE[3],
        capsize=3,
    )
    base = run.baseline["request_us"]
    if base:
        ax.axvline(base, color=GREY, ls=":", label=f"none {base:,.0f} µs")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_yticks(y, [e["engine"] for e in rows])
    ax.set_xlabel("µs per request")
    ax2.barh(y, [e.get("cookie_bytes") or 0 for e in rows], color=PALETTE[4])
    ax2.set_yticks(y, [e["engine"] for e in rows])
    ax2.set_xlabel("cookie bytes")
    return to_svg(fig, "session_engines")


def knox_tokens(run: Run) -> str | None:
    """knox request cost against live tokens per user (log-log)."""
    rows = sorted(
        (r for r in run.dimensions.get("knox_tokens", []) if r.get("request_us") is not None),
        key=lambda r: r["tokens_per_user"],
    )
    if not rows:
        return None
    fig, (ax,) = figure(3.0)
    ax.errorbar(
        [r["tokens_per_user"] for r in rows],
        [r["request_us"] for r in rows],
        yerr=whiskers([r["request_us"] for r in rows], [r.get("request_iqr_us") for r in rows]),
        marker="o",
        capsize=3,
        color=colour(run, "knox"),
        label="knox",
    )
    if run.baseline["request_us"]:
        ax.axhline(run.baseline["request_us"], color=GREY, ls=":", label="none")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(axis="y", alpha=0.3, which="both")
    ax.set_xlabel("live tokens per user (log scale)")
    ax.set_ylabel("µs per request")
    ax.legend(fontsize=8)
    return to_svg(fig, "knox_tokens")


def scale(run: Run) -> str | None:
    """Credential lookup cost against rows in the store, one line per store and kind."""
    rows = [r for r in run.dimensions.get("scale", []) if r.get("lookup_us") is not None]
    if not rows:
        return None
    fig, (ax,) = figure(3.4)
    stores = sorted({r.get("store", "?") for r in rows})
    kinds = list(dict.fromkeys(r.get("kind", "?") for r in rows))
    for store in stores:
        for i, kind in enumerate(kinds):
            pts = sorted(
                (r["rows"], r["lookup_us"])
                for r in rows
                if (r.get("store", "?"), r.get("kind", "?")) == (store, kind)
            )
            if not pts:
                continue
            style = ("-", "--", ":", "-.")[stores.index(store) % 4]
            ax.plot(*zip(*pts, strict=True), marker="o", ms=3, ls=style,
                    color=PALETTE[i % len(PALETTE)], label=f"{kind} ({store})")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(axis="y", alpha=0.3, which="both")
    ax.set_xlabel("rows in the store (log scale)")
    ax.set_ylabel("µs per lookup")
    ax.legend(fontsize=7, ncols=2)
    return to_svg(fig, "scale")


def _by_server(run: Run, field: str, key: str, xlabel: str, pct: str | None = None) -> str | None:
    """One bar per server for each scheme (servers dimension), log scale; where the
    open-loop percentile ``pct`` had too few samples, no bar but a grey mark with n."""
    rows = run.dimensions.get("servers", [])
    refused = {(r["server"], r["scheme"]): r.get("open_loop_requests") for r in rows
               if pct and pct in (r.get("open_loop_too_few_samples") or [])}  # fmt: skip
    rows = [r for r in rows if r.get(field) or (r["server"], r["scheme"]) in refused]
    if not any(r.get(field) for r in rows):
        return None
    servers = list(dict.fromkeys(r["server"] for r in rows))
    known = run.by_name
    entries = [known.get(name, {"scheme": name})
               for name in dict.fromkeys(r["scheme"] for r in rows)]  # fmt: skip
    value = {(r["server"], r["scheme"]): r[field] for r in rows if r.get(field)}
    fig, (ax,) = figure(family_height(entries, 0.16 * len(servers) + 0.12, 1.5))
    entries, y, headers = family_layout(entries)
    schemes = [e["scheme"] for e in entries]
    height = 0.8 / len(servers)
    across = blended_transform_factory(ax.transAxes, ax.transData)
    for i, server in enumerate(servers):
        ys = [yy + (len(servers) / 2 - i - 0.5) * height for yy in y]
        ax.barh(ys, [value.get((server, s), 0) for s in schemes], height, label=server,
                color=PALETTE[i % len(PALETTE)])  # fmt: skip
        for yy, scheme in zip(ys, schemes, strict=True):
            if (server, scheme) in refused:
                n = refused[(server, scheme)]
                ax.text(0.01, yy, f"{server}: too few samples (n={n})", transform=across,
                        fontsize=5.5, color=GREY, va="center")  # fmt: skip
    ax.set_yticks(y, schemes, fontsize=8)
    mark_families(ax, headers)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=5)
    return to_svg(fig, key)


def server_cpu(run: Run) -> str | None:
    """Server CPU µs per request, per scheme and server."""
    return _by_server(run, "cpu_us_per_request", "server_cpu", "server CPU µs per request (log)")


def server_p99(run: Run) -> str | None:
    """Open-loop p99 latency at half capacity, per scheme and server."""
    xlabel = "open-loop p99 µs at 50 % (log)"
    return _by_server(run, "open_loop_p99_us", "server_p99", xlabel, pct="p99")
