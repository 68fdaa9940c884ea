"""Settings of the benchmark server and runner: the product's settings plus the `bench` app and URLs.

DEBUG is off so Django does not keep every query in memory; connections persist, as a production
server's would, so neither endpoint of a comparison pays a connection per request.
"""

import os
import warnings

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
# The runner finds the server's database backends by this name, to count their CPU time per request too.
if os.environ.get("BENCH_APPLICATION_NAME"):
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = os.environ["BENCH_APPLICATION_NAME"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# The benchmark serves no static files; whitenoise's warning about a missing STATIC_ROOT is noise here.
warnings.filterwarnings("ignore", message="No directory at")

# The benchmarks measure the framework, not the API's throttle (1,200 requests/min per user in production).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
