"""OpenAPI 3 for the Django project (drf-spectacular): the lab's AutoSchema and the
schemas of the project's own views (index, accounts).

``DEFAULT_SCHEMA_CLASS`` names :class:`LabAutoSchema`, so importing this module also
loads :mod:`schemes.openapi`: the schemes' security schemes and their views' schemas.
https://drf-spectacular.readthedocs.io/en/latest/customization.html
"""

from __future__ import annotations

from typing import Any, ClassVar

from dj_rest_auth.registration.views import VerifyEmailView
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.views import TokenViewBase

from schemes.base import UNSAFE_METHODS
from schemes.openapi import Detail, DocumentedView
from schemes.session import SessionLoginView

#: Refusals some third-party views answer beyond the general rule of ``_refusals``.
EXTRA_REFUSALS: dict[type, list[tuple[str, Any]]] = {
    TokenViewBase: [("401", Detail)],  # simplejwt: a bad password or token is a 401
    VerifyEmailView: [("404", Detail)],  # allauth: an unknown confirmation key
    SessionLoginView: [("403", Detail)],  # login CSRF: no token, or a foreign Origin
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
        # Basic checks a password per request: past the failed-check limit it is a 429.
        checks_password = any(isinstance(a, BasicAuthentication) for a in view.get_authenticators())
        if view.get_throttles() or checks_password:
            refusals.append(("429", Detail))
        if "{" in self.path:
            refusals.append(("404", Detail))  # a key in the path that matches nothing
        refusals += [
            r for base, extra in EXTRA_REFUSALS.items() if isinstance(view, base) for r in extra
        ]
        return refusals


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


class SchemeIndexDoc(DocumentedView):
    """The scheme index."""

    target_class = "lab.views.SchemeIndexView"
    schemas: ClassVar = {"get": {"responses": SchemeEntry}}


class ResendEmailDoc(DocumentedView):
    """dj-rest-auth's resend-email answers 200 (drf-spectacular would guess 201)."""

    target_class = "lab.accounts.views.ResendEmailView"
    schemas: ClassVar = {"post": {"responses": {200: Detail}}}


def without_book_alias(endpoints: list) -> list:
    """drf-spectacular preprocessing hook: document the account views once, under
    ``/api/v1/dj-rest-auth/``; ``/api/v1/rest-auth/`` (the book's prefix) serves the same."""
    from lab.urls import BOOK_ACCOUNTS_PREFIX

    return [e for e in endpoints if not e[0].startswith("/" + BOOK_ACCOUNTS_PREFIX)]
