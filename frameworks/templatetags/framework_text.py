from django import template
from django.utils.safestring import mark_safe

from frameworks.text import markdown_html

register = template.Library()


@register.filter
def markdown(value) -> str:
    """Markdown from a framework document as HTML; safe because `markdown_html` escapes all
    raw HTML and refuses unsafe links (see frameworks/text.py)."""
    return mark_safe(markdown_html(str(value or "")))  # noqa: S308
