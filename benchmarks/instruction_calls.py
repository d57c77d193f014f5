"""The calls :mod:`benchmarks.instructions_worker` counts, and the callgrind client
requests around them: GET and POST through the WSGI handler, ``authenticate()`` on a
fresh DRF request, and the profiling that sees password hashing in a path."""

from __future__ import annotations

import gc
import io
import os
import sys
import time
from collections.abc import Callable
from typing import Any


class Hooks:
    """CodSpeed's callgrind client requests (pytest-codspeed's native module)."""

    def __init__(self):
        from pytest_codspeed.instruments.hooks import dist_instrument_hooks

        self.native = dist_instrument_hooks
        self.handle = dist_instrument_hooks.instrument_hooks_init()
        if self.handle is None:
            raise RuntimeError("pytest-codspeed's instrument hooks failed to initialise")
        self.dump_seconds = 0.0

    def instrument(self) -> None:
        """Turn callgrind's instrumentation on for good (once everything is warm):
        turning it off and on again per region would flush and re-translate all code."""
        self.native.callgrind_start_instrumentation()

    def count(self, label: str, fn: Callable[[], Any], repetitions: int, warm: int = 0) -> None:
        """Run ``fn`` ``warm`` times, then ``repetitions`` times as one region dumped as
        ``label``."""
        native, handle = self.native, self.handle
        # Each region starts from the same collector state whatever ran before it (a
        # login again, another scheme): nothing unfrozen but what the warm calls make.
        gc.collect()
        gc.freeze()
        for _ in range(warm):  # after the collection: it emptied the free lists
            fn()
        native.instrument_hooks_start_benchmark(handle)  # ZERO_STATS (instrumentation is on)
        for _ in range(repetitions):
            fn()
        dumping = time.process_time()
        native.instrument_hooks_set_executed_benchmark(handle, os.getpid(), label.encode())
        self.dump_seconds += time.process_time() - dumping


def password_verifier_code():
    """The code object of the default hasher's ``verify`` (watched to detect hashing)."""
    from django.contrib.auth.hashers import get_hasher

    return type(get_hasher("default")).verify.__code__


def count_calls(fn: Callable[[], Any], code) -> tuple[Any, int]:
    """Call ``fn`` once; return its result and how often ``code`` ran inside it."""
    seen = []

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code is code:
            seen.append(frame)

    sys.setprofile(profiler)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
    return result, len(seen)


def request_senders(client, scheme, credential) -> dict[str, Callable[[], Any]]:
    """GET and POST ``whoami/`` through the WSGI handler, as the wall-clock bench sends them."""
    from benchmarks.harness import POST_BODY

    url = scheme.url("whoami")
    return {
        "get": client.prepare("GET", url, credential.headers_for("GET")),
        "post": client.prepare("POST", url, credential.headers_for("POST"), POST_BODY),
    }


def drf_request_maker(path: str, headers: dict[str, str]) -> Callable[[], Any]:
    """A fresh DRF request as it reaches ``authenticate()``: every middleware with a
    ``process_request`` has run (session and user attached lazily)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIRequest
    from django.utils.module_loading import import_string
    from rest_framework.request import Request

    from benchmarks.harness import environ_for

    template = environ_for("GET", path, headers, b"")
    middleware = [
        cls(lambda request: None)
        for cls in map(import_string, settings.MIDDLEWARE)
        if isinstance(cls, type) and hasattr(cls, "process_request")
    ]

    def make() -> Request:
        environ = dict(template, **{"wsgi.input": io.BytesIO(b"")})
        request = WSGIRequest(environ)
        for instance in middleware:
            instance.process_request(request)
        return Request(request)

    return make


def authenticate_once(request, classes):
    """What DRF does: ask each class in turn; the first non-None answer wins."""
    for cls in classes:
        result = cls().authenticate(request)
        if result is not None:
            return result
    return None
