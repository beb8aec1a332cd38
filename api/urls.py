from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from . import views
from .docs import DocsView

app_name = "api"


def _api(view_class):
    """A DRF view: DRF authenticates (session or token) and answers 401/403 itself, so the
    site's login redirect does not apply."""
    return login_not_required(view_class.as_view())


@csrf_exempt  # it changes nothing; a POST there is a 404 too, not the CSRF page
@login_not_required
def not_found(request, rest):
    """Any other address under /api/: a 404 in the API's error body, not the HTML page."""
    return JsonResponse({"detail": "No such API address.", "code": "not_found"}, status=404)


urlpatterns = [
    path("schema/", _api(SpectacularAPIView), name="schema"),
    path("docs/", _api(DocsView), name="docs"),
    path("me/career/", _api(views.MyCareerView), name="my_career"),
    path("people/<int:pk>/career/", _api(views.PersonCareerView), name="person_career"),
    path("people/<int:pk>/ratings/", _api(views.RatingsView), name="person_ratings"),
    path(
        "people/<int:pk>/confirmations/",
        _api(views.ConfirmationsView),
        name="person_confirmations",
    ),
    path("team/", _api(views.TeamView), name="team"),
    path("evidence/", _api(views.EvidenceListView), name="evidence_list"),
    path("evidence/<int:pk>/", _api(views.EvidenceDetailView), name="evidence_detail"),
    path("evidence/<int:pk>/review/", _api(views.EvidenceReviewView), name="evidence_review"),
    path("promotion-cases/", _api(views.CaseListView), name="case_list"),
    path("promotion-cases/<int:pk>/", _api(views.CaseDetailView), name="case_detail"),
    path("promotion-cases/<int:pk>/decide/", _api(views.CaseDecideView), name="case_decide"),
    path("frameworks/", _api(views.FrameworkListView), name="framework_list"),
    path("frameworks/<str:slug>/", _api(views.FrameworkDetailView), name="framework_detail"),
    path(
        "frameworks/<str:slug>/versions/<int:version>/",
        _api(views.FrameworkVersionView),
        name="framework_version",
    ),
    # Last: anything else under /api/ (a slug or an id the routes above do not take).
    path("<path:rest>", not_found, name="not_found"),
]
