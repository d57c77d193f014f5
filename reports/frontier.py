"""The cost / revocation-delay frontier (issue 17): one point per scheme and variant,
which of them are on the Pareto front, and where a delay sits on the chart's axis.

Lower is better on both axes: the per-request cost as a multiple of ``none`` and the
revocation delay (``revocation_delay_s``: 0 = immediate, ``None`` = never). A point is
*off* the front only when another point revokes at least as fast **and** costs less
beyond the noise: in instructions by more than :data:`~reports.noise.INSTRUCTIONS_TOLERANCE`,
in wall time with the two 95% intervals of ``ratio_to_none`` apart. Two points whose
costs cannot be told apart both stay on the front (a tie, not a ranking).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from reports import fmt
from reports.collect import Run, is_baseline
from reports.figures import revocation_delay
from reports.noise import instructions_tied

#: The two currencies of the chart's panels: key -> (summary field, its interval field).
CURRENCIES = {
    "instructions": ("instructions_ratio_to_none", None),
    "wall": ("ratio_to_none", "ratio_to_none_ci"),
}


@dataclass(frozen=True)
class Point:
    """One scheme on the frontier: its cost (× none) in one currency and its delay."""

    scheme: str
    cost: float
    #: Seconds until every server refuses a revoked credential; ``None`` = never.
    delay: float | None
    #: The cost's 95% interval ``(low, high)`` (wall time), ``None`` when it has none.
    interval: tuple[float, float] | None = None
    variant_of: str | None = None
    family: str | None = None


def points(run: Run, currency: str) -> list[Point]:
    """Every authenticated scheme of ``run`` that declares its revocation delay and was
    measured in ``currency`` (``"instructions"`` or ``"wall"``), in registry order."""
    field, interval_field = CURRENCIES[currency]
    out = []
    for s in run.schemes:
        declared, delay = revocation_delay(s)
        if is_baseline(s["scheme"]) or not declared or s.get(field) is None:
            continue
        interval = s.get(interval_field) if interval_field else None
        out.append(
            Point(
                scheme=s["scheme"],
                cost=s[field],
                delay=delay,
                interval=tuple(interval) if interval else None,
                variant_of=s.get("variant_of"),
                family=s.get("family"),
            )
        )
    return out


def delay_order(delay: float | None) -> float:
    """A delay as a number to compare: never (``None``) is longer than any delay."""
    return math.inf if delay is None else delay


def cheaper_by_instructions(a: Point, b: Point) -> bool:
    """``a`` costs less than ``b`` by more than the instruction counts' tolerance."""
    return a.cost < b.cost and not instructions_tied(a.cost, b.cost)


def cheaper_by_wall(a: Point, b: Point) -> bool:
    """``a`` costs less than ``b`` with their 95% intervals apart; without intervals
    (hand-written data) the medians decide, as ``reports.noise.request_tied`` does."""
    if a.interval is None or b.interval is None:
        return a.cost < b.cost
    return a.interval[1] < b.interval[0]


#: Which comparison of costs each currency's front uses.
CHEAPER: dict[str, Callable[[Point, Point], bool]] = {
    "instructions": cheaper_by_instructions,
    "wall": cheaper_by_wall,
}


def dominates(a: Point, b: Point, cheaper: Callable[[Point, Point], bool]) -> bool:
    """``a`` revokes at least as fast as ``b`` and costs less beyond the noise."""
    return delay_order(a.delay) <= delay_order(b.delay) and cheaper(a, b)


def pareto_front(pts: list[Point], cheaper: Callable[[Point, Point], bool]) -> list[Point]:
    """The points no other point dominates, in the order given (ties: all of them)."""
    return [b for b in pts if not any(a is not b and dominates(a, b, cheaper) for a in pts)]


def front_line(front: list[Point]) -> list[Point]:
    """The front's points a staircase joins: by delay, each the cheapest median of its
    delay and cheaper than every faster one (tied points off it stay marked)."""
    line: list[Point] = []
    for p in sorted(front, key=lambda p: (delay_order(p.delay), p.cost)):
        if not line or (p.cost < line[-1].cost and p.delay != line[-1].delay):
            line.append(p)
    return line


@dataclass(frozen=True)
class DelayAxis:
    """A log axis of delays with two labelled end positions off its log range: 0
    (immediate) one decade below the range, never one decade above it.

    Positions are linear: 0 for an immediate delay, ``1 + log10(delay) - low`` for a
    positive one (``10**low`` s sits at 1), and ``never`` past ``10**high``.
    """

    #: The log range runs from ``10**low`` to ``10**high`` seconds.
    low: int
    high: int

    @property
    def zero(self) -> float:
        """Where an immediate revocation (0 s) sits."""
        return 0.0

    @property
    def never(self) -> float:
        """Where a credential that is never revoked (until it expires) sits."""
        return float(self.high - self.low + 2)

    def position(self, delay: float | None) -> float:
        """Where ``delay`` (seconds; ``None`` = never) sits on the axis."""
        if delay is None:
            return self.never
        if delay <= 0:
            return self.zero
        return 1 + math.log10(delay) - self.low

    def ticks(self, delays: list[float | None]) -> list[tuple[float, str]]:
        """(position, label): the two ends, each positive delay of ``delays``, and the
        decades of the range not crowding one of them."""
        seen = sorted({d for d in delays if d is not None and d > 0})
        marks = [(self.position(d), fmt.seconds(d)) for d in seen]
        decades = [
            (self.position(10.0**k), fmt.seconds(10.0**k))
            for k in range(self.low, self.high + 1)
            if all(abs(self.position(10.0**k) - p) > 0.2 for p, _ in marks)
        ]
        ends = [(self.zero, "0 (immediate)"), (self.never, "never")]
        return sorted([*ends, *marks, *decades])


def delay_axis(delays: list[float | None]) -> DelayAxis:
    """The axis for ``delays``: the decades around their positive values (1-10 s when
    there is none), so 0 and never sit clear of every measured delay."""
    positive = [d for d in delays if d is not None and d > 0]
    if not positive:
        return DelayAxis(0, 1)
    low = math.floor(math.log10(min(positive)))
    high = max(math.ceil(math.log10(max(positive))), low + 1)
    return DelayAxis(low, high)
