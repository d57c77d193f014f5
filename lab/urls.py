"""URLs, generated from the scheme registry: ``/api/v1/<scheme>/whoami/`` and each
scheme's flow views, plus the index at ``/api/v1/schemes/``."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from lab.docs import DocsView
from lab.throttles import refuse_when_throttled
from lab.views import SchemeIndexView
from schemes import registry

#: Where the account endpoints live (dj-rest-auth's name), and the book's alias of it.
ACCOUNTS_PREFIX = "api/v1/dj-rest-auth/"
BOOK_ACCOUNTS_PREFIX = "api/v1/rest-auth/"

#: rest_framework.urls' login view, as it configures it (the browsable API's template).
DRF_LOGIN = {"template_name": "rest_framework/login.html"}

urlpatterns = [
    path("api/v1/schemes/", SchemeIndexView.as_view(), name="scheme-index"),
    *(
        path(f"api/v1/{scheme.name}/", include(scheme.urlpatterns()))
        for scheme in registry.all_schemes()
    ),
    # Accounts ("Django for APIs"): dj-rest-auth, allauth registration (lab.accounts).
    # The same views under the book's own prefix (its first editions, django-rest-auth),
    # so a reader can follow it verbatim. Listed first: when two patterns share a name,
    # reverse() gives the last one, so emailed links keep the canonical prefix.
    path(BOOK_ACCOUNTS_PREFIX, include("lab.accounts.urls")),
    path(ACCOUNTS_PREFIX, include("lab.accounts.urls")),
    # OpenAPI 3 schema and Swagger UI; the UI's assets come from the lab (sidecar).
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", DocsView.as_view(url_name="schema"), name="docs"),
    # Django's own login forms: a client past the failed-password limit gets a 429
    # (lab/throttles.py) instead of the form. Listed before the includes, same names.
    path("api-auth/login/", refuse_when_throttled(LoginView.as_view(**DRF_LOGIN))),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/login/", refuse_when_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
]
