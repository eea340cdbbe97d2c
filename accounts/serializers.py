from django.contrib.auth.models import AbstractBaseUser
from rest_framework import serializers

from accounts.roles import user_role


class LoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    full_name = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    can_view_sensitive = serializers.SerializerMethodField()

    def get_full_name(self, user: AbstractBaseUser) -> str:
        return user.get_full_name()

    def get_role(self, user: AbstractBaseUser) -> str | None:
        return user_role(user)

    def get_can_view_sensitive(self, user: AbstractBaseUser) -> bool:
        return user.has_perm("customers.view_sensitive")


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = UserSerializer()
