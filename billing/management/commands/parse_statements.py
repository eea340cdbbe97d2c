"""Parse statement files in-process and write one JSON line per file (the scorer's format)."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from billing.parsers import parse_statement, statement_status
from billing.services.files import sha256_hex
from billing.services.presenting import iso, money, parsed_transaction_as_dict
from billing.services.reference_data import shipped_template_specs
from billing.services.statement_processing import active_template_specs
from ocrengine.documents import DocumentError, PasswordIncorrect, PasswordRequired


class Command(BaseCommand):
    help = (
        "Parse statements with the active bank templates (nothing is stored) and write JSONL: "
        "doc, statement, transactions, seconds, bank, status, problems. A file whose bytes "
        "repeat an earlier file of the run is reported as a duplicate."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths", nargs="+", help="Statement files (PDF, XLSX, CSV, OFX, CAMT, MT940, QIF)."
        )
        parser.add_argument("--output", required=True, help="JSONL file to write.")
        parser.add_argument("--password", default=None, help="For protected PDFs.")
        parser.add_argument(
            "--no-templates",
            action="store_true",
            help="Read every file with the generic reader, as for a bank without a template "
            "(what a new bank's statement would give before its template is written).",
        )

    def handle(self, *args, **options) -> None:
        templates = [] if options["no_templates"] else self._templates()
        paths = [Path(p) for p in options["paths"]]
        if missing := [str(p) for p in paths if not p.is_file()]:
            raise CommandError(f"Not a file: {', '.join(missing)}")
        counts: dict[str, int] = {}
        with Path(options["output"]).open("w", encoding="utf-8") as out:
            for line in self._lines(paths, templates, options["password"]):
                counts[line["status"]] = counts.get(line["status"], 0) + 1
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.stderr.write(f"{len(paths)} file(s): {counts}")

    def _templates(self) -> list[dict]:
        """The active templates in the database; the shipped ones when it has none yet (a
        fresh checkout that was never migrated or seeded), said out loud."""
        try:
            templates = active_template_specs()
        except DatabaseError:
            templates = []
        if not templates:
            self.stderr.write(
                "No active bank templates in the database (run `make seed`); "
                "using the templates shipped in billing/bank_templates/."
            )
            templates = shipped_template_specs()
        return templates

    def _lines(self, paths: list[Path], templates: list[dict], password) -> Iterator[dict]:
        seen: dict[str, str] = {}
        for path in paths:
            data = path.read_bytes()
            digest = sha256_hex(data)
            if digest in seen:
                yield _duplicate_line(path, seen[digest])
                continue
            seen[digest] = path.name
            yield statement_line(path.name, data, templates, password)


def statement_line(name: str, data: bytes, templates: list[dict], password=None) -> dict:
    started = time.perf_counter()
    try:
        parsed = parse_statement(data, filename=name, templates=templates, password=password)
    except DocumentError as error:
        # A protected PDF is reported with the statement upload's codes (password_required,
        # password_incorrect): what the user must be asked, not only that it is encrypted.
        passwords = (PasswordRequired, PasswordIncorrect)
        code = error.reason if isinstance(error, passwords) else error.code
        return {
            "doc": name, "bank": None, "status": "failed", "statement": {}, "transactions": [],
            "problems": [{"code": code, "message": error.message, "severity": "error"}],
            "seconds": round(time.perf_counter() - started, 4),
        }  # fmt: skip
    status, problems = statement_status(parsed)
    seconds = time.perf_counter() - started
    bills = parsed.bills
    first = bills[0] if bills else None
    summed = bills if all(b.account_kind == "card" for b in bills) else bills[:1]
    return {
        "doc": name,
        "bank": parsed.bank_code,
        "template_version": parsed.template_version,
        # How the content was read (bench/record.py groups timings by it): statements are
        # read from the PDF's text layer or from the export's cells, never OCR'd.
        "source": "text_layer" if parsed.file_format == "pdf" else parsed.file_format,
        "status": status,
        "statement": {
            "statement_date": iso(first.statement_date) if first else None,
            "due_date": iso(first.due_date) if first else None,
            # One bill covering several cards: the statement's figures are their sums. A bank
            # statement of several accounts is not one balance: its figures are the first
            # (main) account's, the others are listed under "accounts".
            "previous_balance": _total(b.previous_balance for b in summed),
            "new_balance": _total(b.new_balance for b in summed),
            "minimum_payment": _total(b.minimum_payment for b in summed),
            "cards": [b.card_last4 for b in bills],
            "accounts": [_account(b) for b in bills],
        },
        "transactions": [
            parsed_transaction_as_dict(t, bill)
            for bill in bills
            for t in bill.transactions
            if not t.is_memo
        ],
        "problems": problems,
        "seconds": round(seconds, 4),
    }


def _duplicate_line(path: Path, original: str) -> dict:
    return {
        "doc": path.name, "bank": None, "status": "duplicate", "duplicate_of": original,
        "statement": {}, "transactions": [], "seconds": 0.0,
        "problems": [{"code": "duplicate_file", "message": f"Same bytes as {original}.",
                      "severity": "error"}],
    }  # fmt: skip


def _account(bill) -> dict:
    return {
        "account": bill.account,
        "kind": bill.account_kind,
        "previous_balance": money(bill.previous_balance),
        "new_balance": money(bill.new_balance),
    }


def _total(values) -> str | None:
    present = [v for v in values if v is not None]
    return money(sum(present)) if present else None
