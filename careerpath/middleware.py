"""Hostile input stops at the door: a 400 or a 404 instead of a 500 further in."""

import re

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseBadRequest, JsonResponse

from .input import control_problem, parse_id

# An admin date drill-down (`?occurred_on__year=2026`): Django's admin raises OverflowError,
# a 500, for a year too large for C's int, so anything but a short number is refused here.
DATE_PART_RE = re.compile(r"__(year|month|day)$")
DATE_PART_VALUE_RE = re.compile(r"[0-9]{1,4}")

# The URL keyword arguments that carry a model's primary key in the admin's URLs.
ADMIN_ID_KWARGS = ("object_id", "id")


class HostileInputMiddleware:
    """Answers 400 to a path or a GET/POST parameter (name or value) holding a control
    character, and 404 to an admin URL whose object id cannot be one of its model's ids.

    Why 400 for every control character but tab, LF and CR (careerpath.input.CONTROL_RE):
    PostgreSQL cannot store NUL, so a NUL reaching a query is a 500 there (and a silent
    mismatch on SQLite); the other control characters are never typed into a form or a
    link, and stored they only hide text from the next reader. Tab, LF and CR are ordinary
    in a textarea, so they pass. Checking the raw parameters once here covers every view,
    filter and admin page, present and future, on every database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem and request.path.startswith("/api/"):
            # The API's own error body (api/errors.py), in JSON as its schema says.
            return JsonResponse(
                {"detail": f"Bad request: {problem}.", "code": "invalid", "errors": {}},
                status=400,
            )
        if problem:
            return HttpResponseBadRequest(
                f"Bad request: {problem}.\n", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)

    @staticmethod
    def problem(request) -> str | None:
        if reason := control_problem(request.path):
            return f"the address {reason}"
        sources = [("query parameter", request.GET)]
        if request.method == "POST":
            sources.append(("form field", request.POST))
        for what, params in sources:
            for name, values in params.lists():
                if reason := control_problem(name):
                    return f"a {what} name {reason}"
                for value in values:
                    if reason := control_problem(value):
                        return f"the {what} {name!r} {reason}"
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or admin.site.name not in match.namespaces:
            return None
        for name, values in request.GET.lists():
            if DATE_PART_RE.search(name) and not all(map(DATE_PART_VALUE_RE.fullmatch, values)):
                return HttpResponseBadRequest(
                    f"Bad request: {name} must be a number.\n",
                    content_type="text/plain; charset=utf-8",
                )
        model_admin = getattr(view_func, "model_admin", None)  # set by ModelAdmin.get_urls
        model = model_admin.model if model_admin else _admin_model(match.url_name or "")
        if model is None:
            return None
        # django-simple-history's record page passes (object id, history id) positionally.
        object_id, *other_ids = view_args or [None]
        object_id = next((view_kwargs[k] for k in ADMIN_ID_KWARGS if k in view_kwargs), object_id)
        if object_id is not None and not _could_be_pk(model, object_id):
            raise Http404(f"No {model._meta.verbose_name} has the id {object_id!r}.")
        if any(parse_id(unquote(value)) is None for value in other_ids):
            raise Http404("No such record.")
        return None


def _admin_model(url_name: str):
    """The registered model an admin URL name (`people_employee_history`) belongs to."""
    for model in admin.site._registry:
        if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _could_be_pk(model, object_id: str) -> bool:
    pk = model._meta.pk
    value = unquote(object_id)
    if isinstance(pk, models.IntegerField | models.AutoField):
        return parse_id(value) is not None
    if isinstance(pk, models.OneToOneField | models.ForeignKey):
        return _could_be_pk(pk.related_model, object_id)
    try:
        pk.to_python(value)
    except ValidationError:
        return False
    return True
