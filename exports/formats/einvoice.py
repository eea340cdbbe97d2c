"""Electronic invoices, one XML document per invoice: UBL 2.1 as Peppol BIS Billing 3.0, and
UN/CEFACT CII as Factur-X / ZUGFeRD's EN 16931 profile.

Built with the standard library's ElementTree, element by element in the schemas' order: the
two documents are a few dozen elements each, a builder library would add a dependency to the
web image for no gain, and tests validate every generated document against the official XSDs
(UBL 2.1 from OASIS, Factur-X 1.0.07 EN16931). The approval status and the reviewer travel as
notes, the page image as an external document reference.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from django.conf import settings

from exports import rows
from exports.rows import Links

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
for _prefix, _uri in {
    "cac": CAC,
    "cbc": CBC,
    "rsm": RSM,
    "ram": RAM,
    "udt": UDT,
    "qdt": QDT,
}.items():
    ET.register_namespace(_prefix, _uri)

PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
EN16931 = "urn:cen.eu:en16931:2017"
CENT = Decimal("0.01")
XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


def _money(value) -> str:
    return format(Decimal(value or 0).quantize(CENT), "f")


def _number(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _sub(parent: ET.Element, ns: str, tag: str, text=None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = str(text)
    return element


def _currency(invoice) -> str:
    return invoice.currency or settings.EXPORT_DEFAULT_CURRENCY


def notes(invoice, links: Links) -> list[str]:
    values = rows.invoice_values(invoice, links)
    found = [f"LedgerLens status: {values['approval_status']}"]
    if values["reviewer"]:
        found.append(f"Reviewed by: {values['reviewer']}")
    if values["approved_at"]:
        found.append(f"Approved at: {rows.text(values['approved_at'])}")
    return found


def tax_groups(invoice) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate %, taxable amount, tax) per rate: the breakdown read from the page, else one
    group from the invoice's net and tax."""
    groups = []
    for entry in invoice.tax_breakdown or []:
        try:
            groups.append((Decimal(str(entry["rate"])), Decimal(str(entry["net"])),
                           Decimal(str(entry["tax"]))))  # fmt: skip
        except (KeyError, TypeError, ArithmeticError, ValueError):
            groups = []
            break
    if groups:
        return groups
    net = invoice.net_amount
    tax = invoice.tax_amount or Decimal(0)
    if net is None:
        net = (invoice.total_amount or Decimal(0)) - tax
    rate = (tax * 100 / net).quantize(Decimal("0.01")) if net else Decimal(0)
    return [(rate, net, tax)]


def invoice_lines(invoice) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal]]:
    """(name, quantity, unit price, line amount, rate %) per line; one line of the net amount
    for an invoice without lines (both schemas want at least one)."""
    default_rate = tax_groups(invoice)[0][0]
    found = []
    for line in invoice.lines.all():
        quantity = line.quantity or Decimal(1)
        amount = line.amount
        if amount is None:
            amount = (line.unit_price or Decimal(0)) * quantity
        unit = line.unit_price if line.unit_price is not None else amount / quantity
        rate = line.tax_rate if line.tax_rate is not None else default_rate
        found.append((line.description or "Item", quantity, unit, amount, rate))
    if not found:
        net = sum((group[1] for group in tax_groups(invoice)), Decimal(0))
        found.append((invoice.seller or "Invoice", Decimal(1), net, net, default_rate))
    return found


def countries(invoice) -> tuple[str, str]:
    """(seller's, buyer's) ISO 3166 country, as EN 16931 wants on both addresses: a VAT id's
    prefix (DE123456789), the seller's IBAN's; a buyer without either is taken to be in the
    seller's country (a domestic invoice). '' when nothing says."""

    def prefix(text: str) -> str:
        head = (text or "")[:2]
        return (
            head if len(head) == 2 and head.isascii() and head.isalpha() and head.isupper() else ""
        )

    seller = prefix(invoice.seller_tax_id) or prefix(invoice.iban)
    return seller, prefix(invoice.buyer_tax_id) or seller


def _category(rate: Decimal) -> str:
    return "S" if rate else "Z"


def _xml(root: ET.Element) -> bytes:
    # Serialised to text, then encoded once: ElementTree's encoding writer resets its codec on
    # each of a document's ~300 small writes, which made it most of a 10,000-invoice export.
    return (XML_DECLARATION + ET.tostring(root, encoding="unicode")).encode("utf-8")


# --- UBL 2.1 / Peppol BIS 3 ---------------------------------------------------------------------


def _ubl_party(parent, role: str, name: str, tax_id: str, address: str, country: str) -> None:
    party = _sub(_sub(parent, CAC, role), CAC, "Party")
    _sub(_sub(party, CAC, "PartyName"), CBC, "Name", name or "Unknown")
    if address or country:
        postal = _sub(party, CAC, "PostalAddress")
        if address:
            _sub(_sub(postal, CAC, "AddressLine"), CBC, "Line", address)
        if country:
            _sub(_sub(postal, CAC, "Country"), CBC, "IdentificationCode", country)
    if tax_id:
        scheme = _sub(party, CAC, "PartyTaxScheme")
        _sub(scheme, CBC, "CompanyID", tax_id)
        _sub(_sub(scheme, CAC, "TaxScheme"), CBC, "ID", "VAT")
    _sub(_sub(party, CAC, "PartyLegalEntity"), CBC, "RegistrationName", name or "Unknown")


def _ubl_tax_category(parent, tag: str, rate: Decimal) -> None:
    category = _sub(parent, CAC, tag)
    _sub(category, CBC, "ID", _category(rate))
    _sub(category, CBC, "Percent", _number(rate))
    _sub(_sub(category, CAC, "TaxScheme"), CBC, "ID", "VAT")


def ubl_document(invoice, links: Links) -> bytes:
    currency = _currency(invoice)
    root = ET.Element(f"{{{UBL}}}Invoice")
    _sub(root, CBC, "CustomizationID", PEPPOL_CUSTOMIZATION)
    _sub(root, CBC, "ProfileID", PEPPOL_PROFILE)
    _sub(root, CBC, "ID", invoice.invoice_number or f"LL-{invoice.pk}")
    _sub(root, CBC, "IssueDate", (invoice.date or invoice.created_at.date()).isoformat())
    if invoice.due_date:
        _sub(root, CBC, "DueDate", invoice.due_date.isoformat())
    _sub(root, CBC, "InvoiceTypeCode", "380")
    for note in notes(invoice, links):
        _sub(root, CBC, "Note", note)
    _sub(root, CBC, "DocumentCurrencyCode", currency)
    _sub(root, CBC, "BuyerReference", invoice.purchase_order_number or f"LL-{invoice.pk}")
    if invoice.service_period_start or invoice.service_period_end:
        period = _sub(root, CAC, "InvoicePeriod")
        if invoice.service_period_start:
            _sub(period, CBC, "StartDate", invoice.service_period_start.isoformat())
        if invoice.service_period_end:
            _sub(period, CBC, "EndDate", invoice.service_period_end.isoformat())
    if invoice.purchase_order_number:
        _sub(_sub(root, CAC, "OrderReference"), CBC, "ID", invoice.purchase_order_number)
    reference = _sub(root, CAC, "AdditionalDocumentReference")
    _sub(reference, CBC, "ID", f"page-image-{invoice.pk}")
    _sub(reference, CBC, "DocumentDescription", "Page image")
    external = _sub(_sub(reference, CAC, "Attachment"), CAC, "ExternalReference")
    _sub(external, CBC, "URI", links.invoice_page(invoice))
    seller_country, buyer_country = countries(invoice)
    _ubl_party(root, "AccountingSupplierParty", invoice.seller, invoice.seller_tax_id,
               invoice.seller_address, seller_country)  # fmt: skip
    _ubl_party(root, "AccountingCustomerParty", invoice.buyer, invoice.buyer_tax_id,
               invoice.buyer_address, buyer_country)  # fmt: skip
    if invoice.iban or invoice.bank_account:
        means = _sub(root, CAC, "PaymentMeans")
        _sub(means, CBC, "PaymentMeansCode", "58" if invoice.iban else "30")
        account = _sub(means, CAC, "PayeeFinancialAccount")
        _sub(account, CBC, "ID", invoice.iban or invoice.bank_account)
        if invoice.bic:
            _sub(_sub(account, CAC, "FinancialInstitutionBranch"), CBC, "ID", invoice.bic)
    if invoice.payment_terms:
        _sub(_sub(root, CAC, "PaymentTerms"), CBC, "Note", invoice.payment_terms)
    groups = tax_groups(invoice)
    tax_total = _sub(root, CAC, "TaxTotal")
    tax_sum = sum((tax for _, _, tax in groups), Decimal(0))
    _sub(tax_total, CBC, "TaxAmount", _money(tax_sum), currencyID=currency)
    for rate, taxable, tax in groups:
        subtotal = _sub(tax_total, CAC, "TaxSubtotal")
        _sub(subtotal, CBC, "TaxableAmount", _money(taxable), currencyID=currency)
        _sub(subtotal, CBC, "TaxAmount", _money(tax), currencyID=currency)
        _ubl_tax_category(subtotal, "TaxCategory", rate)
    lines = invoice_lines(invoice)
    line_total = sum((line[3] for line in lines), Decimal(0))
    net = sum((taxable for _, taxable, _ in groups), Decimal(0))
    total = invoice.total_amount if invoice.total_amount is not None else net + tax_sum
    monetary = _sub(root, CAC, "LegalMonetaryTotal")
    _sub(monetary, CBC, "LineExtensionAmount", _money(line_total), currencyID=currency)
    _sub(monetary, CBC, "TaxExclusiveAmount", _money(net), currencyID=currency)
    _sub(monetary, CBC, "TaxInclusiveAmount", _money(total), currencyID=currency)
    _sub(monetary, CBC, "PayableAmount", _money(total), currencyID=currency)
    for number, (name, quantity, unit, amount, rate) in enumerate(lines, start=1):
        line = _sub(root, CAC, "InvoiceLine")
        _sub(line, CBC, "ID", number)
        _sub(line, CBC, "InvoicedQuantity", _number(quantity), unitCode="C62")
        _sub(line, CBC, "LineExtensionAmount", _money(amount), currencyID=currency)
        item = _sub(line, CAC, "Item")
        _sub(item, CBC, "Name", name[:200])
        _ubl_tax_category(item, "ClassifiedTaxCategory", rate)
        price = _sub(line, CAC, "Price")
        _sub(price, CBC, "PriceAmount", _number(Decimal(unit).quantize(Decimal("0.0001"))),
             currencyID=currency)  # fmt: skip
    return _xml(root)


# --- UN/CEFACT CII (Factur-X / ZUGFeRD EN 16931) ------------------------------------------------


def _cii_date(parent, tag: str, day) -> None:
    _sub(_sub(parent, RAM, tag), UDT, "DateTimeString", day.strftime("%Y%m%d"), format="102")


def _cii_party(parent, tag: str, name: str, tax_id: str, address: str, country: str) -> None:
    party = _sub(parent, RAM, tag)
    _sub(party, RAM, "Name", name or "Unknown")
    if country:  # the schema's address needs its country
        postal = _sub(party, RAM, "PostalTradeAddress")
        if address:
            _sub(postal, RAM, "LineOne", address)
        _sub(postal, RAM, "CountryID", country)
    if tax_id:
        _sub(_sub(party, RAM, "SpecifiedTaxRegistration"), RAM, "ID", tax_id, schemeID="VA")


def cii_document(invoice, links: Links) -> bytes:
    currency = _currency(invoice)
    root = ET.Element(f"{{{RSM}}}CrossIndustryInvoice")
    context = _sub(root, RSM, "ExchangedDocumentContext")
    _sub(_sub(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", EN16931)
    document = _sub(root, RSM, "ExchangedDocument")
    _sub(document, RAM, "ID", invoice.invoice_number or f"LL-{invoice.pk}")
    _sub(document, RAM, "TypeCode", "380")
    _cii_date(document, "IssueDateTime", invoice.date or invoice.created_at.date())
    for note in notes(invoice, links):
        _sub(_sub(document, RAM, "IncludedNote"), RAM, "Content", note)
    trade = _sub(root, RSM, "SupplyChainTradeTransaction")
    lines = invoice_lines(invoice)
    for number, (name, quantity, unit, amount, rate) in enumerate(lines, 1):
        item = _sub(trade, RAM, "IncludedSupplyChainTradeLineItem")
        _sub(_sub(item, RAM, "AssociatedDocumentLineDocument"), RAM, "LineID", number)
        _sub(_sub(item, RAM, "SpecifiedTradeProduct"), RAM, "Name", name[:200])
        price = _sub(_sub(item, RAM, "SpecifiedLineTradeAgreement"), RAM,
                     "NetPriceProductTradePrice")  # fmt: skip
        _sub(price, RAM, "ChargeAmount", _number(Decimal(unit).quantize(Decimal("0.0001"))))
        delivery = _sub(item, RAM, "SpecifiedLineTradeDelivery")
        _sub(delivery, RAM, "BilledQuantity", _number(quantity), unitCode="C62")
        settlement = _sub(item, RAM, "SpecifiedLineTradeSettlement")
        tax = _sub(settlement, RAM, "ApplicableTradeTax")
        _sub(tax, RAM, "TypeCode", "VAT")
        _sub(tax, RAM, "CategoryCode", _category(rate))
        _sub(tax, RAM, "RateApplicablePercent", _number(rate))
        summation = _sub(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation")
        _sub(summation, RAM, "LineTotalAmount", _money(amount))
    agreement = _sub(trade, RAM, "ApplicableHeaderTradeAgreement")
    if invoice.purchase_order_number:
        _sub(agreement, RAM, "BuyerReference", invoice.purchase_order_number)
    seller_country, buyer_country = countries(invoice)
    _cii_party(agreement, "SellerTradeParty", invoice.seller, invoice.seller_tax_id,
               invoice.seller_address, seller_country)  # fmt: skip
    _cii_party(agreement, "BuyerTradeParty", invoice.buyer, invoice.buyer_tax_id,
               invoice.buyer_address, buyer_country)  # fmt: skip
    if invoice.purchase_order_number:
        order = _sub(agreement, RAM, "BuyerOrderReferencedDocument")
        _sub(order, RAM, "IssuerAssignedID", invoice.purchase_order_number)
    page = _sub(agreement, RAM, "AdditionalReferencedDocument")
    _sub(page, RAM, "IssuerAssignedID", f"page-image-{invoice.pk}")
    _sub(page, RAM, "URIID", links.invoice_page(invoice))
    _sub(page, RAM, "TypeCode", "916")  # a related document
    _sub(page, RAM, "Name", "Page image")
    _sub(trade, RAM, "ApplicableHeaderTradeDelivery")
    settlement = _sub(trade, RAM, "ApplicableHeaderTradeSettlement")
    _sub(settlement, RAM, "InvoiceCurrencyCode", currency)
    if invoice.iban:
        means = _sub(settlement, RAM, "SpecifiedTradeSettlementPaymentMeans")
        _sub(means, RAM, "TypeCode", "58")
        _sub(_sub(means, RAM, "PayeePartyCreditorFinancialAccount"), RAM, "IBANID", invoice.iban)
        if invoice.bic:
            institution = _sub(means, RAM, "PayeeSpecifiedCreditorFinancialInstitution")
            _sub(institution, RAM, "BICID", invoice.bic)
    groups = tax_groups(invoice)
    for rate, taxable, tax_amount in groups:
        tax = _sub(settlement, RAM, "ApplicableTradeTax")
        _sub(tax, RAM, "CalculatedAmount", _money(tax_amount))
        _sub(tax, RAM, "TypeCode", "VAT")
        _sub(tax, RAM, "BasisAmount", _money(taxable))
        _sub(tax, RAM, "CategoryCode", _category(rate))
        _sub(tax, RAM, "RateApplicablePercent", _number(rate))
    if invoice.payment_terms or invoice.due_date:
        terms = _sub(settlement, RAM, "SpecifiedTradePaymentTerms")
        if invoice.payment_terms:
            _sub(terms, RAM, "Description", invoice.payment_terms)
        if invoice.due_date:
            _cii_date(terms, "DueDateDateTime", invoice.due_date)
    lines_total = sum((line[3] for line in lines), Decimal(0))
    net = sum((taxable for _, taxable, _ in groups), Decimal(0))
    tax_sum = sum((tax for _, _, tax in groups), Decimal(0))
    total = invoice.total_amount if invoice.total_amount is not None else net + tax_sum
    summation = _sub(settlement, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, RAM, "LineTotalAmount", _money(lines_total))
    _sub(summation, RAM, "TaxBasisTotalAmount", _money(net))
    _sub(summation, RAM, "TaxTotalAmount", _money(tax_sum), currencyID=currency)
    _sub(summation, RAM, "GrandTotalAmount", _money(total))
    _sub(summation, RAM, "DuePayableAmount", _money(total))
    return _xml(root)
