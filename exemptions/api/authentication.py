"""`Authorization: Token <key>`: django-rest-knox's expiring tokens, refusing malformed keys with a 401 and
noting each token's last use for its owner's token list."""

import re

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from exemptions import tokens
from exemptions.models import activate_zone_of

# knox's secrets are hex; anything else cannot be a token, and checking first keeps bytes that are not UTF-8
# (a 500 inside knox) or that PostgreSQL rejects (NUL) out of its lookup.
TOKEN_RE = re.compile(rb"[0-9a-fA-F]{1,256}")


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        if not TOKEN_RE.fullmatch(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        user, api_token = super().authenticate_credentials(token)
        tokens.record_use(api_token, timezone.now())
        activate_zone_of(user)  # the zone middleware ran before the caller was known
        return user, api_token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of the subclass, under the name the schema has always used."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"
