"""The registry of extractors per document type; ID cards, driver licences and statement
headers: the PRC ID check digit and the cross-checks of birth date and sex."""

import pytest

from ocrengine.extraction.extractor import DocumentExtractor
from ocrengine.extraction.fields import INVOICE_EXTRACTOR
from ocrengine.extraction.prc_id import check_character, is_valid_id
from ocrengine.extraction.registry import EXTRACTORS, document_types_read_by, extract_for
from ocrengine.extraction.result import ExtractedField, ExtractionResult
from ocrengine.extraction.spec import (
    SPEC_DIR,
    enabled_validators,
    load_default_spec,
    validate_spec,
)
from ocrengine.services.raw_text import raw_text_document
from ocrengine.services.templates import template_spec_errors
from tests.ocrengine.analysis_support import id_card_text, prc_id


def _extract(code: str, text: str):
    return extract_for(code, raw_text_document([text]), load_default_spec(code))


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),  # the GB 11643 example
        ("11010519491231002x", True),  # OCR often reads the X lower-case
        ("110105194912310021", False),  # wrong check character
        ("440524188001010014", False),  # right check character, born before 1900
        ("110105194913310021", False),  # right check character, month 13
        ("11010519491231002", False),
        ("abc", False),
    ],
)
def test_prc_id_check_digit_and_birth_date(number, valid):
    assert is_valid_id(number) is valid


def test_check_character_is_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_id_card_fields_and_passing_cross_checks():
    result = _extract("id_card", id_card_text())
    values = result.as_flat_dict()
    assert values["id_number"] == prc_id()
    assert (values["name"], values["sex"], values["birth_date"]) == ("张三", "F", "1949-12-31")
    assert values["address"] == "北京市西城区复兴门外大街1号"
    assert {c["name"]: c["ok"] for c in result.checks} == {
        "prc_id_checksum": True,
        "id_birth_date_matches": True,
        "id_sex_matches": True,
    }
    assert result.overall_confidence > 0.9


def test_printed_sex_and_birth_date_that_contradict_the_number_are_flagged():
    result = _extract("id_card", id_card_text(sex="男", born="1950年1月1日"))
    checks = {c["name"]: c["ok"] for c in result.checks}
    assert checks == {
        "prc_id_checksum": True,
        "id_birth_date_matches": False,
        "id_sex_matches": False,
    }
    assert result.fields["sex"].confidence < 0.7
    assert result.overall_confidence < _extract("id_card", id_card_text()).overall_confidence


def test_missing_birth_date_is_derived_from_the_number():
    text = "\n".join(line for line in id_card_text().splitlines() if not line.startswith("出生"))
    result = _extract("id_card", text)
    assert result.fields["birth_date"].value == "1949-12-31"
    assert result.fields["birth_date"].source == "derived"


def test_english_labels_and_spaced_number():
    number = prc_id()
    text = f"Name: Li Wei\nSex: Male\nDate of birth: 31/12/1949\nID No: {number[:6]} {number[6:]}"
    values = _extract("id_card", text).as_flat_dict()
    assert values["id_number"] == number
    assert values["sex"] == "M" and values["birth_date"] == "1949-12-31"


def test_driver_license_checks_number_and_validity():
    number = prc_id()
    text = (
        f"中华人民共和国机动车驾驶证\n证号 {number}\n姓名 张三  性别 女  国籍 中国\n"
        "住址 北京市西城区\n出生日期 1949-12-31\n初次领证日期 2010-05-01\n准驾车型 C1\n"
        "有效期限 2016-05-01 至 2026-05-01"
    )
    result = _extract("driver_license", text)
    values = result.as_flat_dict()
    assert values["license_number"] == number and values["vehicle_class"] == "C1"
    assert (values["issue_date"], values["expiry_date"]) == ("2010-05-01", "2026-05-01")
    assert all(check["ok"] for check in result.checks)
    assert {check["name"] for check in result.checks} >= {"prc_id_checksum", "expiry_after_issue"}


def test_foreign_licence_numbers_are_not_checked_as_prc_ids():
    text = (
        "DRIVER LICENSE\nLicense No: D1234-56789\nName: Jane Roe\nDOB: 02/03/1980\n"
        "Issue date: 01/01/2020\nExpiry date: 01/01/2018"
    )
    result = _extract("driver_license", text)
    assert result.fields["license_number"].value == "D1234-56789"
    assert result.checks == [{"name": "expiry_after_issue", "ok": False}]


def test_bank_statement_header():
    text = (
        "Example Bank plc\nAccount holder: Jane Doe\nAccount number: 12-3456-7890123\n"
        "Statement date: 2024-03-31\nPeriod from 2024-03-01 to 2024-03-31\nCurrency: EUR\n"
        "Opening balance 1,234.50\nClosing balance 2,000.00"
    )
    result = _extract("bank_statement", text)
    values = result.as_flat_dict()
    assert values["bank_name"] == "Example Bank plc"
    assert values["account_number"] == "1234567890123"
    assert values["card_number"] is None  # never guessed from the account number's line
    assert (values["period_start"], values["period_end"]) == ("2024-03-01", "2024-03-31")
    assert (values["opening_balance"], values["closing_balance"]) == ("1234.50", "2000.00")
    assert result.checks == [{"name": "period_order", "ok": True}]


def test_invoice_types_go_to_the_invoice_engine():
    result = _extract("receipt", "Coffee Shop\nTotal 4.50 EUR\nDate 2024-05-01")
    assert result.fields["total_amount"].value == "4.50"


@pytest.mark.parametrize("code", sorted(p.stem for p in SPEC_DIR.glob("*.json")))
def test_every_shipped_type_is_registered_with_the_validators_its_spec_enables(code):
    spec = load_default_spec(code)
    assert code in EXTRACTORS
    assert enabled_validators(spec) <= EXTRACTORS[code].validators
    assert validate_spec(spec) == []


def test_the_invoice_extractor_reads_the_invoice_family():
    assert document_types_read_by(INVOICE_EXTRACTOR) == ("invoice", "cn_vat_invoice", "receipt")


def test_a_validator_no_extractor_declares_is_refused():
    spec = load_default_spec("id_card")
    spec["validators"].append("mrz_checksum")
    assert validate_spec(spec) == ["validators: unknown validator 'mrz_checksum'"]


def test_adding_a_document_type_is_one_extractor_and_one_registration(monkeypatch):
    def extract_passport(document, spec, *, pdf_bytes=None):
        return ExtractionResult(
            fields={"passport_number": ExtractedField(value=document.text.split()[-1])},
            checks=[{"name": "mrz_checksum", "ok": True}],
        )

    passport = DocumentExtractor(
        name="passport",
        extract=extract_passport,
        fields=("passport_number",),
        validators=frozenset({"mrz_checksum"}),
    )
    monkeypatch.setitem(EXTRACTORS, "passport", passport)
    spec = {"fields": [{"name": "passport_number"}], "validators": ["mrz_checksum"]}
    assert validate_spec(spec) == []
    assert template_spec_errors(spec=spec) == []  # what the admin and the API check
    result = extract_for("passport", raw_text_document(["Passport No X1234567"]), spec)
    assert result.as_flat_dict() == {"passport_number": "X1234567"}
