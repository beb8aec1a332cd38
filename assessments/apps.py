from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Evidence and assessments"

    def ready(self):
        from . import tasks  # noqa: F401  (registered by name: the outbox sends them so)
