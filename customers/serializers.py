import re

from django.contrib.auth import get_user_model
from rest_framework import serializers

from customers.masking import mask_identifier
from customers.models import Customer

_ID_NUMBER = re.compile(r"^[A-Za-z0-9\-\s*]*$")
_PHONE = re.compile(r"^[0-9+\-()./\s]*(?:(?:ext|x)\.?\s*\d+)?$", re.IGNORECASE)


class CustomerOutputSerializer(serializers.ModelSerializer):
    """Reads a customer. `id_number` is masked unless the view says the reader may see it
    (context["can_view_sensitive"], decided once per request, not per row)."""

    id_number = serializers.SerializerMethodField()
    assigned_agent_username = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id", "name", "kind", "email", "phone", "id_number", "tax_id", "address",
            "assigned_agent", "assigned_agent_username", "is_active", "created_at", "updated_at",
        ]  # fmt: skip

    def get_id_number(self, customer: Customer) -> str:
        if self.context.get("can_view_sensitive"):
            return customer.id_number
        return mask_identifier(customer.id_number)

    def get_assigned_agent_username(self, customer: Customer) -> str | None:
        agent = customer.assigned_agent
        return agent.get_username() if agent is not None else None


class CustomerInputSerializer(serializers.Serializer):
    """Validates the shape of a write; the rules (assignment, duplicates) live in the service."""

    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, default=Customer.Kind.PERSON)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.RegexField(_PHONE, max_length=40, required=False, allow_blank=True)
    id_number = serializers.RegexField(
        _ID_NUMBER,
        max_length=40,
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use letters, digits and hyphens only."},
    )
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    assigned_agent = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    is_active = serializers.BooleanField(required=False)

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The name must not be blank.")
        return value
