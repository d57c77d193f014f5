"""The frontier chart: revocation delay against per-request cost (× none), one panel in
CPU instructions and one in wall time (95% intervals as error bars), each with its own
Pareto front (:mod:`reports.frontier`), an arrow from each stock scheme to its variant.

Labels are placed by :func:`place_labels`: each beside its point, or moved up or down a
lane (with a leader line) until it overlaps no other label, marker or error bar.
"""

from __future__ import annotations

import math

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox, blended_transform_factory

from reports import families, fmt
from reports import frontier as fr
from reports.collect import Run
from reports.svg import GREY, PALETTE, to_svg
from results.schema import FAMILIES

matplotlib.use("Agg")

#: The panels: currency, axis label, what its front compares.
PANELS = (
    ("instructions", "CPU instructions per request, × none (log scale)"),
    ("wall", "wall time per request, × none (log scale; 95% interval)"),
)
#: Label lanes tried, in points above (+) or below (-) the point's own height.
LANE_PT = 8.5
LANES = (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6)
FONT = 7


def family_colour(family: str | None) -> str:
    """One colour per family (the baseline's grey for one the lab does not know)."""
    keys = [k for k in FAMILIES if k != "baseline"]
    return PALETTE[keys.index(family) % len(PALETTE)] if family in keys else GREY


def frontier(run: Run) -> str | None:
    """Both panels, or ``None`` when no scheme has a cost and a declared delay."""
    panels = [(c, label, fr.points(run, c)) for c, label in PANELS]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None
    crowd = max(_crowd(pts) for _, _, pts in panels)
    height = max(3.6, 2.2 + 0.28 * crowd)  # taller when one delay holds many schemes
    fig = Figure(figsize=(8.0, height * len(panels)), layout="constrained")
    FigureCanvasAgg(fig)  # a renderer to measure the labels with
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    axis = fr.delay_axis([p.delay for _, _, pts in panels for p in pts])
    drawn = [_panel(ax, axis, currency, label, pts) for ax, (currency, label, pts) in
             zip(axes, panels, strict=True)]  # fmt: skip
    fig.legend(handles=_legend(panels), loc="outside lower center", ncols=4, fontsize=FONT)
    fig.draw_without_rendering()  # fix the layout: labels are placed in display space
    fig.set_layout_engine("none")
    for ax, (at, labels, obstacles) in zip(axes, drawn, strict=True):
        place_labels(ax, at, labels, obstacles)
    return to_svg(fig, "frontier")


def _crowd(pts: list[fr.Point]) -> int:
    """The most schemes sharing one delay (they need label lanes)."""
    return max([sum(1 for p in pts if p.delay == q.delay) for q in pts], default=0)


#: A cost above this many × none is drawn at the panel's right edge, past a break in the
#: cost axis, with its value in its label (basic's thousands would squeeze the rest).
OFF_SCALE = 50.0
#: Points of one delay closer than this (share of the axis width) are moved apart
#: vertically, by :data:`DODGE` delay-axis units a step, so each marker shows.
NEAR = 0.018
DODGE = 0.11


def cost_limits(pts: list[fr.Point]) -> tuple[float, float, float | None]:
    """(left, right, edge) of the cost axis: ``edge`` is where off-scale points sit
    (``None`` when there is none); every cost and interval below it fits between."""
    inside = [p for p in pts if p.cost <= OFF_SCALE]
    costs = [1.0, *(v for p in inside for v in (p.cost, *(p.interval or ())))]
    right = max(costs) * 1.5
    if len(inside) == len(pts):
        return min(costs) / 1.4, right, None
    return min(costs) / 1.4, right * 1.9, right * 1.35


def dodge(pts: list[fr.Point], where) -> dict[str, float]:
    """Vertical offsets (delay-axis units) so that no two points of the same delay
    overlap: ``where(p)`` is its x as a share of the axis width; 0, +1, -1, +2 ... steps."""
    offsets: dict[str, float] = {}
    for p in sorted(pts, key=lambda p: (fr.delay_order(p.delay), where(p))):
        near = [q for q in pts if q.scheme in offsets and q.delay == p.delay
                and abs(where(q) - where(p)) < NEAR]  # fmt: skip
        step = next(k for k in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5)
                    if all(abs(offsets[q.scheme] - k * DODGE) > 1e-9 for q in near))  # fmt: skip
        offsets[p.scheme] = step * DODGE
    return offsets


def _panel(ax, axis: fr.DelayAxis, currency: str, xlabel: str, pts: list[fr.Point]):
    """Draw one currency's points, front, intervals and variant arrows; return where
    each point sits and the error bars' extents (obstacles for the labels)."""
    front = fr.pareto_front(pts, fr.CHEAPER[currency])
    left, right, edge = cost_limits(pts)
    ax.set_xscale("log")
    ax.set_xlim(left, right)
    x = {p.scheme: p.cost if edge is None or p.cost <= OFF_SCALE else edge for p in pts}
    share = {s: math.log(v / left) / math.log(right / left) for s, v in x.items()}
    lift = dodge(pts, lambda p: share[p.scheme])
    at = {p.scheme: (x[p.scheme], axis.position(p.delay) + lift[p.scheme]) for p in pts}
    obstacles = []
    for p in pts:
        on, colour, (px, py) = p in front, family_colour(p.family), at[p.scheme]
        if p.interval and px == p.cost:
            low, high = p.interval
            ax.errorbar([px], [py], xerr=[[px - low], [high - px]], fmt="none", ecolor=colour,
                        elinewidth=1, capsize=2, alpha=0.8)  # fmt: skip
            obstacles.append((low, high, py))
        ax.plot([px], [py], "D" if p.variant_of else "o", ms=5.5,
                mfc=colour if on else "white", mec="black" if on else colour,
                mew=1.0, zorder=3)  # fmt: skip
    by_name = {p.scheme: p for p in pts}
    for p in pts:
        if p.variant_of in by_name:
            ax.annotate("", at[p.scheme], at[p.variant_of],
                        arrowprops={"arrowstyle": "->", "color": GREY, "lw": 0.9,
                                    "ls": "--", "shrinkA": 4, "shrinkB": 4}, zorder=2)  # fmt: skip
    line = fr.front_line(front)
    if line:
        xs, ys = [at[line[0].scheme][0]], [axis.position(line[0].delay)]
        for p in line[1:]:  # up from the faster point, then left to the cheaper one
            xs += [xs[-1], at[p.scheme][0]]
            ys += [axis.position(p.delay)] * 2
        ax.plot(xs, ys, color="black", lw=0.9, alpha=0.5, zorder=1)
    _axes(ax, axis, pts, xlabel, edge)
    labels = {p.scheme: p.scheme if x[p.scheme] == p.cost else
              f"{p.scheme} {fmt.ratio(p.cost)}" for p in pts}  # fmt: skip
    return at, labels, obstacles


def _axes(ax, axis: fr.DelayAxis, pts: list[fr.Point], xlabel: str, edge) -> None:
    ax.axvline(1.0, color=GREY, ls=":", lw=1)
    ax.annotate("none", (1.0, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
                textcoords="offset points", fontsize=FONT, color=GREY, va="top")  # fmt: skip
    ax.set_ylim(axis.zero - 0.9, axis.never + 0.9)
    low, high = ax.get_xlim()
    stop = high if edge is None else edge / 1.25  # no scale past the break
    steps = [k * 10.0**e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(stop)))
             for k in (1, 2, 3, 5)]  # fmt: skip
    marks = [v for v in steps if low <= v <= stop]
    ax.set_xticks(marks, [f"{v:g}×" for v in marks], fontsize=FONT + 1)
    ax.set_xticks([], minor=True)
    ticks = axis.ticks([p.delay for p in pts])
    ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=FONT + 1)
    ax.grid(axis="both", alpha=0.25)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel(xlabel, fontsize=FONT + 1)
    ax.set_ylabel("revocation delay (log scale)", fontsize=FONT + 1)
    # The ends sit off the log ranges: break marks on the axes before them.
    ys = blended_transform_factory(ax.transAxes, ax.transData)
    for at in (axis.zero + 0.5, axis.never - 0.5):
        _break(ax, ys, (0.0, at), (0.012, 0.05))
    if edge is not None:
        xs = blended_transform_factory(ax.transData, ax.transAxes)
        _break(ax, xs, (edge / 1.18, 0.0), (0.0, 0.0))
        ax.annotate(f"off the scale\n(over {OFF_SCALE:g}×)", (edge, 0.0),
                    xycoords=("data", "axes fraction"), xytext=(0, -4),
                    textcoords="offset points", ha="center", va="top", fontsize=FONT)  # fmt: skip


def _break(ax, transform, at: tuple[float, float], size: tuple[float, float]) -> None:
    """Two short slanted strokes across an axis at ``at`` (a break in its scale)."""
    x, y = at
    for k in (-1, 1):
        if size[0]:  # across the y axis: strokes one above the other
            xs, ys = [x - size[0], x + size[0]], [y + k * 0.06 - 0.04, y + k * 0.06 + 0.04]
        else:  # across the x axis: strokes side by side (multiplicative on a log axis)
            xs, ys = [x * 1.03**k / 1.02, x * 1.03**k * 1.02], [-0.012, 0.012]
        ax.plot(xs, ys, color="black", lw=0.8, transform=transform, clip_on=False)


def _legend(panels) -> list[Line2D]:
    present = list(dict.fromkeys(p.family for _, _, pts in panels for p in pts))
    handles = [
        Line2D([], [], ls="", marker="o", ms=6, mfc=family_colour(f), mec="black",
               label=families.label(f))
        for f in present
    ]  # fmt: skip
    handles += [
        Line2D([], [], ls="", marker="o", ms=6, mfc=GREY, mec="black",
               label="filled: on the Pareto front"),
        Line2D([], [], ls="", marker="o", ms=6, mfc="white", mec=GREY,
               label="hollow: off the front"),
        Line2D([], [], ls="", marker="D", ms=6, mfc=GREY, mec="black",
               label="diamond: a tuned variant"),
        Line2D([], [], color=GREY, ls="--", label="stock scheme → its variant"),
        Line2D([], [], color="black", alpha=0.5, label="Pareto front"),
    ]  # fmt: skip
    return handles


def place_labels(ax, at: dict, labels: dict[str, str], obstacles) -> None:
    """Write each point's label beside it (``at``: scheme -> data x, y), in the first
    lane (right, then left) where it overlaps no label, marker or error bar and stays
    inside the axes; a label moved off its point's height gets a leader line."""
    renderer = ax.figure.canvas.get_renderer()
    scale = ax.figure.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    shown = {name: ax.transData.transform(xy) for name, xy in at.items()}
    blocked = [Bbox.from_bounds(x - 4 * scale, y - 4 * scale, 8 * scale, 8 * scale)
               for x, y in shown.values()]  # fmt: skip
    for low, high, yy in obstacles:
        (x0, y0), (x1, _) = ax.transData.transform([(low, yy), (high, yy)])
        blocked.append(Bbox.from_extents(x0, y0 - 1.5 * scale, x1, y0 + 1.5 * scale))
    for name in sorted(at, key=lambda n: (shown[n][1], shown[n][0])):
        text = ax.annotate(labels[name], at[name], xytext=(5, 0), textcoords="offset points",
                           va="center", fontsize=FONT, zorder=4)  # fmt: skip
        best = None
        for lane in LANES:
            for dx, ha in ((5, "left"), (-5, "right")):
                text.set_position((dx, lane * LANE_PT))
                text.set_ha(ha)
                box = text.get_window_extent(renderer).padded(1.0 * scale)
                cost = _overlap(box, blocked) + _outside(box, frame)
                if best is None or cost < best[0]:
                    best = (cost, dx, lane, ha, box)
            if best[0] == 0:
                break
        _, dx, lane, ha, box = best
        text.set_position((dx, lane * LANE_PT))
        text.set_ha(ha)
        blocked.append(box)
        if lane:
            ax.annotate("", at[name], xytext=(dx, lane * LANE_PT), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": GREY, "lw": 0.5,
                                    "shrinkA": 0, "shrinkB": 3})  # fmt: skip


def _overlap(box: Bbox, others: list[Bbox]) -> float:
    """The area ``box`` shares with ``others`` (display units squared)."""
    total = 0.0
    for other in others:
        w = min(box.x1, other.x1) - max(box.x0, other.x0)
        h = min(box.y1, other.y1) - max(box.y0, other.y0)
        if w > 0 and h > 0:
            total += w * h
    return total


def _outside(box: Bbox, frame: Bbox) -> float:
    """How far ``box`` sticks out of the axes (weighted: never draw over the ticks)."""
    out = max(0, frame.x0 - box.x0) + max(0, box.x1 - frame.x1)
    out += max(0, frame.y0 - box.y0) + max(0, box.y1 - frame.y1)
    return 1e4 * out
