"""Exports of 10,000 rows in every format, in a throwaway SQLite database.

usage: python bench/exports.py [--rows N] [--no-record]

Builds N invoices (approved by a reviewer, one line each, so the lines export has N rows) and
N card transactions with bulk inserts, then times each format's file for all of them as a
supervisor sees them: the same selector (filters, scoping, joins) and the same writer the API
and the admin use, from the query to the bytes. Writes the "Exports" section of
docs/benchmarks.md. Target: every format <= 5 s for 10,000 rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from record import write_section  # bench/record.py: the one section writer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_S = 5.0
SECTION = "Exports"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the best counts")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    db_path = Path(tempfile.mkdtemp(prefix="ledgerlens-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    supervisor = _build(args.rows)
    results = _measure(supervisor, args.repeat)
    for row in results:
        print(f"{row['format']:<11} {row['dataset']:<14} {row['rows']:>6} rows "
              f"{row['seconds']:6.2f} s {row['mb']:6.2f} MB")  # fmt: skip
    worst = max(row["seconds"] for row in results)
    print(f"slowest {worst:.2f} s (target <= {TARGET_S:.0f} s)")
    if not args.no_record:
        _record(args.rows, args.repeat, results, worst)
    return 0 if worst <= TARGET_S else 1


def _build(count: int):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from billing.models import Bank, Bill, CreditCard, StatementImport, Transaction
    from customers.models import Customer
    from invoices.models import Invoice, InvoiceLine
    from ocrengine.models import DocumentType
    from tests.factories import UserFactory

    supervisor = UserFactory(username="bench_supervisor")
    supervisor.groups.add(Group.objects.get(name="supervisor"))
    customer = Customer.objects.create(name="Bench GmbH", email="bench@example.test")
    kind = DocumentType.objects.get(code="invoice")
    start, now = date(2026, 1, 1), timezone.now()
    invoices = [
        Invoice(
            file=f"invoices/pdf/{n:064x}.pdf",
            original_name=f"bench-{n}.pdf",
            sha256=f"{n:064x}",
            mime="application/pdf",
            pages=1,
            status=Invoice.Status.APPROVED,
            document_type=kind,
            customer=customer,
            invoice_number=f"RE-{n:06d}",
            date=start + timedelta(days=n % 360),
            due_date=start + timedelta(days=n % 360 + 30),
            seller=f"Lieferant {n % 500} GmbH",
            seller_tax_id="DE123456789",
            buyer="Bench GmbH",
            net_amount=Decimal("100.00"),
            tax_amount=Decimal("19.00"),
            total_amount=Decimal("119.00"),
            currency="EUR",
            iban="DE89370400440532013000",
            payment_terms="30 Tage netto",
            tax_breakdown=[{"rate": "19", "net": "100.00", "tax": "19.00"}],
            reviewed_by=supervisor,
            approved_at=now,
            confidence=0.97,
        )
        for n in range(count)
    ]
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    lines = [
        InvoiceLine(invoice_id=pk, position=1, description="Beratung", quantity=Decimal("1"),
                    unit_price=Decimal("100"), amount=Decimal("100.00"), tax_rate=Decimal("19"))
        for pk in Invoice.objects.values_list("pk", flat=True)
    ]  # fmt: skip
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    bank = Bank.objects.get_or_create(code="benchbank", defaults={"name": "Bench Bank"})[0]
    card = CreditCard.objects.create(customer=customer, bank=bank, last4="4242")
    statement = StatementImport.objects.create(
        file="statements/bench.pdf", original_name="bench.pdf", sha256="b" * 64, format="pdf",
        status="verified", customer=customer,
    )  # fmt: skip
    bill = Bill.objects.create(
        card=card, statement_import=statement, statement_date=date(2026, 12, 31),
        previous_balance=Decimal("0"), total_debits=Decimal("0"), total_credits=Decimal("0"),
        new_balance=Decimal("0"), status="verified", fingerprint="bench",
    )  # fmt: skip
    rows = [
        Transaction(bill=bill, card=card, transaction_date=start + timedelta(days=n % 360),
                    description=f"MERCHANT {n % 700}", amount=Decimal("12.34") + n % 100,
                    direction="credit" if n % 10 == 0 else "debit", source_page=1 + n % 5,
                    occurrence=n)
        for n in range(count)
    ]  # fmt: skip
    Transaction.objects.bulk_create(rows, batch_size=2000)
    return supervisor


def _measure(user, repeat: int) -> list[dict]:
    """Each format's best of `repeat` runs: the machine's other work only ever adds time."""
    from exports.formats import FORMATS
    from exports.selectors import export_records
    from exports.services import export_now

    results = []
    for name, spec in FORMATS.items():
        for dataset in spec.datasets:
            started = time.perf_counter()
            records = export_records(dataset=dataset, user=user, params={})
            made = export_now(dataset=dataset, format_name=name, records=records,
                              base_url="https://ledgerlens.example.com")  # fmt: skip
            seconds = time.perf_counter() - started
            results.append({"format": name, "dataset": dataset, "rows": made.rows,
                            "seconds": seconds, "mb": len(made.data) / 1e6})  # fmt: skip
    return results


def _record(rows: int, repeat: int, results: list[dict], worst: float) -> None:
    lines = [
        f"## {SECTION}",
        "",
        f"`make bench-exports` (`bench/exports.py`): {rows:,} invoices (one line each) and "
        f"{rows:,} transactions in SQLite; each format's whole file, from the selector's query "
        f"to the bytes, as the API and the admin make it; the best of {repeat} runs each. "
        "Target: <= 5 s per export.",
        "",
        "| format | dataset | rows | seconds | MB |",
        "|---|---|---|---|---|",
        *(
            f"| `{r['format']}` | {r['dataset']} | {r['rows']:,} | {r['seconds']:.2f} | "
            f"{r['mb']:.2f} |"
            for r in results
        ),
        "",
        f"Slowest: {worst:.2f} s ({'meets' if worst <= TARGET_S else 'misses'} the 5 s target). "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.2f}.",
    ]
    write_section("exports", "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
