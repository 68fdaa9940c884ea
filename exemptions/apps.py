from django.apps import AppConfig


class ExemptionsConfig(AppConfig):
    name = "exemptions"
    verbose_name = "Exemption cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Register the Celery tasks in every process, the web's included: notifications enqueues them by their
        # registered name (tasks.py imports notifications, so notifications cannot import tasks), and Celery's
        # autodiscovery only imports tasks.py when a worker starts. Here, not at the top: tasks need the models.
        from . import tasks  # noqa: F401
