"""Deployment checks for what only this project needs."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def site_url_check(app_configs=None, **kwargs):
    if settings.DEBUG or settings.SITE_URL.startswith(("https://", "http://")):
        return []
    return [
        Warning(
            "SITE_URL is not set: links in e-mails would not open CareerPath.",
            hint="Set SITE_URL to the address people use, e.g. https://careerpath.example.com.",
            id="careerpath.W001",
        )
    ]
