"""The review queue for a big team (issue 15 item 3): no decision chosen for the reviewer,
the selection kept when a decision is refused, and "every matching item" only after a
confirmation that lists exactly what will be decided."""

import datetime

import pytest

from assessments.models import Evidence
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db
QUEUE = "/review/"
BULK = "/review/bulk/"


@pytest.fixture
def queue(seeded):
    """A manager with three reports: Ann with 40 tickets waiting, Bob with 20 documents, and
    Cy with one; an outsider's item waits for someone else."""
    manager = EmployeeFactory(level_code="senior-superhero")
    ann = EmployeeFactory(manager=manager, user=UserFactory(first_name="Ann", last_name="Able"))
    bob = EmployeeFactory(manager=manager, user=UserFactory(first_name="Bob", last_name="Bee"))
    cy = EmployeeFactory(manager=manager, user=UserFactory(first_name="Cy", last_name="Sea"))
    outsider = EmployeeFactory()

    def items(person, kind, n, category=""):
        return Evidence.objects.bulk_create(
            Evidence(employee=person, kind=kind, category=category, title=f"{person.name} {n}",
                     occurred_on=datetime.date(2026, 3, 1), status="submitted")
            for n in range(n)
        )  # fmt: skip

    items(ann, "ticket", 40, "api")
    items(bob, "document", 20)
    items(cy, "ticket", 1, "api")
    items(outsider, "ticket", 1, "api")
    return {"manager": manager, "ann": ann, "bob": bob, "cy": cy, "outsider": outsider}


def waiting_ids(person) -> list[int]:
    return list(
        Evidence.objects.filter(employee=person, status="submitted")
        .order_by("id")
        .values_list("id", flat=True)
    )


def test_no_decision_is_chosen_for_the_reviewer(client, queue):
    client.force_login(queue["manager"].user)
    html = client.get(QUEUE).content.decode()
    assert 'name="decision" value="approved"' in html  # a button, not a selected option
    assert "selected>Approved" not in html and 'value="approved" selected' not in html
    picked = waiting_ids(queue["ann"])[:2]
    response = client.post(BULK, {"evidence": picked})
    assert "Choose approve or reject." in response.content.decode()
    assert not Evidence.objects.filter(status="approved").exists()


def test_a_rejection_without_comment_keeps_the_selection_and_the_page(client, queue):
    client.force_login(queue["manager"].user)
    picked = waiting_ids(queue["bob"])[-3:]  # on the second page (51 to 61), oldest first
    response = client.post(f"{BULK}?page=2", {"evidence": picked, "decision": "rejected"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Say why you reject it" in html
    assert response.context["page_obj"].number == 2
    for pk in picked:
        assert f'value="{pk}" id="sel-{pk}" checked' in html
    assert 'href="/review/?page=1"' in html  # the pager leads back to the queue, not here
    assert not Evidence.objects.exclude(status="submitted").exists()


def test_a_decision_returns_to_the_same_filters_and_page(client, queue):
    client.force_login(queue["manager"].user)
    picked = waiting_ids(queue["bob"])[:2]
    response = client.post(
        f"{BULK}?kind=document&page=1", {"evidence": picked, "decision": "approved"}
    )
    assert response["Location"] == "/review/?kind=document&page=1"
    assert Evidence.objects.filter(status="approved").count() == 2


def test_every_matching_item_is_listed_for_confirmation_before_anything_changes(client, queue):
    client.force_login(queue["manager"].user)
    response = client.post(f"{BULK}?kind=ticket", {"scope": "all", "decision": "approved"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Approve these 41 items?" in html and "Approve all 41" in html
    listed = {item.pk for item in response.context["items"]}
    assert listed == set(waiting_ids(queue["ann"]) + waiting_ids(queue["cy"]))  # all pages
    assert not Evidence.objects.filter(status="approved").exists()  # nothing yet

    late = Evidence.objects.create(
        employee=queue["cy"], kind="ticket", category="api", title="Arrived later",
        occurred_on=datetime.date(2026, 3, 2), status="submitted",
    )  # fmt: skip
    confirmed = client.post(
        f"{BULK}?kind=ticket", {"evidence": sorted(listed), "decision": "approved", "comment": ""}
    )
    assert confirmed["Location"] == "/review/?kind=ticket"
    assert set(Evidence.objects.filter(status="approved").values_list("id", flat=True)) == listed
    late.refresh_from_db()
    assert late.status == "submitted"  # not shown on the confirmation, not decided
    assert waiting_ids(queue["bob"]) and waiting_ids(queue["outsider"])  # other filters, others


def test_every_matching_item_follows_the_name_search(client, queue):
    client.force_login(queue["manager"].user)
    response = client.post(
        f"{BULK}?q=bob", {"scope": "all", "decision": "rejected", "comment": "Needs a link."}
    )
    assert {item.employee for item in response.context["items"]} == {queue["bob"]}
    assert "Reject these 20 items?" in response.content.decode()


def test_every_matching_item_still_needs_a_comment_to_reject(client, queue):
    client.force_login(queue["manager"].user)
    response = client.post(BULK, {"scope": "all", "decision": "rejected"})
    assert "Say why you reject it" in response.content.decode()
    assert response.context["all_matching"] is True


def test_a_confirmation_tampered_with_someone_elses_item_decides_nothing(client, queue):
    client.force_login(queue["manager"].user)
    ids = waiting_ids(queue["cy"]) + waiting_ids(queue["outsider"])
    response = client.post(BULK, {"evidence": ids, "decision": "approved"})
    assert "not waiting for your review" in response.content.decode()
    assert not Evidence.objects.filter(status="approved").exists()


def test_too_many_matching_items_ask_for_a_narrower_filter(client, queue, monkeypatch):
    from assessments import views

    monkeypatch.setattr(views, "MAX_ALL_MATCHING", 30)
    client.force_login(queue["manager"].user)
    response = client.post(BULK, {"scope": "all", "decision": "approved"})
    assert "61 items match: narrow the filter to at most 30" in response.content.decode()
    assert not Evidence.objects.filter(status="approved").exists()


def test_the_queue_says_what_the_filters_found(client, queue):
    client.force_login(queue["manager"].user)
    html = client.get(QUEUE, {"q": "nobody-like-this"}).content.decode()
    assert "Nothing waiting matches these filters (name “nobody-like-this”); 61 items wait" in html


@pytest.mark.parametrize(
    ("filters", "matching", "pages"),
    [
        ({}, 61, 2),
        ({"kind": "ticket"}, 41, 1),
        ({"kind": "ticket", "category": "api"}, 41, 1),
        ({"kind": "document"}, 20, 1),
        ({"q": "Ann"}, 40, 1),  # a name search: counted by the database
        ({"kind": "ticket", "q": "Cy"}, 1, 1),
    ],
)
def test_the_count_of_matching_items_and_the_pages_follow_the_filters(
    client, queue, filters, matching, pages
):
    """Without a name search the number matching comes from the counts the filters already
    read (no COUNT query); it must agree with the items listed."""
    client.force_login(queue["manager"].user)
    response = client.get(QUEUE, filters)
    page = response.context["page_obj"]
    assert response.context["matching"] == matching == page.paginator.count
    assert page.paginator.num_pages == pages
    assert f"· {matching} matching" in response.content.decode()
    if "person" not in filters:
        last = client.get(QUEUE, {**filters, "page": pages}).context["page_obj"]
        assert (pages - 1) * 50 + len(last.object_list) == matching


def test_what_people_typed_is_escaped_in_the_queue_rows(client, queue):
    """The rows are built as HTML in Python: a title, reference or category with markup shows
    as text, in the cells and in the checkbox's label."""
    Evidence.objects.create(
        employee=queue["cy"], kind="ticket", category="<b>api</b>", status="submitted",
        title='<img src=x onerror="alert(1)">', reference="R&D \"quoted\"",
        occurred_on=datetime.date(2026, 3, 2),
    )  # fmt: skip
    client.force_login(queue["manager"].user)
    html = client.get(QUEUE, {"q": "Cy"}).content.decode()
    assert "<img src=x" not in html and "<b>api</b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</a>" in html
    assert 'aria-label="Select &lt;img src=x onerror=&quot;alert(1)&quot;&gt; by Cy Sea"' in html
    assert "R&amp;D &quot;quoted&quot;" in html and "&lt;b&gt;api&lt;/b&gt;" in html
