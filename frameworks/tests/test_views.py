"""The framework page: the whole framework, readable by everyone logged in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frameworks.services import framework_clone
from people.tests.factories import EmployeeFactory


@pytest.fixture
def reader(client, seeded):
    client.force_login(EmployeeFactory().user)
    return client


@pytest.mark.django_db
def test_framework_list_shows_published_frameworks(reader):
    page = reader.get("/frameworks/").content.decode()
    assert "Sample Support Career Advancement Formula" in page
    assert "Customer Support Career &amp; Competency Framework" in page


@pytest.mark.django_db
def test_whatfix_page_shows_tracks_levels_matrix_and_assumptions(reader):
    page = reader.get("/frameworks/whatfix-support/").content.decode()
    for code in ("S0", "S1", "S2", "S3", "SL1", "SL2", "SL3", "SL4"):
        assert f'id="level-{code}"' in page
    assert "Individual Contributor" in page and "People Manager" in page
    assert "Troubleshoot &amp; resolve issues encountered by customers, IDs &amp; CSMs" in page
    assert "Competency matrix" in page and "Strategic Communication" in page
    assert "assumed" in page


@pytest.mark.django_db
def test_support_formula_page_shows_bars_and_perks(reader):
    page = reader.get("/frameworks/support-formula/").content.decode()
    assert "To move up to superhero" in page
    assert "2 work-from-home days a month" in page
    assert "once: at least 12 months since hire; has passed the 6-month competency exam" in page


@pytest.mark.django_db
def test_unknown_framework_is_404(reader):
    assert reader.get("/frameworks/nope/").status_code == 404


@pytest.mark.django_db
def test_drafts_are_hidden_from_employees(reader, seeded):
    framework_clone(framework=seeded["support-formula"], actor=None)
    response = reader.get("/frameworks/support-formula/?version=2")
    assert response.context["framework"].version == 1


@pytest.mark.django_db
def test_staff_can_read_a_draft_and_a_bad_version_is_404(client, hr, seeded):
    framework_clone(framework=seeded["support-formula"], actor=None)
    client.force_login(hr)
    assert client.get("/frameworks/support-formula/?version=2").context["framework"].version == 2
    assert client.get("/frameworks/support-formula/?version=abc").status_code == 404
    assert client.get("/frameworks/support-formula/?version=99").status_code == 404


@pytest.mark.django_db
def test_framework_page_query_count_does_not_grow_with_the_framework(reader, seeded):
    def queries(slug):
        with CaptureQueriesContext(connection) as ctx:
            assert reader.get(f"/frameworks/{slug}/").status_code == 200
        return len(ctx.captured_queries)

    # 3 levels and no competencies vs 8 levels, 5 competencies, 64 responsibilities.
    assert queries("support-formula") == queries("whatfix-support")


@pytest.mark.django_db
def test_compare_two_levels_shows_what_the_second_adds(reader):
    response = reader.get("/frameworks/whatfix-support/compare/?a=S1&b=S2")
    page = response.content.decode()
    assert "S1 · Technical Support Engineer" in page
    assert "S2 · Senior Technical Support Engineer" in page
    added = response.context["added"]
    assert "Review the code written by colleagues" in added
    assert "Maintain compliance with all SLAs set for the role" not in added
    rows = {c.slug: (a.slug, b.slug) for c, a, b in response.context["competencies"]}
    assert rows["collaboration"] == ("beginner", "intermediate")


@pytest.mark.django_db
def test_comparing_an_unknown_level_is_404(reader):
    assert reader.get("/frameworks/whatfix-support/compare/?a=S1&b=S9").status_code == 404
    assert reader.get("/frameworks/nope/compare/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["²", "9" * 30, "0"])
def test_an_impossible_version_is_404(client, hr, version):
    client.force_login(hr)
    assert client.get(f"/frameworks/support-formula/?version={version}").status_code == 404
