"""Request-size limits, answered in JSON: a body over the cap never reaches a view.

Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when ``request.body`` or a form
parser reads the body; DRF's JSON parser reads the stream itself and skips that
check, and multipart file parts are spooled to disk however large. So the cap is
checked once, on ``Content-Length``, before anything reads the body. Django ignores a
body sent without ``Content-Length`` (chunked), so that check is complete.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler


class RequestSizeLimitMiddleware:
    """Answer 413 with a JSON ``detail`` when ``Content-Length`` exceeds
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, before any view or parser reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        """Refuse an oversized or malformed declared length; else pass the request on."""
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(declared)
        except ValueError:
            return JsonResponse({"detail": "Malformed Content-Length."}, status=400)
        if limit is not None and length > limit:
            return JsonResponse(
                {"detail": f"Request body too large: the limit is {limit} bytes."}, status=413
            )
        return self.get_response(request)


def api_exception_handler(exc, context):
    """DRF's handler, plus Django's refusals of hostile bodies (too many fields or
    files, data too big) as a JSON 413/400 instead of Django's HTML 400 page."""
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, SuspiciousOperation):
        status = 413 if isinstance(exc, RequestDataTooBig) else 400
        response = Response({"detail": str(exc) or type(exc).__name__}, status=status)
    return response
