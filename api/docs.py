"""The docs page: Swagger UI from our static files (drf-spectacular-sidecar), its start-up
script served by a URL of its own, so that the page runs under `script-src 'self'` with no
inline script or style."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
