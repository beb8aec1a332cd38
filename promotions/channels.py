"""Notification channels: one registry, one entry per way of telling people.

A channel says whether it wants a notification and sends it, raising on any failure so
that the delivery task retries; it never reports success it did not get. It raises
`RetryAfter` when the service asked to be called again later (Slack's 429) and
`PermanentFailure` when retrying cannot help (a removed webhook): that delivery stops.

What goes where (the privacy rule, README "Slack"):
- E-mail goes to the person alone: on for every kind unless they turned it off.
- Slack posts to a channel the whole team (or framework) reads, so it carries a
  notification only when its recipient opted in for that kind on their settings page,
  never a private one (about someone else: a report's eligibility), and only the subject
  and a link: bodies (a reviewer's comment on a decision) stay in CareerPath.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from careerpath.crypto import SecretUnreadable, secret_decrypt
from careerpath.links import absolute_url
from people.models import Employee

from .models import ChannelPreference, Notification, SlackWebhook


class PermanentFailure(Exception):
    """Retrying cannot help: the delivery is marked failed and never tried again."""


class RetryAfter(Exception):
    """The service asked to be called again after `seconds`."""

    def __init__(self, message: str, seconds: int):
        super().__init__(message)
        self.seconds = seconds


@dataclass
class Audience:
    """What the channels need to know about the recipients of a batch of notifications,
    read in a constant number of queries (a sweep notifies thousands at once)."""

    choices: dict = field(default_factory=dict)  # (user_id, channel, kind) -> bool
    webhooks: dict = field(default_factory=dict)  # user_id -> SlackWebhook

    def chose(self, user_id: int, channel: str, kind: str, default: bool) -> bool:
        return self.choices.get((user_id, channel, kind), default)


def audience_for(user_ids) -> Audience:
    """Three queries: the people's choices, their teams and frameworks, the webhooks."""
    user_ids = list(set(user_ids))
    choices = {
        (user_id, channel, kind): enabled
        for user_id, channel, kind, enabled in ChannelPreference.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "channel", "kind", "enabled")
    }
    return Audience(choices=choices, webhooks=slack_webhooks_for(user_ids))


def slack_webhooks_for(user_ids) -> dict:
    """user id -> the working webhook their messages go to: their team's, else their
    framework's. People without one are left out."""
    hooks = list(SlackWebhook.objects.filter(broken_at__isnull=True).exclude(url_encrypted=""))
    if not hooks:
        return {}
    by_team = {h.team: h for h in hooks if h.scope == SlackWebhook.Scope.TEAM}
    by_framework = {h.framework_slug: h for h in hooks if h.scope == SlackWebhook.Scope.FRAMEWORK}
    found = {}
    for user_id, team, framework_slug in Employee.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "team", "framework__slug"
    ):
        hook = by_team.get(team) if team else None
        hook = hook or by_framework.get(framework_slug)
        if hook is not None:
            found[user_id] = hook
    return found


@dataclass(frozen=True)
class EmailChannel:
    slug: str = "email"
    name: str = "E-mail"
    default: bool = True

    def wants(self, notification: Notification, audience: Audience) -> bool:
        recipient = notification.recipient
        if not (recipient.email and recipient.is_active):  # nothing to people who left
            return False
        return audience.chose(recipient.pk, self.slug, notification.kind, self.default)

    def available_to(self, user, audience: Audience) -> bool:
        return bool(user.email)

    def send(self, notification: Notification) -> None:
        body = "\n\n".join(
            part for part in (notification.body, absolute_url(notification.url)) if part
        )
        message = EmailMessage(
            subject=notification.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
        )
        if message.send(fail_silently=False) != 1:
            raise RuntimeError("The mail server accepted no message.")


def slack_escape(text: str) -> str:
    """Slack's mrkdwn control characters, escaped as its documentation asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(notification: Notification) -> dict:
    """The webhook's JSON body: the subject, linked to the page. No body (see the rule at
    the top)."""
    subject = slack_escape(notification.subject)
    link = absolute_url(notification.url)
    text = f"<{link}|{subject}>" if link else subject
    return {"text": text, "unfurl_links": False}


# Slack answers a webhook with a plain-text body: 200 "ok", or an error code. These mean
# the webhook or its channel is gone or refuses us: retrying cannot help.
SLACK_PERMANENT_STATUSES = {400, 403, 404, 410}
SLACK_DEFAULT_RETRY_AFTER = 30


def slack_post(url: str, payload: dict) -> None:
    """POST one message to an incoming webhook. Returns when Slack answered 200 "ok";
    raises RetryAfter on 429, PermanentFailure on 400/403/404/410, and anything else
    (5xx, a timeout, a refused connection) as an ordinary error, which is retried."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SLACK_TIMEOUT) as response:
            answer = response.read(200).decode(errors="replace").strip()
            if answer != "ok":
                raise RuntimeError(f"Slack answered {response.status} {answer!r}, not 'ok'.")
    except urllib.error.HTTPError as error:
        answer = error.read(200).decode(errors="replace").strip()
        if error.code == 429:
            raw = error.headers.get("Retry-After", "")
            seconds = int(raw) if raw.isdigit() else SLACK_DEFAULT_RETRY_AFTER
            message = f"Slack is rate limiting (429), retry after {seconds} s"
            raise RetryAfter(message, seconds) from None
        if error.code in SLACK_PERMANENT_STATUSES:
            raise PermanentFailure(f"Slack refused the webhook: {error.code} {answer}") from None
        raise RuntimeError(f"Slack answered {error.code} {answer}") from None


@dataclass(frozen=True)
class SlackChannel:
    slug: str = "slack"
    name: str = "Slack"
    default: bool = False  # shared: opted into

    def wants(self, notification: Notification, audience: Audience) -> bool:
        recipient = notification.recipient
        return (
            recipient.is_active
            and not notification.private
            and recipient.pk in audience.webhooks
            and audience.chose(recipient.pk, self.slug, notification.kind, self.default)
        )

    def available_to(self, user, audience: Audience) -> bool:
        return user.pk in audience.webhooks

    def send(self, notification: Notification) -> None:
        hook = slack_webhooks_for([notification.recipient_id]).get(notification.recipient_id)
        if hook is None:
            raise PermanentFailure("No working Slack webhook for this person's team any more.")
        try:
            url = secret_decrypt(hook.url_encrypted)
        except SecretUnreadable as error:
            slack_webhook_mark_broken(hook, str(error))
            raise PermanentFailure(str(error)) from None
        try:
            slack_post(url, slack_message(notification))
        except PermanentFailure as error:
            slack_webhook_mark_broken(hook, str(error))
            raise


def slack_webhook_mark_broken(hook: SlackWebhook, reason: str) -> None:
    """HR sees it in the admin (Slack webhooks: broken, and why) until a new URL is saved."""
    hook.broken_at = timezone.now()
    hook.broken_reason = reason[:300]
    hook._change_reason = "Slack refused the webhook"
    hook.save(update_fields=["broken_at", "broken_reason"])


CHANNELS = {channel.slug: channel for channel in (EmailChannel(), SlackChannel())}


def deliveries_planned(notifications: list[Notification]) -> list[tuple[Notification, str]]:
    """(notification, channel slug) for every channel that wants each notification; three
    queries for any number of notifications."""
    audience = audience_for(n.recipient_id for n in notifications)
    return [
        (notification, channel.slug)
        for notification in notifications
        for channel in CHANNELS.values()
        if channel.wants(notification, audience)
    ]
