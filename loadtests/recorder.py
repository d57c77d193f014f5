"""Raw per-request timings, collected in every load-generating locust process.

Locust rounds response times to whole milliseconds in its statistics; the request
event still carries the float value, so each process keeps its own raw samples for
the measured window, and the orchestrating runner gathers them with locust's custom
messages (on one process the same messages are delivered locally):

    runner  --authlab_reset--->   every generator: forget the previous scheme
    generator --authlab_ready-->  runner: a user has logged in and its first answer
                                  was checked (status, username: the verification)
    runner  --authlab_measure-->  every generator: start recording (warm-up is over)
    runner  --authlab_collect-->  every generator: stop, reply with authlab_batch
"""

from __future__ import annotations

import time
from typing import Any

from loadtests.stats import Batch, Sample
from loadtests.transport import wire_bytes

RESET, READY = "authlab_reset", "authlab_ready"
MEASURE, COLLECT, BATCH = "authlab_measure", "authlab_collect", "authlab_batch"
INSTALLED = "_authlab_recorder_installed"
#: Requests whose ``context`` carries this key are the measured ones (not logins).
MEASURED = "authlab_measured"


class Recorder:
    """This process's samples of measured requests, between ``start()`` and ``stop()``."""

    def __init__(self) -> None:
        self.recording = False
        self.batch = Batch()
        self.cap = 0
        self._t0 = self._cpu0 = 0.0
        #: When each user's request now in flight was sent (the warm-up's watch for a
        #: request held up by a cold start: loadtests/generator.py ``settle``).
        self.in_flight: dict[int, float] = {}

    def oldest_in_flight_s(self) -> float:
        """How long the oldest request still in flight has been waiting (0: none)."""
        sent = min(self.in_flight.values(), default=None)
        return 0.0 if sent is None else time.perf_counter() - sent

    def reset(self) -> None:
        """Stop recording and drop everything (a new scheme starts)."""
        self.recording, self.batch = False, Batch()

    def start(self, cap: int) -> None:
        """Drop anything recorded so far and record up to ``cap`` requests."""
        self.batch, self.cap, self.recording = Batch(), cap, True
        self._t0, self._cpu0 = time.perf_counter(), time.process_time()

    def stop(self) -> Batch:
        """Stop recording and return the batch (its window ends at the cap, if hit)."""
        if self.recording:
            self._close_window()
        return self.batch

    def _close_window(self) -> None:
        self.recording = False
        self.batch.window_s = time.perf_counter() - self._t0
        self.batch.cpu_s = time.process_time() - self._cpu0

    def on_request(
        self, request_type, response_time, response=None, exception=None, context=None, **_kw
    ) -> None:
        """Request-event listener: keep the float timing of measured requests."""
        if not self.recording or not context or MEASURED not in context:
            return
        ok = exception is None
        if not ok:
            reason = str(exception)[:120]
            self.batch.failures[reason] = self.batch.failures.get(reason, 0) + 1
        sent, received = wire_bytes(response)
        self.batch.samples.append(
            Sample(
                method=request_type,
                time_us=response_time * 1000,  # locust passes float milliseconds
                sent=sent,
                received=received,
                ok=ok,
            )
        )
        if len(self.batch.samples) >= self.cap:
            self.batch.truncated = True
            self._close_window()


class Collector:
    """The orchestrating runner's view: logged-in users and the batches sent back."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the previous scheme's users and batches."""
        #: One ``{"status", "username", "problem", "headers"}`` per user: its first
        #: checked answer (``headers``: see :func:`user_ready`).
        self.ready: list[dict[str, Any]] = []
        self.batches: list[Batch] = []


RECORDER = Recorder()
COLLECTOR = Collector()


def batch_to_message(batch: Batch) -> dict[str, Any]:
    """A msgpack-ready dict of ``batch``."""
    return {
        "samples": [s.as_row() for s in batch.samples],
        "window_s": batch.window_s,
        "cpu_s": batch.cpu_s,
        "truncated": batch.truncated,
        "failures": batch.failures,
    }


def batch_from_message(data: dict[str, Any]) -> Batch:
    """Inverse of :func:`batch_to_message`."""
    return Batch(
        samples=[Sample.from_row(r) for r in data["samples"]],
        window_s=data["window_s"],
        cpu_s=data["cpu_s"],
        truncated=data["truncated"],
        failures=dict(data["failures"]),
    )


def user_ready(
    environment, status: int, username: str | None, problem: str, headers: dict | None = None
) -> None:
    """Tell the orchestrating runner that a user has logged in and got its first answer
    (``headers``: its GET credential, when the runner hands it over to a later phase)."""
    runner = environment.runner
    if getattr(runner, INSTALLED, False):
        data = {"status": status, "username": username, "problem": problem, "headers": headers}
        runner.send_message(READY, data)


def install(environment) -> None:
    """Register the request listener and the messages this process's runner handles."""
    from locust.runners import MasterRunner, WorkerRunner

    runner = environment.runner
    if runner is None or getattr(runner, INSTALLED, False):  # run_single_user has none
        return
    if not isinstance(runner, MasterRunner):  # this process generates load
        environment.events.request.add_listener(RECORDER.on_request)
        runner.register_message(RESET, _on_reset)
        runner.register_message(MEASURE, _on_measure)
        runner.register_message(COLLECT, _on_collect)
    if not isinstance(runner, WorkerRunner):  # this process orchestrates
        runner.register_message(READY, _on_ready)
        runner.register_message(BATCH, _on_batch)
    setattr(runner, INSTALLED, True)


def _on_reset(environment, msg, **_kw) -> None:
    RECORDER.reset()


def _on_measure(environment, msg, **_kw) -> None:
    RECORDER.start(int(msg.data["cap"]))


def _on_collect(environment, msg, **_kw) -> None:
    environment.runner.send_message(BATCH, batch_to_message(RECORDER.stop()))


def _on_ready(environment, msg, **_kw) -> None:
    COLLECTOR.ready.append(dict(msg.data))


def _on_batch(environment, msg, **_kw) -> None:
    COLLECTOR.batches.append(batch_from_message(msg.data))
