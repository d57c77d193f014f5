"""The views every scheme shares: the measured endpoint and the login throttle.

They live with the schemes, not in the Django project (``lab``), so that a scheme
builds its own URLs and ``schemes/`` imports nothing from ``lab``; the project
imports the schemes, never the reverse.
"""

from django.core.cache import caches
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

#: The cache alias every throttle counts in: one store for all workers (``CACHES``).
THROTTLE_CACHE = "throttle"


class WhoAmIView(APIView):
    """Say who the request authenticated as. No DB work of its own: what a request
    to it costs beyond the ``none`` baseline is the authentication.

    Served once per scheme, each with that scheme's authentication classes.
    """

    scheme_name: str = ""
    throttle_classes = ()

    def get_parsers(self) -> list[BaseParser]:
        """JSON only: the project's configured JSON parser(s).

        The echo is rendered as JSON, and a form or multipart body could carry bytes
        (a binary file) that JSON cannot hold (a 500 in the renderer); anything else
        gets DRF's 415 with a JSON detail.
        """
        return [p for p in super().get_parsers() if p.media_type == "application/json"]

    def get(self, request):
        """Return ``{"username", "scheme"}`` (``username`` is null when anonymous)."""
        return Response(self.identity(request))

    def post(self, request):
        """Same as GET, and echo the JSON body back under ``echo``."""
        return Response({**self.identity(request), "echo": request.data})

    def identity(self, request) -> dict:
        """The authenticated username (or ``None``) and the scheme's name."""
        user = request.user
        username = user.get_username() if user.is_authenticated else None
        return {"username": username, "scheme": self.scheme_name}


class LoginRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle, counting in the shared ``throttle`` cache."""

    @property
    def cache(self):
        """The shared cache, looked up per use so ``override_settings`` applies."""
        return caches[THROTTLE_CACHE]


class LoginThrottleMixin:
    """Throttle a credential-issuing view with the ``login`` rate (per client IP, counted
    in the cache every worker shares; failed password checks have their own limit)."""

    throttle_classes = (LoginRateThrottle,)
    throttle_scope = "login"


class PasswordLoginView(LoginThrottleMixin, APIView):
    """Exchange a username and password for a new credential: open to anyone and
    throttled; the credential is whatever :meth:`credential_for` makes for the user."""

    authentication_classes = ()
    permission_classes = (AllowAny,)  # schemes.base.OPEN (base imports this module)

    def post(self, request):
        """Check the username and password (400 if wrong); answer the new credential."""
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(self.credential_for(serializer.validated_data["user"]))

    def credential_for(self, user) -> dict:
        """The response body carrying a new credential for ``user``."""
        raise NotImplementedError
