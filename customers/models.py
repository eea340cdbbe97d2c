from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        COMPANY = "company", "Company"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSON)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    id_number = models.CharField(
        max_length=40, blank=True, help_text="National id or passport number (sensitive)."
    )
    tax_id = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_customers",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("view_sensitive", "Can see unmasked sensitive identifiers")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="customer_unique_id_number"
            ),
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="customer_unique_email"
            ),
        ]
        indexes = [models.Index(fields=["assigned_agent", "name"])]

    def __str__(self) -> str:
        return self.name
