"""The scheme index. The measured endpoint is :class:`schemes.views.WhoAmIView`."""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from schemes import registry


class SchemeIndexView(APIView):
    """List every scheme: name, title, endpoint, flow URLs and properties."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    def get(self, request):
        """Return the registry as JSON, in order."""
        return Response([scheme.describe() for scheme in registry.all_schemes()])
