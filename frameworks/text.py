"""Text from the source documents as people read it: the little Markdown they use.

The seed documents mark emphasis with `**bold**` (the Whatfix framework's notes); HR
may write the same in the admin. Rendered with markdown-it-py in CommonMark mode with
raw HTML off, so whatever HR or an imported YAML writes is escaped, never injected;
links get markdown-it's own check (no `javascript:`, `vbscript:`, `file:` or `data:`),
and images are off (the page's Content-Security-Policy would refuse a remote one).
"""

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")


def markdown_html(text: str) -> str:
    """`text` as safe HTML (paragraphs, emphasis, lists, links); empty text gives ''."""
    if not text:
        return ""
    return _renderer().render(text).strip()
