"""Locust users: one abstract base, and one subclass per registered scheme.

Each simulated user logs in once in ``on_start`` as its own seeded account, through
the scheme's own :meth:`~schemes.base.Scheme.obtain` (Basic has nothing to obtain:
its credential is sent on every request), then GETs and POSTs ``whoami/``. A reply
counts as a success only when its status is 200 and its body names the right user.
Given ``--logins`` (credentials made ahead, :mod:`loadtests.logins`), a user takes its
account's instead, once one unmeasured GET (``<scheme> check/`` in locust's statistics)
has shown that the server accepts it, and logs in only when it is refused or absent.

Needs Django configured (the registry reads settings): :mod:`loadtests.locustfile`
does that before importing this module.
"""

from __future__ import annotations

import functools
import itertools
import random
import time
from pathlib import Path

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

from lab.seed import SEED_PASSWORD, seed_username
from loadtests import logins, recorder
from loadtests.recorder import MEASURED
from loadtests.transport import LocustTransport, to_reply
from loadtests.webui import CREDENTIAL, SCHEME
from schemes import registry
from schemes.base import Credential, CredentialRefused, Scheme

#: Default task mix: a read-heavy API (GET:POST = 3:1); ``--get-weight``/``--post-weight``.
GET_WEIGHT = 3
POST_WEIGHT = 1
#: Default number of seeded accounts the simulated users spread over (``--accounts``).
ACCOUNTS = 100
POST_BODY = {"note": "authlab load test"}


class SchemeUser(FastHttpUser):
    """A client of one scheme's ``whoami/``; subclasses only set :attr:`scheme_name`."""

    abstract = True
    scheme_name: str = ""
    #: Per class: the n-th user of a scheme in this process takes the n-th account.
    numbers: itertools.count
    #: Closed loop with no think time: each user sends its next request at once.
    wait_time = constant(0)

    def on_start(self) -> None:
        """Pick this user's account and log in once, as the scheme does it."""
        self.scheme: Scheme = registry.get(self.scheme_name)
        self.username = self._account()
        # The baseline is anonymous: it answers with no username at all.
        self.expected = None if self.scheme.is_baseline else self.username
        self.weights = _weights(self.environment.parsed_options)
        self.credential = self._premade() or self._obtain()
        self.first = True

    def _account(self) -> str:
        """``userN``: one account per simulated user, spread across locust workers.

        Worker *i* of *w* takes accounts *i+1, i+1+w, ...*, so workers never share one
        (while there are enough seeded accounts: ``--accounts``).
        """
        options = self.environment.parsed_options
        accounts = getattr(options, "accounts", ACCOUNTS) or ACCOUNTS
        workers = max(1, getattr(options, "expect_workers", 1) or 1)
        index = max(0, getattr(self.environment.runner, "worker_index", 0))
        return seed_username(1 + (index + next(self.numbers) * workers) % accounts)

    def _premade(self) -> Credential | None:
        """This account's credential made ahead (``--logins``), if the server accepts it:
        checked with one GET, outside the measured requests; ``None`` otherwise."""
        credential = premade(self.environment.parsed_options, self.scheme_name, self.username)
        if credential is None:
            return None
        with self.client.get(
            self.scheme.url("whoami"),
            name=f"{self.scheme_name} check/",
            headers=credential.headers_for("GET"),
            catch_response=True,
        ) as response:
            body = to_reply(response).body
            accepted = not self.check(response.status_code, body, "GET")
            response.success()  # a refusal (say, an expired token) only means: renew it
        self.client.cookiejar.clear()  # send what the credential names, nothing more
        # An expired access token (jwt-short's lives 60 s) is refreshed, as its clients do.
        accepted = accepted or self._refreshed(credential)
        return self._holding(credential, logged_in=True) if accepted else None

    def _refreshed(self, credential: Credential) -> bool:
        """Whether ``credential`` was renewed through the scheme's ``refresh/`` (updated in
        place): no password, so no hash, unlike a login. ``False`` where the scheme has
        no refresh, the credential holds nothing to refresh with, or it was refused."""
        if "refresh" not in self.scheme.actions or not credential.extra:
            return False
        transport = LocustTransport(self.client, self.scheme_name)
        try:
            return self.scheme.refresh(transport, credential).status == 200
        except (KeyError, NotImplementedError):  # a refresh token under another name
            return False

    def _obtain(self) -> Credential:
        """Log in through the scheme's own client helper; a refusal leaves no credential."""
        transport = LocustTransport(self.client, self.scheme_name)
        try:
            credential = self.scheme.obtain(transport, self.username, SEED_PASSWORD)
        except CredentialRefused:
            credential = None  # already counted as a failed login/ request
        return self._holding(credential or Credential(), logged_in=credential is not None)

    def _holding(self, credential: Credential, *, logged_in: bool) -> Credential:
        """Take ``credential`` as this user's; ``logged_in``: it came from a login that
        worked (re-login on a 401 only then: never hammer login/)."""
        self.logged_in = bool(self.scheme.actions) and logged_in
        # What the credential adds to each request, for the web UI's authlab tab.
        self.credential_bytes = {m: credential.wire_bytes(m) for m in ("GET", "POST")}
        return credential

    @task
    def whoami(self) -> None:
        """GET or POST ``whoami/`` (by the configured weights) and check the answer."""
        method = random.choices(("GET", "POST"), weights=self.weights)[0]  # noqa: S311
        recorder.RECORDER.in_flight[id(self)] = time.perf_counter()
        try:
            with self.client.request(
                method,
                self.scheme.url("whoami"),
                name=f"{self.scheme_name} whoami/",
                headers=self.credential.headers_for(method),
                json=POST_BODY if method == "POST" else None,
                catch_response=True,
                context={
                    MEASURED: method,
                    SCHEME: self.scheme_name,
                    CREDENTIAL: self.credential_bytes[method],
                },
            ) as response:
                body = to_reply(response).body
                problem = self.check(response.status_code, body, method)
                if problem:
                    response.failure(problem)
        finally:
            recorder.RECORDER.in_flight.pop(id(self), None)
        if self.first:  # the runner waits for every user's first answer (its check)
            self.first = False
            username = body.get("username") if isinstance(body, dict) else None
            # The first account's credential, for the servers phase (loadtests.database).
            shared = self.username == seed_username(1) and not problem
            headers = self.credential.headers_for("GET") if shared else None
            recorder.user_ready(self.environment, response.status_code, username, problem, headers)
        if response.status_code == 401 and self.logged_in and not self._refreshed(self.credential):
            self.credential = self._obtain()  # no refresh, or it was refused: log in again

    def check(self, status: int, body, method: str) -> str:
        """Return why the answer is wrong ("" when it is right)."""
        if status != 200:
            return f"HTTP {status}"
        if not isinstance(body, dict) or body.get("username") != self.expected:
            return "wrong user in the body"
        if body.get("scheme") != self.scheme_name:
            return "wrong scheme in the body"
        if method == "POST" and body.get("echo") != POST_BODY:
            return "POST body not echoed"
        return ""


def premade(options, scheme_name: str, username: str) -> Credential | None:
    """The credential made ahead for ``username`` on ``scheme_name`` in the ``--logins``
    file (``None``: no file, or none for that account)."""
    path = getattr(options, "logins", "") or ""
    fields = _logins_file(path).get(scheme_name, {}).get(username) if path else None
    return Credential(**fields) if fields else None


@functools.cache
def _logins_file(path: str) -> dict[str, dict[str, dict]]:
    return logins.read(Path(path))["credentials"]


def _weights(options) -> tuple[int, int]:
    get = getattr(options, "get_weight", GET_WEIGHT)
    post = getattr(options, "post_weight", POST_WEIGHT)
    get, post = (GET_WEIGHT if get is None else get), (POST_WEIGHT if post is None else post)
    if get < 0 or post < 0 or get + post == 0:
        raise ValueError("--get-weight and --post-weight must be >= 0, not both 0")
    return get, post


def class_name(scheme_name: str) -> str:
    """The user class name for a scheme: ``jwt-stateless`` -> ``JwtStatelessUser``."""
    words = scheme_name.replace("_", "-").split("-")
    name = "".join(w[:1].upper() + w[1:] for w in words if w) + "User"
    return name if name[0].isalpha() else f"Scheme{name}"


def user_class(scheme: Scheme) -> type[SchemeUser]:
    """Build the locust user class for ``scheme``."""
    name = class_name(scheme.name)
    doc = f"Load on {scheme.url('whoami')}: {scheme.title}."
    attrs = {
        "scheme_name": scheme.name,
        "numbers": itertools.count(),
        "__doc__": doc,
        "__module__": __name__,
    }
    return type(name, (SchemeUser,), attrs)


def user_classes() -> list[type[SchemeUser]]:
    """One user class per registered scheme, in registry order."""
    return [user_class(scheme) for scheme in registry.all_schemes()]
