"""The load options, declared once: how long and how hard each scheme is loaded.

:class:`Profile` is the one declaration. The orchestrator (``make load``) builds its
command line from it (:meth:`Profile.add_arguments`), hands it to the generator
process as flags (:meth:`Profile.args`), and the generator parses them back with
the same method (as pyperf's ``Runner`` does for its worker processes).
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _flag(name: str, help_: str) -> dict[str, Any]:
    return {"metadata": {"flag": name, "help": help_}}


@dataclass(frozen=True)
class Profile:
    """How long and how hard each scheme is loaded."""

    users: int = field(**_flag("--users", "closed-loop users (locust -u)"))
    warmup_s: float = field(**_flag("--warmup", "seconds discarded per scheme"))
    duration_s: float = field(**_flag("--duration", "measured seconds per scheme"))
    #: A window with fewer requests is extended (a scheme that hashes the password on
    #: every request answers a few per second), up to ``max_window_s``.
    min_requests: int = field(
        default=20, **_flag("--min-requests", "extend a window shorter than this many requests")
    )
    max_window_s: float = field(
        default=20.0, **_flag("--max-window", "longest window when extending (seconds)")
    )
    max_requests: int = field(
        default=200_000, **_flag("--max-requests", "stop a window after this many requests")
    )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, skip: tuple[str, ...] = ()) -> None:
        """One option per field (default ``None``: the profile's own value)."""
        for f in dataclasses.fields(cls):
            if f.name not in skip:
                kind = int if f.type in ("int", int) else float
                parser.add_argument(
                    f.metadata["flag"],
                    dest=f.name,
                    type=kind,
                    default=None,
                    help=f.metadata["help"],
                )

    def updated(self, namespace: argparse.Namespace) -> Profile:
        """This profile with the options given on a command line (unset ones kept)."""
        given = {
            f.name: getattr(namespace, f.name)
            for f in dataclasses.fields(self)
            if getattr(namespace, f.name, None) is not None
        }
        return dataclasses.replace(self, **given)

    def args(self, skip: tuple[str, ...] = ()) -> list[str]:
        """The command line that :meth:`add_arguments` + :meth:`updated` read back."""
        out: list[str] = []
        for f in dataclasses.fields(self):
            if f.name not in skip:
                out += [f.metadata["flag"], str(getattr(self, f.name))]
        return out


#: QUICK: ~1 s per scheme once its users have logged in. A window lasts 0.5 s, or until
#: it holds the 100 samples a p95 needs (loadtests.stats.min_samples), so every scheme
#: that answers 200+ requests a second gets its p50 and p95 (p99, 500 samples, is marked
#: "too few samples" for most); Basic (a password hash per request, a few per second)
#: stops at 3.5 s with the ~10 samples of a p50, and is marked for p95 / p99.
QUICK = Profile(users=4, warmup_s=0.25, duration_s=0.5, min_requests=100, max_window_s=3.5)
#: Default: ~2 min for 7 schemes (logins with the real hasher included); Basic's window
#: stretches to the 100 samples of a p95 (~25-30 s on 2 cores).
FULL = Profile(users=4, warmup_s=2.0, duration_s=8.0, min_requests=100, max_window_s=35.0)
