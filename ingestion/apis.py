"""What mail and folders brought in: a read-only list for supervisors and admins (every
customer's documents pass through it, so agents have none of it)."""

from rest_framework import generics

from accounts.permissions import IsSupervisorOrAdmin

from .models import IngestedItem
from .selectors import ingested_items
from .serializers import IngestedItemSerializer


class IngestedItemListApi(generics.ListAPIView):
    queryset = IngestedItem.objects.none()  # for the schema; requests use get_queryset
    serializer_class = IngestedItemSerializer
    permission_classes = [IsSupervisorOrAdmin]
    filterset_fields = ["source", "outcome", "error_code", "mailbox", "folder"]
    search_fields = ["filename", "message_id", "path", "sha256"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return ingested_items()
