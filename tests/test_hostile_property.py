"""Property: no input gives a 5xx or a partial write (issue 11, item 2).

Hypothesis sends hostile values (NUL and other control characters, huge strings, far
dates, odd Unicode, spreadsheet formulas, absurd numbers) to every URL pattern's query
parameters and form fields, as a manager and as HR, and to every importer. Examples are
bounded (see EXAMPLES) so that CI time stays small; the database is PostgreSQL in CI,
where NUL and date overflows behave differently from SQLite.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.importers import (
    ImportProblems,
    evidence_import,
    helpdesk_tickets_import,
    metrics_import,
    people_import,
    tag_mappings_import,
)
from assessments.models import HelpdeskTagCategory
from assessments.tests.factories import EvidenceFactory
from frameworks.services import framework_import_yaml
from frameworks.yaml_format import FrameworkFormatError
from people.roles import roles_ensure
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = {"page": 25, "admin page": 10, "importer": 40, "framework file": 40}


def bounded(kind: str):
    return settings(
        max_examples=EXAMPLES[kind],
        deadline=None,
        database=None,  # nothing replayed from disk: every CI run is the same size
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # the fixtures are set up once per test
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# Values ----------------------------------------------------------------------------------

NASTY = [
    "\x00", "a\x00b", "\x01", "\x07", "\x1b[31mred", "\x7f", "\t", "\r\n", "\u202eevil",
    "\ufeff", "\u200b", "e\u0301", "🙂", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ω" * 300, "x" * 5000, "9" * 400,
    "9999-12-31", "0000-01-01", "0001-01-01", "1899-12-31", "2100-12-31", "10000-01-01",
    "2026-02-30", "0000-01", "9999-12", "2026-13", "-1", "0", "99999999999999999999",
    "1e999", "-1e999", "NaN", "Infinity", "0x10", "1_000", "²", "١٢٣",
    '=HYPERLINK("http://evil","x")', "+SUM(A1)", "@cmd", "-2+3",
    "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "{{ 7*7 }}",
    "", " ", "true", "null", "[]", "{}",
]  # fmt: skip

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),  # no lone surrogates
    st.dates().map(datetime.date.isoformat),
    st.integers().map(str),
)


def hostile_params(names):
    """A few parameters: mostly names the views read, sometimes a hostile name."""
    keys = st.one_of(st.sampled_from(names), hostile_text.filter(bool))
    return st.dictionaries(keys, st.lists(hostile_text, min_size=1, max_size=2), max_size=4)


# Who and what ----------------------------------------------------------------------------


@pytest.fixture
def world(seeded):
    """A manager with a report who has evidence waiting, HR, and a far-dated leftover."""
    manager = EmployeeFactory(user=UserFactory(username="manager@example.com"))
    report = EmployeeFactory(manager=manager, level_code="hero")
    evidence = EvidenceFactory(employee=report)
    HelpdeskTagCategory.objects.get_or_create(tag="api", defaults={"category": "api"})
    hr = UserFactory(username="hr-admin@example.com", is_staff=True)
    hr.groups.add(roles_ensure())
    return {"manager": manager, "report": report, "evidence": evidence, "hr": hr}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


# Routes that end the session or only redirect elsewhere; the rest is every pattern.
SKIPPED = re.compile(r"logout/|\(\?P<url>|\^r/")


def url_routes(admin_pages: bool) -> list[str]:
    routes = sorted(
        {r for r in _walk(get_resolver().url_patterns) if not SKIPPED.search(r)}, key=str
    )
    return [r for r in routes if r.startswith("admin/") == admin_pages]


def concrete(route: str, world) -> str:
    """A path for `route`: ids of the world's objects, the seed framework's slug."""
    evidence, report = world["evidence"].pk, world["report"].pk
    model_id = "1"
    registered = {(m._meta.app_label, m._meta.model_name): m for m in admin.site._registry}
    if (match := re.match(r"admin/(\w+)/(\w+)/", route)) and (
        model := registered.get(match.groups())
    ):
        first = model._default_manager.order_by("pk").first()
        model_id = str(first.pk) if first else "1"

    def value(match):
        converter, name = match[1], match[2]
        if converter == "slug":
            return "support-formula"
        if converter == "int":
            return str(evidence if route.startswith("evidence/") else report)
        if name == "uidb64":
            return "MQ"
        if name == "token":
            return "set-password"
        return model_id

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "people", path)
    path = path.replace("([^/]+)", model_id).replace("\\.", ".").replace("^", "").replace("$", "")
    return "/" + path


# What the views read, so that hostile values reach the code that reads them.
PARAMETERS = [
    "kind", "category", "person", "status", "q", "level", "eligible", "direct", "sort",
    "export", "version", "a", "b", "o", "p", "e", "team", "region", "is_active",
    "hire_date__gte", "occurred_on__year", "occurred_on__month", "_changelist_filters",
    "next", "title", "occurred_on", "reference", "description", "decision", "comment",
    "evidence", "reason", "changed_on", "hire_date", "level_since", "period", "value",
    "rated_on", "email", "username", "password", "new_password1", "new_password2",
    "action", "_selected_action", "select_across", "index", "competency_1", "code",
]  # fmt: skip


def assert_no_server_error(client, user, path, query, form):
    client.force_login(user)
    for response in (client.get(path, query), client.post(path, form)):
        assert response.status_code < 500, (user.username, path, query, form)


@pytest.mark.parametrize("route", url_routes(admin_pages=False))
def test_no_page_answers_5xx_to_hostile_parameters(world, route):
    path, client = concrete(route, world), Client()

    @bounded("page")
    @given(query=hostile_params(PARAMETERS), form=hostile_params(PARAMETERS))
    def check(query, form):
        for user in (world["manager"].user, world["hr"]):
            assert_no_server_error(client, user, path, query, form)

    check()


@pytest.mark.parametrize("route", url_routes(admin_pages=True))
def test_no_admin_page_answers_5xx_to_hostile_parameters(world, route):
    path, client = concrete(route, world), Client()

    @bounded("admin page")
    @given(query=hostile_params(PARAMETERS), form=hostile_params(PARAMETERS))
    def check(query, form):
        assert_no_server_error(client, world["hr"], path, query, form)

    check()


# Importers -------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    labels = ("frameworks", "people", "assessments", "promotions", "auth")
    return {
        m._meta.label: m.objects.count()
        for label in labels
        for m in apps.get_app_config(label).get_models()
    }


# Each importer's header, and a good row to mutate: hostile cells replace some of its cells.
IMPORTERS = {
    "import_people": (
        people_import,
        ["email", "name", "manager_email", "framework", "level", "hire_date", "level_since",
         "status"],
        ["new@example.com", "New Person", "manager@example.com", "support-formula", "hero",
         "2024-01-15", "2024-01-15", "active"],
    ),
    "import_evidence": (
        evidence_import,
        ["email", "kind", "category", "title", "reference", "occurred_on", "status", "outcome"],
        ["manager@example.com", "ticket", "api", "A ticket", "ZD-1", "2025-01-05", "approved",
         ""],
    ),
    "import_metrics": (
        metrics_import,
        ["email", "metric", "period", "value"],
        ["manager@example.com", "volume_pct", "2025-01", "101.5"],
    ),
    "import_helpdesk_tickets": (
        helpdesk_tickets_import,
        ["id", "subject", "tags", "solved at", "assignee email"],
        ["77", "Hello", "api", "2025-01-05T10:00:00+02:00", "manager@example.com"],
    ),
    "import_helpdesk_tickets (Zendesk CSV)": (
        helpdesk_tickets_import,
        ["Id", "Subject", "Status", "Tags", "Assignee", "Solved at", "Updated at"],
        ["77", "Hello", "Solved", "api vip", "Manager Person", "09/01/2025 1:17 PM", ""],
    ),
    "import_helpdesk_tickets (Freshdesk CSV)": (
        helpdesk_tickets_import,
        ["Ticket ID", "Subject", "Status", "Agent", "Tags", "Resolved time", "Closed time"],
        ["77", "Hello", "Resolved", "Manager Person", "API Integration,sync",
         "01.09.2025 13:17", ""],
    ),
    "import_helpdesk_tags": (
        tag_mappings_import,
        ["tag", "category"],
        ["API Integration", "integration"],
    ),
}  # fmt: skip

PROBLEM = re.compile(r"line \d+: \S|the file|missing column")


@st.composite
def hostile_csv(draw, header, good):
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        row = list(good)
        for index in draw(st.sets(st.integers(0, len(row) - 1), min_size=1, max_size=3)):
            row[index] = draw(hostile_text)
        rows.append(row)

    def cell(value):
        return '"' + value.replace('"', '""') + '"'

    lines = [",".join(header)] + [",".join(map(cell, row)) for row in rows]
    return "\n".join(lines) + "\n"


def assert_all_or_nothing(run, text):
    before = row_counts()
    try:
        run(text)
    except (ImportProblems, FrameworkFormatError) as refused:
        assert row_counts() == before, "a refused import wrote something"
        problems = getattr(refused, "problems", None) or refused.errors
        assert problems and all(PROBLEM.match(p) or ":" in p for p in problems), problems


@pytest.mark.parametrize("name", IMPORTERS)
def test_no_importer_fails_or_writes_half_on_hostile_cells(world, name):
    importer, header, good = IMPORTERS[name]

    @bounded("importer")
    @given(text=hostile_csv(header, good))
    def check(text):
        assert_all_or_nothing(lambda t: importer(text=t), text)

    check()


@pytest.mark.parametrize("name", IMPORTERS)
def test_no_importer_fails_on_hostile_bytes(world, name):
    from assessments.importers import decode

    importer, header, _good = IMPORTERS[name]

    @bounded("importer")
    @given(data=st.binary(max_size=200))
    def check(data):
        def run(raw):
            importer(text=decode(raw))

        assert_all_or_nothing(run, (",".join(header) + "\n").encode() + data)

    check()


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)
    ),
    max_leaves=6,
)
GOOD_TICKET = {
    "id": 77, "subject": "Hello", "status": "solved", "tags": ["api"], "assignee_id": 361001,
    "updated_at": "2025-01-05T10:00:00Z", "metric_set": {"solved_at": "2025-01-05T09:00:00Z"},
}  # fmt: skip


@st.composite
def hostile_ndjson(draw):
    """Zendesk's JSON export, one ticket a line, with hostile values (of any JSON type)."""
    import json

    lines = []
    for _ in range(draw(st.integers(1, 3))):
        ticket = dict(GOOD_TICKET)
        for key in draw(st.sets(st.sampled_from(sorted(GOOD_TICKET)), min_size=1, max_size=3)):
            ticket[key] = draw(json_value)
        lines.append(json.dumps(ticket))
    if draw(st.booleans()):  # or one incremental-export page
        return json.dumps({"tickets": [json.loads(line) for line in lines],
                           "users": draw(json_value)})  # fmt: skip
    return "\n".join(lines) + "\n"


def test_the_zendesk_json_import_never_fails_or_writes_half(world):
    @bounded("importer")
    @given(text=hostile_ndjson())
    def check(text):
        assert_all_or_nothing(lambda t: helpdesk_tickets_import(text=t), text)

    check()


def test_the_zendesk_json_import_never_fails_on_hostile_bytes(world):
    from assessments.importers import decode

    @bounded("importer")
    @given(data=st.binary(max_size=200))
    def check(data):
        assert_all_or_nothing(lambda raw: helpdesk_tickets_import(text=decode(raw)), b"{" + data)

    check()


SEED_YAML = (
    Path(__file__).resolve().parent.parent / "fixtures" / "frameworks" / "support-formula.yaml"
).read_text(encoding="utf-8")
SCALAR = re.compile(r"(?m)^(\s*(?:- )?[a-z_]+: )(.+)$")


@st.composite
def hostile_framework(draw):
    """The seed framework under a new slug, with a few values replaced by hostile ones."""
    text = SEED_YAML.replace("slug: support-formula", "slug: hostile-seed", 1)
    places = list(SCALAR.finditer(text))
    chosen = sorted(
        draw(st.sets(st.integers(0, len(places) - 1), min_size=1, max_size=3)), reverse=True
    )
    for index in chosen:
        match = places[index]
        value = draw(
            st.one_of(
                hostile_text.map(lambda v: '"' + v.encode("unicode_escape").decode() + '"'),
                st.sampled_from(
                    ["9999-12-31", "0000-01-01", "99999999999999999999", "-1", "1e999",
                     "[[[[[[[[[[]]]]]]]]]]", "&a [*a]", "*nope", "!!python/object:os.system",
                     "{a: b}", "'\\x00'"]
                ),
            )
        )  # fmt: skip
        text = text[: match.start(2)] + value + text[match.end(2) :]
    return text


def test_no_framework_file_fails_or_writes_half(world):
    @bounded("framework file")
    @given(text=hostile_framework())
    def check(text):
        assert_all_or_nothing(lambda t: framework_import_yaml(text=t, actor=None), text)

    check()


def test_every_url_pattern_is_checked():
    """New pages join the property tests by themselves; only logout and redirects are left."""
    every = set(_walk(get_resolver().url_patterns))
    checked = set(url_routes(admin_pages=False)) | set(url_routes(admin_pages=True))
    assert {r for r in every - checked if not SKIPPED.search(r)} == set()
    assert any(
        r.startswith(f"admin/{m._meta.app_label}/") for r in checked for m in admin.site._registry
    )
    assert "review/" in checked and "reports/" in checked
