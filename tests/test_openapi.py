"""The OpenAPI 3 schema: valid, generated without a warning, listing every scheme's
endpoint with the security scheme it really uses; and the docs page, whose assets
the lab serves itself."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import OpenAPIV30SpecValidator
from rest_framework.authentication import BaseAuthentication, BasicAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from schemes import registry
from schemes.base import Carrier
from schemes.openapi import definition_from_carriers

#: The security scheme objects each built-in scheme's whoami/ must name (GET).
EXPECTED = {
    "basic": [{"type": "http", "scheme": "basic"}],
    "session": [{"type": "apiKey", "in": "cookie", "name": "sessionid"}],
    "token": [{"type": "apiKey", "in": "header", "name": "Authorization"}],
    "jwt": [{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}],
    "jwt-stateless": [{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}],
    "knox": [{"type": "apiKey", "in": "header", "name": "Authorization"}],
    "header-key": [{"type": "apiKey", "in": "header", "name": "X-Api-Key"}],
}
ACCOUNT_PATHS = [
    "login/",
    "logout/",
    "user/",
    "password/change/",
    "password/reset/",
    "password/reset/confirm/",
    "registration/",
    "registration/verify-email/",
    "registration/resend-email/",
]


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """The schema as ``manage.py spectacular --fail-on-warn --validate`` writes it."""
    out = tmp_path_factory.mktemp("openapi") / "schema.json"
    GENERATOR_STATS.reset()
    call_command(
        "spectacular", fail_on_warn=True, validate=True, format="openapi-json", file=str(out)
    )
    return json.loads(out.read_text())


def generate(patterns) -> dict:
    """Generate a schema for ``patterns``; fail on any drf-spectacular warning or error."""
    GENERATOR_STATS.reset()
    result = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular complained (see captured stderr)"
    return result


def security_of(schema: dict, operation: dict) -> list[list[dict]]:
    """Each alternative of ``operation``'s security, as its resolved scheme objects."""
    defined = schema["components"]["securitySchemes"]
    return [
        [{k: v for k, v in defined[name].items() if k != "description"} for name in alternative]
        for alternative in operation.get("security", [{}])
    ]


def test_schema_is_valid_openapi_3(schema):
    OpenAPIV30SpecValidator(schema).validate()
    assert schema["openapi"].startswith("3.")


@pytest.mark.parametrize("scheme", [pytest.param(s, id=s.name) for s in registry.all_schemes()])
def test_every_whoami_documents_its_security(scheme, schema):
    operations = schema["paths"][scheme.url("whoami")]
    assert set(operations) >= {"get", "post"}
    get = security_of(schema, operations["get"])
    if scheme.is_baseline:
        assert get == [[]]  # anonymous: the empty requirement only
        return
    assert get and all(get), get  # every alternative names a scheme; none is anonymous
    if scheme.name in EXPECTED:
        assert get == [EXPECTED[scheme.name]]


def test_session_writes_also_need_the_csrf_header(schema):
    post = security_of(schema, schema["paths"]["/api/v1/session/whoami/"]["post"])
    assert post == [
        [
            {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            {"type": "apiKey", "in": "header", "name": "X-CSRFTOKEN"},
        ]
    ]


def test_token_schemes_say_their_prefix(schema):
    defined = schema["components"]["securitySchemes"]
    for name in ("token", "knox"):
        (requirement,) = schema["paths"][f"/api/v1/{name}/whoami/"]["get"]["security"]
        (component,) = requirement
        assert '"Token"' in defined[component]["description"]


def test_account_endpoints_are_listed(schema):
    for suffix in ACCOUNT_PATHS:
        assert "post" in schema["paths"][f"/api/v1/dj-rest-auth/{suffix}"] or suffix == "user/"
    login = schema["paths"]["/api/v1/dj-rest-auth/login/"]["post"]
    token = login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert token == "#/components/schemas/Token"


class MysteryAuthentication(BaseAuthentication):
    """Authenticate with a mystery."""

    def authenticate(self, request):
        """Never authenticates."""
        return None


class ShoutyBasic(BasicAuthentication):
    """A subclass drf-spectacular's exact-match Basic extension does not cover."""


def mystery_view(*classes):
    """A serializer-less APIView protected by ``classes``."""

    class MysteryView(APIView):
        authentication_classes = classes

        def get(self, request):
            return Response({})

        def post(self, request):
            return Response(request.data)

    return MysteryView.as_view()


def test_unknown_class_gets_a_generic_definition():
    result = generate([path("mystery/", mystery_view(MysteryAuthentication, ShoutyBasic))])
    operation = result["paths"]["/mystery/"]["post"]
    names = [f"tests.test_openapi.{c}" for c in ("MysteryAuthentication", "ShoutyBasic")]
    assert operation["security"] == [{names[0]: []}, {names[1]: []}]
    mystery = result["components"]["securitySchemes"][names[0]]
    assert mystery["type"] == "apiKey"
    assert mystery["description"].startswith(f"{names[0]}: Authenticate with a mystery.")
    assert "not declared" in mystery["description"]
    # A view naming no serializer is documented as free-form JSON, not dropped.
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"


@pytest.mark.parametrize(
    ("carriers", "expected"),
    [
        (
            (Carrier("header", "Authorization", "jwt", "Bearer"),),
            {"type": "http", "scheme": "bearer"},
        ),
        (
            (Carrier("header", "Authorization", "password", "Basic"),),
            {"type": "http", "scheme": "basic"},
        ),
        (
            (Carrier("header", "Authorization", "token", "Token"),),
            {"type": "apiKey", "in": "header", "name": "Authorization"},
        ),
        (
            (Carrier("header", "X-Api-Key", "signed"),),
            {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
        ),
        (
            (
                Carrier("cookie", "sid", "session"),
                Carrier("header", "X-CSRF", "csrf", unsafe_only=True),
            ),
            {"type": "apiKey", "in": "cookie", "name": "sid"},
        ),
        ((), {"type": "apiKey", "in": "header", "name": "Authorization"}),
    ],
)
def test_definition_from_carriers(carriers, expected):
    definition = definition_from_carriers(carriers, "Doc.")
    assert {k: v for k, v in definition.items() if k != "description"} == expected
    assert definition["description"].startswith("Doc.")


def test_a_token_header_definition_says_how_it_is_written():
    carriers = (Carrier("header", "Authorization", "token", "Token"),)
    assert (
        'Sent as "Authorization: Token <token>"'
        in definition_from_carriers(carriers, "Doc.")["description"]
    )


def test_schema_is_served_to_anyone(db):
    response = Client().get(
        "/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    assert response.status_code == 200
    assert "/api/v1/basic/whoami/" in json.loads(response.content)["paths"]


@override_settings(WHITENOISE_USE_FINDERS=True)  # as served (test settings turn it off)
def test_docs_page_assets_come_from_the_lab(db):
    client = Client()
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 4, html  # favicon, CSS, two bundles
    for url in assets:
        assert url.startswith("/static/"), url  # no CDN, no other host
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content if served.streaming else [served.content])
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
