"""``summary.csv``: one row per scheme, every per-scheme figure of the run, raw values."""

from __future__ import annotations

import csv
import io

from reports.analyse import Analysis
from reports.collect import SCHEME_INTERVALS, SCHEME_NUMBERS
from reports.figures import request_ratio

#: Each interval ``[low, high]`` as two columns, ``<field>_low`` and ``<field>_high``.
INTERVAL_COLUMNS = tuple(f"{k}_{end}" for k in SCHEME_INTERVALS for end in ("low", "high"))


def render(analysis: Analysis) -> str:
    """Render the per-scheme figures as CSV (empty cell: not measured)."""
    run = analysis.run
    buf = io.StringIO()
    fields = ["scheme", "title", *SCHEME_NUMBERS, *INTERVAL_COLUMNS, "crypto", "load_ran"]
    writer = csv.DictWriter(buf, fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for s in run.schemes:
        row = {**s, "ratio_to_none": request_ratio(run, s), "load_ran": run.load_ran}
        for key in SCHEME_INTERVALS:
            low, high = s.get(key) or (None, None)
            row[f"{key}_low"], row[f"{key}_high"] = low, high
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in fields})
    return buf.getvalue()
