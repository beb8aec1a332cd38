"""Server-side pages of a long list: 50 rows a page, `?page=N`, shared by the team and review
pages (templates/_pager.html draws the links)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(rows, request, size: int = PAGE_SIZE, count: int | None = None) -> dict:
    """The requested page of `rows` (a list or a queryset: then one COUNT and one LIMIT query;
    no COUNT when the caller already knows how many rows there are) and the query string its
    links keep. A page number that is not one shows the first or the last page, never an
    error."""
    paginator = Paginator(rows, size)
    if count is not None:
        paginator.count = count  # replaces the cached COUNT query
    page_obj = paginator.get_page(request.GET.get("page"))
    keep = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    return {"page_obj": page_obj, "page_query": keep}
