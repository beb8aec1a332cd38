from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running an installation: backup and restore, health checks. No models."""

    name = "operations"
    verbose_name = "Operations"
