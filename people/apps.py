from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self):
        from frameworks.signals import framework_published

        from . import roles, services

        # Not filtered by sender: permissions of apps migrated after this one must exist.
        post_migrate.connect(roles.roles_ensure_on_migrate, dispatch_uid="people.roles")
        framework_published.connect(
            services.employees_move_to_published_framework,
            dispatch_uid="people.move_employees_on_publish",
        )
