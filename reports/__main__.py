"""``python -m reports build RUN`` and ``python -m reports compare A B``.

Exit status 0 on success, 2 on a run folder the report cannot trust (the message
names the file), so ``make report`` fails loudly instead of showing stale pages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.collect import ReportInputError

EXIT_BAD_INPUT = 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: ``build RUN`` or ``compare A B [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build index.html, report.md, summary.csv in a run folder")
    build.add_argument("run", type=Path, help="run folder, e.g. reports/out/latest")
    cmp_ = sub.add_parser("compare", help="compare the headline figures of two run folders")
    cmp_.add_argument("a", type=Path, help="the earlier run folder")
    cmp_.add_argument("b", type=Path, help="the later run folder")
    cmp_.add_argument(
        "--out", type=Path, default=None, help="output folder (default reports/out/compare-A-vs-B)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the command; print the path of what was written, or the input error."""
    from reports import build

    args = parse_args(argv)
    try:
        if args.command == "build":
            index = build.build_report(args.run)
            print(f"report: {index}")
            print(f"        {index.with_name('report.md')}")
        else:
            index = build.build_comparison(args.a, args.b, args.out)
            print(f"comparison: {index}\n")
            # compare.md ends with "N changes outside the noise": the terminal's last line.
            print((index.parent / "compare.md").read_text().rstrip())
    except ReportInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
