"""gunicorn's sync worker with a deadline on reading a request, so a slow client
(slowloris) holds a worker for seconds, not for the whole worker ``timeout``.

The sync worker reads the request line and headers with a blocking socket and no
deadline; only the arbiter's ``timeout`` (which kills the whole worker) ended it, so
three clients trickling header bytes held both workers of ``make serve`` for 60 s.
"""

from __future__ import annotations

import signal

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

#: Seconds a client has, from the accept, to send its request line and headers. A
#: real client sends them in one packet; 5 s allows a slow network many times over.
HEAD_TIMEOUT = 5.0
#: Seconds each later read (the body) or write may block. The body is at most
#: DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB): a client stalling this long mid-body is gone.
IO_TIMEOUT = 10.0


class SlowClient(Exception):
    """The client did not send its request head within :data:`HEAD_TIMEOUT`."""


def _head_deadline_passed(signum, frame):
    raise SlowClient(f"request head not received within {HEAD_TIMEOUT:g} s")


class DeadlineSyncWorker(SyncWorker):
    """``SyncWorker``; the request head must arrive within :data:`HEAD_TIMEOUT` (a
    ``SIGALRM`` timer, one request at a time per process), then every socket
    operation is bounded by :data:`IO_TIMEOUT`. A late head gets 408 and a close."""

    def init_signals(self) -> None:
        """gunicorn's worker signals, plus the head deadline's alarm."""
        super().init_signals()
        signal.signal(signal.SIGALRM, _head_deadline_passed)

    def handle(self, listener, client, addr) -> None:
        """Serve one connection with the head deadline armed until it is parsed."""
        signal.setitimer(signal.ITIMER_REAL, HEAD_TIMEOUT)
        try:
            super().handle(listener, client, addr)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def handle_request(self, listener, req, client, addr):
        """The head is in: disarm the alarm (the application's time is not bounded
        here) and bound each body read and response write instead."""
        signal.setitimer(signal.ITIMER_REAL, 0)
        client.settimeout(IO_TIMEOUT)
        return super().handle_request(listener, req, client, addr)

    def handle_error(self, req, client, addr, exc) -> None:
        """408 for a head that came too late; gunicorn's own handling otherwise."""
        if isinstance(exc, SlowClient):
            self.log.debug("Closing slow client %s: %s", addr, exc)
            util.write_error(client, 408, "Request Timeout", str(exc))
            return
        super().handle_error(req, client, addr, exc)
