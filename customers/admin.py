"""Customers in the operator console: searchable, filterable, ids masked unless permitted, and
saved through the same services (and so the same rules) as the API.
Also shows each user's role in the user admin, so staff can manage agents here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.roles import user_role
from core.errors import DomainError
from customers import services
from customers.masking import mask_identifier
from customers.models import Customer

SENSITIVE = "customers.view_sensitive"


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "kind", "email", "phone", "id_number", "tax_id", "address",
                  "assigned_agent", "is_active"]  # fmt: skip

    def clean(self) -> dict:
        cleaned = super().clean()
        fields = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        original = None if self.instance.pk is None else Customer.objects.get(pk=self.instance.pk)
        try:
            services.customer_prepare(actor=self.actor, customer=original, fields=fields)
        except DomainError as error:
            field_errors = error.details.get("fields")
            if field_errors:
                raise ValidationError(
                    {name: messages for name, messages in field_errors.items()}
                ) from error
            raise ValidationError(error.message) from error
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        return cleaned

    def validate_unique(self) -> None:
        # The service's duplicate check (in clean) names the existing customer and compares the
        # normalised id_number; the model's raw constraint message would only repeat it worse.
        return None


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_filter = [
        "kind",
        "is_active",
        ("assigned_agent", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["name", "email", "phone", "tax_id"]
    list_select_related = ["assigned_agent"]
    autocomplete_fields = ["assigned_agent"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["deactivate"]

    def get_list_display(self, request: HttpRequest) -> list[str]:
        id_column = "id_number" if request.user.has_perm(SENSITIVE) else "masked_id_number"
        return [
            "name",
            "kind",
            "email",
            "phone",
            id_column,
            "assigned_agent",
            "is_active",
            "created_at",
        ]

    @admin.display(description="ID number")
    def masked_id_number(self, customer: Customer) -> str:
        return mask_identifier(customer.id_number)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def get_exclude(self, request, obj=None):
        # Without the permission the full id never reaches the page; a new one can be entered.
        if obj is not None and not request.user.has_perm(SENSITIVE):
            return ["id_number"]
        return []

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        readonly = ["created_at", "updated_at"]
        if obj is not None and not request.user.has_perm(SENSITIVE):
            readonly.append("masked_id_number")
        return readonly

    def save_model(self, request: HttpRequest, obj: Customer, form, change: bool) -> None:
        fields = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        if change:
            current = Customer.objects.get(pk=obj.pk)
            saved = services.customer_update(actor=request.user, customer=current, fields=fields)
        else:
            saved = services.customer_create(actor=request.user, fields=form.cleaned_data)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        services.customer_delete(actor=request.user, customer=obj)

    @admin.action(description="Deactivate selected customers")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        customers = list(queryset)
        for customer in customers:
            services.customer_update(
                actor=request.user, customer=customer, fields={"is_active": False}
            )
        self.message_user(request, f"Deactivated {len(customers)} customer(s).")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    """Django's user admin plus each user's role, filterable by role group."""

    list_display = ["username", "email", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Role")
    def role(self, user) -> str:
        return user_role(user) or "—"
