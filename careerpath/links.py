"""Absolute links for messages read outside the browser (e-mail, chat)."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """SITE_URL plus the page's path; a full URL is returned as it is."""
    if not path or "://" in path:
        return path
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"
