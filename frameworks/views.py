from django.http import Http404
from django.shortcuts import render

from careerpath.input import parse_id

from .models import Framework
from .selectors import framework_overview, level_comparison, published_frameworks_list


def framework_list(request):
    return render(
        request, "frameworks/framework_list.html", {"frameworks": published_frameworks_list()}
    )


def framework_detail(request, slug):
    """The published version of a framework; staff may look at any version with ?version=N."""
    frameworks = Framework.objects.filter(slug=slug)
    version = request.GET.get("version")
    if version is not None and request.user.is_staff:
        number = parse_id(version)
        if number is None:
            raise Http404("No such version.")
        framework = frameworks.filter(version=number).first()
    else:
        framework = frameworks.filter(status=Framework.Status.PUBLISHED).first()
    if framework is None:
        raise Http404("No such framework.")
    return render(
        request, "frameworks/framework_detail.html", framework_overview(framework=framework)
    )


def level_compare(request, slug):
    """Two levels of the published framework side by side (?a=CODE&b=CODE)."""
    framework = Framework.objects.filter(slug=slug, status=Framework.Status.PUBLISHED).first()
    if framework is None:
        raise Http404("No such framework.")
    overview = framework_overview(framework=framework)
    codes = [level.code for level in overview["levels"]]
    if not codes:
        raise Http404(f"{framework.name} has no levels yet.")
    first = request.GET.get("a") or codes[0]
    second = request.GET.get("b") or codes[min(1, len(codes) - 1)]
    comparison = level_comparison(overview=overview, first_code=first, second_code=second)
    if comparison is None:
        raise Http404(f"{framework.name} has no level {first if first not in codes else second}.")
    return render(
        request,
        "frameworks/level_compare.html",
        {**overview, **comparison, "codes": codes},
    )
