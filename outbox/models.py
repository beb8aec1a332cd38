"""Work for the workers, written in the same transaction as the change that asks for it."""

from django.db import models
from django.db.models import Q


class OutboxTask(models.Model):
    """A Celery task to send: kept until the broker took it, so an outage loses nothing."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the broker took it.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_pending"
            )
        ]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)!r}"
