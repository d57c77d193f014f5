"""authlab's locustfile: one user class per registered scheme, generated.

    locust                            # web UI on 127.0.0.1:8089 ([tool.locust] in pyproject)
    make locust                       # the same, with a seeded lab server started for it

Pick classes in the UI (``--class-picker``) or name them: ``locust TokenUser``.
Options of our own (also in the UI): ``--get-weight``, ``--post-weight``, ``--accounts``.
"""

from __future__ import annotations

import os

import django

# Same settings as the server the load tests start (login throttling lifted).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings.bench")
django.setup()

from locust import events  # noqa: E402

from loadtests import recorder  # noqa: E402
from loadtests.users import ACCOUNTS, GET_WEIGHT, POST_WEIGHT, user_classes  # noqa: E402

#: One class per registered scheme, in registry order; locust finds them as globals.
USER_CLASSES = user_classes()
globals().update({cls.__name__: cls for cls in USER_CLASSES})


@events.init_command_line_parser.add_listener
def add_arguments(parser, **_kw) -> None:
    """authlab's own options: the GET/POST mix and how many seeded accounts exist."""
    group = parser.add_argument_group("authlab")
    group.add_argument(
        "--get-weight",
        type=int,
        default=GET_WEIGHT,
        help=f"weight of GET whoami/ (default {GET_WEIGHT})",
    )
    group.add_argument(
        "--post-weight",
        type=int,
        default=POST_WEIGHT,
        help=f"weight of POST whoami/ (default {POST_WEIGHT})",
    )
    group.add_argument(
        "--accounts",
        type=int,
        default=ACCOUNTS,
        help=f"seeded accounts user1..userN on the target (default {ACCOUNTS})",
    )


@events.init.add_listener
def install_recorder(environment, **_kw) -> None:
    """Keep raw sub-millisecond timings (used by the headless runner)."""
    recorder.install(environment)


if __name__ == "__main__":
    # Debug one user against a running lab: python -m loadtests.locustfile TokenUser URL
    import sys

    from locust import run_single_user

    chosen = globals()[sys.argv[1] if len(sys.argv) > 1 else "TokenUser"]
    chosen.host = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8000"
    run_single_user(chosen)
