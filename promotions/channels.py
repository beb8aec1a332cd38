"""Notification channels: one registry, one entry per way of telling people.

A channel says whether it wants a notification and sends it, raising on any failure so
that the delivery task retries; it never reports success it did not get. E-mail is the
first channel; Slack joins here later.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from careerpath.links import absolute_url

from .models import Notification


@dataclass(frozen=True)
class EmailChannel:
    slug: str = "email"
    name: str = "E-mail"

    def wants(self, notification: Notification) -> bool:
        recipient = notification.recipient
        return bool(recipient.email) and recipient.is_active  # nothing to people who left

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


CHANNELS = {channel.slug: channel for channel in (EmailChannel(),)}


def channels_for(notification: Notification) -> list:
    return [channel for channel in CHANNELS.values() if channel.wants(notification)]
