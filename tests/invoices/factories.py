"""factory_boy factories for invoices (stored rows, for list/review tests that need no file)."""

import factory

from invoices.models import Invoice
from ocrengine.models import DocumentType


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    file = factory.LazyAttribute(lambda invoice: f"invoices/pdf/{invoice.sha256}.pdf")
    original_name = factory.Sequence(lambda n: f"invoice-{n}.pdf")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    mime = "application/pdf"
    size = 1234
    pages = 1
    status = Invoice.Status.NEEDS_REVIEW
    document_type = factory.LazyFunction(lambda: DocumentType.objects.get(code="invoice"))
    invoice_number = factory.Sequence(lambda n: f"INV-{n:05d}")
    seller = "Nordwind Supplies GmbH"
    confidence = 0.5
