"""The largest credential a server passes on, in a header and in a cookie.

A JWT is grown by one padding claim until the server refuses the request, by binary
search on its size. "Accepted" means Django answered (a JSON body: 200 for a token
the lab signed, 401 for one it did not); anything else is the server's own answer.
Beyond the limit a client should get a clear 4xx (431 or 400): a dropped
connection, a hang or a 5xx is recorded as such.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
from collections.abc import Callable
from typing import Any

#: Largest size tried: a server that passes 1 MiB has no practical header limit.
CAP_BYTES = 1 << 20
START_BYTES = 256


def forged_jwt(size: int) -> str:
    """A JWT-shaped value of about ``size`` bytes (padding claim; not validly signed)."""
    head = _b64({"alg": "HS256", "typ": "JWT"})
    pad = "x" * max(0, (size - len(head) - 60) * 3 // 4)
    return f"{head}.{_b64({'token_type': 'access', 'pad': pad})}.{'s' * 43}"


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def ask(host: str, port: int, path: str, field: str, value: str, timeout: float = 5.0):
    """Send one GET carrying ``field: value``; return ``(outcome, status)``.

    ``outcome``: ``accepted`` (Django answered), ``refused`` (the server answered
    itself), ``dropped`` (closed or reset with no answer) or ``timeout``.
    """
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
        f"{field}: {value}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")
    data = b""
    try:
        with socket.create_connection((host, port), timeout) as sock:
            # The server may answer and close before it has read it all.
            with contextlib.suppress(OSError):
                sock.sendall(request)
            while chunk := sock.recv(65536):
                data += chunk
    except TimeoutError:
        return ("timeout", None) if not data else _classify(data)
    except OSError:
        pass
    return _classify(data) if data else ("dropped", None)


def _classify(data: bytes) -> tuple[str, int | None]:
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return "dropped", None
    try:
        json.loads(body)
        from_django = b"application/json" in head.lower()
    except ValueError:
        from_django = False
    return ("accepted" if from_django else "refused"), status


def largest(accepts: Callable[[int], bool], lo: int = START_BYTES, hi: int = CAP_BYTES) -> int:
    """The largest size in ``[lo, hi]`` that ``accepts`` (monotone), or ``lo - 1``."""
    if not accepts(lo):
        return lo - 1
    if accepts(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if accepts(mid) else (lo, mid)
    return lo


def limits(
    host: str, port: int, header_path: str, cookie_path: str, token: Callable[[int], str]
) -> dict[str, Any]:
    """Header and cookie limits of the server on ``host:port``, with the answer beyond.

    ``token(n)``: a credential of ``n`` bytes (a grown JWT); it goes in
    ``Authorization: Bearer`` on ``header_path`` and in a cookie on ``cookie_path``.
    """
    out: dict[str, Any] = {}
    carriers = {
        "header": ("Authorization", lambda n: f"Bearer {token(n)}", header_path),
        "cookie": ("Cookie", lambda n: f"jwt={token(n)}", cookie_path),
    }
    for kind, (field, value, path) in carriers.items():
        answers: dict[int, tuple[str, int | None]] = {}

        def accepts(n: int, field=field, value=value, path=path, answers=answers) -> bool:
            answers[n] = ask(host, port, path, field, value(n))
            return answers[n][0] == "accepted"

        size = largest(accepts)
        beyond = None if size >= CAP_BYTES else ask(host, port, path, field, value(size + 1))
        far = None if size >= CAP_BYTES else ask(host, port, path, field, value(4 * size + 64))
        accepted_value = value(size) if size >= START_BYTES else ""
        out[f"{kind}_max_bytes"] = len(f"{field}: {accepted_value}") if accepted_value else None
        out[f"{kind}_token_bytes"] = len(token(size)) if accepted_value else None
        out[f"{kind}_accepted_status"] = answers.get(size, (None, None))[1]
        out[f"{kind}_capped"] = size >= CAP_BYTES
        out[f"{kind}_beyond"] = _answer(beyond)
        out[f"{kind}_far_beyond"] = _answer(far)
        # A buffer-based limit (granian) is not sharp: one byte more may still pass.
        out[f"{kind}_limit_sharp"] = beyond is None or beyond[0] != "accepted"
        out[f"{kind}_clear_4xx"] = all(
            a is None or a[0] == "accepted" or (a[0] == "refused" and 400 <= (a[1] or 0) < 500)
            for a in (beyond, far)
        )
    return out


def _answer(answer: tuple[str, int | None] | None) -> str | None:
    if answer is None:
        return None
    outcome, status = answer
    return f"{status} ({outcome})" if status is not None else outcome
