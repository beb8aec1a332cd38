"""Each page's exact number of queries, pinned at two company sizes (issue 14).

A page reads a constant number of queries however big the company and the team: the same
count with a team of 4 in a company of a dozen and with a team of 64 in a company of ~140.
Each query is named below; a change that adds one must say which and why.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from promotions.services import periodic_checks_run
from promotions.tests.test_views import grow
from promotions.tests.test_views import org as org  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

# Every logged-in page: the session, the user (django.contrib.auth).
SESSION_AND_USER = ["session", "user"]
# The navigation of a person with a career profile (people.context_processors.roles):
# "has reports?" and "is HR?"; the profile itself is shared with the page. The unread
# notifications badge (promotions.context_processors.notifications, issue 15 item 5) is one
# COUNT, shared with My career and the notifications page.
NAVIGATION = [
    "nav: has reports (EXISTS)",
    "nav: is HR (EXISTS)",
    "nav: unread notifications (COUNT)",
]
# promotions.selectors.facts_for: the people, then four aggregates over their facts.
FACTS = [
    "facts: people (id, hire date, level since)",
    "facts: approved evidence per day",
    "facts: monthly metrics",
    "facts: latest manager ratings",
    "facts: confirmations",
]
# promotions.selectors.rule_book_current: the levels and everything their rules need (six
# queries: levels with framework and track, next levels, requirements, entitlements, their
# conditions, metric definitions) are built once per process; each request reads only the
# rules' fingerprint to see that nothing they are built from has changed.
RULES = ["the rules' fingerprint (frameworks.selectors.rules_fingerprint)"]
PAGES = {
    "home": [
        *SESSION_AND_USER,
        "my profile (employee_for_request)",
        *FACTS[1:],  # judged from my profile as read (career_status_of): not read again
        *RULES,
        "competencies of my framework",
        "milestones of my framework",
        "my latest ratings",
        *NAVIGATION,
        "my evidence: the last 10 and any waiting for review",
        "my level history",
        "my notifications, last 5",
    ],
    "promotions:team": [
        *SESSION_AND_USER,
        "my profile (employee_for_request)",
        "my subtree (recursive reporting lines)",
        "levels held in the team, with counts (the level filter)",
        "COUNT of the filtered members (paginator)",
        "one page of 50 members (+user, manager, level; the stored readiness and the "
        "submitted evidence count as subqueries, sorted by the database)",
        *FACTS[1:],  # only the 50 shown are judged; the people are the page's
        *RULES,
        "milestones of their frameworks",
        *NAVIGATION,
    ],
    "assessments:review_queue": [
        *SESSION_AND_USER,
        "my profile (employee_for_request)",
        "my subtree (recursive reporting lines)",
        "waiting counts by kind, category and person (also how many the filters keep)",
        *NAVIGATION,
        "one page of 50 items (+person, level)",
    ],
    "promotions:reports": [
        *SESSION_AND_USER,
        "is HR (EXISTS, shared with the navigation)",
        "filter choices: frameworks, teams, regions, managers (one UNION ALL)",
        "people per framework, level and team",
        "readiness pipeline from stored statuses",
        "level history (time to promotion, start of the previous level in subqueries)",
        "review turnaround (last 12 months)",
        "the last sweep (shared with the banner)",
        "nav: my profile (none for this HR user)",
    ],
}


def grow_company(lead, team: int, others: int) -> None:
    from people.tests.factories import EmployeeFactory

    grow(lead, team)  # reports of the lead with waiting evidence, and as many Whatfix people
    EmployeeFactory.create_batch(others, level_code="hero")


def page_queries(client, user, name) -> list[str]:
    client.force_login(user)
    client.get(reverse(name))  # the rule book is built once per process (see RULES)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name)).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_reads_the_same_pinned_queries_at_two_company_sizes(
    client,
    org,
    name,  # noqa: F811
):
    user = org["hr"] if name == "promotions:reports" else org["lead"].user
    grow_company(org["lead"], team=3, others=2)
    periodic_checks_run(as_of=timezone.localdate())
    small = page_queries(client, user, name)
    grow_company(org["lead"], team=60, others=10)
    periodic_checks_run(as_of=timezone.localdate() + datetime.timedelta(days=1))
    large = page_queries(client, user, name)
    assert len(small) == len(PAGES[name]), "\n".join(q[:120] for q in small)
    assert len(large) == len(PAGES[name]), "\n".join(q[:120] for q in large)


# The import list (HR): the same queries with 2 past imports and with 60.
IMPORT_LIST = [
    *SESSION_AND_USER,
    "is HR (EXISTS: the import service's own check)",
    "COUNT of the imports (paginator)",
    "nav: my profile (none for this HR user)",
    "nav: is HR (EXISTS)",
    "the last sweep (HR's banner)",
    "one page of 50 imports (+uploaded by, applied by)",
]


def test_the_import_list_reads_the_same_pinned_queries_at_two_sizes(client, hr):
    from assessments.models import ImportRun

    def add_runs(n):
        ImportRun.objects.bulk_create(
            ImportRun(
                kind="people", file_name=f"people-{i}.csv", data=b"x", sha256="0" * 64,
                size=1, rows=1, created_by=hr, applied_by=hr, applied_at=timezone.now(),
                state=ImportRun.State.APPLIED, state_changed_at=timezone.now(),
            )
            for i in range(n)
        )  # fmt: skip

    add_runs(2)
    small = page_queries(client, hr, "assessments:import_list")
    add_runs(58)
    large = page_queries(client, hr, "assessments:import_list")
    assert len(small) == len(IMPORT_LIST), "\n".join(q[:160] for q in small)
    assert len(large) == len(IMPORT_LIST), "\n".join(q[:160] for q in large)


def test_hr_reports_read_the_same_pinned_queries_with_every_filter(client, org):  # noqa: F811
    """The filters are conditions in the same queries (the manager's subtree a subquery):
    filtering adds no query and none that grows with the company or the subtree."""
    grow_company(org["lead"], team=3, others=2)
    periodic_checks_run(as_of=timezone.localdate())
    url = reverse("promotions:reports")
    filters = {"framework": "support-formula", "team": "Support",
               "manager": org["skip_level"].pk}  # fmt: skip
    client.force_login(org["hr"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, filters).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    grow_company(org["lead"], team=60, others=10)
    assert count() == small == len(PAGES["promotions:reports"])
