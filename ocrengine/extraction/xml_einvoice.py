"""Structured invoice data embedded in PDFs: ZUGFeRD / Factur-X / XRechnung (UN/CEFACT CII)
and UBL attachments, read by the standards' element names so any conforming producer works.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from ocrengine.documents.attachments import embedded_file_read, pdf_embedded_files
from ocrengine.documents.errors import DocumentError
from ocrengine.documents.limits import limit
from ocrengine.extraction.normalize import format_amount, parse_date

logger = logging.getLogger(__name__)

_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd_invoice.xml")


def embedded_invoice_xml(pdf_bytes: bytes, *, max_bytes: int | None = None) -> bytes | None:
    """The invoice XML attached to a PDF, preferring the names the standards prescribe.

    Only the chosen attachment is decoded, and only up to `max_bytes` (the setting
    EINVOICE_MAX_XML_BYTES when left out): a larger one, declared or decoded, is ignored and
    the invoice is read from its text as if it had none.
    """
    candidates = [
        file for file in pdf_embedded_files(pdf_bytes) if file.name.lower().endswith(".xml")
    ]
    if not candidates:
        return None
    chosen = min(candidates, key=lambda file: file.name.lower() not in _XML_NAMES)
    try:
        return embedded_file_read(chosen, limit("EINVOICE_MAX_XML_BYTES", max_bytes))
    except DocumentError as error:
        logger.warning("embedded invoice XML ignored: %s", error.message)
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in node if _local(child.tag) == name]


def _path(node: ET.Element | None, *names: str) -> ET.Element | None:
    for name in names:
        if node is None:
            return None
        found = _children(node, name)
        node = found[0] if found else None
    return node


def _find(node: ET.Element, name: str) -> ET.Element | None:
    for element in node.iter():
        if _local(element.tag) == name:
            return element
    return None


def _first(*nodes: ET.Element | None) -> ET.Element | None:
    """The first node that exists (an Element without children is falsy, so no `or`)."""
    return next((node for node in nodes if node is not None), None)


def _text(node: ET.Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _amount(node: ET.Element | None) -> str | None:
    text = _text(node)
    try:
        return format_amount(Decimal(text)) if text else None
    except InvalidOperation:
        return None


def _date(node: ET.Element | None) -> str | None:
    if node is None:
        return None
    string = _find(node, "DateTimeString")
    text = _text(string if string is not None else node)
    if text and len(text) == 8 and text.isdigit():  # format 102: YYYYMMDD
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return parse_date(text) if text else None


def _cii_party(party: ET.Element | None) -> tuple[str | None, str | None]:
    if party is None:
        return None, None
    tax_id = None
    for registration in _children(party, "SpecifiedTaxRegistration"):
        node = _path(registration, "ID")
        if node is not None and node.get("schemeID", "VA") == "VA" and _text(node):
            tax_id = _text(node)
    return _text(_path(party, "Name")), tax_id


def _cii_tax_total(summary: ET.Element, currency: str | None) -> str | None:
    totals = _children(summary, "TaxTotalAmount")
    # Factur-X may state the tax twice (invoice and accounting currency): take the invoice's.
    for node in totals:
        if currency is None or node.get("currencyID") in (None, currency):
            return _amount(node)
    return _amount(totals[0]) if totals else None


def _cii_lines(root: ET.Element) -> list[dict]:
    lines = []
    for item in root.iter():
        if _local(item.tag) != "IncludedSupplyChainTradeLineItem":
            continue
        rate = _first(_find(item, "RateApplicablePercent"), _find(item, "ApplicablePercent"))
        price = _find(item, "NetPriceProductTradePrice")
        lines.append(
            {
                "description": _text(_find(item, "Name")),
                "quantity": _text(_find(item, "BilledQuantity")),
                "unit_price": _amount(_find(price, "ChargeAmount")) if price is not None else None,
                "amount": _amount(_find(item, "LineTotalAmount")),
                "tax_rate": _text(rate),
            }
        )
    return lines


def parse_cii(root: ET.Element) -> tuple[dict[str, str | None], list[dict]]:
    document = _first(_path(root, "ExchangedDocument"), _path(root, "HeaderExchangedDocument"))
    currency = _text(_find(root, "InvoiceCurrencyCode"))
    summary = _find(root, "SpecifiedTradeSettlementHeaderMonetarySummation")
    if summary is None:
        summary = _find(root, "SpecifiedTradeSettlementMonetarySummation")
    seller, seller_tax = _cii_party(_find(root, "SellerTradeParty"))
    buyer, buyer_tax = _cii_party(_find(root, "BuyerTradeParty"))
    terms = _find(root, "SpecifiedTradePaymentTerms")
    fields = {
        "invoice_number": _text(_path(document, "ID")),
        "date": _date(_path(document, "IssueDateTime")),
        "due_date": _date(_find(terms, "DueDateDateTime")) if terms is not None else None,
        "currency": currency,
        "seller": seller,
        "seller_tax_id": seller_tax,
        "buyer": buyer,
        "buyer_tax_id": buyer_tax,
    }
    if summary is not None:
        fields["total_amount"] = _amount(_path(summary, "GrandTotalAmount"))
        fields["net_amount"] = _amount(_path(summary, "TaxBasisTotalAmount"))
        fields["tax_amount"] = _cii_tax_total(summary, currency)
    return fields, _cii_lines(root)


def _ubl_party(root: ET.Element, role: str) -> tuple[str | None, str | None]:
    party = _path(root, role, "Party")
    if party is None:
        return None, None
    name = _text(_path(party, "PartyLegalEntity", "RegistrationName")) or _text(
        _path(party, "PartyName", "Name")
    )
    return name, _text(_path(party, "PartyTaxScheme", "CompanyID"))


def parse_ubl(root: ET.Element) -> tuple[dict[str, str | None], list[dict]]:
    totals = _path(root, "LegalMonetaryTotal")
    seller, seller_tax = _ubl_party(root, "AccountingSupplierParty")
    buyer, buyer_tax = _ubl_party(root, "AccountingCustomerParty")
    fields = {
        "invoice_number": _text(_path(root, "ID")),
        "date": _text(_path(root, "IssueDate")),
        "due_date": _text(_path(root, "DueDate")),
        "currency": _text(_path(root, "DocumentCurrencyCode")),
        "seller": seller,
        "seller_tax_id": seller_tax,
        "buyer": buyer,
        "buyer_tax_id": buyer_tax,
        "total_amount": _amount(_path(totals, "TaxInclusiveAmount")),
        "net_amount": _amount(_path(totals, "TaxExclusiveAmount")),
        "tax_amount": _amount(_path(root, "TaxTotal", "TaxAmount")),
    }
    lines = []
    for item in _children(root, "InvoiceLine") + _children(root, "CreditNoteLine"):
        lines.append(
            {
                "description": _text(_path(item, "Item", "Name")),
                "quantity": _text(
                    _first(_path(item, "InvoicedQuantity"), _path(item, "CreditedQuantity"))
                ),
                "unit_price": _amount(_path(item, "Price", "PriceAmount")),
                "amount": _amount(_path(item, "LineExtensionAmount")),
                "tax_rate": _text(_path(item, "Item", "ClassifiedTaxCategory", "Percent")),
            }
        )
    return fields, lines


def read_einvoice(pdf_bytes: bytes) -> tuple[dict[str, str | None], list[dict]] | None:
    """Fields and lines from an embedded CII or UBL invoice, or None when there is none."""
    data = embedded_invoice_xml(pdf_bytes)
    if not data:
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # No e-invoice standard uses a DTD; entities are how XML bombs expand.
        logger.warning("embedded invoice XML declares a DTD; using the text layer")
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        logger.warning("embedded invoice XML is not well-formed; using the text layer")
        return None
    if "oasis" in root.tag or _path(root, "LegalMonetaryTotal") is not None:
        return parse_ubl(root)
    return parse_cii(root)
