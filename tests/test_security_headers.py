"""Production settings pass `check --deploy`; pages carry a strict Content-Security-Policy.

No template has inline script or style, which the policy would block.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from people.tests.factories import EmployeeFactory

ROOT = Path(settings.BASE_DIR)


def _production_env(**extra) -> dict:
    keep = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "DJANGO_SETTINGS_MODULE"}
    }
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "careerpath.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "careerpath.example.com",
        "SITE_URL": "https://careerpath.example.com",
        **extra,
    }


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout


SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_HSTS_SECONDS, list(s.SECURE_PROXY_SSL_HEADER or [])]))"
)


def test_production_is_https_behind_a_tls_proxy():
    result = _run(["-c", SHOW_SETTINGS], _production_env())
    assert result.returncode == 0, result.stderr
    redirect, session_secure, csrf_secure, hsts, proxy = json.loads(result.stdout)
    assert redirect and session_secure and csrf_secure
    assert hsts >= 365 * 24 * 3600
    assert proxy == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_one_switch_runs_a_plain_http_trial():
    result = _run(["-c", SHOW_SETTINGS], _production_env(HTTPS="0"))
    assert result.returncode == 0, result.stderr
    redirect, session_secure, csrf_secure, hsts, _ = json.loads(result.stdout)
    assert (redirect, session_secure, csrf_secure, hsts) == (False, False, False, 0)


@pytest.mark.django_db
def test_behind_the_proxy_https_requests_are_served_and_http_ones_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    login = reverse("login")
    plain = client.get(login)
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get(login, HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert "max-age=3600" in secure["Strict-Transport-Security"]


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["login", "home", "frameworks:list", "admin:index"])
def test_pages_carry_a_strict_content_security_policy(client, hr, seeded, path):
    EmployeeFactory(user=hr)
    client.force_login(hr)
    response = client.get(reverse(path), follow=True)
    assert response.status_code == 200
    csp = _directives(response)
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    for directive in ("default-src", "script-src", "style-src"):
        assert csp[directive] == "'self'", directive


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "on...= event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    found = []
    templates = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(templates) > 20
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_no_python_code_writes_inline_styles_into_pages():
    pattern = re.compile(r"<[a-z][^>]*\s(style|on[a-z]+)\s*=", re.I)
    found = [
        str(path.relative_to(ROOT))
        for app in ("careerpath", "frameworks", "people", "assessments", "promotions")
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
