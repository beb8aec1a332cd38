"""Template filters of the career pages: one-line wrappers over plain functions."""

from django import template
from django.utils import timezone

from promotions.summary import day as day_text

register = template.Library()


@register.filter
def day(value) -> str:
    """A date (or a datetime, in the local time zone) as the career pages write it: 6 Nov 2026."""
    if value is None or value == "":
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return day_text(value)
