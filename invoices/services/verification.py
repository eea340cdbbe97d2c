"""查验: verifying a Chinese VAT invoice with the tax authority, through a pluggable provider.

A provider is any class with `name` and `verify(query) -> VerificationResult`, named by its
dotted path in CN_INVOICE_VERIFICATION_PROVIDER (empty, the default: no verification; nothing
leaves the machine). The authority limits how often one invoice may be queried a day, so each
invoice key (code + number, or the 数电 number) is asked at most
CN_INVOICE_VERIFICATION_DAILY_LIMIT times a day, counted in the cache, whichever invoice row
asks. The answer is recorded as a `verified` check: ok (the authority knows the invoice with
these values), failed (it does not: the invoice goes to review), or undecided (no answer,
the limit reached) with a message.

The provider is called outside any database transaction (a slow network must not hold row
locks); `verification_check` builds the check, the caller stores it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from ocrengine.extraction.cn_qr import QR_READ_CHECK, parse_qr_payload
from ocrengine.extraction.result import ExtractionResult

logger = logging.getLogger(__name__)

VERIFIED_CHECK = "verified"


@dataclass(frozen=True)
class VerificationQuery:
    """What the 查验 platform asks for: code and number (no code on 数电), the issue date,
    the amount (合计金额 before tax; 价税合计 on 数电) and the check code's last six digits
    (普通发票 only)."""

    invoice_number: str
    invoice_code: str = ""
    date: str = ""
    amount: str = ""
    check_code_last6: str = ""

    @property
    def key(self) -> str:
        return f"{self.invoice_code}:{self.invoice_number}"


@dataclass(frozen=True)
class VerificationResult:
    """`ok`: True the authority confirms the invoice, False it does not (or its values
    differ), None it gave no answer. `message` says why, for the reviewer."""

    ok: bool | None
    message: str = ""
    details: dict = field(default_factory=dict)


class VerificationProvider(Protocol):
    name: str

    def verify(self, query: VerificationQuery) -> VerificationResult: ...


def verification_provider() -> VerificationProvider | None:
    """The configured provider, or None when verification is off."""
    path = settings.CN_INVOICE_VERIFICATION_PROVIDER
    return import_string(path)() if path else None


def verification_query(result: ExtractionResult) -> VerificationQuery | None:
    """The query for an extracted Chinese invoice, or None when it is none (no invoice
    number, or not a Chinese VAT invoice: no CNY, no code and no 20-digit number)."""
    flat = result.as_flat_dict()
    number = (flat.get("invoice_number") or "").strip()
    code = (flat.get("invoice_code") or "").strip()
    if not number or flat.get("currency") != "CNY" or not (code or len(number) == 20):
        return None
    check_code = ""
    for check in result.checks:
        if check.get("name") == QR_READ_CHECK and check.get("payload"):
            qr = parse_qr_payload(check["payload"])
            check_code = qr.check_code if qr is not None else ""
    amount_field = "net_amount" if code else "total_amount"
    return VerificationQuery(
        invoice_number=number,
        invoice_code=code,
        date=flat.get("date") or "",
        amount=flat.get(amount_field) or "",
        check_code_last6=check_code[-6:],
    )


def _within_daily_limit(query: VerificationQuery) -> bool:
    key = f"cn-verify:{date.today().isoformat()}:{query.key}"
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(key, 1, timeout=2 * 24 * 3600)
        count = 1
    return count <= settings.CN_INVOICE_VERIFICATION_DAILY_LIMIT


def verification_check(result: ExtractionResult) -> dict | None:
    """The `verified` check for an extracted invoice, asking the configured provider; None
    when verification is off or the document is no Chinese VAT invoice."""
    provider = verification_provider()
    query = verification_query(result) if provider is not None else None
    if query is None:
        return None
    check = {"name": VERIFIED_CHECK, "provider": provider.name}
    if not _within_daily_limit(query):
        limit = settings.CN_INVOICE_VERIFICATION_DAILY_LIMIT
        return {
            **check,
            "ok": None,
            "message": f"Not verified: this invoice was already queried {limit} times today.",
        }
    try:
        answer = provider.verify(query)
    except Exception as error:  # a provider's failure is no reason to fail the invoice
        logger.warning("invoice verification by %s failed: %s", provider.name, error)
        return {**check, "ok": None, "message": "Not verified: the provider gave no answer."}
    result = {**check, "ok": answer.ok, "message": answer.message}
    if answer.details:
        result["details"] = answer.details
    return result


def verification_apply(*, invoice, check: dict | None) -> None:
    """Record the `verified` check on `invoice` (not saved), replacing an earlier one; a
    failed verification sends a recognised invoice to review."""
    if check is None:
        return
    invoice.checks = [c for c in invoice.checks or [] if c.get("name") != VERIFIED_CHECK]
    invoice.checks.append(check)
    if check["ok"] is False and invoice.status == invoice.Status.RECOGNIZED:
        invoice.status = invoice.Status.NEEDS_REVIEW
