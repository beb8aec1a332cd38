"""Coverage enforcement (issue 10, item 6): every URL pattern, as every persona, GET and POST.

Every URL pattern of the project (the admin's too) must have an entry in EXPECTATIONS
below: how to build its URL from the coverage company (tests/url_coverage.py) and what
each persona notices on GET and on POST with an empty form. A new page without an
access decision fails `test_every_url_pattern_has_an_expectation`.

Outcomes are strings (see tests/url_coverage.py): "200", "403", "404", "405",
"302→login" (the login page), "302→admin:login", "302→NAME" for any other redirect, with
"+db" when the request wrote to the database. A request without "+db" in its expectation
must write nothing, so every refusal (and every POST an empty form cannot satisfy) is also
checked to change nothing. Each POST is undone after it (a savepoint), so a successful
one (a delete, a withdrawal) does not change the company for the next request.

Admin URLs follow rules per URL kind (changelist, add, change, history, delete, the old
object URL, a past version) from ADMIN_RIGHTS, which says per model what HR and a
superuser may do, with a real object of each model; the admin site's own views, custom
admin views and refusals the rules do not foresee have entries in PAGES (PAGES wins).

At the time of writing: 252 URL patterns x 9 personas x 2 methods = 4536 requests, all
against one small company built once per test.
"""

import dataclasses
import time
from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from tests.url_coverage import (
    METHODS,
    PERSONAS,
    admin_model_prefixes,
    build_world,
    fingerprint,
    request,
    url_patterns,
)

pytestmark = pytest.mark.django_db


# --- outcomes -------------------------------------------------------------------------

#: Short words in the matrices below; anything else is written out ("302→promotions:case").
ALIASES = {"login": "302→login", "alogin": "302→admin:login"}


def matrix(row: str) -> dict[str, str]:
    """One outcome per persona, in the order of PERSONAS:
    anonymous employee peer manager skip_level unrelated_manager hr superuser leaver."""
    words = row.split()
    assert len(words) == len(PERSONAS), f"{row!r} names {len(words)} outcomes, not 9"
    return {persona: ALIASES.get(word, word) for persona, word in zip(PERSONAS, words, strict=True)}


@dataclasses.dataclass(frozen=True)
class Expect:
    """How to build a pattern's URL, what each persona notices, and the form a POST sends."""

    url: Callable[[dict], str]
    get: str  # a matrix row (see `matrix`)
    post: str | None = None  # None: as GET
    data: Callable[[dict], dict] | None = None  # the POST's form; None: an empty form

    def outcomes(self, method: str) -> dict[str, str]:
        return matrix(self.get if method == "GET" or self.post is None else self.post)


def _url(name, *arguments):
    """reverse(name, args) where each argument is a function of the company."""
    return lambda w: reverse(name, args=[argument(w) for argument in arguments])


def _pk(label):
    return lambda w: w["objects"][label].pk


EMPLOYEE = lambda w: w["employee"].pk  # noqa: E731
CASE = "302→promotions:case+db"
DETAIL = "302→assessments:evidence_detail"
QUEUE = "302→assessments:review_queue"
IMPORT = "302→assessments:import_detail"
DRAFT_CHANGE = "302→admin:frameworks_framework_change"
OK7 = " ".join(["200"] * 7)  # every logged-in persona but the leaver
NO7 = " ".join(["405"] * 7)

# fmt: off
# The access decisions. Columns, as in `matrix`:
#        anonymous employee peer manager skip_level unrelated_manager hr superuser leaver
# The employee's manager and skip-level manager both review (support-formula lets indirect
# managers review); HR is on a framework too, the superuser is not (no career pages).
PAGES: dict[str, Expect] = {
    # --- the career pages ---
    "home": Expect(_url("home"),
        get="login 200 200 200 200 200 200 200 login"),
    "frameworks:list": Expect(_url("frameworks:list"),
        get="login 200 200 200 200 200 200 200 login"),
    "frameworks:detail": Expect(_url("frameworks:detail", lambda w: "support-formula"),
        get="login 200 200 200 200 200 200 200 login"),
    "frameworks:compare": Expect(_url("frameworks:compare", lambda w: "support-formula"),
        get="login 200 200 200 200 200 200 200 login"),
    "assessments:evidence_list": Expect(_url("assessments:evidence_list"),
        get="login 200 200 200 200 200 200 403 login"),
    "assessments:evidence_create": Expect(_url("assessments:evidence_create"),
        get="login 200 200 200 200 200 200 403 login"),  # POST: the empty form's errors
    "assessments:evidence_detail": Expect(
        _url("assessments:evidence_detail", _pk("evidence_waiting")),
        get="login 200 404 200 200 404 200 200 login"),
    "assessments:evidence_resubmit": Expect(
        _url("assessments:evidence_resubmit", _pk("evidence_rejected")),
        get="login 200 404 403 403 404 403 403 login"),
    "assessments:evidence_withdraw": Expect(
        _url("assessments:evidence_withdraw", _pk("evidence_waiting")),
        get="login 405 405 405 405 405 405 405 login",
        post=f"login {DETAIL}+db 404 403 403 404 403 403 login"),
    "assessments:evidence_attachment": Expect(
        _url("assessments:evidence_attachment", _pk("evidence_waiting")),
        get="login 200 404 200 200 404 200 200 login"),
    "assessments:evidence_review": Expect(
        _url("assessments:evidence_review", _pk("evidence_waiting")),
        get="login 405 405 405 405 405 405 405 login",
        post=f"login 403 404 {QUEUE}+db {QUEUE}+db 404 403 403 login",
        data=lambda w: {"decision": "approved"}),
    "assessments:review_queue": Expect(_url("assessments:review_queue"),
        get="login 200 200 200 200 200 200 403 login"),
    "assessments:evidence_review_bulk": Expect(_url("assessments:evidence_review_bulk"),
        get="login 405 405 405 405 405 405 405 login",
        # Refused (not theirs to review): the queue again, with the error and the selection.
        post=f"login 200 200 {QUEUE}+db {QUEUE}+db 200 200 403 login",
        data=lambda w: {"evidence": [w["objects"]["evidence_waiting"].pk],
                        "decision": "approved"}),
    "assessments:rate_self": Expect(_url("assessments:rate_self"),
        get="login 200 200 200 200 200 200 403 login"),
    "assessments:rate_report": Expect(_url("assessments:rate_report", EMPLOYEE),
        get="login 404 404 200 200 404 404 403 login"),
    "assessments:attest_report": Expect(_url("assessments:attest_report", EMPLOYEE),
        get="login 404 404 200 200 404 404 403 login"),
    "promotions:team": Expect(_url("promotions:team"),
        get="login 200 200 200 200 200 200 403 login"),
    "promotions:person": Expect(_url("promotions:person", EMPLOYEE),
        get="login 404 404 200 200 404 404 404 login"),
    # The nominee is the peer: the employee already has an open case for the next level.
    "promotions:nominate": Expect(_url("promotions:nominate", _pk("nominee")),
        get="login 405 405 405 405 405 405 405 login",
        post=f"login 404 404 {CASE} {CASE} 404 404 404 login",
        data=lambda w: {"to_level": w["objects"]["next_level"].pk, "justification": "Ready."}),
    "promotions:cases": Expect(_url("promotions:cases"),
        get="login 200 200 200 200 200 200 200 login"),
    # The case waits for the manager step: a manager decides it (the nominator may take a
    # manager step); HR's step comes later, and nobody decides their own promotion.
    "promotions:case": Expect(_url("promotions:case", _pk("case")),
        get="login 200 404 200 200 404 200 200 login",
        post=f"login 403 404 {CASE} {CASE} 404 403 403 login",
        data=lambda w: {"decision": "approve"}),
    "promotions:notification_settings": Expect(_url("promotions:notification_settings"),
        get="login 200 200 200 200 200 200 200 login",
        # An empty form switches every channel off for the one who posts it.
        post="login " + " ".join(["302→promotions:notification_settings+db"] * 7) + " login"),
    # The health probe answers everyone, a leaver's session too, before any login check.
    "healthz": Expect(_url("healthz"),
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405"),
    "promotions:notifications": Expect(_url("promotions:notifications"),
        get="login 200 200 200 200 200 200 200 login"),
    "promotions:notifications_read": Expect(_url("promotions:notifications_read"),
        get="login 405 405 405 405 405 405 405 login",
        post="login " + " ".join(["302→promotions:notifications+db"] * 7) + " login"),
    "promotions:reports": Expect(_url("promotions:reports"),
        get="login 403 403 403 403 403 200 200 login"),
    # Imports in the browser: HR only, like the reports; an empty upload form is a 400.
    "assessments:import_list": Expect(_url("assessments:import_list"),
        get="login 403 403 403 403 403 200 200 login"),
    "assessments:import_new": Expect(_url("assessments:import_new"),
        get="login 403 403 403 403 403 200 200 login",
        post="login 403 403 403 403 403 400 400 login"),
    "assessments:import_detail": Expect(
        _url("assessments:import_detail", _pk("import_run")),
        get="login 403 403 403 403 403 200 200 login"),
    "assessments:import_apply": Expect(
        _url("assessments:import_apply", _pk("import_run")),
        get="login 405 405 405 405 405 405 405 login",
        post=f"login 403 403 403 403 403 {IMPORT}+db {IMPORT}+db login"),
    # --- the REST API (api/): DRF answers 401 to the anonymous and to leavers (whose login
    # is off), 404 for what the caller may not see, 403 for what they see but may not do ---
    "api:schema": Expect(_url("api:schema"),
        get=f"401 {OK7} 401", post=f"401 {NO7} 401"),
    "api:docs": Expect(_url("api:docs"),
        get=f"401 {OK7} 401", post=f"401 {NO7} 401"),
    "api:my_career": Expect(_url("api:my_career"),
        get="401 200 200 200 200 200 200 404 401", post=f"401 {NO7} 401"),
    "api:person_career": Expect(_url("api:person_career", EMPLOYEE),
        get="401 200 404 200 200 404 200 200 401", post=f"401 {NO7} 401"),
    "api:person_ratings": Expect(_url("api:person_ratings", EMPLOYEE),  # POST: form errors
        get="401 200 404 200 200 404 200 200 401",
        post="401 400 404 400 400 404 400 400 401"),
    # A person's confirmations; a manager above them confirms one (HR sees, may not).
    "api:person_confirmations": Expect(_url("api:person_confirmations", EMPLOYEE),
        get="401 200 404 200 200 404 200 200 401",
        post="401 403 404 201+db 201+db 404 403 403 401",
        data=lambda w: {"level": "superhero", "code": "integration-talk-through"}),
    "api:team": Expect(_url("api:team"),
        get="401 200 200 200 200 200 200 403 401", post=f"401 {NO7} 401"),
    "api:evidence_list": Expect(_url("api:evidence_list"),  # POST: the empty form's errors
        get=f"401 {OK7} 401", post="401 400 400 400 400 400 400 403 401"),
    "api:evidence_detail": Expect(_url("api:evidence_detail", _pk("evidence_waiting")),
        get="401 200 404 200 200 404 200 200 401", post=f"401 {NO7} 401"),
    "api:evidence_review": Expect(_url("api:evidence_review", _pk("evidence_waiting")),
        get=f"401 {NO7} 401",
        post="401 403 404 200+db 200+db 404 403 403 401",
        data=lambda w: {"decision": "approved"}),
    "api:case_list": Expect(_url("api:case_list"),  # POST: the empty form's errors
        get=f"401 {OK7} 401", post="401 400 400 400 400 400 400 400 401"),
    "api:case_detail": Expect(_url("api:case_detail", _pk("case")),
        get="401 200 404 200 200 404 200 200 401", post=f"401 {NO7} 401"),
    "api:case_decide": Expect(_url("api:case_decide", _pk("case")),
        get=f"401 {NO7} 401",
        post="401 403 404 200+db 200+db 404 403 403 401",
        data=lambda w: {"decision": "approve"}),
    "api:framework_list": Expect(_url("api:framework_list"),
        get=f"401 {OK7} 401", post=f"401 {NO7} 401"),
    "api:framework_detail": Expect(_url("api:framework_detail", lambda w: "support-formula"),
        get=f"401 {OK7} 401", post=f"401 {NO7} 401"),
    "api:framework_version": Expect(
        _url("api:framework_version", lambda w: "support-formula", lambda w: w["objects"][
            "published"].version),
        get=f"401 {OK7} 401", post=f"401 {NO7} 401"),
    "api:not_found": Expect(lambda w: "/api/no/such/address/",
        get=" ".join(["404"] * 9)),
    # --- accounts (Django's auth views) ---
    "login": Expect(_url("login"),
        get="200 200 200 200 200 200 200 200 200"),
    "logout": Expect(_url("logout"),
        get="login 405 405 405 405 405 405 405 login",
        post="login login login login login login login login login"),
    "password_change": Expect(_url("password_change"),
        get="login 200 200 200 200 200 200 200 login"),
    "password_change_done": Expect(_url("password_change_done"),
        get="login 200 200 200 200 200 200 200 login",
        post="login 405 405 405 405 405 405 405 login"),
    "password_reset": Expect(_url("password_reset"),
        get="200 200 200 200 200 200 200 200 200"),
    "password_reset_done": Expect(_url("password_reset_done"),
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405"),
    "password_reset_confirm": Expect(
        _url("password_reset_confirm", lambda w: "MQ", lambda w: "not-a-token"),
        get="200 200 200 200 200 200 200 200 200"),
    "password_reset_complete": Expect(_url("password_reset_complete"),
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405"),
    # Single sign-on: off here (the default), so no such page; with OIDC_ENABLED the start
    # redirects to the provider and the callback refuses what the provider did not send
    # (tests/test_sso.py).
    "oidc_authentication_init": Expect(_url("oidc_authentication_init"),
        get=" ".join(["404"] * 9)),
    "oidc_authentication_callback": Expect(_url("oidc_authentication_callback"),
        get=" ".join(["404"] * 9)),
    # --- the admin site's own views ---
    "admin:index": Expect(_url("admin:index"),
        get="alogin alogin alogin alogin alogin alogin 200 200 alogin"),
    "admin:login": Expect(_url("admin:login"),
        get="200 200 200 200 200 200 302→admin:index 302→admin:index 200",
        post="200 200 200 200 200 200 200 200 200"),
    "admin:logout": Expect(_url("admin:logout"),
        get="alogin 302→admin:index 302→admin:index 302→admin:index 302→admin:index "
            "302→admin:index 405 405 alogin",
        post="alogin 302→admin:index 302→admin:index 302→admin:index 302→admin:index "
             "302→admin:index login login alogin"),
    "admin:password_change": Expect(_url("admin:password_change"),
        get="alogin alogin alogin alogin alogin alogin 200 200 alogin"),
    "admin:password_change_done": Expect(_url("admin:password_change_done"),
        get="alogin alogin alogin alogin alogin alogin 200 200 alogin",
        post="alogin alogin alogin alogin alogin alogin 405 405 alogin"),
    "admin:autocomplete": Expect(
        lambda w: reverse("admin:autocomplete")
        + "?app_label=people&model_name=employee&field_name=manager",
        get="alogin alogin alogin alogin alogin alogin 200 200 alogin",
        post="alogin alogin alogin alogin alogin alogin 405 405 alogin"),
    "admin:jsi18n": Expect(_url("admin:jsi18n"),
        get="alogin alogin alogin alogin alogin alogin 200 200 alogin",
        post="alogin alogin alogin alogin alogin alogin 405 405 alogin"),
    # No model of ours has a page of its own on the site to view.
    "admin:view_on_site": Expect(
        _url("admin:view_on_site",
             lambda w: ContentType.objects.get_for_model(w["objects"]["case"]).pk,
             _pk("case")),
        get="alogin alogin alogin alogin alogin alogin 404 404 alogin"),
    "admin:app_list": Expect(_url("admin:app_list", lambda w: "people"),
        get="alogin alogin alogin alogin alogin alogin 200 200 alogin"),
    "admin/(?P<url>.*)$": Expect(lambda w: "/admin/no-such-page/",
        get="alogin alogin alogin alogin alogin alogin 404 404 alogin"),
    # --- custom admin views of our models ---
    "admin:auth_user_password_change": Expect(
        _url("admin:auth_user_password_change", _pk("auth.user")),
        get="login alogin alogin alogin alogin alogin 403 200 login"),  # HR sets no password
    "admin:frameworks_framework_draft": Expect(
        _url("admin:frameworks_framework_draft", _pk("frameworks.framework")),
        get=f"login alogin alogin alogin alogin alogin {DRAFT_CHANGE} {DRAFT_CHANGE} login"),
    "admin:frameworks_framework_discard": Expect(
        _url("admin:frameworks_framework_discard", _pk("frameworks.framework")),
        get=f"login alogin alogin alogin alogin alogin {DRAFT_CHANGE} {DRAFT_CHANGE} login",
        post="login alogin alogin alogin alogin alogin 302→admin:frameworks_framework_changelist+db"
             " 302→admin:frameworks_framework_changelist+db login"),
    # A draft's impact preview; HR publishes from it (an empty form does not confirm).
    "admin:promotions_frameworkimpact_change": Expect(
        _url("admin:promotions_frameworkimpact_change", _pk("promotions.frameworkimpact")),
        get="login alogin alogin alogin alogin alogin 200 200 login"),
    # --- deletions the admin refuses for what hangs on the object ---
    # A level's requirements are not deleted in the admin: neither is a level that has them.
    "admin:frameworks_level_delete": Expect(
        _url("admin:frameworks_level_delete", _pk("frameworks.level")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        post="login alogin alogin alogin alogin alogin 403 403 login",
        data=lambda w: {"post": "yes"}),
    # Protected (the page lists what holds them): the draft's requirements name its
    # competency and proficiency; a career profile holds the user.
    "admin:frameworks_competency_delete": Expect(
        _url("admin:frameworks_competency_delete", _pk("frameworks.competency")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        data=lambda w: {"post": "yes"}),
    "admin:frameworks_proficiencylevel_delete": Expect(
        _url("admin:frameworks_proficiencylevel_delete", _pk("frameworks.proficiencylevel")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        data=lambda w: {"post": "yes"}),
    "admin:auth_user_delete": Expect(
        _url("admin:auth_user_delete", _pk("auth.user")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        data=lambda w: {"post": "yes"}),
    "audit_trail": Expect(_url("audit_trail"),
        get="login alogin alogin alogin alogin alogin 200 200 login"),
    # A person's level changes here (as by a promotion, with a reason); an empty form
    # shows its errors. HR's own record would answer 403 (people/tests/test_separation.py).
    "admin:people_employee_level": Expect(
        _url("admin:people_employee_level", _pk("people.employee")),
        get="login alogin alogin alogin alogin alogin 200 200 login"),
    # django-axes' records are all read-only fields: a superuser's empty form saves as is.
    "admin:axes_accessattempt_change": Expect(
        _url("admin:axes_accessattempt_change", _pk("axes.accessattempt")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        post="login alogin alogin alogin alogin alogin 403 "
             "302→admin:axes_accessattempt_changelist+db login"),
    "admin:axes_accesslog_change": Expect(
        _url("admin:axes_accesslog_change", _pk("axes.accesslog")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        post="login alogin alogin alogin alogin alogin 403 "
             "302→admin:axes_accesslog_changelist+db login"),
    "admin:axes_accessfailurelog_change": Expect(
        _url("admin:axes_accessfailurelog_change", _pk("axes.accessfailurelog")),
        get="login alogin alogin alogin alogin alogin 403 200 login",
        post="login alogin alogin alogin alogin alogin 403 "
             "302→admin:axes_accessfailurelog_changelist+db login"),
    # --- nested_admin's script data, for the admin's nested forms ---
    "nesting_server_data": Expect(lambda w: "/_nested_admin/server-data.js",
        get="login 403 403 403 403 403 200 200 login"),
}

# What HR and a superuser may do with each admin model, as letters: v(iew), a(dd),
# c(hange), d(elete). HR's group has no delete permission; read-only admins (records the
# system writes) allow viewing only; a framework's parts are edited in a draft (the
# coverage company's object is a draft's), and versions are never deleted.
ADMIN_RIGHTS: dict[str, tuple[str, str]] = {
    #                                    hr      superuser
    "auth.group":                       ("",     "vacd"),
    "auth.user":                        ("vac",  "vacd"),
    "django_celery_beat.periodictask":  ("vac",  "vacd"),
    "django_celery_beat.intervalschedule": ("vac", "vacd"),
    "django_celery_beat.crontabschedule": ("vac", "vacd"),
    "django_celery_beat.solarschedule": ("vac",  "vacd"),
    "django_celery_beat.clockedschedule": ("vac", "vacd"),
    "frameworks.framework":             ("vac",  "vac"),
    "frameworks.level":                 ("vac",  "vacd"),
    "frameworks.competency":            ("vc",   "vcd"),   # added inside its framework
    "frameworks.proficiencylevel":      ("vac",  "vacd"),
    "frameworks.metricdefinition":      ("vac",  "vac"),   # in use by name: kept
    "frameworks.requirement":           ("v",    "v"),     # edited under its level
    "people.employee":                  ("vac",  "vac"),   # people leave, never deleted
    "people.levelhistory":              ("v",    "v"),
    "assessments.evidence":             ("vc",   "vc"),    # submitted by the person; kept
    "assessments.competencyrating":     ("v",    "v"),     # given on the career pages
    "assessments.attestation":          ("v",    "v"),     # given on the career pages
    "assessments.monthlymetric":        ("vac",  "vac"),   # audited: never deleted
    "assessments.helpdesktagcategory":  ("vac",  "vac"),
    "assessments.helpdeskagent":        ("vac",  "vac"),   # audited: never deleted
    "assessments.importprofile":        ("vac",  "vac"),   # audited: never deleted
    "assessments.leaver":               ("v",    "v"),
    "promotions.eligibilitystatus":     ("v",    "v"),
    "promotions.notification":          ("v",    "v"),
    "promotions.sweeprun":              ("v",    "v"),
    "promotions.sweep":                 ("v",    "v"),
    "promotions.approvalstep":          ("vac",  "vac"),
    "promotions.notificationdelivery":  ("v",    "v"),
    "promotions.slackwebhook":          ("vac",  "vac"),   # audited: the URL is cleared
    "outbox.outboxtask":                ("",     "v"),     # operations, not HR's
    "axes.accessattempt":               ("",     "vcd"),   # a superuser lifts a lockout
    "axes.accesslog":                   ("",     "vcd"),
    "axes.accessfailurelog":            ("",     "vcd"),
    "promotions.promotioncase":         ("v",    "v"),
    "promotions.frameworkimpact":       ("v",    "v"),
    "api.apitoken":                     ("va",   "va"),    # revoked (an action), kept
}
# fmt: on

NOT_STAFF = ("employee", "peer", "manager", "skip_level", "unrelated_manager")


def _admin_rule(pattern) -> Expect | None:
    """The expectation of a standard ModelAdmin URL, from ADMIN_RIGHTS.

    Anonymous people (and leavers, whose login ended) meet the site's login first (the
    login-required middleware runs before the admin); people who are not staff meet the
    admin's login; HR and the superuser get what their rights say.
    """
    label = next(
        (lbl for prefix, lbl in admin_model_prefixes().items() if pattern.route.startswith(prefix)),
        None,
    )
    if label is None or label not in ADMIN_RIGHTS:
        return None
    prefix = f"admin/{label.replace('.', '/')}/"
    kind = pattern.route[len(prefix) :]
    meta_name = label.replace(".", "_")

    def obj(w):
        return w["objects"][label]

    def rights_row(get_or_post):
        row = {"anonymous": "login", "leaver": "login", **dict.fromkeys(NOT_STAFF, "alogin")}
        for persona, rights in zip(("hr", "superuser"), ADMIN_RIGHTS[label], strict=True):
            row[persona] = get_or_post(set(rights))
        return " ".join(row[p] for p in PERSONAS)

    def allowed(needed, yes="200"):
        return lambda rights: yes if rights & set(needed) else "403"

    if kind == "":  # the changelist
        return Expect(lambda w: f"/{prefix}", get=rights_row(allowed("vc")))
    if kind == "add/":
        return Expect(lambda w: f"/{prefix}add/", get=rights_row(allowed("a")))
    if kind == "<path:object_id>/change/":
        return Expect(
            lambda w: f"/{prefix}{obj(w).pk}/change/",
            get=rights_row(allowed("vc")),
            post=rights_row(allowed("c")),  # an empty form: its errors
        )
    if kind == "<path:object_id>/history/":
        return Expect(lambda w: f"/{prefix}{obj(w).pk}/history/", get=rights_row(allowed("vc")))
    if kind == "<path:object_id>/delete/":
        return Expect(
            lambda w: f"/{prefix}{obj(w).pk}/delete/",
            get=rights_row(allowed("d")),
            post=rights_row(allowed("d", f"302→admin:{meta_name}_changelist+db")),
            data=lambda w: {"post": "yes"},  # the confirmation page's button
        )
    if kind == "<path:object_id>/":  # an old-style object URL: on to its change page
        return Expect(
            lambda w: f"/{prefix}{obj(w).pk}/",
            get=rights_row(lambda rights: f"302→admin:{meta_name}_change"),
        )
    if kind == "^([^/]+)/history/([^/]+)/$":  # django-simple-history: one past version
        return Expect(
            lambda w: (
                f"/{prefix}{obj(w).pk}/history/"
                f"{obj(w).history.order_by('history_id').first().history_id}/"
            ),
            # Reverting is off (SIMPLE_HISTORY_REVERT_DISABLED): a POST shows the same
            # read-only page and writes nothing.
            get=rights_row(allowed("vc")),
        )
    return None


def expectation(pattern) -> Expect | None:
    return PAGES.get(pattern.key) or _admin_rule(pattern)


# --- the tests ----------------------------------------------------------------------------


def test_every_url_pattern_has_an_expectation():
    missing = [p for p in url_patterns() if expectation(p) is None]
    assert not missing, (
        "These URL patterns have no access expectation in tests/test_url_coverage.py; "
        "decide who may GET and POST them and add them to PAGES (or ADMIN_RIGHTS for an "
        "admin model):\n" + "\n".join(f"  {p.key}  ({p.route})" for p in missing)
    )


def test_every_expectation_names_a_url_pattern():
    keys = {p.key for p in url_patterns()}
    stale = sorted(set(PAGES) - keys) + sorted(
        set(ADMIN_RIGHTS) - set(admin_model_prefixes().values())
    )
    assert not stale, f"Expectations for URL patterns or admin models that are gone: {stale}"


@pytest.fixture
def world(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world()


def _clients(users) -> dict[str, Client]:
    """A logged-in test client per persona (logging in writes the user's last login).
    A crash is an outcome ("500") in the list of wrong ones, not the end of the test."""
    clients = {}
    for persona, user in users.items():
        clients[persona] = Client(raise_request_exception=False)
        if user is not None:
            clients[persona].force_login(user)
    return clients


@pytest.mark.parametrize("method", METHODS)
def test_every_url_as_every_persona(world, method):
    """Every URL pattern, as every persona: the expected outcome, and no write where none
    is expected. POSTs are undone one by one; GETs are not, and the whole database is
    compared before and after all of them: no GET changes anything."""
    clients = _clients(world["users"])
    before = fingerprint() if method == "GET" else None
    wrong, count = [], 0
    started = time.monotonic()
    for persona in PERSONAS:
        for pattern in url_patterns():
            expect = expectation(pattern)
            url = expect.url(world)
            data = expect.data(world) if (method == "POST" and expect.data) else None
            outcome, writes = request(
                clients[persona], method, url, data, rollback=method == "POST"
            )
            count += 1
            wanted = expect.outcomes(method)[persona]
            if outcome != wanted:
                detail = f"; wrote: {writes[0][:120]}" if writes and "+db" not in wanted else ""
                wrong.append(f"  {method} {url} as {persona}: {outcome}, expected {wanted}{detail}")
    elapsed = time.monotonic() - started
    if before is not None:
        after = fingerprint()
        changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        if changed:
            wrong.append(f"  GET requests changed these tables: {changed}")
    assert not wrong, f"{len(wrong)} wrong of {count} requests ({elapsed:.1f} s):\n" + "\n".join(
        wrong
    )
    assert count == len(PERSONAS) * len(url_patterns())


# Views that change something on POST and show nothing on GET, with someone allowed to
# POST them: a GET must answer 405, or redirect without changing anything.
ACTIONS = {
    "assessments:evidence_withdraw": "employee",
    "assessments:evidence_review": "manager",
    "assessments:evidence_review_bulk": "manager",
    "promotions:nominate": "manager",
    "api:evidence_review": "manager",
    "api:case_decide": "manager",
    "promotions:notifications_read": "employee",
    "assessments:import_apply": "hr",
    "logout": "employee",
    "admin:logout": "hr",
    "admin:frameworks_framework_draft": "hr",
    "admin:frameworks_framework_discard": "hr",
}
# Pages that show a form on GET and act on its POST.
FORMS = {
    "promotions:case",
    "promotions:notification_settings",
    "api:person_confirmations",
    "admin:axes_accessattempt_change",
    "admin:axes_accesslog_change",
    "admin:axes_accessfailurelog_change",
}


def _is_admin_delete(pattern) -> bool:
    return pattern.route.startswith("admin/") and pattern.route.endswith("/delete/")


def test_every_url_that_writes_on_post_is_a_known_action_or_form():
    """A new view that writes on POST must be classified here (and so checked below)."""
    unknown = [
        p.key
        for p in url_patterns()
        if "+db" in " ".join(expectation(p).outcomes("POST").values())
        and p.key not in ACTIONS
        and p.key not in FORMS
        and not _is_admin_delete(p)
    ]
    assert not unknown, f"These write on POST: add them to ACTIONS or FORMS: {unknown}"


def test_state_changing_views_refuse_get(world):
    """As someone who may POST them, a GET changes nothing and answers 405 or redirects."""
    patterns = {p.key: p for p in url_patterns()}
    clients = _clients({p: world["users"][p] for p in set(ACTIONS.values())})
    before = fingerprint()
    wrong = []
    for key, persona in ACTIONS.items():
        url = expectation(patterns[key]).url(world)
        outcome, writes = request(clients[persona], "GET", url, rollback=False)
        if writes or not (outcome == "405" or outcome.startswith("302→")):
            wrong.append(f"  GET {url} as {persona}: {outcome} {writes[:1]}")
    assert not wrong, "State-changing views that do not refuse GET:\n" + "\n".join(wrong)
    assert fingerprint() == before
