"""The export formats, in one registry: what each is called (`?format=`), which records it
exports, its file type and the function that writes it.

Adding a format is one module here with a `write(dataset, records, links) -> bytes` and one
`ExportFormat` in FORMATS (docs/EXTENDING.md, "Add an export format").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from exports.formats import booking, einvoice, tabular, voucher

INVOICES, INVOICE_LINES, TRANSACTIONS = "invoices", "invoice_lines", "transactions"
DATASETS = (INVOICES, INVOICE_LINES, TRANSACTIONS)

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XML = "application/xml"
ZIP = "application/zip"


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    datasets: tuple[str, ...]
    extension: str
    content_type: str
    # write(dataset, records, links) -> bytes; for a per-record format, write(record, links).
    write: Callable[..., bytes]
    # One XML document per invoice: several invoices come as a ZIP of documents.
    per_record: bool = False
    # Reads the invoices' lines (fetched with them only then).
    uses_lines: bool = False


FORMATS: dict[str, ExportFormat] = {
    spec.name: spec
    for spec in (
        ExportFormat("csv", "CSV", DATASETS, "csv", CSV, tabular.csv_write),
        ExportFormat("xlsx", "Excel (XLSX)", DATASETS, "xlsx", XLSX, tabular.xlsx_write),
        ExportFormat("ubl", "UBL 2.1 / Peppol BIS 3", (INVOICES,), "xml", XML, einvoice.ubl_document,
                     per_record=True, uses_lines=True),
        ExportFormat("cii", "Factur-X / ZUGFeRD CII (EN 16931)", (INVOICES,), "xml", XML,
                     einvoice.cii_document, per_record=True, uses_lines=True),
        ExportFormat("datev", "DATEV EXTF Buchungsstapel", (INVOICES, TRANSACTIONS), "csv",
                     "text/csv; charset=windows-1252", booking.datev_write),
        ExportFormat("kingdee", "金蝶 voucher (Excel)", (INVOICES,), "xlsx", XLSX,
                     voucher.kingdee_write),
        ExportFormat("yonyou", "用友 voucher (Excel)", (INVOICES,), "xlsx", XLSX,
                     voucher.yonyou_write),
        ExportFormat("xero", "Xero CSV", (INVOICES, TRANSACTIONS), "csv", CSV, booking.xero_write,
                     uses_lines=True),
        ExportFormat("quickbooks", "QuickBooks CSV", (INVOICES, TRANSACTIONS), "csv", CSV,
                     booking.quickbooks_write, uses_lines=True),
    )
}  # fmt: skip


def formats_for(dataset: str) -> list[str]:
    return [name for name, spec in FORMATS.items() if dataset in spec.datasets]
