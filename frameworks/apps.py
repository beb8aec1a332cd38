from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "frameworks"
    verbose_name = "Career frameworks"

    def ready(self):
        from careerpath import audit

        # Every app's history rows: frameworks is the app all others build on.
        audit.connect()
