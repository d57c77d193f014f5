"""The report's charts: matplotlib figures rendered to self-contained SVG text.

Each chart function takes a :class:`~reports.collect.Run` and returns the SVG, or
``None`` when the run did not measure what the chart shows. No pyplot: figures are
built directly (no global state), text is drawn as paths (no font to fetch), and
ids are prefixed per chart so several SVGs can live inline in one page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure

from reports import fmt
from reports.collect import Run, is_baseline
from reports.figures import request_ratio

matplotlib.use("Agg")

GREY = "#8a8a8a"
PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5")
SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
# RDF metadata names purl.org vocabularies; nothing reads it inline, so it goes.
SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
SVG_IDS = re.compile(r'(\bid="|\bhref="#|url\(#)([^"\)]+)')


@dataclass(frozen=True)
class Chart:
    """A chart the report shows: file stem, title, what to read from it, and its maker."""

    key: str
    title: str
    caption: str
    make: Callable[[Run], str | None]
    #: Shown in place of the chart when ``make`` returns ``None``.
    missing: str = "not measured in this run"


def colour(run: Run, name: str) -> str:
    """A stable colour per scheme (registry order); the baseline is grey."""
    if is_baseline(name):
        return GREY
    names = [s["scheme"] for s in run.schemes if not is_baseline(s["scheme"])]
    return PALETTE[names.index(name) % len(PALETTE)] if name in names else GREY


def to_svg(fig: Figure, key: str) -> str:
    """Render ``fig`` to SVG text without the XML prologue, ready to inline."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "authlab"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = SVG_PROLOGUE.sub("", buf.getvalue(), count=1)
    svg = SVG_METADATA.sub("", svg, count=1).strip()
    # matplotlib numbers ids per figure (glyphs, clip paths): prefix them so that
    # several charts inline in one page never resolve each other's references.
    return SVG_IDS.sub(lambda m: f"{m[1]}{key}-{m[2]}", svg)


def whiskers(medians: list[float], iqrs: list[float | None]) -> list[list[float]]:
    """Error bars of IQR width centred on each median, the lower one clipped above 0.

    A run records a median and its IQR width, not the quartiles, so the whisker is
    drawn centred; a skewed timing (IQR wider than twice the median) would otherwise
    reach below zero, which a time cannot and a log axis cannot draw.
    """
    half = [(i or 0) / 2 for i in iqrs]
    lower = [min(h, m * 0.9) for h, m in zip(half, medians, strict=True)]
    return [lower, half]


def _figure(height: float, ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(8.0, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.grid(axis="x", alpha=0.3, which="both")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    return fig, list(axes)


def request_cost(run: Run) -> str | None:
    """Median GET (bar) and POST (diamond) per scheme, log scale, IQR whiskers."""
    rows = [s for s in run.schemes if s.get("request_us") is not None]
    if not rows:
        return None
    fig, (ax,) = _figure(0.45 * len(rows) + 1.2)
    y = list(range(len(rows)))[::-1]
    ax.barh(
        y,
        [s["request_us"] for s in rows],
        color=[colour(run, s["scheme"]) for s in rows],
        xerr=whiskers([s["request_us"] for s in rows], [s.get("request_iqr_us") for s in rows]),
        capsize=3,
        label="GET (median, IQR)",
    )
    posts = [
        (yy, s["request_post_us"])
        for yy, s in zip(y, rows, strict=True)
        if s.get("request_post_us")
    ]
    if posts:
        ax.plot(
            [p[1] for p in posts], [p[0] for p in posts], "D", color="black", ms=4, label="POST"
        )
    floor = run.floor.get("bare_django_view_us")
    if floor:
        ax.axvline(floor, color=GREY, ls=":", label=f"bare Django view {floor:,.0f} µs")
    right = max(_label_ratios(run, ax, rows, y))
    left = min([s["request_us"] for s in rows] + ([floor] if floor else []))
    ax.set_xscale("log")
    ax.set_xlim(left / 2, right * 6)  # room for the floor line and the labels
    ax.set_yticks(y, [s["scheme"] for s in rows])
    ax.set_xlabel("µs per request (log scale)")
    ax.legend(loc="lower right", fontsize=8)
    return to_svg(fig, "request_cost")


def _label_ratios(run: Run, ax, rows: list, y: list) -> list[float]:
    """Write "N× none" right of each scheme's bar/whisker/diamond; return where each ends."""
    ends = []
    for yy, s in zip(y, rows, strict=True):
        end = max(
            s["request_us"] + (s.get("request_iqr_us") or 0) / 2, s.get("request_post_us") or 0
        )
        instructions = s.get("instructions_ratio_to_none")
        beside = "" if instructions is None else f" (instructions {fmt.ratio(instructions)})"
        ax.annotate(
            f"{fmt.ratio(request_ratio(run, s))} none{beside}",
            (end, yy),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
        ends.append(end)
    return ends


#: The parts of a scheme's extra µs over none (results.schema.ATTRIBUTION_FIELDS).
EXTRA_PARTS = (("extra_sql_us", "SQL (in the driver)"), ("extra_crypto_us", "crypto"),
               ("extra_rest_us", "the rest (ORM, Python, middleware)"))  # fmt: skip


def where_us_go(run: Run) -> str | None:
    """Each scheme's extra GET µs over none split into SQL, crypto and the rest, as shares
    of the whole (a negative part, within noise, is drawn as 0); labels: the extra µs."""
    rows = [s for s in run.schemes if not is_baseline(s["scheme"])
            and all(s.get(k) is not None for k, _ in EXTRA_PARTS)]  # fmt: skip
    if not rows:
        return None
    fig, (ax,) = _figure(0.45 * len(rows) + 1.4)
    y = list(range(len(rows)))[::-1]
    parts = [[max(0.0, s[k]) for k, _ in EXTRA_PARTS] for s in rows]
    left = [0.0] * len(rows)
    for i, (_, label) in enumerate(EXTRA_PARTS):
        share = [100 * p[i] / (sum(p) or 1) for p in parts]
        ax.barh(y, share, left=left, color=PALETTE[i], label=label)
        left = [a + b for a, b in zip(left, share, strict=True)]
    for yy, s in zip(y, rows, strict=True):
        extra = sum(s[k] for k, _ in EXTRA_PARTS)
        ax.annotate(f"+{fmt.us(extra)} µs", (100, yy), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    ax.set_xlim(0, 125)
    ax.set_yticks(y, [s["scheme"] for s in rows])
    ax.set_xlabel("share of the extra µs per GET over none (%)")
    ax.legend(fontsize=8, loc="lower right")
    return to_svg(fig, "where_us_go")


def bytes_per_request(run: Run) -> str | None:
    """Credential bytes on GET and POST and extra response bytes, per scheme."""
    rows = [s for s in run.schemes if s.get("credential_bytes") is not None]
    if not rows:
        return None
    series = [
        ("credential_bytes", "credential, GET"),
        ("credential_bytes_post", "credential, POST"),
        ("response_extra_bytes", "extra response headers"),
    ]
    return _grouped_barh(run, rows, series, "bytes per request", "bytes", log=False)


def _grouped_barh(run, rows, series, xlabel, key, log) -> str:
    fig, (ax,) = _figure(0.55 * len(rows) + 1.2)
    height = 0.8 / len(series)
    for i, (field, label) in enumerate(series):
        ys = [len(rows) - 1 - j + (len(series) / 2 - i - 0.5) * height for j in range(len(rows))]
        ax.barh(ys, [s.get(field) or 0 for s in rows], height, label=label, color=PALETTE[i])
    ax.set_yticks(range(len(rows))[::-1], [s["scheme"] for s in rows])
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, loc="lower right")
    return to_svg(fig, key)


def load_latency(run: Run) -> str | None:
    """Latency percentiles (p50/p95/p99) and throughput per scheme under load."""
    rows = [s for s in run.schemes if s.get("load_p50_us") is not None]
    if not run.load_ran or not rows:
        return None
    fig, (ax, ax2) = _figure(0.55 * len(rows) + 1.4, ncols=2)
    height = 0.27
    for i, (field, label) in enumerate(
        (("load_p50_us", "p50"), ("load_p95_us", "p95"), ("load_p99_us", "p99"))
    ):
        ys = [len(rows) - 1 - j + (1 - i) * height for j in range(len(rows))]
        ax.barh(
            ys, [(s.get(field) or 0) / 1000 for s in rows], height, label=label, color=PALETTE[i]
        )
    ax.set_yticks(range(len(rows))[::-1], [s["scheme"] for s in rows])
    ax.set_xscale("log")
    ax.set_xlabel("latency under load, ms (log scale)")
    ax.legend(fontsize=8, loc="lower right")
    ax2.barh(
        range(len(rows))[::-1],
        [s.get("load_rps") or 0 for s in rows],
        color=[colour(run, s["scheme"]) for s in rows],
    )
    ax2.set_yticks(range(len(rows))[::-1], [s["scheme"] for s in rows])
    ax2.set_xlabel("requests/s")
    return to_svg(fig, "load_latency")


def jwt_tokens(run: Run) -> str | None:
    """JWT length as claims are added, and by signing algorithm."""
    claims = [c for c in run.dimensions.get("jwt_claims", []) if c.get("token_bytes")]
    algs = [a for a in run.dimensions.get("jwt_algorithms", []) if a.get("token_bytes")]
    if not claims and not algs:
        return None
    fig, (ax, ax2) = _figure(3.2, ncols=2)
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
    fig, (ax,) = _figure(0.45 * len(rows) + 1.2)
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
    fig, (ax, ax2) = _figure(0.45 * len(rows) + 1.4, ncols=2)
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
    fig, (ax,) = _figure(3.0)
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
    fig, (ax,) = _figure(3.4)
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


def _by_server(run: Run, field: str, key: str, xlabel: str) -> str | None:
    """One bar per server for each scheme (servers dimension), log scale."""
    rows = [r for r in run.dimensions.get("servers", []) if r.get(field)]
    if not rows:
        return None
    servers = list(dict.fromkeys(r["server"] for r in rows))
    schemes = list(dict.fromkeys(r["scheme"] for r in rows))
    value = {(r["server"], r["scheme"]): r[field] for r in rows}
    fig, (ax,) = _figure(0.22 * len(schemes) * len(servers) + 1.2)
    height = 0.8 / len(servers)
    for i, server in enumerate(servers):
        ys = [
            len(schemes) - 1 - j + (len(servers) / 2 - i - 0.5) * height
            for j in range(len(schemes))
        ]
        ax.barh(ys, [value.get((server, s), 0) for s in schemes], height, label=server,
                color=PALETTE[i % len(PALETTE)])  # fmt: skip
    ax.set_yticks(range(len(schemes))[::-1], schemes)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=7, loc="lower right")
    return to_svg(fig, key)


def server_cpu(run: Run) -> str | None:
    """Server CPU µs per request, per scheme and server."""
    return _by_server(run, "cpu_us_per_request", "server_cpu", "server CPU µs per request (log)")


def server_p99(run: Run) -> str | None:
    """Open-loop p99 latency at half capacity, per scheme and server."""
    return _by_server(run, "open_loop_p99_us", "server_p99", "open-loop p99 µs at 50 % (log)")


CHARTS: tuple[Chart, ...] = (
    Chart(
        "request_cost",
        "Per-request cost",
        "Median µs per GET request (bars; whiskers: the IQR's width around the median) "
        "and POST (diamonds), log scale; the label is the multiple of none (paired, as in "
        "the headline), and in brackets the same multiple in CPU instructions.",
        request_cost,
    ),
    Chart(
        "where_us_go",
        "Where the µs go",
        "Each scheme's extra µs per GET over none: time inside the database driver, inside "
        "crypto (hashing, HMAC, signatures) and the rest, as shares; the label is the extra.",
        where_us_go,
    ),
    Chart(
        "bytes",
        "Bytes per request",
        "What the credential adds to each request, and extra response headers it causes.",
        bytes_per_request,
    ),
    Chart(
        "load_latency",
        "Under load",
        "Latency percentiles and throughput against a real gunicorn server.",
        load_latency,
        missing="not run: this run had no load phase",
    ),
    Chart(
        "server_cpu",
        "Server CPU per request",
        "CPU µs the server process tree spent per request (all workers, from /proc), per "
        "scheme under each server: capacity per core is 1 s divided by it.",
        server_cpu,
        missing="not run: this run had no servers phase",
    ),
    Chart(
        "server_p99",
        "Open-loop p99 per server",
        "p99 latency at a fixed arrival rate of half the measured capacity, timed from each "
        "request's scheduled send time (no coordinated omission); depends on this machine.",
        server_p99,
        missing="not run: this run had no servers phase",
    ),
    Chart(
        "jwt_tokens",
        "JWT length",
        "Access token length as claims are added, and by signing algorithm.",
        jwt_tokens,
    ),
    Chart(
        "hashers",
        "Password hashers",
        "Cost of verifying one password — what Basic pays "
        "on every request and every scheme pays at login.",
        hashers,
    ),
    Chart(
        "session_engines",
        "Session engines",
        "Session request cost and cookie size per SESSION_ENGINE.",
        session_engines,
    ),
    Chart(
        "knox_tokens",
        "knox: tokens per user",
        "knox request cost as one user's live tokens grow.",
        knox_tokens,
    ),
    Chart(
        "scale",
        "Lookup cost against rows",
        "Per-request credential lookup as the store grows: flat means an index lookup.",
        scale,
    ),
)


def render_all(run: Run) -> dict[str, str | None]:
    """Render every chart of :data:`CHARTS`; ``None`` for those without data."""
    return {chart.key: chart.make(run) for chart in CHARTS}
