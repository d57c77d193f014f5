"""Transports for the schemes' client helpers: Django's test client and plain HTTP.

A scheme's :meth:`~schemes.base.Scheme.obtain` only needs ``post()``; the locust
adapter lives beside the locustfile.
"""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlsplit

from schemes.base import Reply, encode_body


class DjangoClientTransport:
    """Talk to the lab in-process through a fresh ``django.test.Client``.

    The client enforces CSRF checks as a browser-facing server would, and its
    cookie jar is cleared after each call, so nothing is sent that the scheme's
    :class:`~schemes.base.Credential` does not name.
    """

    def __init__(self, client=None):
        from django.test import Client

        self.client = client or Client(enforce_csrf_checks=True)

    def post(
        self, path: str, data: dict[str, Any], headers: dict[str, str], *, form: bool = False
    ) -> Reply:
        """POST ``data`` (JSON, or a form) and return the reply; the jar is left empty."""
        body, content_type = encode_body(data, form)
        response = self.client.post(path, body, content_type=content_type, headers=headers)
        self.client.cookies.clear()
        # Django keeps Set-Cookie apart from the other headers; hand both over as sent.
        set_cookies = [
            ("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()
        ]
        return Reply.from_http(
            response.status_code, [*response.items(), *set_cookies], response.content
        )


class HttpTransport:
    """Talk to a running lab over real HTTP (``http.client``, one connection)."""

    def __init__(self, base_url: str, timeout: float = 30):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=timeout
        )

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        """Send one request and return the reply, with cookies from ``Set-Cookie``."""
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return Reply.from_http(response.status, response.getheaders(), response.read())

    def post(
        self, path: str, data: dict[str, Any], headers: dict[str, str], *, form: bool = False
    ) -> Reply:
        """POST ``data`` as JSON, or form-encoded with ``form``."""
        body, content_type = encode_body(data, form)
        return self.request("POST", path, body, {"Content-Type": content_type, **headers})

    def get(self, path: str, headers: dict[str, str]) -> Reply:
        """GET ``path``."""
        return self.request("GET", path, None, headers)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
