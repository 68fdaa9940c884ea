"""Sign-in for integrations: a username and password for a named, expiring token (POST), and revoking the
token a call is made with (DELETE). A person's other tokens are listed and revoked on /account/tokens/."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from exemptions import tokens
from exemptions.models import ApiToken

from .errors import ErrorSerializer
from .views import errors


class SignInSerializer(AuthTokenSerializer):
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Tells this token apart in your token list"
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown this once")
    expiry = serializers.DateTimeField(help_text="The token stops working then; ask for a new one before")
    name = serializers.CharField()


class ObtainTokenView(APIView):
    """Sign in for a token (POST) and revoke it (DELETE)."""

    serializer_class = SignInSerializer  # for the browsable API and the schema

    def get_permissions(self):
        # Signing in is open to anyone (throttled as anonymous); revoking needs the token being revoked.
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        description="Exchange a username and password for a new API token, sent as `Authorization: Token <key>`. "
        "Each call makes another token with its own expiry; name it to tell it apart on /account/tokens/.",
        request=SignInSerializer,
        responses={200: TokenSerializer, **errors(400)},
    )
    def post(self, request, *args, **kwargs):
        serializer = SignInSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, secret = tokens.issue(serializer.validated_data["user"], serializer.validated_data.get("name", ""))
        return Response(TokenSerializer({"token": secret, "expiry": token.expiry, "name": token.name}).data)

    @extend_schema(
        description="Revoke the token sent with this call; the caller's other tokens keep working.",
        request=None,
        responses={
            204: None,
            401: OpenApiResponse(ErrorSerializer, description="No token sent, or it is revoked or expired"),
        },
    )
    def delete(self, request, *args, **kwargs):
        if not isinstance(request.auth, ApiToken):
            raise NotAuthenticated("Send the token to revoke as `Authorization: Token <key>`.")
        tokens.revoke(request.user, request.auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)
