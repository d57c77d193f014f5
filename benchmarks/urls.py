"""The lab's URLs plus a bare Django view: the floor under every scheme.

Used only by the floor benchmark (``override_settings(ROOT_URLCONF=...)``). The bare
view comes last, so the lab's own URLs resolve exactly as in :mod:`lab.urls`.
"""

from django.http import JsonResponse
from django.urls import path

from lab.urls import urlpatterns as lab_urlpatterns

BARE_PATH = "/bench/bare/"


def bare_view(request):
    """A plain Django view: no DRF, no authentication, the same JSON shape as whoami."""
    return JsonResponse({"username": None, "scheme": "bare-django"})


urlpatterns = [*lab_urlpatterns, path(BARE_PATH.strip("/") + "/", bare_view)]
