"""The locust side of :class:`schemes.base.Transport`, and wire-size helpers.

A scheme's own :meth:`~schemes.base.Scheme.obtain` logs a simulated user in through
:class:`LocustTransport`, so the login is a real request over the user's connection
and shows up in locust's statistics under its own name.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from schemes.base import Reply, encode_body

CRLF = 2


class LocustTransport:
    """POST through a locust ``FastHttpSession``; the cookie jar is emptied after each call.

    Emptying the jar keeps locust from replaying cookies on its own: a simulated user
    sends exactly what its :class:`~schemes.base.Credential` names, as the in-process
    benchmarks do.
    """

    def __init__(self, client, name_prefix: str):
        self.client = client
        self.name_prefix = name_prefix

    def post(
        self, path: str, data: dict[str, Any], headers: dict[str, str], *, form: bool = False
    ) -> Reply:
        """POST ``data`` (JSON, or a form) and return the reply (any status: the scheme
        decides)."""
        action = path.rstrip("/").rsplit("/", 1)[-1]
        body, content_type = encode_body(data, form)
        with self.client.post(
            path,
            data=body,
            headers={"Content-Type": content_type, **headers},
            name=f"{self.name_prefix} {action}/",
            catch_response=True,
        ) as response:
            reply = to_reply(response)
            if reply.status != 200:
                response.failure(f"{action}/ answered HTTP {reply.status}: {reply.body!r}"[:200])
        self.client.cookiejar.clear()
        return reply


def to_reply(response) -> Reply:
    """Turn a locust ``FastResponse`` into a :class:`~schemes.base.Reply`."""
    return Reply.from_http(
        response.status_code, (response.headers or {}).items(), response.content or b""
    )


def wire_bytes(response) -> tuple[int, int]:
    """``(sent, received)``: bytes of a locust request event's response each way."""
    if response is None:
        return 0, 0
    body = getattr(getattr(response, "request", None), "payload", None)
    return bytes_sent(response, body), bytes_received(response)


def bytes_sent(response, body: bytes | str | None) -> int:
    """Bytes of the request as sent: request line and headers (as built) plus body."""
    head = getattr(response, "_sent_request", None) or ""
    return len(head.encode("latin-1")) + len(body or b"")


def bytes_received(response) -> int:
    """Bytes of the response: status line, header lines and body, rebuilt from the parse.

    Exact up to optional whitespace the server may put around header values.
    """
    if not response.headers:
        return 0
    ghc = getattr(response, "_response", None)
    reason = getattr(ghc, "status_message", None) or _phrase(response.status_code)
    status_line = len(f"HTTP/1.1 {response.status_code} {reason}") + CRLF
    header_lines = sum(len(f"{k}: {v}") + CRLF for k, v in response.headers.items())
    return status_line + header_lines + CRLF + len(response.content or b"")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
