"""Field spec validation (used by the prompt template import) and the shipped defaults: valid,
with bounded patterns that the `regex` module reads as `re` does."""

import re
import warnings
from re import _constants as sre
from re import _parser as sre_parse

import pytest

from ocrengine.extraction import load_default_spec, validate_spec
from ocrengine.extraction.patterns import MAX_PATTERN_CHARS, compile_template_pattern
from ocrengine.extraction.spec import MAX_FIELD_LABELS, MAX_FIELD_PATTERNS, MAX_LABEL_CHARS


@pytest.mark.parametrize("document_type", ["invoice", "cn_vat_invoice", "receipt"])
def test_shipped_specs_are_valid(document_type):
    spec = load_default_spec(document_type)
    assert validate_spec(spec) == []
    assert spec["prompt"]
    assert {"total_amount", "date", "seller"} <= {field["name"] for field in spec["fields"]}


def test_invalid_specs_are_explained():
    assert validate_spec([]) == ["spec: must be a JSON object"]
    assert validate_spec({"fields": []}) == ["fields: required non-empty list"]
    errors = validate_spec(
        {
            "fields": [
                {"name": "total_amount", "type": "money", "labels": {"en": "total"}},
                {"name": "total_amount", "patterns": ["(unclosed"], "required": "yes"},
            ],
            "validators": ["no_such_check"],
        }
    )
    assert any("type" in error for error in errors)
    assert any("labels" in error for error in errors)
    assert any("duplicate" in error for error in errors)
    assert any("invalid regex" in error for error in errors)
    assert any("required" in error for error in errors)
    assert any("unknown validator 'no_such_check'" in error for error in errors)


def test_loaded_spec_is_a_fresh_copy():
    load_default_spec("invoice")["fields"].clear()
    assert load_default_spec("invoice")["fields"]


# --- bounded patterns (issue #13) -----------------------------------------------------------

ALL_TYPES = ["invoice", "cn_vat_invoice", "receipt", "id_card", "driver_license", "bank_statement"]
SHIPPED = [
    (code, field["name"], pattern)
    for code in ALL_TYPES
    for field in load_default_spec(code)["fields"]
    for pattern in field.get("patterns", [])
]


def unbounded_repeats(pattern: str) -> list[str]:
    """Every `*`, `+` or `{n,}` in `pattern`, lookarounds and groups included."""
    found: list[str] = []

    def walk(items) -> None:
        for op, arg in items:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                low, high, body = arg
                if high == sre.MAXREPEAT:
                    found.append(f"{{{low},}} on {list(body)!r}")
                walk(body)
            elif op == sre.SUBPATTERN:
                walk(arg[-1])
            elif op == sre.BRANCH:
                for alternative in arg[1]:
                    walk(alternative)
            elif op in (sre.ASSERT, sre.ASSERT_NOT, sre.ATOMIC_GROUP):
                walk(arg[-1])
            elif op == sre.GROUPREF_EXISTS:
                walk(arg[1])
                if arg[2] is not None:
                    walk(arg[2])

    walk(sre_parse.parse(pattern))
    return found


@pytest.mark.parametrize(
    ("code", "field", "pattern"), SHIPPED, ids=[f"{c}-{f}" for c, f, _ in SHIPPED]
)
def test_every_shipped_pattern_has_bounded_repetitions(code, field, pattern):
    # With every repetition bounded, one match attempt reads a bounded stretch of text, so a
    # search is linear in the line however the line is made (lines are capped too).
    assert unbounded_repeats(pattern) == [], f"{code}.{field}: {pattern}"


def test_the_walker_sees_repetitions_inside_lookarounds_and_groups():
    assert unbounded_repeats("(?=[a-z]*\\d)x") and unbounded_repeats("(a|b{2,})")
    assert unbounded_repeats("x{1,3}(?<!y)[a-z]{0,9}") == []


@pytest.mark.parametrize("code", ALL_TYPES)
def test_every_shipped_spec_is_a_valid_template(code):
    from ocrengine.services.templates import template_spec_errors

    assert template_spec_errors(spec=load_default_spec(code)) == []


SAMPLES = [
    "Invoice No: INV-2024/0042 dated 2024-03-15",
    "Rechnung Nr. 2024-118, Betrag EUR 1.190,00",
    "发票代码 044031900111 发票号码 12345678",
    "纳税人识别号 91440300MA5DXXXX1Q  2024年3月15日",
    "Deutsche Bank AG  Opening balance -1,234.56  Closing balance 99.00",
    "中国工商银行  IBAN 1234 5678 9012 3456 78",
    "公民身份号码 11010519491231002X  性别 女  Male",
    "Licence A1 B2 C1D  No. AB-12345-CD  15.03.2024",
]


@pytest.mark.parametrize(
    ("code", "field", "pattern"), SHIPPED, ids=[f"{c}-{f}" for c, f, _ in SHIPPED]
)
def test_the_regex_module_reads_shipped_patterns_as_re_does(code, field, pattern):
    for text in SAMPLES:
        expected = re.search(pattern, text)
        got = compile_template_pattern(pattern).search(text)
        assert (got and got.span(), got and got.groups()) == (
            expected and expected.span(),
            expected and expected.groups(),
        ), text


def test_patterns_and_labels_are_bounded_in_size():
    field = {"name": "invoice_number", "patterns": ["a" * (MAX_PATTERN_CHARS + 1)]}
    assert validate_spec({"fields": [field]}) == [
        f"fields[0].patterns[0]: is {MAX_PATTERN_CHARS + 1} characters long; "
        f"the limit is {MAX_PATTERN_CHARS}"
    ]
    field = {"name": "n", "patterns": ["x"] * (MAX_FIELD_PATTERNS + 1)}
    assert validate_spec({"fields": [field]}) == [
        f"fields[0].patterns: at most {MAX_FIELD_PATTERNS} patterns"
    ]
    field = {"name": "n", "labels": {"en": ["total"] * (MAX_FIELD_LABELS + 1), "de": ["x" * 101]}}
    assert validate_spec({"fields": [field]}) == [
        f"fields[0].labels: at most {MAX_FIELD_LABELS} labels",
        f"fields[0].labels: a label may be at most {MAX_LABEL_CHARS} characters",
    ]


def test_patterns_are_compiled_by_the_engine_that_runs_them():
    # `re` reads "[[:foo:]]" as a set of characters; `regex` refuses it, and `regex` runs it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set"
        re.compile("[[:foo:]]")
    (error,) = validate_spec({"fields": [{"name": "n", "patterns": ["[[:foo:]]"]}]})
    assert error.startswith("fields[0].patterns[0]: invalid regex (unknown property")
    (error,) = validate_spec({"fields": [{"name": "n", "patterns": [7]}]})
    assert error == "fields[0].patterns[0]: must be a string"
