from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Background work"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.signals import worker_ready

        from .services import relay_on_worker_start

        # A worker that starts (or restarts after an outage) sends what waited.
        worker_ready.connect(relay_on_worker_start, weak=False, dispatch_uid="outbox-relay")
