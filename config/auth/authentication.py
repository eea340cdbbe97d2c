import time

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from config.auth.roles import users_with_access_facts
from config.compiled_lookup import CompiledLookup
from config.local_cache import LocalCache

_user_with_access_facts = CompiledLookup(
    lambda user_id: users_with_access_facts().filter(**{api_settings.USER_ID_FIELD: user_id})
)

# Access tokens this process has verified, until they expire. An access token cannot be revoked
# before its expiry (only refresh tokens are blacklisted), so a verified one stays valid; the
# user is still looked up on every request.
_verified_access_tokens = LocalCache(max_entries=4096)


class ActiveUserJWTAuthentication(JWTAuthentication):
    """Looks the user up on every request, so deactivating a user stops their tokens at once.

    The lookup also brings the user's role and sensitive-data permission (one query per
    request instead of three): every API view asks for them."""

    def get_validated_token(self, raw_token: bytes):
        token = _verified_access_tokens.get(raw_token)
        if token is None:
            token = super().get_validated_token(raw_token)
            lifetime_s = token.payload.get("exp", 0) - time.time()
            if lifetime_s > 0:
                _verified_access_tokens.set(raw_token, token, lifetime_s)
        return token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken("Token contained no recognizable user identification") from error
        user = _user_with_access_facts.get(user_id)
        if user is None:
            raise AuthenticationFailed("User not found.", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive.", code="user_inactive")
        return user


class ActiveUserJWTScheme(SimpleJWTScheme):
    """Describes ActiveUserJWTAuthentication in the OpenAPI schema as the bearer JWT it is
    (drf-spectacular registers extensions by subclassing; defining it here is enough)."""

    target_class = ActiveUserJWTAuthentication
