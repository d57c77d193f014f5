"""The one measured endpoint, the scheme index, and helpers shared by login views."""

from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lab.parsers import StrictJSONParser
from lab.throttles import LoginRateThrottle
from schemes import registry


class WhoAmIView(APIView):
    """Say who the request authenticated as. No DB work of its own: what a request
    to it costs beyond the ``none`` baseline is the authentication.

    Served once per scheme, each with that scheme's authentication classes.
    """

    scheme_name: str = ""
    throttle_classes = ()
    # JSON only: the echo is rendered as JSON, and a form or multipart body could
    # carry bytes (a binary file) that JSON cannot hold (a 500 in the renderer);
    # anything else gets DRF's 415 with a JSON detail.
    parser_classes: tuple[type[BaseParser], ...] = (StrictJSONParser,)

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


class SchemeIndexView(APIView):
    """List every scheme: name, title, endpoint, flow URLs and properties."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    def get(self, request):
        """Return the registry as JSON, in order."""
        return Response([scheme.describe() for scheme in registry.all_schemes()])


class LoginThrottleMixin:
    """Throttle a credential-issuing view with the ``login`` rate (per client IP, counted
    in the cache every worker shares; failed password checks have their own limit)."""

    throttle_classes = (LoginRateThrottle,)
    throttle_scope = "login"
