from django.apps import AppConfig


class ExemptionsConfig(AppConfig):
    name = "exemptions"
    verbose_name = "Exemption cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Register the Celery tasks in every process, not only in workers: the engine queues the notice task
        # by name (it sits below the tasks module and does not import it).
        from . import tasks  # noqa: F401
