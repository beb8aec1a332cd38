"""Markdown in framework documents is rendered, and rendered safely (issue 15 item 6)."""

import pytest
from django.urls import reverse

from frameworks.text import markdown_html
from people.tests.factories import EmployeeFactory


def test_bold_from_the_document_is_bold():
    assert markdown_html("**Expectations defined at each level**") == (
        "<p><strong>Expectations defined at each level</strong></p>"
    )


def test_raw_html_is_escaped_not_injected():
    html = markdown_html('<script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_unsafe_links_and_images_are_not_rendered():
    html = markdown_html("[click](javascript:alert(1)) ![x](https://example.com/x.png)")
    assert 'href="javascript:' not in html and "<img" not in html


def test_paragraphs_and_line_breaks_are_kept():
    assert markdown_html("one\ntwo\n\nthree") == "<p>one<br />\ntwo</p>\n<p>three</p>"
    assert markdown_html("") == ""


@pytest.mark.django_db
def test_the_whatfix_framework_page_shows_no_literal_asterisks(client, seeded):
    client.force_login(EmployeeFactory(framework_slug="whatfix-support", level_code="S2").user)
    html = client.get(reverse("frameworks:detail", args=["whatfix-support"])).content.decode()
    assert "<strong>Knowledge, skills and attitudes required at each level</strong>" in html
    assert "**" not in html
