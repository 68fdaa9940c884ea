import pytest
from rest_framework.test import APIClient

from exemptions import tokens


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def client_for(db):
    """An API client that authenticates as `user` with a real token, as an integration would."""

    def make(user):
        client = APIClient()
        _, secret = tokens.issue(user, "tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return make


def assert_error(response, status, *fields):
    """The contract's error shape: {"detail": str, "errors": {field: [...]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    for field in fields:
        assert field in body["errors"], body
    return body
