"""authlab's locustfile: one user class per registered scheme, generated.

    locust                            # web UI on 127.0.0.1:8089 ([tool.locust] in pyproject)
    make locust                       # the same, with a seeded lab server started for it

Pick classes in the UI (``--class-picker``) or name them: ``locust TokenUser``.
Options of our own (also in the UI's start form): ``--get-weight``, ``--post-weight``,
``--accounts``, ``--warmup`` (seconds of each test the authlab tab discards),
``--mixed-schemes`` (allow several user classes in one test) and ``--logins`` (credentials
made ahead, :mod:`loadtests.logins`).
"""

from __future__ import annotations

import dataclasses
import os

import django

# Same settings as the server the load tests start (login throttling lifted).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings.bench")
django.setup()

from locust import events  # noqa: E402

from loadtests import recorder, webui  # noqa: E402
from loadtests.options import FULL, Profile  # noqa: E402
from loadtests.users import ACCOUNTS, GET_WEIGHT, POST_WEIGHT, user_classes  # noqa: E402

#: One class per registered scheme, in registry order; locust finds them as globals.
USER_CLASSES = user_classes()
globals().update({cls.__name__: cls for cls in USER_CLASSES})
WARMUP = next(f for f in dataclasses.fields(Profile) if f.name == "warmup_s")


@events.init_command_line_parser.add_listener
def add_arguments(parser, **_kw) -> None:
    """authlab's own options, in the web UI's start form too.

    Added to ``parser`` itself: an argument group's ``add_argument`` is argparse's, which
    drops locust's ``include_in_web_ui`` (the options would not reach the form).
    """
    parser.add_argument(
        "--get-weight",
        type=int,
        default=GET_WEIGHT,
        help=f"weight of GET whoami/ (default {GET_WEIGHT})",
    )
    parser.add_argument(
        "--post-weight",
        type=int,
        default=POST_WEIGHT,
        help=f"weight of POST whoami/ (default {POST_WEIGHT})",
    )
    parser.add_argument(
        "--accounts",
        type=int,
        default=ACCOUNTS,
        help=f"seeded accounts user1..userN on the target (default {ACCOUNTS})",
    )
    # The same warm-up as make load's (loadtests.options), for the authlab tab.
    parser.add_argument(
        WARMUP.metadata["flag"],
        dest=WARMUP.name,
        type=float,
        default=FULL.warmup_s,
        help=f"{WARMUP.metadata['help']} from the authlab tab (default {FULL.warmup_s})",
    )
    parser.add_argument(
        "--logins",
        default="",
        include_in_web_ui=False,
        help="credentials made ahead, {scheme: {username: credential}} (JSON, "
        "loadtests.logins): each user checks its own with one unmeasured GET and logs in "
        "only when it is refused or absent (default: every user logs in)",
    )
    parser.add_argument(
        "--mixed-schemes",
        action="store_true",
        help="allow a test of several user classes at once (default: one scheme per test)",
    )


@events.init.add_listener
def install_recorder(environment, web_ui=None, **_kw) -> None:
    """Keep raw sub-millisecond timings: for the headless runner (recorder) and for
    the web UI's authlab tab (webui)."""
    recorder.install(environment)
    webui.install(environment, web_ui)


if __name__ == "__main__":
    # Debug one user against a running lab: python -m loadtests.locustfile TokenUser URL
    import sys

    from locust import run_single_user

    chosen = globals()[sys.argv[1] if len(sys.argv) > 1 else "TokenUser"]
    chosen.host = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8000"
    run_single_user(chosen)
