"""The views every scheme shares: the measured endpoint and the login throttle.

They live with the schemes, not in the Django project (``lab``), so that a scheme
builds its own URLs and ``schemes/`` imports nothing from ``lab``; the project
imports the schemes, never the reverse.
"""

from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class WhoAmIView(APIView):
    """Say who the request authenticated as. No DB work of its own: what a request
    to it costs beyond the ``none`` baseline is the authentication.

    Served once per scheme, each with that scheme's authentication classes.
    """

    scheme_name: str = ""
    throttle_classes = ()

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


class LoginThrottleMixin:
    """Throttle a credential-issuing view with the ``login`` rate (per client IP)."""

    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"
