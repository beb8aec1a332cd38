"""Server-side pages of a long list: 50 rows a page, `?page=N`, shared by the team and review
pages (templates/_pager.html draws the links)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(rows, request, size: int = PAGE_SIZE) -> dict:
    """The requested page of `rows` (a list or a queryset: then one COUNT and one LIMIT query)
    and the query string its links keep. A page number that is not one shows the first or the
    last page, never an error."""
    page_obj = Paginator(rows, size).get_page(request.GET.get("page"))
    keep = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    return {"page_obj": page_obj, "page_query": keep}
