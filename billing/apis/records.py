"""Banks, cards, bills and transactions: read-only, scoped to what the user may see."""

from django.db.models import Prefetch
from rest_framework import generics

from billing.filters import BillFilter, CreditCardFilter, TransactionFilter
from billing.models import Bank, Bill, CreditCard, Transaction
from billing.selectors import bills_visible_to, cards_visible_to, transactions_visible_to
from billing.serializers import (
    BankSerializer,
    BillDetailSerializer,
    BillSerializer,
    CreditCardSerializer,
    TransactionSerializer,
)


class BankListApi(generics.ListAPIView):
    serializer_class = BankSerializer
    queryset = Bank.objects.prefetch_related("templates").order_by("name")
    filterset_fields = ["is_active", "country"]
    search_fields = ["code", "name"]


class CardListApi(generics.ListAPIView):
    queryset = CreditCard.objects.none()  # for the schema; requests use get_queryset
    serializer_class = CreditCardSerializer
    filterset_class = CreditCardFilter
    search_fields = ["last4", "holder", "customer__name"]

    def get_queryset(self):
        return cards_visible_to(self.request.user)


class CardDetailApi(generics.RetrieveAPIView):
    queryset = CreditCard.objects.none()
    serializer_class = CreditCardSerializer

    def get_queryset(self):
        return cards_visible_to(self.request.user)


class BillListApi(generics.ListAPIView):
    queryset = Bill.objects.none()
    serializer_class = BillSerializer
    filterset_class = BillFilter
    ordering_fields = ["statement_date", "new_balance", "status"]

    def get_queryset(self):
        return bills_visible_to(self.request.user)


class BillDetailApi(generics.RetrieveAPIView):
    queryset = Bill.objects.none()
    serializer_class = BillDetailSerializer

    def get_queryset(self):
        rows = Transaction.objects.select_related("card__bank").order_by("transaction_date", "id")
        return bills_visible_to(self.request.user).prefetch_related(
            Prefetch("transactions", queryset=rows)
        )


class TransactionListApi(generics.ListAPIView):
    queryset = Transaction.objects.none()
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilter
    search_fields = ["description"]
    ordering_fields = ["transaction_date", "amount"]

    def get_queryset(self):
        return transactions_visible_to(self.request.user).order_by("-transaction_date", "-id")
