"""The schema and the docs page: for logged-in people, and working under the CSP."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_is_for_logged_in_people(as_):
    assert as_().get("/api/schema/").status_code == 401
    assert as_("leaver").get("/api/schema/").status_code == 401
    response = as_("employee").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/me/career/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_page_has_no_inline_script_or_style_and_no_cdn(org):
    client = Client()
    assert client.get("/api/docs/").status_code == 401
    client.force_login(org["employee"].user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html and "style=" not in html
    assert "cdn" not in html.lower() and "//" not in re.sub(r"https?://[^\"]*", "", html)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 3
    init = client.get(scripts[-1])
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    assert "javascript" in init["Content-Type"]
    for asset in scripts[:2]:
        assert asset.startswith("/static/")
