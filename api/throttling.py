"""Throttling per token: each API token has its own budget (API_TOKEN_RATE)."""

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # browser sessions are not throttled here
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
