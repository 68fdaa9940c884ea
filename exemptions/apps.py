from django.apps import AppConfig


class ExemptionsConfig(AppConfig):
    name = "exemptions"
    verbose_name = "Exemption cases"
    default_auto_field = "django.db.models.BigAutoField"
