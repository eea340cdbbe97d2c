"""Field spec validation (used by the prompt template import) and the shipped defaults."""

import pytest

from ocrengine.extraction import load_default_spec, validate_spec


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
