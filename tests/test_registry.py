"""The registry drives the server: index, URLs, and extension from settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from schemes import registry
from schemes.registry import BUILTIN

REQUIRED = [
    *["none", "basic", "session", "token", "jwt", "jwt-stateless", "knox"],
    # issue 14:
    *["api-key", "jwe", "oauth2", "oidc"],
    *["allauth-session", "allauth-jwt", "jwt-cookie", "session-signed"],
]
VARIANTS = ["token-cached", "knox-direct", "basic-cached", "session-cache", "jwt-short"]


def test_required_schemes_in_order_then_the_extra_one():
    assert registry.names() == [*REQUIRED, *VARIANTS, "header-key"]


def test_index_lists_every_scheme_with_its_urls_and_properties(db, client):
    response = client.get("/api/v1/schemes/")
    assert response.status_code == 200
    index = {entry["name"]: entry for entry in response.json()}
    assert list(index) == registry.names()
    assert index["jwt"]["actions"] == {
        "login": "/api/v1/jwt/login/",
        "refresh": "/api/v1/jwt/refresh/",
        "logout": "/api/v1/jwt/logout/",
    }
    assert index["knox"]["actions"]["logoutall"] == "/api/v1/knox/logoutall/"
    assert index["basic"]["actions"] == {}
    assert index["header-key"]["endpoint"] == "/api/v1/header-key/whoami/"
    assert index["jwt-stateless"]["properties"]["queries_per_request"] == 0
    for entry in index.values():
        assert set(entry["properties"]) >= {
            "stateless",
            "expiry",
            "revocation",
            "stored_at_rest",
            "csrf_on_unsafe",
            "transport",
            "carriers",
        }
    assert index["session"]["properties"]["carriers"][0] == {
        "location": "cookie",
        "name": "sessionid",
        "kind": "session",
        "auth_scheme": "",
        "unsafe_only": False,
        "format": "",
    }
    assert index["basic"]["properties"]["transport"] == "Authorization: Basic base64(user:pass)"


def test_every_action_url_resolves(db, client):
    for scheme in registry.all_schemes():
        for action in ["whoami", *scheme.actions]:
            # GET on a POST-only view is 405, on whoami 401/403/200: never 404.
            assert client.get(scheme.url(action)).status_code != 404, scheme.url(action)


def test_settings_can_replace_the_scheme_list():
    with override_settings(AUTHLAB_SCHEMES=BUILTIN[:2], AUTHLAB_EXTRA_SCHEMES=[]):
        assert registry.names() == ["none", "basic"]
    assert "header-key" in registry.names()  # rebuilt when the override ends


def test_a_non_scheme_dotted_path_is_refused():
    with (
        override_settings(
            AUTHLAB_EXTRA_SCHEMES=["rest_framework.authentication.BasicAuthentication"]
        ),
        pytest.raises(ImproperlyConfigured, match=r"not a schemes\.base\.Scheme"),
    ):
        registry.names()


def test_duplicate_names_are_refused():
    with (
        override_settings(AUTHLAB_EXTRA_SCHEMES=["schemes.basic.BasicScheme"]),
        pytest.raises(ImproperlyConfigured, match="two schemes are named 'basic'"),
    ):
        registry.names()


def test_a_carrier_refuses_an_unknown_location_or_kind():
    from schemes.base import Carrier

    with pytest.raises(ValueError, match="'query' is not one of"):
        Carrier("query", "key", "token")
    with pytest.raises(ValueError, match="'magic' is not one of"):
        Carrier("header", "X-Key", "magic")


def test_credential_wire_bytes_count_header_lines():
    from schemes.base import Credential

    credential = Credential(
        headers={"Authorization": "Token abc"},
        cookies={"sessionid": "s1", "csrftoken": "c1"},
        unsafe_headers={"X-CSRFToken": "c1"},
    )
    get_lines = "Authorization: Token abc\r\nCookie: sessionid=s1; csrftoken=c1\r\n"
    assert credential.wire_bytes("GET") == len(get_lines)
    assert credential.wire_bytes("POST") == len(get_lines) + len("X-CSRFToken: c1\r\n")


def test_one_baseline_and_it_is_the_only_scheme_without_authentication():
    baselines = [s for s in registry.all_schemes() if s.is_baseline]
    assert baselines == [registry.baseline()]
    assert registry.baseline().name == registry.BASELINE == registry.names()[0]
    # Why "no authentication classes" could stand in for the predicate: it must not.
    assert [s for s in registry.all_schemes() if not s.authentication_classes] == baselines
