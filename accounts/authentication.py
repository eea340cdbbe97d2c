from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from accounts.roles import users_with_access_facts


class ActiveUserJWTAuthentication(JWTAuthentication):
    """Looks the user up on every request, so deactivating a user stops their tokens at once.

    The lookup also brings the user's role and sensitive-data permission (one query per
    request instead of three): every API view asks for them."""

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken("Token contained no recognizable user identification") from error
        user = users_with_access_facts().filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None:
            raise AuthenticationFailed("User not found.", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive.", code="user_inactive")
        return user


class ActiveUserJWTScheme(SimpleJWTScheme):
    """Describes ActiveUserJWTAuthentication in the OpenAPI schema as the bearer JWT it is
    (drf-spectacular registers extensions by subclassing; defining it here is enough)."""

    target_class = ActiveUserJWTAuthentication
