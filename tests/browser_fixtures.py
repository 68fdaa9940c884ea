"""The browser the UI tests drive: Debian's /usr/bin/chromium through Playwright (never Playwright's own
download), one per test session, and pages signed in as a user under the app's strict Content-Security-Policy.
tests/conftest.py offers these fixtures to every test module."""

import os

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # scripts/prerequisites checks the same one
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user, width=1280) -> a page signed in as `user` (None: anonymous) under the strict CSP."""
    contexts, violations, unprotected = [], [], []

    def check_policy(response):
        # Every page must arrive with the app's own strict policy (django-csp), not a test-made one.
        if response.request.resource_type == "document" and response.status < 300:
            policy = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in policy or "unsafe-inline" in policy:
                unprotected.append(response.url)

    def open_page(user=None, width=1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
        context.set_default_timeout(10_000)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )
        page = context.new_page()
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        page.on("response", check_policy)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert violations == [], "the UI broke the strict Content-Security-Policy"
    assert unprotected == [], "pages served without the strict Content-Security-Policy"
