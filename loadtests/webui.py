"""The locust web UI's "authlab" tab, its CSV, and one scheme per test by default.

Every load-generating process (the web UI's own, or each ``--worker``) keeps the raw
float timing, wire bytes and credential bytes of each measured ``whoami/`` request
(:class:`Tap`) after a warm-up (``--warmup``); a worker sends them to the master
with locust's own stats report (``report_to_master`` / ``worker_report``). The
process that serves the UI adds them to :data:`LIVE` and serves:

- the tab (``extended_tabs`` / ``extended_tables`` in the UI's template args, rows in
  ``extended_stats`` of ``/stats/requests``, which the UI polls);
- ``/authlab/stats.csv`` (listed under "Download Data").

With the class picker, a test of several user classes (or of none, which locust
would take as all of them) is refused unless ``--mixed-schemes`` is ticked: the
schemes would share the users and the server, and their req/s would not compare.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from loadtests.livestats import COLUMNS, LiveStats, Sample, table, to_csv
from loadtests.transport import wire_bytes

TAB = "authlab"
CSV_PATH = "/authlab/stats.csv"
#: Keys of a measured request's ``context`` (set by :class:`loadtests.users.SchemeUser`).
SCHEME, CREDENTIAL = "authlab_scheme", "authlab_credential_bytes"
#: Set on the UI process's options; locust copies it to each worker with the test.
ENABLED = "authlab_tab"
REPORT = "authlab_live"
INSTALLED = "_authlab_webui_installed"
#: The figures shown in the UI; one store per process that serves a UI.
LIVE = LiveStats()


class Tap:
    """This process's measured requests since its last report, per scheme."""

    def __init__(self) -> None:
        self.enabled = False
        self.start(enabled=False, warmup_s=0.0)

    def start(self, *, enabled: bool, warmup_s: float) -> None:
        """A test starts: record after ``warmup_s`` seconds (when ``enabled``)."""
        self.enabled = enabled
        self.from_t = time.perf_counter() + max(0.0, warmup_s)
        self.pending: dict[str, list[Sample]] = {}
        #: Per scheme: requests since the warm-up, time of the last one.
        self.counts: dict[str, tuple[int, float]] = {}

    def on_request(self, response_time, response=None, exception=None, context=None, **_kw):
        """Request-event listener: keep the float timing of measured requests."""
        if not self.enabled or not context or SCHEME not in context:
            return
        now = time.perf_counter()
        if now < self.from_t:
            return
        scheme = context[SCHEME]
        sent, received = wire_bytes(response)
        sample = Sample(
            time_us=response_time * 1000,  # locust passes float milliseconds
            sent=sent,
            received=received,
            credential=int(context.get(CREDENTIAL, 0)),
            ok=exception is None,
        )
        self.pending.setdefault(scheme, []).append(sample)
        self.counts[scheme] = (self.counts.get(scheme, (0, now))[0] + 1, now)

    def flush(self) -> dict[str, dict[str, Any]]:
        """What was measured since the last flush, as a msgpack-ready report."""
        report = {
            scheme: {
                "samples": [s.as_row() for s in self.pending.get(scheme, [])],
                "requests": count,
                "seconds": last - self.from_t,
            }
            for scheme, (count, last) in self.counts.items()
        }
        self.pending = {}
        return report


TAP = Tap()


def absorb(process: str, report: dict[str, dict[str, Any]] | None) -> None:
    """Add one generating process's report to :data:`LIVE`."""
    for scheme, part in (report or {}).items():
        LIVE.add(scheme, (Sample.from_row(r) for r in part["samples"]))
        LIVE.window(scheme, process, part["requests"], part["seconds"])


def install(environment, web_ui) -> None:
    """Wire the tap into a generating process and the tab into a web UI (if any)."""
    from locust.runners import MasterRunner, WorkerRunner

    runner = environment.runner
    if runner is None or getattr(runner, INSTALLED, False):
        return
    setattr(runner, INSTALLED, True)
    events = environment.events
    generating = not isinstance(runner, MasterRunner)
    if generating:
        events.request.add_listener(TAP.on_request)
    if isinstance(runner, WorkerRunner):
        events.test_start.add_listener(lambda environment, **_kw: _start_tap(environment))
        events.report_to_master.add_listener(lambda data, **_kw: data.update({REPORT: TAP.flush()}))
    if web_ui is None:
        return
    vars(environment.parsed_options)[ENABLED] = True
    if not isinstance(runner, WorkerRunner):
        events.worker_report.add_listener(
            lambda client_id, data, **_kw: absorb(client_id, data.get(REPORT))
        )

    def on_test_start(environment, **_kw) -> None:
        if generating:
            absorb("local", TAP.flush())  # the previous test's last requests
            _start_tap(environment)
        names = [cls.scheme_name for cls in environment.user_classes if _is_scheme(cls)]
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        LIVE.start(names, environment.parsed_options.num_users, started)

    events.test_start.add_listener(on_test_start)
    events.spawning_complete.add_listener(
        lambda user_count, **_kw: LIVE.set_users(
            [c.scheme_name for c in environment.user_classes if _is_scheme(c)], user_count
        )
    )
    events.reset_stats.add_listener(LIVE.clear)
    _add_tab(environment, web_ui, generating)


def _start_tap(environment) -> None:
    options = environment.parsed_options
    warmup = getattr(options, "warmup_s", 0.0) or 0.0
    TAP.start(enabled=bool(getattr(options, ENABLED, False)), warmup_s=float(warmup))


def _is_scheme(user_class) -> bool:
    return bool(getattr(user_class, "scheme_name", ""))


def rows(generating: bool) -> list[dict[str, Any]]:
    """The tab's rows now (a UI that generates load adds its own latest requests)."""
    if generating:
        absorb("local", TAP.flush())
    return table(LIVE)


def _add_tab(environment, web_ui, generating: bool) -> None:
    from flask import jsonify, make_response, request

    app = web_ui.app
    web_ui.template_args["extended_tabs"] = [{"title": "authlab raw timings", "key": TAB}]
    web_ui.template_args["extended_tables"] = [
        {"key": TAB, "structure": [{"key": key, "title": title} for key, title in COLUMNS]}
    ]
    web_ui.template_args["extended_csv_files"] = [
        {"href": f".{CSV_PATH}", "title": "Download authlab per-scheme CSV (raw µs)"}
    ]

    @app.after_request
    def add_rows(response):
        """Put the tab's rows beside locust's own stats (the UI polls /stats/requests)."""
        if request.path == "/stats/requests" and response.is_json:
            data = {
                **response.get_json(),
                "extended_stats": [{"key": TAB, "data": rows(generating)}],
            }
            response.set_data(json.dumps(data))
        return response

    @app.route(CSV_PATH)
    def authlab_csv():
        """The tab as CSV."""
        response = make_response(to_csv(rows(generating)))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        response.headers["Content-Disposition"] = f"attachment; filename=authlab_{stamp}.csv"
        return response

    @app.before_request
    def one_scheme_per_test():
        """Refuse a test of several schemes at once unless ``--mixed-schemes``."""
        if (
            request.path != "/swarm"
            or request.method != "POST"
            or not web_ui.userclass_picker_is_active
        ):
            return None
        chosen = request.form.getlist("user_classes")
        running = environment.runner.state in ("spawning", "running")
        mixed = request.form.get("mixed_schemes", "")
        allowed = (
            mixed == "true"
            if mixed
            else getattr(environment.parsed_options, "mixed_schemes", False)
        )
        if len(chosen) == 1 or allowed or (running and not chosen):
            return None
        message = (
            f"Pick one user class ({len(chosen)} are ticked): authlab runs one scheme per "
            "test so that req/s and latency compare between schemes (the authlab tab keeps "
            "each scheme's last test). Tick mixed_schemes to load several at once."
        )
        return jsonify({"success": False, "message": message, "host": environment.host})
