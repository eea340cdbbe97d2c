"""Prompt templates: drafts, versions, one default per type, immutability, publishing,
export/import with a clear report."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from core.errors import ConflictError, DomainError, NotFoundError
from ocrengine.models import DocumentType, PromptTemplate
from ocrengine.services.template_transfer import templates_export, templates_import
from ocrengine.services.templates import (
    template_create_draft,
    template_profile,
    template_publish,
    template_revise,
)
from tests.ocrengine.analysis_support import fresh_analysis_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()


@pytest.fixture
def receipt():
    return DocumentType.objects.get(code="receipt")


def _spec(document_type: DocumentType) -> dict:
    return document_type.templates.get(version=1).spec


def test_drafts_number_versions_and_publish_switches_the_one_default(receipt, staff_user):
    draft = template_create_draft(
        document_type=receipt, spec=_spec(receipt), notes="v2", created_by=staff_user
    )
    assert (draft.version, draft.status, draft.is_default) == (2, "draft", False)
    assert template_profile(document_type_code="receipt").version == 1
    template_publish(template=draft, published_by=staff_user)
    states = dict(receipt.templates.values_list("version", "status"))
    assert states == {1: "archived", 2: "active"}
    assert list(receipt.templates.filter(is_default=True).values_list("version", flat=True)) == [2]
    assert template_profile(document_type_code="receipt").version == 2


def test_database_refuses_a_second_default(receipt):
    with pytest.raises(IntegrityError), transaction.atomic():
        PromptTemplate.objects.create(
            document_type=receipt, version=9, is_default=True, spec=_spec(receipt)
        )


def test_invalid_spec_is_refused_with_every_problem(receipt):
    spec = {
        "fields": [
            {"name": "a", "type": "colour", "patterns": ["("]},
            {"name": "a", "validators": ["psychic"]},
        ]
    }
    with pytest.raises(DomainError) as refused:
        template_create_draft(document_type=receipt, spec=spec)
    errors = refused.value.details["errors"]
    assert refused.value.code == "invalid_spec"
    assert any("type" in e for e in errors) and any("invalid regex" in e for e in errors)
    assert any("duplicate" in e for e in errors) and any("psychic" in e for e in errors)
    assert receipt.templates.count() == 1


def test_identity_validators_are_valid_in_specs():
    id_card = DocumentType.objects.get(code="id_card")
    draft = template_create_draft(document_type=id_card, spec=_spec(id_card))
    assert draft.version == 2


def test_a_draft_is_revised_in_place_but_a_used_template_makes_a_new_version(receipt):
    draft = template_create_draft(document_type=receipt, spec=_spec(receipt))
    same = template_revise(template=draft, prompt="Read the receipt: {text}")
    assert same.pk == draft.pk and same.prompt == "Read the receipt: {text}"
    active = receipt.templates.get(version=1)
    original_prompt = active.prompt
    revised = template_revise(template=active, prompt="changed")
    assert revised.version == 3 and revised.status == "draft"
    active.refresh_from_db()
    assert active.prompt == original_prompt


def test_republishing_an_archived_version_makes_a_new_version(receipt):
    v2 = template_create_draft(document_type=receipt, spec=_spec(receipt), prompt="two")
    template_publish(template=v2)
    v1 = receipt.templates.get(version=1)
    rolled_back = template_publish(template=v1)
    assert (rolled_back.version, rolled_back.status, rolled_back.prompt) == (3, "active", v1.prompt)
    assert template_publish(template=rolled_back).pk == rolled_back.pk  # already default


def test_no_template_and_unknown_type_are_clear_errors():
    PromptTemplate.objects.filter(document_type__code="bank_statement").delete()
    with pytest.raises(ConflictError, match="no published template"):
        template_profile(document_type_code="bank_statement")
    DocumentType.objects.filter(code="receipt").update(is_active=False)
    with pytest.raises(NotFoundError, match="Unknown document type 'receipt'"):
        template_profile(document_type_code="receipt")


def test_export_import_round_trip(receipt, tmp_path):
    v2 = template_create_draft(document_type=receipt, spec=_spec(receipt), prompt="two {text}")
    template_publish(template=v2)
    template_create_draft(document_type=receipt, spec=_spec(receipt), notes="work in progress")
    bundle = templates_export(document_type_codes=["receipt"])
    assert [(t["version"], t["status"], t["is_default"]) for t in bundle["templates"]] == [
        (1, "archived", False),
        (2, "active", True),
        (3, "draft", False),
    ]
    PromptTemplate.objects.filter(document_type=receipt).update(is_default=False)
    PromptTemplate.objects.filter(document_type=receipt).delete()
    report = templates_import(bundle=bundle)
    assert report.created == ["receipt v1", "receipt v2", "receipt v3"]
    assert report.activated == ["receipt v2"]
    restored = {t.version: (t.status, t.is_default, t.prompt) for t in receipt.templates.all()}
    assert restored == {
        1: ("archived", False, bundle["templates"][0]["prompt"]),
        2: ("active", True, "two {text}"),
        3: ("draft", False, bundle["templates"][2]["prompt"]),
    }
    again = templates_import(bundle=bundle)
    assert again.created == [] and len(again.skipped) == 3


def test_import_refuses_malformed_bundles_and_writes_nothing(receipt):
    good = templates_export(document_type_codes=["receipt"])["templates"][0]
    bundle = {
        "format": "ledgerlens.prompt_templates",
        "format_version": 1,
        "templates": [
            {**good, "version": 5},
            {**good, "version": 6, "document_type": "passport"},
            {**good, "version": 7, "spec": {"fields": []}},
            {**good, "version": "8"},
            {**good, "version": 5},
        ],
    }
    with pytest.raises(DomainError) as refused:
        templates_import(bundle=bundle)
    errors = refused.value.details["errors"]
    assert refused.value.code == "invalid_bundle"
    assert any("passport" in e for e in errors)
    assert any("templates[2].spec" in e for e in errors)
    assert any("templates[3].version" in e for e in errors)
    assert any("also appears at templates[0]" in e for e in errors)
    assert not receipt.templates.filter(version=5).exists()
    for junk in (
        [],
        {"format": "something else"},
        {"format": "ledgerlens.prompt_templates", "format_version": 99, "templates": [good]},
    ):
        with pytest.raises(DomainError):
            templates_import(bundle=junk)


def test_import_refuses_a_conflicting_version(receipt):
    entry = {
        **templates_export(document_type_codes=["receipt"])["templates"][0],
        "prompt": "a different prompt",
    }
    bundle = {"format": "ledgerlens.prompt_templates", "format_version": 1, "templates": [entry]}
    with pytest.raises(ConflictError) as refused:
        templates_import(bundle=bundle)
    assert refused.value.details["conflicts"] == [
        "receipt v1: a different template already has this version here; renumber it or "
        "import it as a new draft"
    ]


def test_commands_round_trip_and_report_problems(tmp_path, receipt, capsys):
    path = tmp_path / "prompts.json"
    call_command("export_prompts", "--output", str(path))
    exported = json.loads(path.read_text())
    assert {t["document_type"] for t in exported["templates"]} >= {"invoice", "receipt", "id_card"}
    call_command("import_prompts", "--input", str(path))
    assert "0 created" in capsys.readouterr().out
    exported["templates"][0]["prompt"] = "changed"
    path.write_text(json.dumps(exported))
    with pytest.raises(CommandError, match="conflict: "):
        call_command("import_prompts", "--input", str(path))
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_prompts", "--input", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_prompts", "--input", str(tmp_path / "missing.json"))
