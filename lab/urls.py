"""URLs, generated from the scheme registry: ``/api/v1/<scheme>/whoami/`` and each
scheme's flow views, plus the index at ``/api/v1/schemes/``."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from lab.views import DocsView, SchemeIndexView
from schemes import registry

urlpatterns = [
    path("api/v1/schemes/", SchemeIndexView.as_view(), name="scheme-index"),
    *(
        path(f"api/v1/{scheme.name}/", include(scheme.urlpatterns()))
        for scheme in registry.all_schemes()
    ),
    # Accounts ("Django for APIs"): dj-rest-auth, allauth registration (lab.accounts).
    path("api/v1/dj-rest-auth/", include("lab.accounts.urls")),
    # OpenAPI 3 schema and Swagger UI; the UI's assets come from the lab (sidecar).
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", DocsView.as_view(url_name="schema"), name="docs"),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
]
