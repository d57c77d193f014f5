"""OpenAPI 3 for the lab (drf-spectacular): each scheme's security scheme, the schemas
of the lab's own views, and fallbacks so that a user's own scheme is documented
instead of warned about.

drf-spectacular ships security schemes for DRF's classes, simplejwt and knox; here
they are adjusted where the lab differs (session needs the CSRF header on writes,
the lab subclasses knox, both JWT schemes would share one name), and any other
authentication class gets a definition read from its scheme's declared transport.
https://drf-spectacular.readthedocs.io/en/latest/customization.html
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from dj_rest_auth.registration.views import VerifyEmailView
from django.conf import settings
from drf_spectacular.authentication import TokenScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTStatelessUserScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.views import TokenViewBase

from schemes.base import UNSAFE_METHODS

Detail = inline_serializer("Detail", {"detail": serializers.CharField()})

#: Refusals some third-party views answer beyond the general rule of ``_refusals``.
EXTRA_REFUSALS: dict[type, list[tuple[str, Any]]] = {
    TokenViewBase: [("401", Detail)],  # simplejwt: a bad password or token is a 401
    VerifyEmailView: [("404", Detail)],  # allauth: an unknown confirmation key
}


class LabAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema; a view that names no serializer at all is
    documented as taking and returning a JSON object, instead of being dropped."""

    def _names_no_serializer(self) -> bool:
        view = self.view
        return not (
            hasattr(view, "serializer_class")
            or callable(getattr(view, "get_serializer", None))
            or callable(getattr(view, "get_serializer_class", None))
        )

    def get_request_serializer(self) -> Any:
        """A free-form object when the view gives nothing to go on."""
        if self._names_no_serializer():
            return OpenApiTypes.OBJECT
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        """A free-form object when the view gives nothing to go on."""
        if self._names_no_serializer():
            return OpenApiTypes.OBJECT
        return super().get_response_serializers()

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        """The view's own responses, plus the refusals it can answer with."""
        responses = super()._get_response_bodies(direction)
        for code, body in self._refusals():
            responses.setdefault(code, self._get_response_for_code(body, code, direction=direction))
        return responses

    def _refusals(self) -> list[tuple[str, Any]]:
        """Error statuses of this operation: bad body, no/bad credential, throttled.

        Every refusal is JSON: ``{"detail": ...}``, or field errors for a 400.
        """
        view = self.view
        refusals = []
        if self.method in UNSAFE_METHODS:
            refusals.append(("400", OpenApiTypes.OBJECT))  # parse or field errors
            refusals.append(("415", Detail))  # a body no parser of the view takes
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            refusals += [("401", Detail), ("403", Detail)]
        elif self.method in UNSAFE_METHODS and view.get_authenticators():
            refusals.append(("403", Detail))  # e.g. CSRF on a session-aware open view
        if view.get_throttles():
            refusals.append(("429", Detail))
        if "{" in self.path:
            refusals.append(("404", Detail))  # a key in the path that matches nothing
        refusals += [
            r for base, extra in EXTRA_REFUSALS.items() if isinstance(view, base) for r in extra
        ]
        return refusals


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


class JWTStatelessScheme(SimpleJWTStatelessUserScheme):
    """simplejwt's bearer JWT under a name of its own (``jwtAuth`` is the user-loading one)."""

    name = "jwtStatelessAuth"
    priority = 1


#: ``Properties.transport`` forms the generic definition understands.
_AUTHORIZATION = re.compile(r"Authorization: (?P<prefix>[\w-]+) header")
_HEADER = re.compile(r"(?P<header>[A-Za-z][\w-]*) header")
_COOKIE = re.compile(r"Cookie: (?P<cookie>[\w-]+)\b.*")


def transport_of(auth_class: type) -> str:
    """The declared transport of the registry scheme using ``auth_class`` ("" if none)."""
    from schemes import registry

    for scheme in registry.all_schemes():
        if auth_class in scheme.authentication_classes:
            return scheme.properties.transport
    return ""


def definition_from_transport(transport: str, description: str) -> dict[str, Any]:
    """An OpenAPI security scheme object for a transport such as ``X-Api-Key header``."""
    where, name = "header", "Authorization"
    if match := _AUTHORIZATION.fullmatch(transport):
        if match["prefix"].lower() in {"basic", "bearer"}:
            return {"type": "http", "scheme": match["prefix"].lower(), "description": description}
        description += f' Sent as "Authorization: {match["prefix"]} <credential>".'
    elif match := _HEADER.fullmatch(transport):
        name = match["header"]
    elif match := _COOKIE.fullmatch(transport):
        where, name = "cookie", match["cookie"]
    else:
        description += " How the credential travels is not declared; read the class."
    return {"type": "apiKey", "in": where, "name": name, "description": description}


class GenericScheme(OpenApiAuthenticationExtension):
    """Any other authentication class (a user's own scheme): named by its dotted path,
    defined from the transport its registry scheme declares."""

    target_class = "rest_framework.authentication.BaseAuthentication"
    match_subclasses = True
    priority = -2  # below every specific extension, drf-spectacular's included

    def __init__(self, target):
        super().__init__(target)
        cls = type(target)
        self.auth_class = cls
        self.name = f"{cls.__module__}.{cls.__qualname__}"

    def get_security_definition(self, auto_schema):
        """Read the definition from the scheme's ``Properties.transport``."""
        doc = (self.auth_class.__doc__ or "").strip().splitlines()
        description = f"{self.name}: {doc[0] if doc else 'custom authentication class.'}"
        return definition_from_transport(transport_of(self.auth_class), description)


# --- The lab's own views -------------------------------------------------------------------
_WHOAMI = {"username": serializers.CharField(allow_null=True), "scheme": serializers.CharField()}
WhoAmI = inline_serializer("WhoAmI", _WHOAMI)
WhoAmIEcho = inline_serializer("WhoAmIEcho", {**_WHOAMI, "echo": serializers.JSONField()})
Username = inline_serializer("Username", {"username": serializers.CharField()})
SchemeEntry = inline_serializer(
    "SchemeEntry",
    {
        "name": serializers.CharField(),
        "title": serializers.CharField(),
        "summary": serializers.CharField(),
        "endpoint": serializers.CharField(),
        "authentication_classes": serializers.ListField(child=serializers.CharField()),
        "actions": serializers.DictField(child=serializers.CharField()),
        "properties": serializers.DictField(),
    },
    many=True,
)
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

    target_class = "lab.views.WhoAmIView"
    schemas: ClassVar = {
        "get": {"responses": WhoAmI},
        "post": {"request": OpenApiTypes.OBJECT, "responses": WhoAmIEcho},
    }


class SchemeIndexDoc(DocumentedView):
    """The scheme index."""

    target_class = "lab.views.SchemeIndexView"
    schemas: ClassVar = {"get": {"responses": SchemeEntry}}


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


class ResendEmailDoc(DocumentedView):
    """dj-rest-auth's resend-email answers 200 (drf-spectacular would guess 201)."""

    target_class = "lab.accounts.views.ResendEmailView"
    schemas: ClassVar = {"post": {"responses": {200: Detail}}}
