"""/healthz: is this web process able to serve? For the container's healthcheck and a load
balancer, so it answers before everything else: no host check (the probe asks for
localhost), no HTTPS redirect (it speaks plain HTTP inside the network), no session, no
login, no database write. 200 when a cheap query succeeds, 503 when the database is not
answering."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"


@login_not_required
@require_safe
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure is "not ready", never a 500
        logger.warning("healthz: the database is not answering: %s", error)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers /healthz itself, before the host, HTTPS and session
    middleware, which would refuse or redirect a probe from inside the container."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in (HEALTHZ_PATH, HEALTHZ_PATH + "/") and request.method in (
            "GET",
            "HEAD",
        ):
            return healthz(request)
        return self.get_response(request)
