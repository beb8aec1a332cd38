"""End-to-end fixtures: Debian's Chromium driven by Playwright's sync API against `live_server`.

Nothing here downloads a browser: Playwright launches the system Chromium
(`apt-get install chromium`). Without it the browser tests skip locally and
fail in CI. Pages are checked with axe-core, vendored in static/vendor/axe/.
"""

import os
from pathlib import Path
from unittest import mock

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest_helpers import IN_CI, install_seed_data

CHROMIUM_PATHS = [
    # The binary itself; /usr/bin/chromium is Debian's wrapper script around it.
    Path("/usr/lib/chromium/chromium"),
    Path("/usr/bin/chromium"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Short enough that a missing element fails the test quickly, long enough for a slow CI.
TIMEOUT_MS = 15_000

AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js"
AXE_FAILING_IMPACTS = ("serious", "critical")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

DEMO_PASSWORD = "careerpath-demo"


def chromium_executable() -> Path | None:
    """The system Chromium Playwright should launch, or None when it is not installed."""
    return next((path for path in CHROMIUM_PATHS if path.exists()), None)


@pytest.fixture(scope="module")
def browser() -> Browser:
    """One headless Chromium per test module; each test gets its own context.

    Module-scoped rather than session-scoped on purpose: while Playwright's sync
    API runs, its asyncio loop counts as running on the main thread, which
    (a) trips Django's async-safety check, so it is switched off for exactly
    that time, (b) makes `asyncio.run()` fail, and (c) gives the main thread a
    second set of database connections (Django keeps them in an asgiref Local
    that is per-context while a loop runs). Stopping Playwright after the
    module keeps all three away from the rest of the suite.
    """
    executable = chromium_executable()
    if executable is None:
        message = "Chromium is not installed: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with (
        mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # The connections opened while the loop ran; left open, PostgreSQL would
        # refuse to drop the test database at the end of the session.
        connections.close_all()


def _new_page(browser: Browser, request, **context_options) -> Page:
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    request.addfinalizer(context.close)
    page = context.new_page()
    # Collected so tests can assert that a page ran without JavaScript errors.
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    # Whatever the Content-Security-Policy refused, as Chromium reports it in the console.
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


@pytest.fixture
def page(browser, request) -> Page:
    """A desktop-sized page in a fresh browser context (no cookies shared between tests)."""
    return _new_page(browser, request, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser, request) -> Page:
    """A phone-sized touch page in a fresh browser context."""
    return _new_page(browser, request, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def demo_organisation(seeded) -> list[tuple[str, str]]:
    """The demo organisation with its evidence and ratings; returns (email, role) per login."""
    from assessments.demo import demo_assessments_create
    from people.demo import demo_organisation_create

    today = timezone.localdate()
    logins = demo_organisation_create(today=today)
    demo_assessments_create(today=today)
    return logins


@pytest.fixture(scope="module", autouse=True)
def _reseed_after_flush(django_db_setup, django_db_blocker):
    """Put the seed frameworks back once a module's transactional tests have flushed them.

    `django_db_setup` promises them to every later test in the session; this
    teardown runs after the last test's flush.
    """
    yield
    with django_db_blocker.unblock():
        install_seed_data()


def login(page: Page, live_server, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form and wait for the page it redirects to.

    Raises AssertionError when the form is shown again (wrong e-mail or password).
    """
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response.ok, f"the login page answered {response.status}"
    # Found by its label, as a person finds it (the field's form name stays `username`).
    field = page.get_by_label("E-mail")
    assert field.get_attribute("name") == "username"
    field.fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert "/accounts/login/" not in page.url, f"login as {email} failed: still on {page.url}"


def axe_violations(page: Page, impacts=AXE_FAILING_IMPACTS) -> list[dict]:
    """Run axe-core on the current page; return its violations with one of `impacts`."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not govern (a <script> tag added to the page would be refused as inline).
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            raise RuntimeError("axe-core did not load into the page")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in impacts]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {' '.join(map(str, node['target']))}")
            lines.append(f"    {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"    {summary}")
    return "\n".join(lines)


class AccessibilityViolations(AssertionError):
    """axe-core found serious or critical violations (a type of its own for `xfail(raises=)`)."""


def assert_accessible(page: Page) -> None:
    """Fail, listing each rule, its help and the elements, if axe finds serious problems."""
    violations = axe_violations(page)
    if violations:
        report = format_violations(violations)
        print(f"axe-core violations on {page.url}:\n{report}")
        raise AccessibilityViolations(f"axe-core violations on {page.url}:\n{report}")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as tests/artifacts/screenshots/<name>.png; return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
