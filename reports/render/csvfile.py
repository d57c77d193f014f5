"""``summary.csv``: one row per scheme, every per-scheme figure of the run, raw values."""

from __future__ import annotations

import csv
import io

from reports.analyse import Analysis
from reports.collect import SCHEME_NUMBERS
from reports.figures import request_ratio


def render(analysis: Analysis) -> str:
    """Render the per-scheme figures as CSV (empty cell: not measured)."""
    run = analysis.run
    buf = io.StringIO()
    fields = ["scheme", "title", *SCHEME_NUMBERS, "crypto", "load_ran"]
    writer = csv.DictWriter(buf, fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for s in run.schemes:
        row = {**s, "ratio_to_none": request_ratio(run, s), "load_ran": run.load_ran}
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in fields})
    return buf.getvalue()
