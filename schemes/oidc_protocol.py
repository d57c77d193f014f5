"""What the oidc scheme and its issuer agree on: names, the grant, the URL's shape.

The issuer service (``infra/issuer.py``) and the verifying side (``schemes/oidc.py``,
``schemes/oidc_keys.py``) both import this module, so ``schemes`` never imports the
service that starts processes (``infra`` may import ``schemes``; not the reverse).
"""

from __future__ import annotations

from urllib.parse import urlsplit

CLIENT_ID = "authlab"
#: Where a process tree finds its issuer: ``http://<client_id>:<secret>@127.0.0.1:<port>``.
URL_ENV = "AUTHLAB_OIDC_URL"
GRANT = "urn:authlab:grant-type:authenticated-subject"
ALGORITHM = "RS256"


def public_url(url: str) -> str:
    """The issuer's own URL (its ``iss``): ``url`` without the client credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}"


def client_secret(url: str) -> str:
    """The client secret carried in a :data:`URL_ENV` value."""
    return urlsplit(url).password or ""
