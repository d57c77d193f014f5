"""The report's charts: matplotlib figures rendered to self-contained SVG text.

Each chart function takes a :class:`~reports.collect.Run` and returns the SVG, or
``None`` when the run did not measure what the chart shows. No pyplot: figures are
built directly (no global state), text is drawn as paths (no font to fetch), and
ids are prefixed per chart so several SVGs can live inline in one page.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import matplotlib

from reports import charts_dimensions as dims
from reports import fmt
from reports.charts_frontier import frontier
from reports.collect import Run, is_baseline
from reports.figures import request_ratio
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

matplotlib.use("Agg")


@dataclass(frozen=True)
class Chart:
    """A chart the report shows: file stem, title, what to read from it, and its maker."""

    key: str
    title: str
    caption: str
    make: Callable[[Run], str | None]
    #: Shown in place of the chart when ``make`` returns ``None``.
    missing: str = "not measured in this run"
    #: Drawn across the page's whole width (a chart dense with labels).
    wide: bool = False


def request_cost(run: Run) -> str | None:
    """Median GET (bar) and POST (diamond) per scheme, log scale, IQR whiskers."""
    rows = [s for s in run.schemes if s.get("request_us") is not None]
    if not rows:
        return None
    fig, (ax,) = figure(family_height(rows, 0.3, 1.4))
    rows, y, headers = family_layout(rows)
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
    ax.set_yticks(y, [s["scheme"] for s in rows], fontsize=8)
    mark_families(ax, headers)
    ax.set_xlabel("µs per request (log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=3, fontsize=8)
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
#: The same parts in instructions (results.schema.INSTRUCTION_PART_FIELDS).
INSTRUCTION_PARTS = tuple(
    (field.replace("_us", "_instructions"), label) for field, label in EXTRA_PARTS
)


def _parts_chart(run: Run, parts, unit: str, write, key: str) -> str | None:
    """Each scheme's extra cost per GET over none split into ``parts``, as shares of the
    whole (a negative part, within noise, is drawn as 0); labels: the extra in ``unit``."""
    rows = [s for s in run.schemes if not is_baseline(s["scheme"])
            and all(s.get(k) is not None for k, _ in parts)]  # fmt: skip
    if not rows:
        return None
    fig, (ax,) = figure(family_height(rows, 0.3, 1.5))
    rows, y, headers = family_layout(rows)
    shares = [[max(0.0, s[k]) for k, _ in parts] for s in rows]
    left = [0.0] * len(rows)
    for i, (_, label) in enumerate(parts):
        share = [100 * p[i] / (sum(p) or 1) for p in shares]
        ax.barh(y, share, left=left, color=PALETTE[i], label=label)
        left = [a + b for a, b in zip(left, share, strict=True)]
    for yy, s in zip(y, rows, strict=True):
        extra = sum(s[k] for k, _ in parts)
        sign = "+" if extra >= 0 else "\N{MINUS SIGN}"
        ax.annotate(f"{sign}{write(abs(extra))} {unit}", (100, yy), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    ax.set_xlim(0, 135)
    ax.set_yticks(y, [s["scheme"] for s in rows], fontsize=8)
    mark_families(ax, headers)
    ax.set_xlabel(f"share of the extra {unit} per GET over none (%)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=3)
    return to_svg(fig, key)


def where_us_go(run: Run) -> str | None:
    """The extra µs per GET over none: SQL, crypto and the rest (wall clock)."""
    return _parts_chart(run, EXTRA_PARTS, "µs", fmt.us, "where_us_go")


def where_instructions_go(run: Run) -> str | None:
    """The extra instructions per GET over none: SQL, crypto and the rest (callgrind)."""
    return _parts_chart(
        run, INSTRUCTION_PARTS, "instructions", fmt.instructions, "where_instructions_go"
    )


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
    fig, (ax,) = figure(family_height(rows, 0.4, 1.5))
    rows, y, headers = family_layout(rows)
    height = 0.8 / len(series)
    for i, (field, label) in enumerate(series):
        ys = [yy + (len(series) / 2 - i - 0.5) * height for yy in y]
        ax.barh(ys, [s.get(field) or 0 for s in rows], height, label=label, color=PALETTE[i])
    ax.set_yticks(y, [s["scheme"] for s in rows], fontsize=8)
    mark_families(ax, headers)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=3)
    return to_svg(fig, key)


def load_latency(run: Run) -> str | None:
    """Latency percentiles (p50/p95/p99) and throughput per scheme under load; a
    percentile from too few samples (null in the summary) has no bar."""
    rows = [s for s in run.schemes if s.get("load_rps") is not None]
    if not run.load_ran or not rows:
        return None
    fig, (ax, ax2) = figure(family_height(rows, 0.4, 1.5), ncols=2)
    rows, y, headers = family_layout(rows)
    height = 0.27
    for i, (field, label) in enumerate(
        (("load_p50_us", "p50"), ("load_p95_us", "p95"), ("load_p99_us", "p99"))
    ):
        ys = [yy + (1 - i) * height for yy in y]
        ax.barh(
            ys, [(s.get(field) or 0) / 1000 for s in rows], height, label=label, color=PALETTE[i]
        )
    ax.set_xscale("log")
    ax.set_xlabel("latency under load, ms (log scale)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=3)
    ax2.barh(y, [s.get("load_rps") or 0 for s in rows],
             color=[colour(run, s["scheme"]) for s in rows])  # fmt: skip
    ax2.set_xlabel("requests/s")
    for axis in (ax, ax2):
        axis.set_yticks(y, [s["scheme"] for s in rows], fontsize=8)
        mark_families(axis, headers)
    return to_svg(fig, "load_latency")


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
        "frontier",
        "Cost against revocation delay: the frontier",
        "One point per scheme and tuned variant (diamonds; the dashed arrow leads from the "
        "stock scheme to its variant): up is a longer revocation delay (log scale, with 0 = "
        "immediate and never as the two ends off the log range), right a dearer request "
        "(× none, log scale). Top panel in CPU instructions, bottom in wall time with the "
        "95% interval of the paired ratio as error bars. Each panel draws its own Pareto "
        "front (lower cost and lower delay both better): a filled point is on it, a hollow "
        "one is beaten by a point that revokes at least as fast and costs less — in "
        "instructions by more than 1%, in wall time with the two intervals apart. Points "
        "that cannot be told apart both stay on the front (a tie). A scheme dearer than 50× "
        "none sits at the right edge past a break, its value in its label.",
        frontier,
        wide=True,
    ),
    Chart(
        "where_us_go",
        "Where the µs go",
        "Each scheme's extra µs per GET over none: time inside the database driver, inside "
        "crypto (hashing, HMAC, signatures) and the rest, as shares; the label is the extra.",
        where_us_go,
    ),
    Chart(
        "where_instructions_go",
        "Where the instructions go",
        "The same split in CPU instructions (deterministic): the SQL statements and the "
        "crypto calls of one GET replayed alone under callgrind, the rest is the GET minus "
        "both; each over none's. Password hashing is counted at reduced iterations and scaled.",
        where_instructions_go,
        missing="not measured: this run had no instruction counts (valgrind)",
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
        "Latency percentiles and throughput against a real gunicorn server; a percentile "
        "with too few samples behind it (p95: 100, p99: 500) has no bar.",
        load_latency,
        missing="not run: this run had no load phase",
    ),
    Chart(
        "server_cpu",
        "Server CPU per request",
        "CPU µs the server process tree spent per request (all workers, from /proc), per "
        "scheme under each server: capacity per core is 1 s divided by it.",
        dims.server_cpu,
        missing="not run: this run had no servers phase",
    ),
    Chart(
        "server_p99",
        "Open-loop p99 per server",
        "p99 latency at a fixed arrival rate of half the measured capacity, timed from each "
        "request's scheduled send time (no coordinated omission); depends on this machine. "
        "A p99 from too few requests (under 500) is not drawn: a grey mark gives its n.",
        dims.server_p99,
        missing="not drawn: no servers phase, or too few open-loop samples for any p99 "
        "(see the servers table's n)",
    ),
    Chart(
        "jwt_tokens",
        "JWT length",
        "Access token length as claims are added, and by signing algorithm.",
        dims.jwt_tokens,
    ),
    Chart(
        "hashers",
        "Password hashers",
        "Cost of verifying one password — what Basic pays "
        "on every request and every scheme pays at login.",
        dims.hashers,
    ),
    Chart(
        "session_engines",
        "Session engines",
        "Session request cost and cookie size per SESSION_ENGINE.",
        dims.session_engines,
    ),
    Chart(
        "knox_tokens",
        "knox: tokens per user",
        "knox request cost as one user's live tokens grow.",
        dims.knox_tokens,
    ),
    Chart(
        "scale",
        "Lookup cost against rows",
        "Per-request credential lookup as the store grows: flat means an index lookup.",
        dims.scale,
    ),
)


def render_all(run: Run) -> dict[str, str | None]:
    """Render every chart of :data:`CHARTS`; ``None`` for those without data.

    matplotlib takes ~0.5-1.5 s a chart, ~10 s for the lot on this machine, and the
    report is the last thing a run does: with more than one core and no other thread
    (``fork`` copies only the calling thread), the charts are split over forked
    processes, which inherit ``run`` and the imported modules. The SVG text is the
    same either way (each chart is drawn on its own figure)."""
    global _forked_run
    jobs = min(len(CHARTS), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if jobs < 2 or threading.active_count() > 1 or "fork" not in mp.get_all_start_methods():
        return {chart.key: chart.make(run) for chart in CHARTS}
    _forked_run = run
    try:
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
            return dict(zip(_KEYS, pool.map(_make, range(len(CHARTS))), strict=True))
    finally:
        _forked_run = None


#: The run a forked chart process draws from (set only around the pool's life).
_forked_run: Run | None = None
_KEYS = tuple(chart.key for chart in CHARTS)


def _make(index: int) -> str | None:
    assert _forked_run is not None
    return CHARTS[index].make(_forked_run)
