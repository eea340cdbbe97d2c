"""Benchmark: EasyOCR vs RapidOCR on CPU, seconds per page and how much they agree.

Pages: a few invoice pages drawn here (exact text known, so a character error rate is
measured) and the image documents of the corpus manifest (text_layer=image), read in place
and never copied. For corpus pages the table gives the two engines' agreement with each other
and the share of ground-truth values (invoice number, date, total, seller) found verbatim in
each engine's text.

    .venv/bin/python bench/ocr_engines.py [--corpus ../shared/corpus/invoices] [--limit N]

Prints a Markdown table and writes the ocr_engines section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from record import write_section  # noqa: E402  (bench/record.py, the one section writer)

from ocrengine.documents import read_document  # noqa: E402
from ocrengine.engines.easyocr_engine import EasyOcrEngine  # noqa: E402
from ocrengine.engines.rapidocr_engine import RapidOcrEngine  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "invoices"
OUTPUT = REPO / "docs" / "benchmarks.md"
GT_STRING_FIELDS = ("invoice_number", "seller", "date_raw", "total_raw")

GENERATED_PAGES = [
    [
        "ACME Supplies GmbH",
        "Invoice No: INV-2024-0042",
        "Invoice date: 12.05.2024   Due date: 11.06.2024",
        "VAT ID: DE123456789",
        "Description              Qty     Unit price      Amount",
        "Printer paper A4         10      4.50            45.00",
        "Toner cartridge black    2       79.90           159.80",
        "Net amount                                       204.80",
        "VAT 19%                                          38.91",
        "Total due                                        243.71 EUR",
    ],
    [
        "Northwind Traders Ltd",
        "Tax invoice 2024/117",
        "Bill to: Contoso Pty Ltd, 12 Harbour Street, Sydney",
        "Consulting services, May 2024      32 h x 120.00 = 3,840.00",
        "Travel expenses                                     412.35",
        "Subtotal 4,252.35   GST 425.24   Total AUD 4,677.59",
        "Payment within 30 days to IBAN AU12 3456 7890 1234",
    ],
    [
        "CASH RECEIPT #000871",
        "Date: 2024-03-09 14:22",
        "2 x Coffee                 7.00",
        "1 x Croissant              3.20",
        "TOTAL                     10.20",
        "CASH                      20.00",
        "CHANGE                     9.80",
        "Thank you for your visit!",
    ],
]


@dataclass
class Row:
    page: str
    kind: str
    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    score: dict[str, float] = field(default_factory=dict)  # CER or GT-value recall
    agreement: float = 0.0


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def similarity(left: str, right: str) -> float:
    return difflib.SequenceMatcher(None, normalise(left), normalise(right), autojunk=False).ratio()


def draw_page(lines: list[str]) -> Image.Image:
    """An A4 page at 200 dpi with 11 pt text, like a clean scan."""
    import reportlab

    font = ImageFont.truetype(str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"), 31)
    page = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(page)
    for index, line in enumerate(lines):
        draw.text((150, 200 + index * 70), line, fill="black", font=font)
    return page


def run_engine(engine, data: bytes) -> tuple[str, float, float, int]:
    started, cpu_started = time.perf_counter(), time.process_time()
    document = read_document(data, engine=engine)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return document.text, wall, cpu, len(document.pages)


def corpus_documents(corpus: Path, limit: int | None) -> list[tuple[str, Path, dict]]:
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    found = []
    with manifest.open(newline="") as handle:
        for record in csv.DictReader(handle, delimiter="\t"):
            if record["text_layer"] != "image":
                continue
            gt_path = corpus / record["gt"]
            gt = json.loads(gt_path.read_text()) if gt_path.exists() else {}
            found.append((record["id"], corpus / record["doc"], gt))
    return found[:limit] if limit else found


def gt_recall(gt: dict, text: str) -> float:
    values = [str(gt[key]) for key in GT_STRING_FIELDS if gt.get(key)]
    if not values:
        return float("nan")
    haystack = normalise(text)
    return sum(normalise(value) in haystack for value in values) / len(values)


def measure(
    engines, corpus: Path, limit: int | None, generated: int, ids: set[str], report
) -> list[Row]:
    """Measure page by page; `report(rows)` runs after each page so a cut-short run still
    leaves a table behind."""
    rows: list[Row] = []
    for number, lines in enumerate(GENERATED_PAGES[:generated], start=1):
        buffer = io.BytesIO()
        draw_page(lines).save(buffer, format="PNG")
        truth = "\n".join(lines)
        row, texts = Row(f"generated-{number}", "generated"), {}
        for engine in engines:
            text, wall, cpu, pages = run_engine(engine, buffer.getvalue())
            row.seconds[engine.name], row.cpu[engine.name] = wall / pages, cpu / pages
            row.score[engine.name] = 1 - similarity(truth, text)  # ~character error rate
            texts[engine.name] = text
        row.agreement = similarity(*texts.values())
        rows.append(row)
        report(rows)
    for doc_id, path, gt in corpus_documents(corpus, limit):
        if ids and doc_id not in ids:
            continue
        data, row, texts = path.read_bytes(), Row(doc_id, "corpus"), {}
        for engine in engines:
            text, wall, cpu, pages = run_engine(engine, data)
            row.seconds[engine.name], row.cpu[engine.name] = wall / pages, cpu / pages
            row.score[engine.name] = gt_recall(gt, text)
            texts[engine.name] = text
        row.agreement = similarity(*texts.values())
        rows.append(row)
        report(rows)
    return rows


def mean(values: list[float]) -> float:
    values = [value for value in values if value == value]  # drop NaN
    return sum(values) / len(values) if values else float("nan")


def markdown(rows: list[Row], names: list[str], load: str) -> str:
    head = " | ".join(f"{name} s/page (CPU s)" for name in names)
    scores = " | ".join(f"{name} CER / GT hit" for name in names)
    out = [
        "## OCR engines: EasyOCR vs RapidOCR (CPU)",
        "",
        f"Machine: {os.cpu_count()} cores, no GPU; load average at start {load}. Wall seconds "
        "per page include rasterising and the reader's tiling; CPU seconds are process time.",
        "Generated pages: CER = 1 - similarity to the known text. Corpus pages: share of the "
        "ground-truth values (invoice number, seller, raw date, raw total) found verbatim.",
        "Agreement = character similarity between the two engines' texts.",
        "",
        f"| page | {head} | {scores} | agreement |",
        "|---|" + "---|" * (2 * len(names) + 1),
    ]
    for row in rows:
        timing = " | ".join(f"{row.seconds[n]:.2f} ({row.cpu[n]:.1f})" for n in names)
        score = " | ".join(f"{row.score[n]:.2f}" for n in names)
        out.append(f"| {row.page} | {timing} | {score} | {row.agreement:.2f} |")
    for kind in ("generated", "corpus"):
        group = [row for row in rows if row.kind == kind]
        if not group:
            continue
        timing = " | ".join(
            f"**{mean([r.seconds[n] for r in group]):.2f}** ({mean([r.cpu[n] for r in group]):.1f})"
            for n in names
        )
        score = " | ".join(f"**{mean([r.score[n] for r in group]):.2f}**" for n in names)
        agreement = mean([row.agreement for row in group])
        out.append(f"| mean, {kind} ({len(group)}) | {timing} | {score} | {agreement:.2f} |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="corpus documents to read")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--generated", type=int, default=len(GENERATED_PAGES))
    parser.add_argument("--ids", default="", help="comma-separated manifest ids to read")
    args = parser.parse_args()

    engines = [RapidOcrEngine(), EasyOcrEngine(gpu=False)]
    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    for engine in engines:
        started = time.perf_counter()
        engine.warm_up()  # model loading is reported apart from per-page time
        print(f"{engine.name}: loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    names = [engine.name for engine in engines]

    def report(rows: list[Row]) -> None:
        print(f"{rows[-1]}", file=sys.stderr, flush=True)
        write_section("ocr_engines", markdown(rows, names, load), args.output)

    ids = {item.strip() for item in args.ids.split(",") if item.strip()}
    measure(engines, args.corpus, args.limit, args.generated, ids, report)
    print(f"wrote the ocr_engines section of {args.output}")


if __name__ == "__main__":
    main()
