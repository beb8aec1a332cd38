"""Machinery for the URL coverage test (tests/test_url_coverage.py): every URL pattern of
the project, a small company to request them with, and one request's outcome in words.

An outcome is what a user notices, as a short string:

- "200", "403", "404", "405" (and any other status code);
- "302→NAME" for a redirect, NAME being the URL name the Location resolves to
  ("302→login" is the login page, "302→admin:login" the admin's);
- "+db" appended when the request sent a write (INSERT, UPDATE, DELETE) to the database,
  sessions aside; an UPDATE that happens to match no row counts too.
"""

import dataclasses
import datetime
import hashlib
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

PERSONAS = (
    "anonymous",
    "employee",
    "peer",
    "manager",
    "skip_level",
    "unrelated_manager",
    "hr",
    "superuser",
    "leaver",
)
METHODS = ("GET", "POST")

TODAY = datetime.date(2026, 11, 26)


# --- the URL patterns -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    route: str  # the full route, e.g. "evidence/<int:pk>/"
    name: str | None  # the full name with namespaces, e.g. "assessments:evidence_detail"

    @property
    def key(self) -> str:
        """What the expectations table is keyed by: the name, else the route."""
        return self.name or self.route


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, walked from the root URLconf (the admin included)."""
    found = []

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                found.append(Pattern(prefix + str(entry.pattern), name))

    walk(get_resolver(), "", None)
    return found


def admin_model_prefixes() -> dict[str, str]:
    """ "admin/app_label/model_name/" -> "app_label.model_name", for every registered model."""
    return {
        f"admin/{model._meta.app_label}/{model._meta.model_name}/": model._meta.label_lower
        for model in admin.site._registry
    }


# --- the company ------------------------------------------------------------------------


def build_world() -> dict:
    """Everyone the coverage test logs in as, and one object for every URL that needs one.

    skip_level -> manager -> employee and peer (and the leaver, who left); an unrelated
    manager with a report of their own; HR (staff, in the HR group, on a framework too); a
    superuser with no career profile. The employee has evidence (waiting, with a file;
    rejected), an open promotion case, ratings, an attestation, a metric, a notification.
    """
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from api.services import token_issue
    from assessments.import_runs import import_run_create
    from assessments.models import (
        Attestation,
        CompetencyRating,
        Evidence,
        HelpdeskAgent,
        HelpdeskTagCategory,
        ImportProfile,
        ImportProfileTitle,
        MonthlyMetric,
    )
    from assessments.tests.factories import EvidenceFactory
    from frameworks.models import Framework, MetricDefinition
    from frameworks.services import framework_draft_open
    from outbox.models import OutboxTask
    from people.models import LevelHistory
    from people.roles import HR_GROUP, roles_ensure
    from people.services import employee_leave
    from people.tests.factories import EmployeeFactory, UserFactory
    from promotions.models import (
        ApprovalStep,
        EligibilityStatus,
        Notification,
        NotificationDelivery,
        SlackWebhook,
        Sweep,
        SweepRun,
    )
    from promotions.services import promotion_nominate, slack_webhook_save

    roles_ensure()
    skip_level = EmployeeFactory(level_code="senior-superhero", user__username="skip@example.com")
    manager = EmployeeFactory(
        level_code="senior-superhero", manager=skip_level, user__username="manager@example.com"
    )
    employee = EmployeeFactory(manager=manager, user__username="employee@example.com")
    peer = EmployeeFactory(manager=manager, user__username="peer@example.com")
    leaver = EmployeeFactory(manager=manager, user__username="leaver@example.com")
    unrelated_manager = EmployeeFactory(
        level_code="senior-superhero", user__username="unrelated@example.com"
    )
    other_report = EmployeeFactory(manager=unrelated_manager, user__username="other@example.com")
    hr = EmployeeFactory(
        level_code="senior-superhero", user__username="hr@example.com", user__is_staff=True
    )
    hr.user.groups.add(Group.objects.get(name=HR_GROUP))
    superuser = UserFactory(username="root@example.com", is_staff=True, is_superuser=True)
    employee_leave(employee=leaver, actor=hr.user, left_on=TODAY)

    waiting = EvidenceFactory(
        employee=employee,
        title="Waiting ticket",
        attachment=SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide"),
    )
    rejected = EvidenceFactory(
        employee=employee,
        title="Rejected ticket",
        status=Evidence.Status.REJECTED,
        reviewed_by=manager.user,
        review_comment="Which ticket?",
    )
    EvidenceFactory(employee=peer, title="Peer's ticket")
    EvidenceFactory(employee=other_report, title="Other report's ticket")

    published = employee.framework
    superhero = published.levels.get(code="superhero")
    case = promotion_nominate(
        employee=employee,
        to_level=superhero,
        actor=manager.user,
        justification="Ready in all but time.",
        as_of=TODAY,
    )

    # Parts of the frameworks: the Whatfix framework has competencies; a draft of it is
    # what HR edits in the admin (a published version is read-only).
    whatfix = Framework.objects.get(slug="whatfix-support", status="published")
    draft, _ = framework_draft_open(framework=whatfix, actor=None)
    draft_level = draft.levels.filter(requirements__isnull=False).order_by("rank").first()
    competency = published.competencies.first() or whatfix.competencies.first()
    proficiency = competency.framework.proficiency_levels.order_by("rank").first()
    rating_employee = employee
    if competency.framework_id != employee.framework_id:
        rating_employee = EmployeeFactory(
            framework_slug="whatfix-support", level_code="S0", user__username="wf@example.com"
        )
    rating = CompetencyRating.objects.create(
        employee=rating_employee,
        competency=competency,
        proficiency=proficiency,
        source=CompetencyRating.Source.MANAGER,
        period="2026-H2",
        rated_on=TODAY,
        rated_by=manager.user,
    )
    attestation = Attestation.objects.create(
        employee=employee,
        code="quality",
        level=superhero,
        statement="Keeps the quality bar",
        attested_by=manager.user,
        attested_on=TODAY,
    )
    metric = MonthlyMetric.objects.create(
        employee=employee,
        metric=MetricDefinition.objects.order_by("pk").first().slug,
        period=datetime.date(2026, 10, 1),
        value=100,
    )
    history = LevelHistory.objects.create(
        employee=employee, to_level=employee.level, changed_on=employee.hire_date
    )
    notification = Notification.objects.create(
        recipient=employee.user,
        kind=Notification._meta.get_field("kind").choices[0][0],
        key="coverage-1",
        subject="Welcome",
    )
    eligibility = EligibilityStatus.objects.create(
        employee=employee,
        target_level=superhero,
        eligible=False,
        met_count=1,
        total_count=3,
        evaluated_on=TODAY,
        changed_on=TODAY,
    )
    sweep = SweepRun.objects.create(key="coverage", as_of=TODAY)
    tag = HelpdeskTagCategory.objects.create(tag="salesforce", category="integration")
    agent = HelpdeskAgent.objects.create(name="Agent Smith", key="agent smith")
    profile = ImportProfile.objects.create(name="acme-hris", based_on="bamboohr")
    ImportProfileTitle.objects.create(profile=profile, title="Support Hero", level=employee.level)
    token, _ = token_issue(user=employee.user, name="coverage script", actor=hr.user)
    import_run = import_run_create(  # checked by its dry run: ready to apply
        actor=hr.user, kind="helpdesk-tags", file_name="tags.csv",
        data=b"tag,category\nsalesforce-sync,integration\n",
    )  # fmt: skip

    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    crontab = CrontabSchedule.objects.create(minute="0", hour="3")
    solar = SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=0)
    clocked = ClockedSchedule.objects.create(
        clocked_time=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    )
    task = PeriodicTask.objects.filter().first() or PeriodicTask.objects.create(
        name="coverage", task="promotions.tasks.nightly", interval=interval
    )

    objects = {
        # app pages
        "evidence_waiting": waiting,
        "evidence_rejected": rejected,
        "case": case,
        "published": published,
        "import_run": import_run,
        "nominee": peer,  # the employee already has an open case for the next level
        "next_level": superhero,
        # one object per admin model, by "app_label.model_name"
        "auth.group": Group.objects.get(name=HR_GROUP),
        "auth.user": employee.user,
        "django_celery_beat.periodictask": task,
        "django_celery_beat.intervalschedule": interval,
        "django_celery_beat.crontabschedule": crontab,
        "django_celery_beat.solarschedule": solar,
        "django_celery_beat.clockedschedule": clocked,
        "frameworks.framework": draft,
        "frameworks.level": draft_level,
        "frameworks.competency": draft.competencies.first(),
        "frameworks.proficiencylevel": draft.proficiency_levels.first(),
        "frameworks.metricdefinition": MetricDefinition.objects.order_by("pk").first(),
        "frameworks.requirement": draft_level.requirements.first(),
        "people.employee": employee,
        "people.levelhistory": history,
        "assessments.evidence": waiting,
        "assessments.competencyrating": rating,
        "assessments.attestation": attestation,
        "assessments.monthlymetric": metric,
        "assessments.helpdesktagcategory": tag,
        "assessments.helpdeskagent": agent,
        "assessments.importprofile": profile,
        "assessments.leaver": leaver,
        "promotions.eligibilitystatus": eligibility,
        "promotions.notification": notification,
        "promotions.sweeprun": sweep,
        "promotions.sweep": Sweep.objects.create(as_of=TODAY, started_at=timezone.now()),
        "promotions.approvalstep": ApprovalStep.objects.order_by("pk").first(),
        "promotions.promotioncase": case,
        "promotions.frameworkimpact": draft,
        "promotions.notificationdelivery": NotificationDelivery.objects.create(
            notification=notification, channel="email"
        ),
        "promotions.slackwebhook": slack_webhook_save(
            webhook=SlackWebhook(scope="team", team="Coverage"),
            url="https://hooks.slack.com/services/T000/B000/coverage",
            actor=hr.user,
        ),
        "api.apitoken": token,
        "outbox.outboxtask": OutboxTask.objects.create(task_name="outbox.tasks.relay"),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="someone@example.com",
            ip_address="192.0.2.1",
            user_agent="coverage",
            failures_since_start=3,
        ),
        "axes.accesslog": AccessLog.objects.create(
            username="someone@example.com", ip_address="192.0.2.1", user_agent="coverage"
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            username="someone@example.com", ip_address="192.0.2.1", user_agent="coverage"
        ),
    }
    missing = sorted(label for label, obj in objects.items() if obj is None)
    assert not missing, f"the coverage company lacks objects for {missing}"
    for obj in objects.values():
        # Rows made by migrations (the default approval steps) predate their history.
        history = getattr(type(obj), "history", None)
        if history is not None and not obj.history.exists():
            obj.save()
    users = {
        "anonymous": None,
        "employee": employee.user,
        "peer": peer.user,
        "manager": manager.user,
        "skip_level": skip_level.user,
        "unrelated_manager": unrelated_manager.user,
        "hr": hr.user,
        "superuser": superuser,
        "leaver": leaver.user,
    }
    return {"users": users, "objects": objects, "employee": employee, "draft": draft}


# --- one request ------------------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _is_write(sql: str) -> bool:
    statement = sql.lstrip().upper()
    return statement.startswith(WRITES) and "DJANGO_SESSION" not in statement


def describe(response) -> str:
    """A response as an outcome string (see the module's docstring), without "+db"."""
    if response.status_code in (301, 302):
        location = urlsplit(response["Location"])
        try:
            match = resolve(location.path)
        except Resolver404:
            return f"{response.status_code}→{location.path}"
        name = match.view_name if match.url_name else location.path
        return f"{response.status_code}→{name}"
    return str(response.status_code)


def request(client, method: str, url: str, data=None, *, rollback: bool) -> tuple[str, list[str]]:
    """Send one request (a POST sends `data` as a form, else an empty one); (outcome, the
    writing SQL statements).

    With `rollback`, whatever the request wrote is undone afterwards (a savepoint) and the
    client's cookies are put back, so a request that succeeds (a delete, a logout) does not
    change the company for the next one.
    """

    def send(url):
        if method == "GET":
            return client.get(url)
        return client.post(url, data or {})

    cookies = SimpleCookie()
    cookies.load(client.cookies.output(header="", sep=";"))
    reset_queries()  # the query log keeps 9000 queries: start each request with an empty one
    with CaptureQueriesContext(connection) as queries:
        if rollback:
            with transaction.atomic():
                response = send(url)
                transaction.set_rollback(True)
        else:
            response = send(url)
    if rollback:
        client.cookies = cookies
    writes = [q["sql"] for q in queries.captured_queries if _is_write(q["sql"])]
    outcome = describe(response) + ("+db" if writes else "")
    return outcome, writes


# --- the whole database, cheaply --------------------------------------------------------


def fingerprint() -> dict[str, tuple[int, str]]:
    """table -> (row count, a hash of its rows), for every table but the sessions'."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table == "django_session":
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608  (names from introspection)
            # PostgreSQL hands binary columns back as memoryviews, whose repr is an address.
            rows = sorted(
                repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                for row in cursor.fetchall()
            )
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result
