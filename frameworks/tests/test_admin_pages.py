"""Every admin page of a draft of both seeds saves unchanged: no page comes near Django's
limit on the number of fields (the first version refused the support formula's page with
HTTP 400, TooManyFieldsSent, and lost the edits)."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from frameworks.services import framework_clone


class FormFields(HTMLParser):
    """The fields a browser would send for the page's main form, as (name, value) pairs."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_values: list[str] = []
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.pairs.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_values, self._first_option = name, [], None
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_values.append(value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            values = self._select_values
            if not values and not self._multiple and self._first_option is not None:
                values = [self._first_option]
            self.pairs.extend((self._select, v) for v in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.pairs.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data


def form_data(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return data


def errors_of(response) -> list:
    """What the admin says is wrong, to make a failure readable."""
    context = response.context or {}
    errors = [context["adminform"].form.errors] if "adminform" in context else []
    for formset in context.get("inline_admin_formsets", []):
        errors += [e for e in formset.formset.errors if e] + [formset.formset.non_form_errors()]
    return [e for e in errors if e]


def draft_pages(draft) -> list[str]:
    return [
        reverse("admin:frameworks_framework_change", args=[draft.pk]),
        *(reverse("admin:frameworks_level_change", args=[lvl.pk]) for lvl in draft.levels.all()),
        *(
            reverse("admin:frameworks_competency_change", args=[c.pk])
            for c in draft.competencies.all()
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["support-formula", "whatfix-support"])
def test_every_admin_page_of_a_draft_saves_unchanged(client, hr, seeded, slug):
    from frameworks.selectors import framework_as_dict

    draft = framework_clone(framework=seeded[slug], actor=None)
    before = framework_as_dict(framework=draft)
    client.force_login(hr)
    counts = {}
    for url in draft_pages(draft):
        data = form_data(client.get(url).content.decode())
        fields = sum(len(values) for values in data.values())
        counts[url] = fields
        assert fields < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS * 3 / 4, (url, fields)
        response = client.post(url, data)
        assert response.status_code == 302, (url, errors_of(response))
    assert framework_as_dict(framework=draft) == before
    print(slug, "fields per page, largest:", sorted(counts.values())[-3:])
