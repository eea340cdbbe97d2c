"""Structured invoice data, read by the standards' element names so any conforming producer
works: UBL 2.1 / Peppol BIS (Invoice, CreditNote), UN/CEFACT CII (ZUGFeRD, Factur-X,
XRechnung) and Chinese 数电 (全电) XML, whether a file of its own, attached to a PDF, or inside
an OFD (its invoice XML, else its CustomData and invoice tags).

One reader for every path (`read_einvoice`); every XML is parsed by
`ocrengine.documents.einvoice_files.xml_parse` (no DTD, no entities, bounded size).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from ocrengine.documents.attachments import embedded_file_read, pdf_embedded_files
from ocrengine.documents.einvoice_files import (
    OfdArchive,
    ofd_custom_data,
    ofd_invoice_xml,
    xml_parse,
)
from ocrengine.documents.errors import DocumentError
from ocrengine.documents.limits import limit
from ocrengine.documents.mime import INVOICE_XML_KINDS, PDF, XML, ZIP, sniff, xml_kind
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


def _cn_rate(text: str | None) -> str | None:
    """数电 writes a rate as a fraction ("0.06"); lines elsewhere carry percentages ("6")."""
    try:
        rate = Decimal(text) if text else None
    except InvalidOperation:
        return text
    if rate is not None and 0 < rate < 1:
        return format(rate * 100, "f").rstrip("0").rstrip(".")
    return text


# Not a field: the 价税合计 in Chinese numerals a 数电 XML states, for `structured_checks`.
UPPERCASE_TOTAL = "_uppercase_total"


def parse_cn_einvoice(root: ET.Element) -> tuple[dict[str, str | None], list[dict]]:
    """A 数电 (全电) invoice XML (root EInvoice): header, parties, totals, items."""
    number = _text(_find(root, "EIid")) or _text(_find(root, "InvoiceNumber"))
    issued = _text(_find(root, "IssueTime")) or _text(_find(root, "RequestTime"))
    fields = {
        "invoice_number": number,
        "invoice_code": None,  # 数电 invoices have none: the 20-digit number is the key
        "date": parse_date(issued[:10]) if issued else None,
        "currency": "CNY",
        "seller": _text(_find(root, "SellerName")),
        "seller_tax_id": _text(_find(root, "SellerIdNum")),
        "buyer": _text(_find(root, "BuyerName")),
        "buyer_tax_id": _text(_find(root, "BuyerIdNum")),
        "net_amount": _amount(_find(root, "TotalAmWithoutTax")),
        "tax_amount": _amount(_find(root, "TotalTaxAm")),
        "total_amount": _amount(_find(root, "TotalTax-includedAmount")),
        UPPERCASE_TOTAL: _text(_find(root, "TotalTax-includedAmountInChinese")),
    }
    lines = []
    for item in root.iter():
        if _local(item.tag) != "IssuItemInformation":
            continue
        lines.append(
            {
                "description": _text(_path(item, "ItemName")),
                "quantity": _text(_path(item, "Quantity")),
                "unit_price": _amount(_path(item, "UnPrice")),
                "amount": _amount(_path(item, "Amount")),
                "tax_rate": _cn_rate(_text(_path(item, "TaxRate"))),
            }
        )
    return fields, lines


# OFD CustomData names (Chinese) and invoice tag names (Doc_0/Tags) → canonical fields.
_OFD_NAMES = {
    "invoice_code": ("发票代码", "InvoiceCode"),
    "invoice_number": ("发票号码", "InvoiceNo", "InvoiceNumber"),
    "date": ("开票日期", "IssueDate"),
    "net_amount": ("合计金额", "TaxExclusiveTotalAmount"),
    "tax_amount": ("合计税额", "TaxTotalAmount"),
    "total_amount": ("价税合计", "TaxInclusiveTotalAmount"),
    "seller": ("销售方名称", "SellerName"),
    "seller_tax_id": ("销售方纳税人识别号", "SellerTaxID"),
    "buyer": ("购买方名称", "BuyerName"),
    "buyer_tax_id": ("购买方纳税人识别号", "BuyerTaxID"),
}
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def parse_ofd_values(values: dict[str, str]) -> tuple[dict[str, str | None], list[dict]]:
    """An OFD's CustomData / invoice tags as fields (an OFD carries no lines this way)."""
    fields: dict[str, str | None] = {"currency": "CNY"}
    for name, keys in _OFD_NAMES.items():
        raw = next((values[key] for key in keys if values.get(key)), None)
        if raw is None:
            continue
        if name.endswith("_amount"):
            match = _NUMBER.search(raw.replace("¥", "").replace("￥", ""))
            fields[name] = _amount_text(match.group(0).replace(",", "")) if match else None
        elif name == "date":
            fields[name] = parse_date(raw)
        else:
            fields[name] = raw.strip()
    return fields, []


def _amount_text(text: str) -> str | None:
    try:
        return format_amount(Decimal(text))
    except InvalidOperation:
        return None


def parse_invoice_root(root: ET.Element) -> tuple[dict[str, str | None], list[dict]]:
    """Fields and lines of a parsed UBL, CII or 数电 invoice."""
    if _local(root.tag) == "EInvoice":
        return parse_cn_einvoice(root)
    if "oasis" in root.tag or _path(root, "LegalMonetaryTotal") is not None:
        return parse_ubl(root)
    return parse_cii(root)


def _embedded_root(pdf_bytes: bytes) -> ET.Element | None:
    data = embedded_invoice_xml(pdf_bytes)
    if not data:
        return None
    try:
        return xml_parse(data)
    except DocumentError as error:
        # A DTD (no e-invoice standard uses one: entities are how XML bombs expand) or broken
        # XML: the invoice is read from its text layer instead.
        logger.warning("embedded invoice XML ignored (%s); using the text layer", error.code)
        return None


def read_einvoice(data: bytes) -> tuple[dict[str, str | None], list[dict]] | None:
    """Fields and lines from structured invoice data in `data`, or None when it has none: a
    PDF's CII/UBL attachment, a standalone UBL/CII/数电 XML, or an OFD's invoice XML (else
    its CustomData and invoice tags). A PDF attachment that cannot be read safely is ignored;
    a standalone file that cannot is refused earlier, by the document reader."""
    kind = sniff(data)
    try:
        if kind == PDF:
            root = _embedded_root(data)
        elif kind == XML and xml_kind(data) in INVOICE_XML_KINDS:
            root = xml_parse(data)
        elif kind == ZIP:
            ofd = OfdArchive(data)
            embedded = ofd_invoice_xml(ofd)
            if embedded is None:
                values = ofd_custom_data(ofd)
                return parse_ofd_values(values) if values else None
            root = xml_parse(embedded)
        else:
            return None
    except DocumentError as error:
        logger.warning("structured invoice data not read: %s", error.message)
        return None
    return parse_invoice_root(root) if root is not None else None


def is_structured(document) -> bool:
    """Whether `document` was read from an XML or OFD file (its text renders the data)."""
    return bool(document.pages) and all(page.source == "xml" for page in document.pages)


def structured_checks(xml_fields: dict[str, str | None], chosen: dict) -> list[dict]:
    """A Chinese e-invoice's data checked against itself: its 价税合计 in Chinese numerals
    against the figure (`cn_uppercase_total_matches`) and its code and number rules."""
    if xml_fields.get("currency") != "CNY":
        return []
    from ocrengine.extraction.cn_numerals import parse_uppercase_amount
    from ocrengine.extraction.cn_qr import number_format_checks

    checks = []
    uppercase, total = xml_fields.get(UPPERCASE_TOTAL), chosen.get("total_amount")
    value = parse_uppercase_amount(uppercase) if uppercase else None
    if value is not None and total is not None and total.value:
        check = {"name": "cn_uppercase_total_matches", "ok": value == Decimal(total.value)}
        if not check["ok"]:
            check["message"] = f"大写 says {value}, the figure says {total.value}"
        checks.append(check)
    return checks + number_format_checks(chosen)
