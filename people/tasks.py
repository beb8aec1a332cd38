"""Celery tasks of people: thin callers of people.services."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    name="people.tasks.send_invitation",
    autoretry_for=(SMTPException, OSError, RuntimeError),
    retry_backoff=True,
    retry_backoff_max=240,  # below the broker's visibility timeout (5 minutes)
    max_retries=20,
    ignore_result=True,
)
def send_invitation(user_id: int):
    """One invitation e-mail, retried while the mail server refuses."""
    return services.invitation_send(user_id=user_id)
