from django.urls import path

from matching.apis import (
    MatchRunApi,
    ReceiptMatchConfirmApi,
    ReceiptMatchDetailApi,
    ReceiptMatchListApi,
    ReceiptMatchRejectApi,
    UnmatchedChargesApi,
    UnmatchedReceiptsApi,
)

urlpatterns = [
    path("matches/", ReceiptMatchListApi.as_view(), name="match-list"),
    path("matches/run/", MatchRunApi.as_view(), name="match-run"),
    path(
        "matches/unmatched-charges/", UnmatchedChargesApi.as_view(), name="match-unmatched-charges"
    ),
    path(
        "matches/unmatched-receipts/",
        UnmatchedReceiptsApi.as_view(),
        name="match-unmatched-receipts",
    ),
    path("matches/<int:pk>/", ReceiptMatchDetailApi.as_view(), name="match-detail"),
    path("matches/<int:pk>/confirm/", ReceiptMatchConfirmApi.as_view(), name="match-confirm"),
    path("matches/<int:pk>/reject/", ReceiptMatchRejectApi.as_view(), name="match-reject"),
]
