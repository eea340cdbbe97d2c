"""Learning from corrections: labelled data in the API and admin; a seller's label proposed
as a template draft, promoted only when the evaluation shows a gain and no loss."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from invoices.models import Invoice
from invoices.services.learning import LEARNED_LANGUAGE, promotion_verdict
from ocrengine.evaluation import VersionScore
from ocrengine.models import DocumentType, PromptTemplate
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import upload_processed

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"
CORRECTIONS_URL = "/api/v1/invoices/corrections/"
BASE = documents.INVOICE_LINES


def _upload(client, capture, number: str, *, label: str = "Invoice Number") -> Invoice:
    lines = (*BASE[:5], f"{label}: {number}" if label else number, *BASE[6:])
    invoice = upload_processed(client, f"{number}.pdf", documents.invoice_pdf(lines), capture)
    invoice.refresh_from_db()
    return invoice


@pytest.fixture
def corrected(agent_client, django_capture_on_commit_callbacks):
    """Two invoices whose seller prints its number after "Vorgang:", a label the extractor
    does not know: the reviewer types the number in. Two ordinary ones are approved as read."""
    capture = django_capture_on_commit_callbacks
    for number in ("ZH-1001", "ZH-1002"):
        invoice = _upload(agent_client, capture, number, label="Vorgang")
        assert invoice.invoice_number == ""
        response = agent_client.patch(f"{URL}{invoice.pk}/", {"invoice_number": number})
        assert response.status_code == 200, response.content
        assert agent_client.post(f"{URL}{invoice.pk}/approve/").status_code == 200
    for number in ("INV-1", "INV-2"):
        invoice = _upload(agent_client, capture, number)
        assert invoice.invoice_number == number
        assert agent_client.post(f"{URL}{invoice.pk}/approve/").status_code == 200


def test_corrections_are_listed_as_labelled_data_for_supervisors(
    corrected, supervisor_client, agent_client
):
    body = supervisor_client.get(CORRECTIONS_URL, {"field": "invoice_number"}).json()
    assert body["count"] == 2
    row = body["results"][0]
    assert (row["field"], row["old_value"], row["new_value"]) == ("invoice_number", "", "ZH-1002")
    assert (row["seller"], row["invoice_status"], row["changed_by"]) == (
        "Nordwind Supplies GmbH",
        "approved",
        "agent_ann",
    )
    assert row["old_confidence"] is None  # the extractor had no value
    assert supervisor_client.get(CORRECTIONS_URL, {"seller": "acme"}).json()["count"] == 0
    assert_error_shape(supervisor_client.get(CORRECTIONS_URL, {"field": "nope"}), 400)
    assert_error_shape(agent_client.get(CORRECTIONS_URL), 403)


def test_the_admin_lists_corrections_read_only(corrected, client, staff_user):
    client.force_login(staff_user)
    page = client.get("/admin/invoices/invoicefieldchange/?field=invoice_number")
    assert page.status_code == 200 and "ZH-1001" in page.content.decode()
    assert client.get("/admin/invoices/invoicefieldchange/add/").status_code == 403


def test_a_learned_label_is_promoted_with_its_measured_gain(
    corrected, agent_client, django_capture_on_commit_callbacks
):
    out = StringIO()
    call_command("learn_from_corrections", stdout=out)
    result = json.loads(out.getvalue())

    assert [(h["field"], h["label"], h["seller"]) for h in result["hints"]] == [
        ("invoice_number", "vorgang", "nordwind supplies gmbh")
    ]
    assert result["hints"][0]["page"] == 1 and len(result["hints"][0]["box"]) == 4
    assert result["documents"] == 4
    # The draft reads the two "Vorgang" numbers too; every other field as before.
    assert result["per_field"]["invoice_number"] == {"current": 0.5, "draft": 1.0}
    # 38 of 40 labelled fields before, 40 of 40 after.
    assert (result["current_accuracy"], result["draft_accuracy"], result["gain"]) == (
        0.95,
        1.0,
        0.05,
    )
    assert all(p["draft"] >= p["current"] for p in result["per_field"].values())
    assert (result["promoted"], result["reason"]) == (True, "promoted")

    draft = PromptTemplate.objects.get(
        version=result["draft_version"], document_type__code="invoice"
    )
    assert draft.is_default and draft.status == PromptTemplate.Status.ACTIVE
    number_rule = next(f for f in draft.spec["fields"] if f["name"] == "invoice_number")
    assert number_rule["labels"][LEARNED_LANGUAGE] == ["vorgang"]
    assert "gain +" in draft.notes
    # The seller's next invoice is read with the promoted template.
    invoice = _upload(agent_client, django_capture_on_commit_callbacks, "ZH-1003", label="Vorgang")
    assert (invoice.invoice_number, invoice.template_version) == ("ZH-1003", draft.version)

    # Nothing new to learn: no second draft.
    again = StringIO()
    call_command("learn_from_corrections", stdout=again)
    assert json.loads(again.getvalue())["reason"] == "no_new_hints"


def test_no_promote_scores_the_draft_and_keeps_the_current_default(corrected):
    before = PromptTemplate.objects.filter(
        document_type__code="invoice", is_default=True
    ).values_list("version", flat=True)
    before = list(before)
    out = StringIO()
    call_command("learn_from_corrections", "--no-promote", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["promoted"], result["reason"]) == (False, "better")
    assert result["gain"] > 0
    draft = PromptTemplate.objects.get(
        version=result["draft_version"], document_type__code="invoice"
    )
    assert draft.status == PromptTemplate.Status.DRAFT and not draft.is_default
    assert (
        list(
            PromptTemplate.objects.filter(
                document_type__code="invoice", is_default=True
            ).values_list("version", flat=True)
        )
        == before
    )


def test_an_unknown_document_type_is_refused():
    with pytest.raises(Exception, match="Unknown document type"):
        call_command("learn_from_corrections", "--document-type", "nope", stdout=StringIO())
    assert DocumentType.objects.filter(code="nope").count() == 0


def test_a_hint_without_gain_is_not_promoted(agent_client, django_capture_on_commit_callbacks):
    # A reviewer's slip: the number "corrected" to the tax id, printed after "VAT ID:"; the
    # extractor already prefers "Invoice Number:", so the label changes nothing.
    capture = django_capture_on_commit_callbacks
    slip = _upload(agent_client, capture, "INV-9")
    agent_client.patch(f"{URL}{slip.pk}/", {"invoice_number": "DE811907980"})
    agent_client.post(f"{URL}{slip.pk}/approve/")
    for number in ("INV-1", "INV-2", "INV-3"):
        invoice = _upload(agent_client, capture, number)
        agent_client.post(f"{URL}{invoice.pk}/approve/")
    out = StringIO()
    call_command("learn_from_corrections", stdout=out)
    result = json.loads(out.getvalue())
    assert result["hints"][0]["label"] == "vat id"
    assert (result["promoted"], result["reason"], result["gain"]) == (False, "no_gain", 0.0)
    draft = PromptTemplate.objects.get(
        version=result["draft_version"], document_type__code="invoice"
    )
    assert draft.status == PromptTemplate.Status.DRAFT


def test_a_learned_label_leaves_other_sellers_read_as_before(
    corrected, agent_client, django_capture_on_commit_callbacks
):
    # Acme prints a delivery note after "Vorgang:" beside its invoice number; the evaluation
    # runs over Acme's invoices too, and they still read right with the draft.
    for number in ("A-101", "A-102", "A-103"):
        lines = ("Acme Tools Ltd", *BASE[1:5], f"Invoice Number: {number}", "Vorgang: LS-77")
        data = documents.invoice_pdf((*lines, *BASE[6:]))
        invoice = upload_processed(
            agent_client, f"{number}.pdf", data, django_capture_on_commit_callbacks
        )
        agent_client.post(f"{URL}{invoice.pk}/approve/")
    out = StringIO()
    call_command("learn_from_corrections", stdout=out)
    result = json.loads(out.getvalue())
    assert result["documents"] == 7
    # 5 of 7 numbers before (Acme's 3, the ordinary 2), all 7 with the draft.
    assert result["per_field"]["invoice_number"] == {"current": 0.7143, "draft": 1.0}
    assert (result["promoted"], result["gain"]) == (True, 0.0286)


def test_a_corrected_seller_name_is_learned_for_the_sellers_tax_id(
    agent_client, django_capture_on_commit_callbacks
):
    # The page prints the legal entity; the books keep the brand. The reviewer corrects two
    # invoices, a third seller's is approved as read.
    capture = django_capture_on_commit_callbacks
    for number in ("INV-1", "INV-2"):
        invoice = _upload(agent_client, capture, number)
        assert invoice.seller == "Nordwind Supplies GmbH"
        agent_client.patch(f"{URL}{invoice.pk}/", {"seller": "Nordwind"})
        assert agent_client.post(f"{URL}{invoice.pk}/approve/").status_code == 200
    other = (
        "Acme Tools Ltd", *BASE[1:2], "VAT ID: GB980780684", *BASE[3:5], "Invoice Number: A-1",
    )  # fmt: skip
    invoice = upload_processed(
        agent_client, "acme.pdf", documents.invoice_pdf((*other, *BASE[6:])), capture
    )
    agent_client.post(f"{URL}{invoice.pk}/approve/")

    out = StringIO()
    call_command("learn_from_corrections", stdout=out)
    result = json.loads(out.getvalue())
    assert [(n["name"], n["tax_id"], n["read"]) for n in result["seller_names"]] == [
        ("Nordwind", "DE811907980", "")
    ]
    assert result["per_field"]["seller"] == {"current": 0.3333, "draft": 1.0}
    assert (result["promoted"], result["reason"]) == (True, "promoted")
    draft = PromptTemplate.objects.get(
        version=result["draft_version"], document_type__code="invoice"
    )
    assert draft.spec["seller_names"] == [{"name": "Nordwind", "tax_id": "DE811907980"}]

    # The seller's next invoice carries the books' name, marked as learned; Acme's its own.
    invoice = _upload(agent_client, capture, "INV-3")
    assert invoice.seller == "Nordwind"
    body = agent_client.get(f"{URL}{invoice.pk}/").json()
    assert body["field_sources"]["seller"]["source"] == "learned"
    acme = upload_processed(
        agent_client, "acme-2.pdf", documents.invoice_pdf((*other, *BASE[6:])), capture
    )
    assert acme.seller == "Acme Tools Ltd"


def test_where_a_seller_prints_an_unlabelled_number_is_learned(
    agent_client, django_capture_on_commit_callbacks
):
    # Nordwind prints its invoice number alone on a line, no label: nothing reads it.
    capture = django_capture_on_commit_callbacks
    for number in ("NW-1001", "NW-1002"):
        invoice = _upload(agent_client, capture, number, label="")
        assert invoice.invoice_number == ""
        agent_client.patch(f"{URL}{invoice.pk}/", {"invoice_number": number})
        assert agent_client.post(f"{URL}{invoice.pk}/approve/").status_code == 200
    out = StringIO()
    call_command("learn_from_corrections", stdout=out)
    result = json.loads(out.getvalue())
    position = result["positions"][0]
    assert (position["field"], position["tax_id"], position["page"]) == (
        "invoice_number", "DE811907980", 1,
    )  # fmt: skip
    assert all(0 <= v <= 1 for v in position["box"])
    assert result["per_field"]["invoice_number"] == {"current": 0.0, "draft": 1.0}
    assert result["promoted"] is True
    invoice = _upload(agent_client, capture, "NW-1003", label="")
    assert invoice.invoice_number == "NW-1003"
    body = agent_client.get(f"{URL}{invoice.pk}/").json()
    assert body["field_sources"]["invoice_number"]["source"] == "learned"


def test_a_spec_with_malformed_seller_names_or_positions_is_refused():
    from ocrengine.extraction.spec import load_default_spec, validate_spec

    spec = load_default_spec("invoice")
    for bad, message in (
        ("x", "seller_names: must be a list"),
        ([{"name": "Nordwind"}], "seller_names[0]: needs a name and a tax_id or read"),
        ([{"name": 3, "read": "a"}], "seller_names[0]: must be an object of strings"),
    ):
        assert validate_spec({**spec, "seller_names": bad}) == [message]
    assert validate_spec({**spec, "seller_names": [{"name": "N", "read": "Nordwind AG"}]}) == []
    position = {"tax_id": "DE811907980", "field": "invoice_number", "page": 1}
    for box in ([0.1, 0.2, 0.3], [0.5, 0.2, 0.4, 0.3], [0, 0, 2, 1]):
        assert validate_spec({**spec, "field_positions": [{**position, "box": box}]}) == [
            "field_positions[0]: needs tax_id and field (strings), page (1 or more) and box "
            "(four fractions of the page, x0 < x1, y0 < y1)"
        ]
    placed = [{**position, "box": [0.1, 0.2, 0.3, 0.25]}]
    assert validate_spec({**spec, "field_positions": placed}) == []


def _score(version: int, **per_field: tuple[int, int]) -> VersionScore:
    return VersionScore(version, {name: list(tally) for name, tally in per_field.items()})


def test_a_draft_is_promoted_only_with_a_gain_and_no_field_lost():
    current = _score(1, invoice_number=(5, 10), date=(10, 10))
    assert promotion_verdict(current, _score(2, invoice_number=(9, 10), date=(10, 10))) == "better"
    # More right in all, but one date fewer: refused, naming the field.
    lost = _score(2, invoice_number=(10, 10), date=(9, 10))
    assert promotion_verdict(current, lost) == "less accurate: date"
    assert promotion_verdict(current, current) == "no_gain"
