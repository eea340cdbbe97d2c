from django.db.models import prefetch_related_objects
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed


class ActiveUserJWTAuthentication(JWTAuthentication):
    """Looks the user up on every request, so deactivating a user stops their tokens at once."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not user.is_active:
            raise AuthenticationFailed("User is inactive.", code="user_inactive")
        # Roles are groups and every permission check asks for them: one query per request, not
        # one per check (m2m add/remove on this user clears the prefetched list).
        prefetch_related_objects([user], "groups")
        return user


class ActiveUserJWTScheme(SimpleJWTScheme):
    """Describes ActiveUserJWTAuthentication in the OpenAPI schema as the bearer JWT it is
    (drf-spectacular registers extensions by subclassing; defining it here is enough)."""

    target_class = ActiveUserJWTAuthentication
