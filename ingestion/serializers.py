from rest_framework import serializers

from .models import IngestedItem


class IngestedItemSerializer(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()
    source_name = serializers.SerializerMethodField()

    class Meta:
        model = IngestedItem
        fields = [
            "id", "source", "mailbox", "folder", "source_name", "customer", "message_id", "path",
            "filename", "sha256", "outcome", "invoice", "statement_import", "error_code", "error",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_customer(self, item: IngestedItem) -> int | None:
        source = item.mailbox or item.folder
        return source.customer_id if source else None

    def get_source_name(self, item: IngestedItem) -> str:
        return str(item.mailbox or item.folder or "")
