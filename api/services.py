"""Issuing and revoking API tokens: HR only."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from people.roles import user_is_hr

from .models import ApiToken, key_hash

KEY_PREFIX = "cp_"


def token_issue(*, user, name: str, actor) -> tuple[ApiToken, str]:
    """A new token for `user`; returns (token, key). The key is not stored: show it once."""
    if not user_is_hr(actor):
        raise PermissionDenied("Only HR issues API tokens.")
    if not user.is_active:
        raise ValidationError("Someone who has left gets no token.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Say what the token is for."})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:10], key_hash=key_hash(key), created_by=actor
    )
    return token, key


def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token (kept, for the record); revoking twice changes nothing."""
    if not user_is_hr(actor):
        raise PermissionDenied("Only HR revokes API tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token
