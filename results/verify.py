"""The one rule that decides whether a scheme's ``whoami/`` may be timed.

Every producer (in-process benchmarks, the scale curves, the load generator) sends
its own requests its own way, then hands what it saw to :func:`verdict`: with the
credential, 200 naming the expected user (the baseline: anonymous); without it,
refused (401/403; the baseline: 200).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    """One credentialed answer of ``whoami/``: its method, status and the name it gave."""

    method: str
    status: int
    username: str | None
    expected: str | None

    @property
    def right(self) -> bool:
        """200 naming the expected user."""
        return self.status == 200 and self.username == self.expected


def expected_username(username: str, *, baseline: bool) -> str | None:
    """The name ``whoami/`` must answer with: ``None`` (anonymous) for the baseline."""
    return None if baseline else username


def refused(status_without: int, *, baseline: bool) -> bool:
    """Whether the answer without a credential is the right one (baseline: served)."""
    return status_without == 200 if baseline else status_without in (401, 403)


def verdict(
    answers: Sequence[Answer],
    status_without: int,
    *,
    baseline: bool,
    problems: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The ``verification`` entry of one scheme (results/SCHEMA.md).

    ``problems``: what a producer found wrong on its own (the load generator's
    users check their first answers), listed and counted as failures.
    """
    problems = None if problems is None else sorted(set(problems))
    gets = [a for a in answers if a.method == "GET"]
    posts = [a for a in answers if a.method == "POST"]
    ok = (
        bool(answers)
        and all(a.right for a in answers)
        and refused(status_without, baseline=baseline)
        and not problems
    )
    first = (gets or list(answers) or [None])[0]
    out: dict[str, Any] = {
        "ok": ok,
        # The worst status seen (one wrong answer among many shows).
        "status_with": max((a.status for a in gets), default=None) if gets else None,
        "username": first.username if first else None,
    }
    if posts:
        out["status_post"] = max(a.status for a in posts)
    out["status_without"] = status_without
    if problems is not None:
        out["users_checked"] = len(answers)
        out["problems"] = problems
    return out
