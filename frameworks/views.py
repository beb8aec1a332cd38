from django.http import Http404
from django.shortcuts import render

from .models import Framework
from .selectors import framework_overview, published_frameworks_list


def framework_list(request):
    return render(
        request, "frameworks/framework_list.html", {"frameworks": published_frameworks_list()}
    )


def framework_detail(request, slug):
    """The published version of a framework; staff may look at any version with ?version=N."""
    frameworks = Framework.objects.filter(slug=slug)
    version = request.GET.get("version")
    if version is not None and request.user.is_staff:
        if not version.isdigit():
            raise Http404("No such version.")
        framework = frameworks.filter(version=int(version)).first()
    else:
        framework = frameworks.filter(status=Framework.Status.PUBLISHED).first()
    if framework is None:
        raise Http404("No such framework.")
    return render(
        request, "frameworks/framework_detail.html", framework_overview(framework=framework)
    )
