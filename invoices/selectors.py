"""Reads for invoices: what a user may see, with the joins the API and admin need.

Who may see and change an invoice follows its customer: once an invoice is filed under a
customer, the agent assigned to that customer reads and writes it (fields, lines, approve,
reprocess, file, pages, audit trail) and nobody else among the agents, not even the agent who
uploaded it. An invoice filed under no customer yet belongs to its uploader. Supervisors, admins
and staff see and change every invoice.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.roles import ANALYSIS_SENSITIVE_PERMISSION, sees_all_customers
from invoices.models import Invoice, InvoiceFieldChange
from ocrengine.extraction.fields import INVOICE_EXTRACTOR
from ocrengine.extraction.registry import document_types_read_by
from ocrengine.models import DocumentType

# The document types an invoice upload may be typed as: those the invoice extractor reads
# (ocrengine.extraction.registry), whose fields are the invoice columns. Identity documents and
# statements go through the analysis API, which masks their sensitive fields.
INVOICE_DOCUMENT_TYPES = document_types_read_by(INVOICE_EXTRACTOR)


def invoices_visible_to(user) -> QuerySet[Invoice]:
    """Supervisors and admins see every invoice; agents see those filed under the
    customers assigned to them, and those filed under no customer that they uploaded."""
    invoices = Invoice.objects.select_related("customer", "document_type", "job", "uploaded_by")
    if sees_all_customers(user):
        return invoices
    return invoices.filter(
        Q(customer__assigned_agent=user) | Q(customer__isnull=True, uploaded_by=user)
    )


def invoice_changes(*, invoice: Invoice) -> QuerySet[InvoiceFieldChange]:
    return invoice.changes.select_related("changed_by").all()


def invoice_document_types() -> QuerySet[DocumentType]:
    """The active document types an invoice upload accepts."""
    return DocumentType.objects.filter(is_active=True, code__in=INVOICE_DOCUMENT_TYPES)


def invoice_text_visible_to(user, invoice: Invoice) -> bool:
    """Whether the user may read the invoice's recognised text. An invoice-family document's
    text holds what its columns show anyway; a row typed as anything else (stored before
    uploads were limited to the invoice family) may hold an identity document's text, which only
    holders of `ocrengine.view_sensitive_fields` read, as in the analysis API."""
    document_type = invoice.document_type
    if document_type is None or document_type.code in INVOICE_DOCUMENT_TYPES:
        return True
    if not user.is_active:
        return False
    if hasattr(user, "may_view_analysis_sensitive") and not user.is_superuser:
        return user.may_view_analysis_sensitive  # loaded with the user on authentication
    return user.has_perm(".".join(ANALYSIS_SENSITIVE_PERMISSION))
