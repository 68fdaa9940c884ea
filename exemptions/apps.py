from django.apps import AppConfig
from django.core import checks


class ExemptionsConfig(AppConfig):
    name = "exemptions"
    verbose_name = "Exemption cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Register the Celery tasks in every process, the web's included: the engine and notifications queue them
        # by their registered name (they sit below tasks.py), and Celery's autodiscovery only imports tasks.py when
        # a worker starts. Here, not at the top: tasks need the models.
        # tokens holds the receiver that revokes a user's API tokens when their password changes.
        from . import (  # noqa: F401
            admin_aftercare,  # noqa: F401 (the admin's after-approval lists; admin.py would pass 500 lines)
            tasks,
            tokens,
        )
        from .models.seals import check_audit_key
        from .outbox import check_in_doubt_grace

        checks.register(check_audit_key, checks.Tags.security)
        checks.register(check_in_doubt_grace)
