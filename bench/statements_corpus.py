"""Run the statement readers over a corpus folder and write scorer predictions (JSONL).

usage: python bench/statements_corpus.py CORPUS_DIR PREDICTIONS.jsonl

Each line: doc, statement (summary over the file's bills), transactions, seconds, bank,
status, problems. Score with shared/corpus/score_statements.py.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from billing.parsers import parse_statement, statement_status  # noqa: E402
from ocrengine.documents import DocumentError  # noqa: E402

SUFFIXES = (".pdf", ".csv", ".xlsx", ".ofx")


def load_templates() -> list[dict]:
    folder = ROOT / "billing" / "bank_templates"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def predict(path: Path, templates: list[dict]) -> dict:
    started = time.perf_counter()
    try:
        statement = parse_statement(path.read_bytes(), filename=path.name, templates=templates)
    except DocumentError as exc:
        return {"doc": path.name, "error": exc.code, "seconds": time.perf_counter() - started}
    status, problems = statement_status(statement)
    seconds = time.perf_counter() - started
    bills = statement.bills
    first = bills[0] if bills else None
    return {
        "doc": path.name,
        "bank": statement.bank_code,
        "template_version": statement.template_version,
        "statement": {
            "statement_date": _iso(first.statement_date if first else None),
            "due_date": _iso(first.due_date if first else None),
            "previous_balance": _sum(b.previous_balance for b in bills),
            "new_balance": _sum(b.new_balance for b in bills),
            "minimum_payment": _sum(b.minimum_payment for b in bills),
            "cards": [b.card_last4 for b in bills],
        },
        "transactions": [
            {
                "posting_date": _iso(t.posting_date),
                "transaction_date": _iso(t.transaction_date),
                "description": t.description,
                "amount": float(t.amount),
                "type": t.direction,
                "card_last4": t.card_last4 or b.card_last4,
            }
            for b in bills
            for t in b.transactions
        ],
        "row_problems": [p.reason for b in bills for p in b.row_problems],
        "seconds": round(seconds, 4),
        "status": status,
        "problems": problems,
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _sum(values) -> float | None:
    present = [v for v in values if v is not None]
    return float(sum(present, Decimal("0"))) if present else None


def main(argv: list[str]) -> int:
    corpus, out = Path(argv[0]), Path(argv[1])
    templates = load_templates()
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in SUFFIXES)
    files = [p for p in files if ".expected_" not in p.name]
    with out.open("w", encoding="utf-8") as fh:
        for path in files:
            fh.write(json.dumps(predict(path, templates)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
