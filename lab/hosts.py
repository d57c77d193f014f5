"""The port half of the Host header, checked: ``ALLOWED_HOSTS`` ignores ports, so
``Host: localhost:31337`` was accepted and emailed links (password reset, email
confirmation) pointed at a port the lab does not serve."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.http.request import split_domain_port


class HostPortMiddleware:
    """Answer 400 (JSON ``detail``) when the Host header names a port other than the
    one the request arrived on (``SERVER_PORT``, set by gunicorn from its socket) or
    one listed in ``AUTHLAB_ALLOWED_PORTS`` (a proxy in front). A Host without a port
    is left to ``ALLOWED_HOSTS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        """Refuse a foreign port before anything builds an absolute URL from it."""
        _, port = split_domain_port(request.META.get("HTTP_HOST", ""))
        served = {str(request.META.get("SERVER_PORT", "")), *settings.AUTHLAB_ALLOWED_PORTS}
        if port and port not in served:
            return JsonResponse(
                {"detail": f"Host port {port} is not a port this server answers on."},
                status=400,
            )
        return self.get_response(request)
