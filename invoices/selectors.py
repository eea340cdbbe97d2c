"""Reads for invoices: what a user may see, with the joins the API and admin need."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from config.auth.roles import sees_all_customers
from customers.models import Customer
from invoices.models import Invoice, InvoiceFieldChange


def invoices_visible_to(user) -> QuerySet[Invoice]:
    """Supervisors, admins and staff see every invoice; agents see those of the customers
    assigned to them plus the ones they uploaded themselves."""
    invoices = Invoice.objects.select_related("customer", "document_type", "job", "uploaded_by")
    if user.is_staff or sees_all_customers(user):
        return invoices
    return invoices.filter(Q(customer__assigned_agent=user) | Q(uploaded_by=user))


def invoice_detail(*, user, invoice_id: int) -> Invoice | None:
    return invoices_visible_to(user).prefetch_related("lines").filter(pk=invoice_id).first()


def invoice_changes(*, invoice: Invoice) -> QuerySet[InvoiceFieldChange]:
    return invoice.changes.select_related("changed_by").all()


def customers_assignable_by(user) -> QuerySet[Customer]:
    """Customers a user may file invoices for: agents only their own, others any."""
    customers = Customer.objects.all()
    if user.is_staff or sees_all_customers(user):
        return customers
    return customers.filter(assigned_agent=user)
