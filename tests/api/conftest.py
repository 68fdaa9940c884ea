import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def client_for(db):
    """An API client that authenticates as `user` with a real token, as an integration would."""
    return factories.api_client


def assert_error(response, status, *fields):
    """The contract's error shape: {"detail": str, "errors": {field: [...]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    for field in fields:
        assert field in body["errors"], body
    return body
