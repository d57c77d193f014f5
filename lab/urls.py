"""URLs, generated from the scheme registry: ``/api/v1/<scheme>/whoami/`` and each
scheme's flow views, plus the index at ``/api/v1/schemes/``."""

from django.contrib import admin
from django.urls import include, path

from lab.views import SchemeIndexView
from schemes import registry

urlpatterns = [
    path("api/v1/schemes/", SchemeIndexView.as_view(), name="scheme-index"),
    *(
        path(f"api/v1/{scheme.name}/", include(scheme.urlpatterns()))
        for scheme in registry.all_schemes()
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
]
