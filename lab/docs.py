"""The Swagger UI page (its own module: drf-spectacular's views import the schema
class, which imports the schemes, which import ``lab.views``)."""

from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.renderers import BaseRenderer, JSONRenderer


class DocsView(SpectacularSwaggerView):
    """drf-spectacular's Swagger UI page; every method but GET answers in JSON.

    Its only renderer is an HTML template that exists for the GET page alone, so
    ``OPTIONS`` (DRF's metadata) had no template to render: a 500.
    """

    def get_renderers(self) -> list[BaseRenderer]:
        """The page's template renderer for GET and HEAD, JSON for the rest."""
        if self.request.method in ("GET", "HEAD"):
            return super().get_renderers()
        return [JSONRenderer()]
