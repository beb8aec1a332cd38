"""Slack as a notification channel, against a local server answering as Slack's incoming
webhooks do: what is posted (only opted-in, non-private notifications, as a linked
subject), 429 with Retry-After, permanent refusals that stop and show HR a broken webhook,
5xx and timeouts retried; the write-only, encrypted webhook URL in the admin; the
person's settings page."""

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from people.tests.factories import EmployeeFactory
from promotions.channels import CHANNELS
from promotions.models import (
    ChannelPreference,
    Notification,
    NotificationDelivery,
    SlackWebhook,
)
from promotions.services import (
    DeliveryFailed,
    DeliveryRetryLater,
    NotificationDraft,
    channel_preferences_set,
    deliveries_redrive,
    notification_deliver,
    notifications_create,
    slack_webhook_save,
)
from promotions.tasks import deliver_notification
from tests.real_services import FakeSlack

pytestmark = pytest.mark.django_db


@pytest.fixture
def slack():
    server = FakeSlack()
    with override_settings(
        SLACK_WEBHOOK_PREFIXES=["https://hooks.slack.com/", server.prefix],
        SLACK_TIMEOUT=1,
        SITE_URL="https://careerpath.example.com",
    ):
        yield server
    server.close()


@pytest.fixture
def webhook(slack, hr):
    return slack_webhook_save(
        webhook=SlackWebhook(scope="team", team="Support"), url=slack.url, actor=hr
    )


def opt_in(employee, *kinds):
    channel_preferences_set(
        user=employee.user,
        chosen={("email", k) for k in Notification.Kind.values} | {("slack", k) for k in kinds},
        actor=employee.user,
    )


def notify(employee, key="event-1", kind=Notification.Kind.MILESTONE, private=False, **more):
    notifications_create(
        [
            NotificationDraft(
                recipient_id=employee.user_id,
                kind=kind,
                key=key,
                subject=more.get("subject", "You reached 12 months <& more>"),
                body="A private comment from your reviewer.",
                url="/",
                private=private,
            )  # fmt: skip
        ]
    )
    return NotificationDelivery.objects.filter(notification__key=key, channel="slack").first()


def test_the_registry_covers_email_and_slack_for_every_kind():
    assert set(CHANNELS) == {"email", "slack"}
    for channel in CHANNELS.values():
        assert {"wants", "send", "available_to"} <= set(dir(channel))


def test_an_opted_in_notification_is_posted_as_a_linked_subject_without_its_body(webhook, slack):
    person = EmployeeFactory(team="Support")
    opt_in(person, Notification.Kind.MILESTONE)
    delivery = notify(person)
    assert notification_deliver(delivery_id=delivery.pk) is True
    assert notification_deliver(delivery_id=delivery.pk) is False  # never twice
    [(path, headers, body)] = slack.received
    assert path == "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXabcd"
    assert headers["Content-Type"].startswith("application/json")
    # Slack's mrkdwn link to the page, with &, < and > escaped as Slack asks.
    link = "https://careerpath.example.com/"
    assert body["text"] == f"<{link}|You reached 12 months &lt;&amp; more&gt;>"
    assert "private comment" not in str(body)
    # E-mail still goes to the person, with the body.
    assert NotificationDelivery.objects.filter(
        notification=delivery.notification, channel="email"
    ).exists()


def test_nothing_goes_to_slack_without_opting_in_or_about_someone_else(webhook, slack):
    person = EmployeeFactory(team="Support")
    assert notify(person, key="not-opted-in") is None
    opt_in(person, Notification.Kind.NEWLY_ELIGIBLE, Notification.Kind.MILESTONE)
    # A manager's note that a report became eligible names the report: e-mail only.
    assert notify(person, key="about-a-report", kind="newly_eligible", private=True) is None
    assert notify(person, key="another-kind", kind="review_reminder") is None  # not chosen
    other_team = EmployeeFactory(team="Sales")
    opt_in(other_team, Notification.Kind.MILESTONE)
    assert notify(other_team, key="no-webhook-for-that-team") is None
    assert notify(person, key="chosen") is not None
    assert set(NotificationDelivery.objects.values_list("notification__key", "channel")) >= {
        ("about-a-report", "email"),
        ("not-opted-in", "email"),
    }


def test_a_framework_webhook_serves_people_whose_team_has_none(slack, hr):
    slack_webhook_save(
        webhook=SlackWebhook(scope="framework", framework_slug="support-formula"),
        url=slack.url,
        actor=hr,
    )
    person = EmployeeFactory(team="Night shift")
    opt_in(person, Notification.Kind.MILESTONE)
    delivery = notify(person)
    assert notification_deliver(delivery_id=delivery.pk) is True
    assert len(slack.received) == 1


def test_429_waits_as_long_as_retry_after_says(webhook, slack, celery_eager, monkeypatch):
    person = EmployeeFactory(team="Support")
    opt_in(person, Notification.Kind.MILESTONE)
    delivery = notify(person)
    slack.answers = [(429, "rate_limited", {"Retry-After": "7"})]
    with pytest.raises(DeliveryRetryLater) as raised:
        notification_deliver(delivery_id=delivery.pk)
    assert raised.value.seconds == 7

    countdowns = []
    original = deliver_notification.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(deliver_notification, "retry", spy)
    slack.answers = [(429, "rate_limited", {"Retry-After": "12"})]
    deliver_notification.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert countdowns[0] == 12  # the task waited as long as Slack asked
    assert delivery.delivered_at is not None and delivery.attempts == 3
    assert len(slack.received) == 3


@pytest.mark.parametrize(
    "status,code", [(404, "no_service"), (410, "channel_is_archived"), (403, "action_prohibited")]
)
def test_a_permanent_refusal_stops_and_marks_the_webhook_broken(
    webhook, slack, celery_eager, status, code
):
    person = EmployeeFactory(team="Support")
    opt_in(person, Notification.Kind.MILESTONE)
    slack.answers = [(status, code, {})]
    delivery = notify(person)
    deliver_notification.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.delivered_at is None and delivery.failed_at is not None
    assert delivery.attempts == 1 and len(slack.received) == 1  # not retried
    assert code in delivery.last_error
    webhook.refresh_from_db()
    assert webhook.broken_at is not None and code in webhook.broken_reason
    assert deliveries_redrive() == 0  # the watchdog leaves it alone
    # New notifications skip the broken webhook until HR saves a new URL.
    assert notify(person, key="after") is None


def test_server_errors_and_timeouts_are_retried(webhook, slack):
    person = EmployeeFactory(team="Support")
    opt_in(person, Notification.Kind.MILESTONE)
    delivery = notify(person)
    slack.answers = [(500, "internal_error", {})]
    with pytest.raises(DeliveryFailed, match="500"):
        notification_deliver(delivery_id=delivery.pk)
    slack.delay = 1.5  # longer than SLACK_TIMEOUT
    with pytest.raises(DeliveryFailed, match="(?i)timed out"):
        notification_deliver(delivery_id=delivery.pk)
    slack.delay = 0
    assert notification_deliver(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.failed_at is None
    webhook.refresh_from_db()
    assert webhook.broken_at is None


# --- the admin: HR sets a webhook it can never read back --------------------------------


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_hr_sets_a_webhook_that_is_stored_encrypted_and_never_shown(slack, hr):
    client = admin_client(hr)
    secret = "https://hooks.slack.com/services/T0/B0/SECRETsecretWXYZ"
    response = client.post(
        "/admin/promotions/slackwebhook/add/",
        {"scope": "team", "team": "Support", "framework_slug": "", "url": secret},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hook = SlackWebhook.objects.get()
    assert hook.url_hint == "WXYZ" and secret not in hook.url_encrypted
    assert "SECRET" not in str(list(hook.history.values()))  # the trail keeps no copy
    page = client.get(f"/admin/promotions/slackwebhook/{hook.pk}/change/").content.decode()
    assert "SECRET" not in page and "ends in …WXYZ" in page

    # Saving with the URL left blank keeps it; "clear" forgets it.
    client.post(
        f"/admin/promotions/slackwebhook/{hook.pk}/change/",
        {"scope": "team", "team": "Support", "framework_slug": "", "url": ""},
    )
    hook.refresh_from_db()
    assert hook.url_hint == "WXYZ" and hook.is_set
    client.post(
        f"/admin/promotions/slackwebhook/{hook.pk}/change/",
        {"scope": "team", "team": "Support", "framework_slug": "", "url": "", "clear": "on"},
    )
    hook.refresh_from_db()
    assert not hook.is_set and hook.url_hint == ""


@pytest.mark.parametrize(
    "url,message",
    [
        ("https://evil.example.com/services/T0/B0/X", "starts with https://hooks.slack.com/"),
        ("https://hooks.slack.com/services/T0/\x00B0", "control character"),
        ("https://hooks.slack.com/" + "x" * 600, "at most 500 characters"),
    ],
)
def test_only_slack_addresses_are_accepted(hr, url, message):
    response = admin_client(hr).post(
        "/admin/promotions/slackwebhook/add/",
        {"scope": "team", "team": "Support", "framework_slug": "", "url": url},
    )
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert not SlackWebhook.objects.exists()


def test_a_new_url_mends_a_broken_webhook(webhook, slack, hr):
    SlackWebhook.objects.filter(pk=webhook.pk).update(
        broken_at=timezone.now(), broken_reason="404 no_service"
    )
    hook = SlackWebhook.objects.get(pk=webhook.pk)
    slack_webhook_save(webhook=hook, url=slack.url.replace("abcd", "efgh"), actor=hr)
    hook.refresh_from_db()
    assert hook.broken_at is None and hook.broken_reason == "" and hook.url_hint == "efgh"


def test_only_hr_sets_webhooks(slack):
    from django.core.exceptions import PermissionDenied

    person = EmployeeFactory()
    with pytest.raises(PermissionDenied, match="Only HR sets Slack webhooks"):
        slack_webhook_save(
            webhook=SlackWebhook(scope="team", team="Support"), url=slack.url, actor=person.user
        )


# --- the person's settings page ----------------------------------------------------------

SETTINGS = "/notifications/settings/"


def test_people_choose_their_channels_on_the_settings_page(webhook):
    person = EmployeeFactory(team="Support")
    client = admin_client(person.user)
    page = client.get(SETTINGS).content.decode()
    assert 'value="slack:milestone"' in page  # their team has Slack
    assert 'value="email:milestone" id="choice-email-milestone" ' in page
    response = client.post(SETTINGS, {"choice": ["slack:milestone", "email:review_reminder"]})
    assert response.status_code == 302
    chosen = set(
        ChannelPreference.objects.filter(user=person.user, enabled=True).values_list(
            "channel", "kind"
        )
    )
    assert chosen == {("slack", "milestone")}  # e-mail review reminders are on by default
    off = set(
        ChannelPreference.objects.filter(user=person.user, enabled=False).values_list(
            "channel", "kind"
        )
    )
    assert ("email", "milestone") in off and ("email", "review_reminder") not in off
    # Posting the same choice again changes nothing.
    client.post(SETTINGS, {"choice": ["slack:milestone", "email:review_reminder"]})
    assert ChannelPreference.history.count() == len(chosen) + len(off)


def test_slack_shows_not_set_up_without_a_webhook(seeded):
    person = EmployeeFactory(team="Support")
    page = admin_client(person.user).get(SETTINGS).content.decode()
    assert 'value="slack:milestone"' not in page and "not set up" in page


@pytest.mark.parametrize("value", ["slack:nonsense", "sms:milestone", "email:milestone\x00"])
def test_a_forged_choice_is_refused_and_saves_nothing(seeded, value):
    person = EmployeeFactory()
    response = admin_client(person.user).post(SETTINGS, {"choice": [value]})
    assert response.status_code == 400
    assert not ChannelPreference.objects.exists()


def test_the_settings_page_needs_the_csrf_token(seeded):
    person = EmployeeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(person.user)
    assert client.post(SETTINGS, {"choice": []}).status_code == 403
    assert not ChannelPreference.objects.exists()


def test_nobody_chooses_for_someone_else(seeded):
    from django.core.exceptions import PermissionDenied

    person, other = EmployeeFactory(), EmployeeFactory()
    with pytest.raises(PermissionDenied, match="People choose their own channels"):
        channel_preferences_set(user=person.user, chosen=set(), actor=other.user)


def test_email_switched_off_for_a_kind_is_not_sent(seeded):
    person = EmployeeFactory()
    channel_preferences_set(user=person.user, chosen=set(), actor=person.user)
    notify(person, key="quiet")
    assert not NotificationDelivery.objects.filter(notification__key="quiet").exists()
    assert Notification.objects.filter(key="quiet").exists()  # still on the page
