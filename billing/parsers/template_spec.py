"""The bank template format, and `validate_template` for import and the admin.

A template is JSON:

    bank, name, version (int), currency
    detect:           {patterns: [regex, all must match], reject: [...], within_lines: int}
    dates:            {formats: ["%d/%m"], statement_formats: ["%d %b %Y"]}
    amounts:          {thousands: ",", decimal: ".", credit_markers: ["CR"], debit_markers,
                       parentheses_credit: true, minus_is_credit: true}
    statement_fields: {statement_date | due_date | period_start | card_holder: regex(es)}
    card_fields:      {card_number | previous_balance | new_balance | total_debits |
                       total_credits | minimum_payment | credit_limit: regex(es)}
    cards:            {header: regex with (?P<card_number>), scope: "card" | "account",
                       summary_row: regex with per-card figure groups}
    transactions:     {pattern: regex with (?P<amount>) (?P<description>) and date groups,
                       lines: 1, continuation_lines: 0, skip: [...], memo: [...]}
    verify:           ["balance", "printed_totals"]
    table:            (CSV/XLSX export) {formats, detect, dates, header, columns: {role: regex},
                       flags: {"CR": "credit"}, negative_is, balance_sign: owed | asset,
                       preamble_fields, summary_rows}
    layout:           (a PDF template made by example, instead of `transactions`) what the
                       generic reader takes as given (`pdf_generic.LayoutHints.as_spec()`):
                       {kind: card | current, date_order: day_first | month_first,
                        columns: [{role: debit | credit | amount | balance, x0, x1}] as
                        fractions of the page width, labels: {statement_date | due_date |
                        previous_balance | new_balance | minimum_payment: label as printed}}

Field regexes capture (?P<value>...) and may use {AMOUNT}, {DATE} and {SDATE}. Regexes are
Python `re` syntax, compiled by the `regex` module (`ocrengine.extraction.patterns`, which
also runs each match under a time limit); each may be at most MAX_PATTERN_CHARS long as written.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ocrengine.extraction.patterns import MAX_PATTERN_CHARS, template_pattern_problem

from .pdf_template import compile_template

BANK_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
KNOWN_KEYS = {
    "bank", "name", "version", "currency", "detect", "dates", "amounts", "statement_fields",
    "card_fields", "cards", "transactions", "verify", "table", "ignore_case", "notes", "layout",
}  # fmt: skip
STATEMENT_FIELDS = {"statement_date", "due_date", "period_start", "card_holder"}
CARD_FIELDS = {
    "card_number", "previous_balance", "new_balance", "total_debits", "total_credits",
    "minimum_payment", "credit_limit", "card_holder", "statement_date", "due_date",
}  # fmt: skip
TABLE_ROLES = {
    "date", "posting_date", "transaction_date", "description", "amount", "debit", "credit",
    "flag", "balance",
}  # fmt: skip
DIRECTIONS = {"debit", "credit"}
# The JSON type each section must have; deeper checks assume it, so it is checked first.
SECTION_TYPES: dict[str, type] = {
    "detect": dict, "dates": dict, "amounts": dict, "statement_fields": dict,
    "card_fields": dict, "cards": dict, "transactions": dict, "table": dict, "verify": list,
    "layout": dict,
}  # fmt: skip
LAYOUT_KEYS = {"kind", "date_order", "columns", "labels"}
LAYOUT_KINDS = ("card", "current")
LAYOUT_DATE_ORDERS = ("day_first", "month_first")
LAYOUT_ROLES = ("debit", "credit", "amount", "balance")
LAYOUT_LABELS = ("statement_date", "due_date", "previous_balance", "new_balance", "minimum_payment")
MAX_LAYOUT_COLUMNS = 8
MAX_LABEL_CHARS = 80


def validate_template(spec: object) -> list[str]:
    """Human-readable errors; an empty list means the template can be activated."""
    if not isinstance(spec, dict):
        return ["A template must be a JSON object."]
    errors: list[str] = []
    errors += _check_identity(spec)
    errors += [f"Unknown key '{k}'." for k in spec if k not in KNOWN_KEYS]
    shape_errors = _check_section_types(spec)
    if shape_errors:
        return errors + shape_errors
    if not isinstance(spec.get("detect", {}).get("patterns"), list) or not spec["detect"].get(
        "patterns"
    ):
        errors.append("detect.patterns must be a non-empty list of regexes.")
    if not {"transactions", "table", "layout"} & spec.keys():
        errors.append(
            "A template needs 'transactions' (PDF line patterns), 'layout' (PDF columns "
            "marked by example) or 'table' (CSV/XLSX)."
        )
    if "transactions" in spec and "layout" in spec:
        errors.append("A template reads PDFs by 'transactions' or by 'layout', not both.")
    errors += _check_field_names(spec.get("statement_fields", {}), STATEMENT_FIELDS, "statement")
    errors += _check_field_names(spec.get("card_fields", {}), CARD_FIELDS, "card")
    errors += _check_transactions(spec)
    errors += _check_table(spec.get("table"))
    errors += check_layout(spec.get("layout"))
    if "layout" in spec and "balance" not in spec.get("verify", ["balance"]):
        errors.append("A layout template must verify 'balance': reconciliation proves its reading.")
    unknown_checks = set(spec.get("verify", [])) - {"balance", "printed_totals"}
    errors += [f"Unknown verify check '{c}'." for c in sorted(unknown_checks)]
    errors += _check_pattern_lengths(spec)
    if errors:
        return errors
    return _check_compiles(spec)


def _patterns(spec: dict) -> list[tuple[str, object]]:
    """(where, pattern) for every regex the template holds, as written."""
    found: list[tuple[str, object]] = []

    def add(where: str, value: object) -> None:
        if isinstance(value, list):
            found.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, dict):
            found.extend((f"{where}.{key}", item) for key, item in value.items())
        elif value is not None:
            found.append((where, value))

    table = spec.get("table") if isinstance(spec.get("table"), dict) else {}
    sections = [("", spec), ("table.", table)]
    for prefix, section in sections:
        detect = section.get("detect") if isinstance(section.get("detect"), dict) else {}
        add(f"{prefix}detect.patterns", detect.get("patterns"))
        add(f"{prefix}detect.reject", detect.get("reject"))
    for name in ("statement_fields", "card_fields"):
        for field, patterns in (spec.get(name) or {}).items():
            add(f"{name}.{field}", patterns)
    cards, rows = spec.get("cards") or {}, spec.get("transactions") or {}
    add("cards.header", cards.get("header"))
    add("cards.summary_row", cards.get("summary_row"))
    add("transactions.pattern", rows.get("pattern"))
    add("transactions.skip", rows.get("skip"))
    add("transactions.memo", rows.get("memo"))
    for name in ("header", "columns", "skip", "summary_rows", "preamble_fields"):
        add(f"table.{name}", table.get(name))
    return found


def _check_pattern_lengths(spec: dict) -> list[str]:
    return [
        f"{where}: the regex is {len(pattern)} characters long; the limit is {MAX_PATTERN_CHARS}."
        for where, pattern in _patterns(spec)
        if isinstance(pattern, str) and len(pattern) > MAX_PATTERN_CHARS
    ]


def _check_section_types(spec: dict) -> list[str]:
    return [
        f"'{key}' must be a JSON {'list' if kind is list else 'object'}."
        for key, kind in SECTION_TYPES.items()
        if key in spec and not isinstance(spec[key], kind)
    ]


def _check_identity(spec: dict) -> list[str]:
    errors = []
    if not isinstance(spec.get("bank"), str) or not BANK_CODE.match(spec["bank"]):
        errors.append("bank must be a bank code such as 'maybank'.")
    if not isinstance(spec.get("version"), int) or spec["version"] < 1:
        errors.append("version must be a positive integer.")
    if not isinstance(spec.get("name", ""), str):
        errors.append("name must be text.")
    return errors


def _check_field_names(fields: object, allowed: set[str], scope: str) -> list[str]:
    if not isinstance(fields, dict):
        return [f"{scope}_fields must be an object."]
    errors = [f"Unknown {scope} field '{name}'." for name in fields if name not in allowed]
    for name, patterns in fields.items():
        patterns = [patterns] if isinstance(patterns, str) else patterns
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            errors.append(f"{scope}_fields.{name} must be a regex or a list of regexes.")
        elif not all("(?P<value>" in p for p in patterns):
            errors.append(f"{scope}_fields.{name}: every regex must capture (?P<value>...).")
    return errors


def _check_transactions(spec: dict) -> list[str]:
    rows = spec.get("transactions")
    if rows is None:
        return []
    if not isinstance(rows, dict) or not isinstance(rows.get("pattern"), str):
        return ["transactions.pattern must be a regex."]
    errors = []
    for group in ("amount", "description"):
        if f"(?P<{group}>" not in rows["pattern"]:
            errors.append(f"transactions.pattern must capture (?P<{group}>...).")
    if not re.search(r"\(\?P<(date|posting_date|transaction_date)>", rows["pattern"]):
        errors.append("transactions.pattern must capture a date group.")
    if not isinstance(rows.get("lines", 1), int) or not 1 <= rows.get("lines", 1) <= 5:
        errors.append("transactions.lines must be an integer from 1 to 5.")
    scope = spec.get("cards", {}).get("scope", "card")
    if scope not in ("card", "account"):
        errors.append("cards.scope must be 'card' or 'account'.")
    return errors


def _check_table(table: object) -> list[str]:
    if table is None:
        return []
    if not isinstance(table, dict):
        return ["table must be an object."]
    errors = []
    columns = table.get("columns")
    if not isinstance(columns, dict) or not columns:
        return ["table.columns must map roles to header regexes."]
    errors += [f"Unknown column role '{r}'." for r in columns if r not in TABLE_ROLES]
    if not {"amount", "debit", "credit"} & columns.keys():
        errors.append("table.columns needs an amount column or debit/credit columns.")
    if not {"date", "posting_date", "transaction_date"} & columns.keys():
        errors.append("table.columns needs a date column.")
    bad_flags = [f for f, d in table.get("flags", {}).items() if d not in DIRECTIONS]
    errors += [f"table.flags['{f}'] must be 'debit' or 'credit'." for f in bad_flags]
    if table.get("balance_sign", "owed") not in ("owed", "asset"):
        errors.append("table.balance_sign must be 'owed' or 'asset'.")
    if table.get("negative_is", "credit") not in DIRECTIONS:
        errors.append("table.negative_is must be 'debit' or 'credit'.")
    return errors


def _check_compiles(spec: dict) -> list[str]:
    try:
        if "transactions" in spec:
            compile_template(spec)  # field and row regexes, with their placeholders expanded
    except re.error as exc:
        return [f"A regex does not compile: {exc}."]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"The template cannot be compiled: {exc!r}."]
    # Detection and table regexes take no placeholders: compiled as written.
    expanded = ("statement_fields", "card_fields", "cards", "transactions")
    return [
        f"{where}: {problem}."
        for where, pattern in _patterns(spec)
        if not where.startswith(expanded)
        and (problem := template_pattern_problem(pattern)) is not None
    ]


def check_layout(layout: object) -> list[str]:
    """Errors of a "layout" section (None: the template has none)."""
    if layout is None:
        return []
    if not isinstance(layout, dict):
        return ["layout must be an object."]
    errors = [f"layout: unknown key '{key}'." for key in layout if key not in LAYOUT_KEYS]
    if layout.get("kind", "card") not in LAYOUT_KINDS:
        errors.append("layout.kind must be 'card' or 'current'.")
    if layout.get("date_order", "day_first") not in LAYOUT_DATE_ORDERS:
        errors.append("layout.date_order must be 'day_first' or 'month_first'.")
    errors += _check_layout_columns(layout.get("columns"))
    errors += _check_layout_labels(layout.get("labels", {}))
    return errors


def _check_layout_columns(columns: object) -> list[str]:
    if not isinstance(columns, list) or not columns:
        return ["layout.columns must be a non-empty list of {role, x0, x1}."]
    if len(columns) > MAX_LAYOUT_COLUMNS:
        return [f"layout.columns: at most {MAX_LAYOUT_COLUMNS} columns."]
    errors, spans = [], []
    for index, column in enumerate(columns):
        where = f"layout.columns[{index}]"
        if not isinstance(column, dict):
            errors.append(f"{where} must be an object {{role, x0, x1}}.")
            continue
        errors += [f"{where}: unknown key '{k}'." for k in column if k not in ("role", "x0", "x1")]
        if column.get("role") not in LAYOUT_ROLES:
            errors.append(f"{where}.role must be one of {', '.join(LAYOUT_ROLES)}.")
        x0, x1 = column.get("x0"), column.get("x1")
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (x0, x1)):
            errors.append(f"{where}: x0 and x1 must be numbers (fractions of the page width).")
        elif not 0 <= x0 < x1 <= 1:
            errors.append(f"{where}: x0 and x1 must hold 0 <= x0 < x1 <= 1 (got {x0}, {x1}).")
        else:
            spans.append((x0, x1, index))
    spans.sort()
    for (_, end, first), (start, _, second) in pairwise(spans):
        if start < end:
            errors.append(f"layout.columns[{first}] and [{second}] overlap; columns must not.")
    roles = [c.get("role") for c in columns if isinstance(c, dict)]
    errors += [
        f"layout.columns: more than one '{role}' column."
        for role in LAYOUT_ROLES
        if roles.count(role) > 1
    ]
    if "amount" in roles and ({"debit", "credit"} & set(roles)):
        errors.append(
            "layout.columns: an 'amount' column (signed) or 'debit'/'credit' columns, not both."
        )
    if not {"amount", "debit", "credit"} & set(roles):
        errors.append("layout.columns needs an 'amount' column or 'debit'/'credit' columns.")
    return errors


def _check_layout_labels(labels: object) -> list[str]:
    if not isinstance(labels, dict):
        return ["layout.labels must map fields to the label text printed on the statement."]
    errors = []
    for name, text in labels.items():
        if name not in LAYOUT_LABELS:
            errors.append(
                f"layout.labels: unknown field '{name}' (one of {', '.join(LAYOUT_LABELS)})."
            )
        elif not isinstance(text, str) or not text.strip():
            errors.append(f"layout.labels.{name} must be the label's text.")
        elif len(text) > MAX_LABEL_CHARS:
            errors.append(f"layout.labels.{name}: at most {MAX_LABEL_CHARS} characters.")
    return errors
