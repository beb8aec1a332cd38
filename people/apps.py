from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self):
        from frameworks.signals import framework_published

        from . import roles, services, tasks  # noqa: F401  (tasks: registered by name)

        # Once per migrate, after the last app's permissions exist (post_migrate is sent
        # per app, in INSTALLED_APPS order; HR's permissions span several apps).
        last_app = list(apps.get_app_configs())[-1]
        post_migrate.connect(
            roles.roles_ensure_on_migrate, sender=last_app, dispatch_uid="people.roles"
        )
        framework_published.connect(
            services.employees_move_to_published_framework,
            dispatch_uid="people.move_employees_on_publish",
        )
