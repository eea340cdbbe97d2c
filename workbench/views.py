"""The agents' workbench: shell pages only.

These views render templates and read no data: the browser loads everything through the public
REST API with JWT, as any SPA would, so the workbench can never see more than the API allows.
Authentication lives in the browser too (tokens in storage), which is why the pages themselves
are public; an unauthenticated visitor is sent to the login page by the page's script.

Because a script running in a page could read those tokens, every page carries a
Content-Security-Policy that runs only the workbench's own script files: no inline scripts or
event-handler attributes (the templates have none; tests/workbench/test_pages.py keeps it so),
no plugins, no framing, no foreign <base>, and network calls to this origin only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from invoices.apis.files import PAGE_DPI
from invoices.fields import invoice_fields_for_page

# Strings the page scripts show, rendered into each page as JSON so they go through the one
# `django.po` catalog like the templates' strings (no second JavaScript catalog to keep in step).
SCRIPT_MESSAGES: dict[str, Any] = {
    "loading": _("Loading…"),
    "saved": _("Saved."),
    "saving": _("Saving…"),
    "approved": _("Approved."),
    "approve_failed": _("Could not approve: %(message)s"),
    "save_failed": _("Could not save: %(message)s"),
    "network_error": _("The server could not be reached. Check your connection and try again."),
    "session_expired": _("Your session has expired. Please log in again."),
    "logged_out": _("You have been logged out."),
    "login_failed": _("Login failed: %(message)s"),
    "login_throttled": _("Too many failed attempts. Try again in %(seconds)s seconds."),
    "request_failed": _("The request failed: %(message)s"),
    "nothing_to_review": _("Nothing waiting. Well done."),
    "no_more_documents": _("No more documents in the queue."),
    "reprocess_started": _("Reprocessing started…"),
    "reprocess_done": _("Reprocessing finished: %(status)s"),
    "low_confidence": _("Low confidence"),
    "confidence": _("Confidence %(percent)s%%"),
    "not_found_on_page": _("Not located on the page"),
    "no_page_image": _("No page image available."),
    "duplicate_notice": _("This invoice repeats invoice #%(id)s, uploaded as another file."),
    "duplicate_open": _("Open the stored invoice"),
    "page_of": _("Page %(page)s of %(pages)s"),
    "unsaved_changes": _("You have unsaved changes."),
    "invalid_field": _("%(field)s: %(message)s"),
    "invalid_line": _("Line %(line)s, %(field)s: %(message)s"),
    "remove_line": _("Remove this line"),
    "line_field": {
        "description": _("Description"),
        "quantity": _("Quantity"),
        "unit_price": _("Unit price"),
        "amount": _("Amount"),
        "tax_rate": _("Tax rate"),
    },
    "check_ok": _("Holds"),
    "check_failed": _("Fails"),
    "check_warning": _("Warning"),
    "balance_unknown": _("The statement prints no balances, so there is nothing to reconcile."),
    "reconciliation_off": _(
        "Does not reconcile: the printed new balance is off by %(difference)s."
    ),
    "no_problems": _("All checks pass."),
    "no_transactions": _("No transactions match."),
    "upload_queued": _("Queued"),
    "upload_sending": _("Uploading…"),
    "upload_rejected": _("Rejected: %(message)s"),
    "upload_unsupported": _("Not an invoice or statement file: %(name)s"),
    "job_status": {
        "queued": _("Queued"),
        "running": _("Running"),
        "succeeded": _("Done"),
        "failed": _("Failed"),
    },
    "status": {
        "queued": _("Queued"),
        "processing": _("Processing"),
        "recognized": _("Recognized"),
        "needs_review": _("Needs review"),
        "unrecognized": _("Unrecognized"),
        "failed": _("Failed"),
        "approved": _("Approved"),
        "verified": _("Verified"),
        "review": _("Needs review"),
        "duplicate": _("Duplicate"),
    },
    "checks": {
        "net_plus_tax_equals_total": _("Net amount + tax = total"),
        "date_plausible": _("The date is plausible"),
        "due_date_after_date": _("The due date follows the invoice date"),
        "cn_uppercase_total_matches": _("The total in Chinese numerals matches"),
        "fits_column": _("The value fits its field"),
        "seller_tax_id_checksum": _("The seller's tax id check digits hold"),
        "buyer_tax_id_checksum": _("The buyer's tax id check digits hold"),
        "iban_checksum": _("The IBAN check digits hold"),
        "tax_breakdown_matches_tax": _("The tax by rate adds up to the tax"),
        "cn_qr_read": _("The QR code was read"),
        "cn_qr_matches_page": _("The QR code matches the page"),
        "cn_invoice_code_format": _("The invoice code follows its rules"),
        "cn_invoice_number_format": _("The invoice number follows its rules"),
        "duplicate_invoice": _("Not a copy of a stored invoice"),
        "verified": _("Verified with the tax authority"),
    },
    "kinds": {"invoice": _("Invoice"), "bill": _("Bill"), "statement": _("Statement")},
    "age": {
        "minutes": _("%(n)s min"),
        "hours": _("%(n)s h"),
        "days": _("%(n)s d"),
    },
    "upload_too_large": _("Too large: %(size)s MB (the limit is %(limit)s MB)"),
    "tx_summary": _("%(count)s transactions · charges %(debits)s · credits %(credits)s"),
    "bill_facts": {
        "due_date": _("Due date"),
        "minimum_payment": _("Minimum payment"),
        "currency": _("Currency"),
    },
    "invoice_figures": {
        "needs_review": _("Invoices needing review"),
        "unrecognized": _("Unrecognized invoices"),
        "recognized": _("Recognized invoices"),
        "approved": _("Approved invoices"),
    },
    "summary": {
        "customers": _("Customers"),
        "cards": _("Cards"),
        "bills": _("Bills"),
        "transactions": _("Transactions"),
        "total_charges": _("Charges"),
        "total_payments": _("Payments"),
        "net_balance": _("Net balance"),
    },
    "charges": _("Charges"),
    "payments": _("Payments"),
    "no_monthly_data": _("No monthly figures yet."),
    "uncategorised": _("Uncategorised"),
    "category": {
        "label": _("Category"),
        "make_rule": _("Make a rule"),
        "rule_made": _("Rule made: “%(pattern)s” → %(category)s, for this customer's rows."),
    },
    "matching": {
        "none": _("No proposed matches. Well done."),
        "confirm": _("Confirm (y)"),
        "reject": _("Reject (n)"),
        "confirmed": _("Match confirmed."),
        "rejected": _("Match rejected."),
        "amount_exact": _("Same amount"),
        "amount_fx": _("Original amount within the FX tolerance"),
        "days_apart": _("%(n)s days apart"),
        "name_score": _("Names %(percent)s%% alike"),
    },
}


# img-src blob: for the page images and original files, fetched with the token and shown from
# local blobs; style-src has no 'unsafe-inline' (scripts place boxes through CSSOM, which CSP
# allows, never with style attributes).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _resolved(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _resolved(value) for key, value in node.items()}
    return str(node)


@lru_cache(maxsize=len(settings.LANGUAGES) + 1)
def script_messages(language: str) -> dict[str, Any]:
    """SCRIPT_MESSAGES translated into `language`, resolved once per language (translating
    some eighty lazy strings on every page view costs more than the rest of the view)."""
    with translation.override(language):
        return _resolved(SCRIPT_MESSAGES)


class WorkbenchPage(TemplateView):
    """A shell page: the template, the script messages and the few settings the scripts need."""

    page: str = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = self.page
        context["workbench_config"] = {
            "page": self.page,
            "messages": script_messages(translation.get_language() or settings.LANGUAGE_CODE),
            "lowConfidence": settings.OCR_CONFIDENCE_THRESHOLD,
            "uploadMaxBytes": settings.UPLOAD_MAX_BYTES,
            # How the server renders page PNGs and rasterises PDFs for OCR: the review screen
            # needs both to place field boxes, which come in the page's own units.
            "pageDpi": PAGE_DPI,
            "rasterOcrDpi": settings.OCR_RASTER_DPI,
            "loginUrl": "/workbench/login/",
            "homeUrl": "/workbench/",
            **{
                key: value
                for key, value in kwargs.items()
                if key in {"invoice_id", "bill_id", "statement_id"}
            },
        }
        if self.page == "review":
            # The invoice fields (order, kind, label): the server's one list, not a copy.
            context["workbench_config"]["invoiceFields"] = invoice_fields_for_page()
        return context


def page(name: str, template: str) -> Any:
    return WorkbenchPage.as_view(page=name, template_name=f"workbench/{template}")
