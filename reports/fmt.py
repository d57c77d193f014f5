"""How figures are written in every output: one place, so HTML, Markdown and claims agree."""

from __future__ import annotations

NOT_MEASURED = "not measured"
NOT_RUN = "not run"


def us(value: float | None, missing: str = NOT_MEASURED) -> str:
    """Microseconds with precision that suits the magnitude, e.g. ``2.41``, ``183``, ``261,004``."""
    if value is None:
        return missing
    if abs(value) < 10:
        return f"{value:.2f}"
    if abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def us_spread(value: float | None, iqr: float | None, missing: str = NOT_MEASURED) -> str:
    """A median with its IQR, e.g. ``183 (IQR 4.2)``."""
    if value is None:
        return missing
    return us(value) if iqr is None else f"{us(value)} (IQR {us(iqr)})"


def ratio(value: float | None, missing: str = NOT_MEASURED) -> str:
    """A ratio to the baseline, e.g. ``1.42×``, ``1,447×``, ``0.0042×`` (below 0.1: two
    significant digits, so a small one never reads ``0.00×``)."""
    if value is None:
        return missing
    if 0 < value < 0.1:
        return f"{value:.2g}×"
    if value < 10:
        return f"{value:.2f}×"
    if value < 100:
        return f"{value:.1f}×"
    return f"{value:,.0f}×"


def interval(ci: list | None, write=None, missing: str = "") -> str:
    """A 95% interval, e.g. ``95% CI 3.80–4.10×``; ``missing`` when there is none."""
    if not ci:
        return missing
    write = write or us
    return f"95% CI {write(ci[0]).rstrip('×')}–{write(ci[1])}"


def with_interval(cell: str, ci: list | None, write=None) -> str:
    """``cell`` with its interval in brackets (or inside its existing bracket)."""
    text = interval(ci, write)
    if not text:
        return cell
    if cell.endswith(")"):
        return f"{cell[:-1]}, {text})"
    return f"{cell} ({text})"


def instructions(value: float | None, missing: str = NOT_MEASURED) -> str:
    """Instructions per request, e.g. ``2.78 M``, ``412 k``."""
    if value is None:
        return missing
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M"
    return f"{value / 1e3:,.0f} k"


def count(value: float | None, missing: str = NOT_MEASURED) -> str:
    """An integer count (queries, writes, failures)."""
    return missing if value is None else f"{value:,.0f}"


def nbytes(value: float | None, missing: str = NOT_MEASURED) -> str:
    """A byte count, e.g. ``63 B``."""
    return missing if value is None else f"{value:,.0f} B"


def rate(value: float | None, missing: str = NOT_MEASURED) -> str:
    """Requests per second."""
    if value is None:
        return missing
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def pct(value: float | None, missing: str = "-") -> str:
    """A signed percentage change, e.g. ``+3.1%``."""
    return missing if value is None else f"{value:+.1f}%"


def text(value: object, missing: str = "-") -> str:
    """Free text; empty or ``None`` becomes ``missing``."""
    return missing if value in (None, "") else str(value)


def yes_no(value: object) -> str:
    """A boolean as ``yes`` / ``no`` (``-`` when unknown)."""
    return "-" if value is None else ("yes" if value else "no")


def seconds(value: float | None) -> str:
    """A lifetime in seconds as the largest whole unit, e.g. ``5 min``, ``14 d``; None: never."""
    if value is None:
        return "never"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if value >= size and value % size == 0:
            return f"{value // size:,.0f} {unit}"
    return f"{value:,.0f} s"
