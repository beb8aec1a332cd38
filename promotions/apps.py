from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = "Eligibility and promotions"

    def ready(self):
        from celery.signals import worker_ready

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .tasks import sweep_watchdog_on_worker_start

        # A worker that starts after a missed night catches the sweep up.
        worker_ready.connect(
            sweep_watchdog_on_worker_start, weak=False, dispatch_uid="sweep-watchdog"
        )
