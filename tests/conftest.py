import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

from exemptions import procedures
from exemptions.models import Authority, Role, standing
from exemptions.models.calendars import forget_stored_calendars
from tests import factories
from tests.browser_fixtures import browser, open_as  # noqa: F401 (one browser per session for every UI test)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The test client's login() passes no request, which django-axes refuses; tests/test_security.py
    # exercises the throttling with the real backends.
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    # Throttle counters in this process only (tests/test_throttling.py shows them shared through Redis), and
    # none left by an earlier test, so no test is throttled by another.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


@pytest.fixture(autouse=True)
def _seeded_authorities(request):
    """A transactional test starts after another one emptied every table; put back the authorities and the
    holiday calendars the data migrations seed, so it finds UN1718, OFAC, … as a fresh database has them."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        importlib.import_module("exemptions.migrations.0002_seed_authorities").seed(apps, None)
        importlib.import_module("exemptions.migrations.0008_holiday_calendars").seed(apps, None)
        importlib.import_module("exemptions.migrations.0018_bis").bis_procedure(apps, None)  # BIS's own procedure
        importlib.import_module("exemptions.migrations.0020_eu_procedure_and_uk_ecju").seed(apps, None)
        # …and, as a later migration does, let the UN 1718 Committee publish its register.
        Authority.objects.filter(workflow_key=procedures.UN1718.key).update(publishes_register=True)


@pytest.fixture(autouse=True)
def _calendars_read_anew():
    """Holidays a test entered are rolled back with it: no test counts on a calendar another one loaded."""
    forget_stored_calendars()


@pytest.fixture(autouse=True)
def _standing_cache_trusted_again():
    """A test that made the cache unreachable leaves no process-wide pause of it to the next test."""
    standing._cache_unreachable_until = 0.0


@pytest.fixture
def org(db):
    return factories.organization("Nutrition Without Borders")


@pytest.fixture
def other_org(db):
    return factories.organization("Korea Health Partners")


@pytest.fixture
def applicant(org):
    return factories.applicant_of(org, "applicant")


@pytest.fixture
def applicant_other(other_org):
    return factories.applicant_of(other_org, "applicant-other")


@pytest.fixture
def reviewer_un(db):
    return factories.authority_member("UN1718", Role.REVIEWER, "reviewer-un")


@pytest.fixture
def staff_un(db):
    return factories.authority_member("UN1718", Role.STAFF, "staff-un")


@pytest.fixture
def reviewer_ofac(db):
    return factories.authority_member("OFAC", Role.REVIEWER, "reviewer-ofac")


@pytest.fixture
def staff_ofac(db):
    return factories.authority_member("OFAC", Role.STAFF, "staff-ofac")


@pytest.fixture
def dossier(org, applicant):
    return factories.complete_dossier(org, applicant)


# --- reminders and email (issue 4) ---------------------------------------------------------------


@pytest.fixture
def eager_celery():
    """Tasks run in-process, as a worker would run them, instead of being published to Redis."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
