from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = "Eligibility and promotions"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
