"""The web UI's "authlab" tab: per-scheme figures from raw timings, as a table and a CSV.

Kept apart from locust (:mod:`loadtests.webui` wires it in): a :class:`LiveStats`
holds, per scheme, exact counts and byte sums and the raw float latencies of its
measured ``whoami/`` requests; :func:`table` turns it into rows with the lab's one
definition of percentiles (:func:`results.stats.latency_summary`) and its rule for
too few samples (:func:`loadtests.stats.too_few_samples`); :func:`to_csv` writes them.

A scheme's row is kept until the same scheme is run again or the stats are reset, so
schemes run one after the other (one user class at a time) sit in one table, beside
the ``none`` baseline. Past :data:`MAX_KEPT` requests a scheme's latencies are a
uniform random sample of all of them (reservoir sampling, fixed seed); counts, bytes
and requests/s stay exact.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from loadtests.stats import too_few_samples
from results.stats import iqr, latency_summary

#: Latencies kept per scheme (8 bytes each in an array: 100,000 is under 1 MB, and
#: sorting them for a table takes ~20 ms on the process that serves the UI).
MAX_KEPT = 100_000
BASELINE = "none"
SEED = 20261201

#: The table's columns, in order: (key, title). The CSV header is the keys.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("scheme", "Scheme"),
    ("users", "Users"),
    ("requests", "# reqs"),
    ("failures", "# fails"),
    ("rps", "req/s"),
    ("p50_us", "p50 (µs)"),
    ("p95_us", "p95 (µs)"),
    ("p99_us", "p99 (µs)"),
    ("max_us", "max (µs)"),
    ("iqr_us", "IQR (µs)"),
    ("p50_x_none", "p50 / none"),
    ("credential_bytes_per_request", "credential B/req"),
    ("bytes_sent_per_request", "sent B/req"),
    ("bytes_received_per_request", "received B/req"),
    ("latency_samples", "latencies kept"),
    ("started_at", "started (UTC)"),
)
#: Shown instead of a percentile that has too few samples behind it.
TOO_FEW = "too few"


@dataclass
class Sample:
    """One measured request as a generating process records it."""

    time_us: float
    sent: int
    received: int
    credential: int
    ok: bool

    def as_row(self) -> list[Any]:
        """A compact list, for locust's worker reports."""
        return [self.time_us, self.sent, self.received, self.credential, self.ok]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Sample:
        """Inverse of :meth:`as_row`."""
        return cls(float(row[0]), int(row[1]), int(row[2]), int(row[3]), bool(row[4]))


@dataclass
class SchemeFigures:
    """Everything one scheme's row is computed from."""

    users: int | None = None
    started_at: str = ""
    requests: int = 0
    failures: int = 0
    sent: int = 0
    received: int = 0
    credential: int = 0
    latencies: list[float] = field(default_factory=list)
    #: Per generating process: (requests, seconds from its first to its last one).
    windows: dict[str, tuple[int, float]] = field(default_factory=dict)
    #: The row last computed from these figures (``None``: they changed since).
    row: dict[str, Any] | None = None

    def add(self, sample: Sample, rng: random.Random) -> None:
        """Count ``sample``; keep its latency (or, past :data:`MAX_KEPT`, maybe)."""
        self.row = None
        self.requests += 1
        self.failures += not sample.ok
        self.sent += sample.sent
        self.received += sample.received
        self.credential += sample.credential
        if len(self.latencies) < MAX_KEPT:
            self.latencies.append(sample.time_us)
        else:  # Algorithm R: each of the n seen so far is kept with probability MAX_KEPT/n
            slot = rng.randrange(self.requests)
            if slot < MAX_KEPT:
                self.latencies[slot] = sample.time_us


class LiveStats:
    """The samples of every scheme since it was last started (or the stats reset)."""

    def __init__(self) -> None:
        self.schemes: dict[str, SchemeFigures] = {}
        self._rng = random.Random(SEED)  # noqa: S311 - sampling, not secrets

    def start(self, schemes: Iterable[str], users: int | None, started_at: str) -> None:
        """A test of ``schemes`` starts: their previous rows go, the others stay."""
        for name in schemes:
            self.schemes[name] = SchemeFigures(users=users, started_at=started_at)

    def set_users(self, schemes: Iterable[str], users: int) -> None:
        """The running test of ``schemes`` now has ``users`` users."""
        for name in schemes:
            figures = self.schemes.setdefault(name, SchemeFigures())
            figures.users, figures.row = users, None

    def add(self, scheme: str, samples: Iterable[Sample]) -> None:
        """Count ``samples`` of ``scheme``."""
        figures = self.schemes.setdefault(scheme, SchemeFigures())
        for sample in samples:
            figures.add(sample, self._rng)

    def window(self, scheme: str, process: str, requests: int, seconds: float) -> None:
        """Process ``process`` has measured ``requests`` of ``scheme`` over ``seconds``."""
        figures = self.schemes.setdefault(scheme, SchemeFigures())
        figures.windows[process], figures.row = (requests, seconds), None

    def clear(self) -> None:
        """Forget every scheme (locust's "Reset stats")."""
        self.schemes.clear()


def table(stats: LiveStats) -> list[dict[str, Any]]:
    """One row per scheme (the baseline first, then in the order they were run)."""
    names = sorted(stats.schemes, key=lambda n: n != BASELINE)  # stable: run order kept
    rows = [dict(_row(name, stats.schemes[name])) for name in names]
    baseline = next((r for r in rows if r["scheme"] == BASELINE), None)
    base_p50 = baseline["p50_us"] if baseline else None
    for row in rows:
        p50 = row["p50_us"]
        ok = isinstance(p50, float) and isinstance(base_p50, float) and base_p50 > 0
        row["p50_x_none"] = round(p50 / base_p50, 2) if ok else None
    return rows


def _row(name: str, figures: SchemeFigures) -> dict[str, Any]:
    """The scheme's row, computed again only when its figures changed (the UI polls)."""
    if figures.row is None:
        figures.row = _compute_row(name, figures)
    return figures.row


def _compute_row(name: str, figures: SchemeFigures) -> dict[str, Any]:
    summary = latency_summary(figures.latencies)
    few = too_few_samples(figures.requests)
    n = figures.requests
    rps = sum(count / seconds for count, seconds in figures.windows.values() if seconds > 0)
    return {
        "scheme": name,
        "users": figures.users,
        "requests": n,
        "failures": figures.failures,
        "rps": round(rps, 1) if figures.windows else None,
        **{
            f"p{pct}_us": TOO_FEW if f"p{pct}" in few else summary[f"p{pct}_us"]
            for pct in (50, 95, 99)
        },
        "max_us": summary["max_us"],
        "iqr_us": round(iqr(figures.latencies), 1) if n else None,
        "p50_x_none": None,
        "credential_bytes_per_request": _mean(figures.credential, n),
        "bytes_sent_per_request": _mean(figures.sent, n),
        "bytes_received_per_request": _mean(figures.received, n),
        "latency_samples": len(figures.latencies),
        "started_at": figures.started_at,
    }


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV, one column per :data:`COLUMNS` key (empty for no value)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, [key for key, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {k: "" if row.get(k) is None else row.get(k) for k, _ in COLUMNS} for row in rows
    )
    return out.getvalue()
