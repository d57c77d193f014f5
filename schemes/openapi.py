"""OpenAPI 3 for the schemes (drf-spectacular): each scheme's security scheme, the
schemas of the schemes' views, and a fallback so that a user's own scheme is
documented instead of warned about. The project's own views are in ``lab.openapi``.

drf-spectacular ships security schemes for DRF's classes, simplejwt and knox; here
they are adjusted where the lab differs (session needs the CSRF header on writes,
the lab subclasses knox, both JWT schemes would share one name), and any other
authentication class gets a definition read from its scheme's declared carriers.
https://drf-spectacular.readthedocs.io/en/latest/customization.html
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from drf_spectacular.authentication import TokenScheme
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTStatelessUserScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from schemes import registry
from schemes.base import UNSAFE_METHODS, Carrier

Detail = inline_serializer("Detail", {"detail": serializers.CharField()})


# --- Security schemes ----------------------------------------------------------------------
def csrf_header_name() -> str:
    """The CSRF header as a client writes it (``HTTP_X_CSRFTOKEN`` -> ``X-CSRFTOKEN``)."""
    return settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")


class SessionCsrfScheme(OpenApiAuthenticationExtension):
    """The session cookie; unsafe methods also need the CSRF token header (AND)."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    match_subclasses = True
    priority = 1  # over drf-spectacular's cookie-only definition
    name: ClassVar[list[str]] = ["cookieAuth", "csrfHeader"]

    def get_security_requirement(self, auto_schema):
        """Cookie alone for safe methods; cookie and CSRF header for writes."""
        cookie, csrf = self.name
        if auto_schema.method in UNSAFE_METHODS:
            return {cookie: [], csrf: []}
        return {cookie: []}

    def get_security_definition(self, auto_schema):
        """The session cookie and the CSRF header."""
        return [
            {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
            {
                "type": "apiKey",
                "in": "header",
                "name": csrf_header_name(),
                "description": f"The value of the {settings.CSRF_COOKIE_NAME} cookie; "
                "required on POST, PUT, PATCH and DELETE.",
            },
        ]


class CachedSessionCsrfScheme(SessionCsrfScheme):
    """The same cookie and header for ``session-cache`` (one component name per class)."""

    target_class = "schemes.session_cache.CachedSessionAuthentication"
    priority = 2
    name: ClassVar[list[str]] = ["sessionCacheCookieAuth", "sessionCacheCsrfHeader"]


class CachedTokenScheme(TokenScheme):
    """DRF's token definition for ``token-cached`` (one component name per class)."""

    target_class = "schemes.token_cached.CachedTokenAuthentication"
    priority = 1
    name = "tokenCachedAuth"


class KnoxSubclassScheme(KnoxTokenScheme):
    """knox's definition, for subclasses of knox's class too (the lab hardens one);
    a subclass is named by its dotted path, as it may differ from knox's own."""

    match_subclasses = True
    priority = 1

    def __init__(self, target):
        super().__init__(target)
        cls = type(target)
        if cls.__module__ != "knox.auth":
            self.name = f"{cls.__module__}.{cls.__qualname__}"


class OAuth2Scheme(DjangoOAuthToolkitScheme):
    """drf-spectacular's DOT definition (password flow, settings); it names no
    requirement for a view that asks no scope, so the lab's whoami/ names it here."""

    priority = 1

    def get_security_requirement(self, auto_schema):
        """DOT's requirement, or the scheme with no scopes."""
        return super().get_security_requirement(auto_schema) or {self.name: []}


class JWTStatelessScheme(SimpleJWTStatelessUserScheme):
    """simplejwt's bearer JWT under a name of its own (``jwtAuth`` is the user-loading one)."""

    name = "jwtStatelessAuth"
    priority = 1


class AllauthJWTScheme(OpenApiAuthenticationExtension):
    """allauth headless's bearer JWT (its class subclasses DRF's TokenAuthentication,
    whose ``tokenAuth`` definition would otherwise be claimed twice)."""

    target_class = "schemes.auth.AllauthJWTAuthentication"
    name = "allauthJwtAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        """A bearer JWT in the Authorization header."""
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def carriers_of(auth_class: type) -> tuple[Carrier, ...]:
    """The declared carriers of the registry scheme using ``auth_class`` (none if no scheme)."""
    for scheme in registry.all_schemes():
        if auth_class in scheme.authentication_classes:
            return scheme.properties.carriers
    return ()


def definition_from_carriers(carriers: tuple[Carrier, ...], description: str) -> dict[str, Any]:
    """An OpenAPI security scheme object for the credential, the first of ``carriers``."""
    if not carriers:
        description += " How the credential travels is not declared; read the class."
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": description,
        }
    credential = carriers[0]
    is_authorization = (
        credential.location == "header" and credential.name.lower() == "authorization"
    )
    if is_authorization and credential.auth_scheme.lower() in {"basic", "bearer"}:
        return {
            "type": "http",
            "scheme": credential.auth_scheme.lower(),
            "description": description,
        }
    if is_authorization:
        description += f' Sent as "{credential}".'
    return {
        "type": "apiKey",
        "in": credential.location,
        "name": credential.name,
        "description": description,
    }


class GenericScheme(OpenApiAuthenticationExtension):
    """Any other authentication class (a user's own scheme): named by its dotted path,
    defined from the carriers its registry scheme declares."""

    target_class = "rest_framework.authentication.BaseAuthentication"
    match_subclasses = True
    priority = -2  # below every specific extension, drf-spectacular's included

    def __init__(self, target):
        super().__init__(target)
        cls = type(target)
        self.auth_class = cls
        self.name = f"{cls.__module__}.{cls.__qualname__}"

    def get_security_definition(self, auto_schema):
        """Read the definition from the scheme's ``Properties.carriers``."""
        doc = (self.auth_class.__doc__ or "").strip().splitlines()
        description = f"{self.name}: {doc[0] if doc else 'custom authentication class.'}"
        return definition_from_carriers(carriers_of(self.auth_class), description)


# --- The lab's own views -------------------------------------------------------------------
_WHOAMI = {"username": serializers.CharField(allow_null=True), "scheme": serializers.CharField()}
WhoAmI = inline_serializer("WhoAmI", _WHOAMI)
WhoAmIEcho = inline_serializer("WhoAmIEcho", {**_WHOAMI, "echo": serializers.JSONField()})
Username = inline_serializer("Username", {"username": serializers.CharField()})
KnoxToken = inline_serializer(
    "KnoxToken", {"expiry": serializers.DateTimeField(), "token": serializers.CharField()}
)


class DocumentedView(OpenApiViewExtension):
    """Document a view without editing it: ``schemas`` maps a method to extend_schema
    arguments, applied to a subclass used only for the schema."""

    schemas: ClassVar[dict[str, dict[str, Any]]] = {}
    match_subclasses = True  # a variant's views subclass the stock scheme's

    def view_replacement(self):
        """A subclass of the view with each listed method annotated."""
        annotated = {method: extend_schema(**kw) for method, kw in self.schemas.items()}
        return extend_schema_view(**annotated)(type("Documented", (self.target,), {}))


class WhoAmIDoc(DocumentedView):
    """The measured endpoint: who the request authenticated as; POST echoes its body."""

    target_class = "schemes.views.WhoAmIView"
    schemas: ClassVar = {
        "get": {"responses": WhoAmI},
        "post": {"request": OpenApiTypes.OBJECT, "responses": WhoAmIEcho},
    }


class SessionLoginDoc(DocumentedView):
    """The session login answers the username; the credential is in the cookies."""

    target_class = "schemes.session.SessionLoginView"
    schemas: ClassVar = {"post": {"request": AuthTokenSerializer, "responses": Username}}


class KnoxLoginDoc(DocumentedView):
    """knox's login, fed a username and password."""

    target_class = "schemes.knox_token.KnoxLoginView"
    schemas: ClassVar = {"post": {"request": AuthTokenSerializer, "responses": KnoxToken}}


class KnoxLogoutDoc(DocumentedView):
    """knox's logout and logoutall: no body either way."""

    target_class = "schemes.knox_token.KnoxLogoutView"
    schemas: ClassVar = {"post": {"request": None, "responses": {204: None}}}


class KnoxLogoutAllDoc(KnoxLogoutDoc):
    """knox's logoutall: every token of the user."""

    target_class = "schemes.knox_token.KnoxLogoutAllView"


class SessionLogoutDoc(DocumentedView):
    """The session logout."""

    target_class = "schemes.session.SessionLogoutView"
    schemas: ClassVar = {"post": {"request": None, "responses": Detail}}


class TokenLogoutDoc(SessionLogoutDoc):
    """The token logout."""

    target_class = "schemes.drf_token.TokenLogoutView"
