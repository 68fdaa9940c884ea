"""A web session ends after SESSION_IDLE_MINUTES without a request; each request starts the idle period anew."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone


def test_idle_session_expires_and_an_active_one_lives_on(applicant):
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = Client()
        client.force_login(applicant)
        page = reverse("email_preferences")
        for _ in range(3):  # three requests, each just inside the idle period: longer than it, all told
            clock.shift(idle - timedelta(minutes=1))
            assert client.get(page).status_code == 200
        clock.shift(idle + timedelta(minutes=1))
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_idle_period_is_sixty_minutes_by_default():
    assert settings.SESSION_IDLE_MINUTES == 60
    assert settings.SESSION_COOKIE_AGE == 3600 and settings.SESSION_SAVE_EVERY_REQUEST
