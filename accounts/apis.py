"""Thin views over accounts.services: login, refresh, logout, me."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    LoginInputSerializer,
    RefreshInputSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from core.request_context import client_ip


class _TokenApi(APIView):
    # These endpoints take credentials in the body; no session (and so no CSRF) applies.
    authentication_classes: list = []
    permission_classes = [AllowAny]


class LoginApi(_TokenApi):
    @extend_schema(
        request=LoginInputSerializer,
        responses={200: TokenPairSerializer},
        summary="Log in: username and password for an access and a refresh token",
    )
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.user_login(
            username=data.validated_data["username"],
            password=data.validated_data["password"],
            ip_address=client_ip(request),
            request=request._request,
        )
        return Response(TokenPairSerializer(pair).data)


class RefreshApi(_TokenApi):
    @extend_schema(
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer},
        summary="Spend a refresh token for a new pair (the old one stops working)",
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.token_refresh(refresh=data.validated_data["refresh"])
        return Response(TokenPairSerializer(pair).data)


class LogoutApi(_TokenApi):
    @extend_schema(
        request=RefreshInputSerializer, responses={204: None}, summary="Revoke a refresh token"
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_logout(refresh=data.validated_data["refresh"])
        return Response(status=204)


class MeApi(APIView):
    # Any signed-in account, role or none: a user whose role was taken away learns why every
    # other endpoint answers 403 (`role` is null), and sees nothing but themselves.
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer, summary="The authenticated user and their role")
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)
