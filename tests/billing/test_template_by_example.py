"""A bank template made by example (#12): a statement of a bank no template knows, whose labels
no language list knows, lands in review; a supervisor marks its columns and labels (API or
admin), gets a "layout" draft, which is published only once it reads its sample into
reconciling bills; the bank's next statement is then verified under the new bank."""

from __future__ import annotations

import copy
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Bank, BankTemplate, Bill, StatementImport
from billing.parsers import parse_statement, statement_status, validate_template
from billing.services.template_examples import marker_pattern, suggested_markers
from tests.billing.test_parsers_pdf_layout import Page, scanned
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.usefixtures("seeded")
D = Decimal
FROM_EXAMPLE = "/api/v1/bank-templates/from-example/"

# What a supervisor marks on the Zorg Bank sample: the two value columns (fractions of the
# page width, around where the amounts are printed), the account kind, the date order and
# the labels of the three summary fields, words no language list of the reader knows.
LAYOUT = {
    "kind": "current",
    "date_order": "day_first",
    "columns": [
        {"role": "debit", "x0": 0.68, "x1": 0.75},
        {"role": "credit", "x0": 0.82, "x1": 0.88},
    ],
    "labels": {
        "statement_date": "Uitgiftedag",
        "previous_balance": "Beginstand",
        "new_balance": "Eindstand",
    },
}


def swapped(layout: dict) -> dict:
    """The marks with debit and credit the wrong way round: the balances no longer tie."""
    wrong = copy.deepcopy(layout)
    wrong["columns"][0]["role"], wrong["columns"][1]["role"] = "credit", "debit"
    return wrong


def zorg_statement(
    month: int = 1,
    opening: str = "500.00",
    rows: tuple = (("05", "WINKEL DE HOEK", "20.00", None), ("09", "LOON", None, "70.00")),
    closing: str = "550.00",
) -> bytes:
    """A current-account statement of "Zorg Bank": Dutch/Afrikaans labels, no column
    headings, money out printed at x 440 and money in at x 520 (right-aligned)."""
    page = Page()
    page.row((40, "ZORG BANK"), (300, f"Uitgiftedag 28/{month:02d}/2024"))
    page.row((40, "Rekeningafskrif"), (300, "IBAN NL91 ZORG 0417 1643 00"))
    page.row((40, "Beginstand"), (520, opening, "r"))
    for day, text, money_out, money_in in rows:
        cells = [(40, f"{day}/{month:02d}/2024"), (100, text)]
        if money_out:
            cells.append((440, money_out, "r"))
        if money_in:
            cells.append((520, money_in, "r"))
        page.row(*cells)
    page.row((40, "Eindstand"), (520, closing, "r"))
    return page.pdf()


def second_zorg_statement() -> bytes:
    return zorg_statement(
        month=2,
        opening="550.00",
        rows=(
            ("02", "HUUR", "400.00", None),
            ("12", "LOON", None, "1200.00"),
            ("20", "APTEEK", "35.50", None),
        ),
        closing="1314.50",
    )


def upload_statement(client, capture, data: bytes, name: str, customer) -> StatementImport:
    with capture(execute=True):
        response = client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile(name, data), "customer": customer.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert client.get(response.json()["job_url"]).json()["status"] == "succeeded"
    return StatementImport.objects.get(pk=response.json()["id"])


@pytest.fixture
def sample(agent_client, customer, django_capture_on_commit_callbacks) -> StatementImport:
    statement = upload_statement(
        agent_client, django_capture_on_commit_callbacks, zorg_statement(), "zorg-jan.pdf", customer
    )
    assert (statement.status, statement.bank.code) == ("review", "generic")
    return statement


def draft_body(sample: StatementImport, layout: dict = LAYOUT, **extra) -> dict:
    return {"statement": sample.pk, "bank": "zorg_bank", "bank_name": "Zorg Bank",
            "layout": layout, **extra}  # fmt: skip


# --- the spec ------------------------------------------------------------------------------


def layout_spec(layout: object) -> dict:
    return {"bank": "zorg_bank", "version": 1, "detect": {"patterns": ["ZORG"]}, "layout": layout}


def test_a_layout_template_is_valid_without_line_patterns():
    assert validate_template(layout_spec(LAYOUT)) == []


def columns(*marked: tuple[str, object, object]) -> dict:
    return {**LAYOUT, "columns": [{"role": r, "x0": x0, "x1": x1} for r, x0, x1 in marked]}


@pytest.mark.parametrize(
    ("layout", "error"),
    [
        ({**LAYOUT, "kind": "savings"}, "layout.kind must be 'card' or 'current'."),
        ({**LAYOUT, "date_order": "ymd"}, "layout.date_order must be"),
        ({**LAYOUT, "columns": []}, "layout.columns must be a non-empty list"),
        (columns(("fee", 0.1, 0.2)), "role must be one of"),
        (columns(("amount", 0.5, 0.4)), "0 <= x0 < x1 <= 1"),
        (columns(("amount", 0.5, 1.2)), "0 <= x0 < x1 <= 1"),
        (columns(("amount", "a", 1)), "must be numbers"),
        (columns(("debit", 0.5, 0.7), ("credit", 0.6, 0.8)), "overlap"),
        (columns(("amount", 0.5, 0.6), ("debit", 0.7, 0.8)), "'debit'/'credit' columns, not both"),
        (columns(("balance", 0.5, 0.6)), "needs an 'amount' column or 'debit'/'credit' columns"),
        (columns(("debit", 0.5, 0.6), ("debit", 0.7, 0.8)), "more than one 'debit' column"),
        ({**LAYOUT, "labels": {"closing_date": "Einde"}}, "unknown field 'closing_date'"),
        ({**LAYOUT, "labels": {"new_balance": "  "}}, "layout.labels.new_balance must be"),
        ({**LAYOUT, "colour": "red"}, "layout: unknown key 'colour'."),
        ("columns", "'layout' must be a JSON object."),
    ],
)
def test_an_incoherent_layout_is_refused_with_a_clear_error(layout, error):
    errors = validate_template(layout_spec(layout))
    assert any(error in e for e in errors), errors


def test_a_template_reads_pdfs_by_line_patterns_or_by_layout_not_both():
    spec = {**layout_spec(LAYOUT), "transactions": {"pattern": "(?P<date>x)(?P<amount>y)"}}
    assert any("not both" in e for e in validate_template(spec))
    assert any("must verify 'balance'" in e for e in validate_template(
        {**layout_spec(LAYOUT), "verify": ["printed_totals"]}
    ))  # fmt: skip


def test_a_picked_layout_template_reads_with_the_marks_under_its_bank_and_version():
    spec = {
        **layout_spec(LAYOUT),
        "version": 4,
        "detect": {"patterns": [marker_pattern("ZORG BANK")]},
    }
    statement = parse_statement(zorg_statement(), filename="z.pdf", templates=[spec])
    assert (statement.bank_code, statement.template_version) == ("zorg_bank", 4)
    assert statement_status(statement)[0] == "verified"
    bill = statement.bills[0]
    assert (bill.previous_balance, bill.new_balance) == (D("500.00"), D("550.00"))
    assert [(str(t.amount), t.direction) for t in bill.transactions] == [
        ("20.00", "debit"),
        ("70.00", "credit"),
    ]
    # Without the marks, the generic reader finds no reading that ties.
    unmarked = parse_statement(zorg_statement(), filename="z.pdf", templates=[])
    assert (unmarked.bank_code, statement_status(unmarked)[0]) == ("generic", "review")


def test_suggested_markers_are_the_stable_header_text_not_dates_amounts_or_rows():
    lines = ["ZORG BANK   Uitgiftedag 28/01/2024", "Rekeningafskrif  IBAN NL91 ZORG 0417",
             "Beginstand 500.00", "05/01/2024 WINKEL 20.00", "Eindstand 550.00"]  # fmt: skip
    assert suggested_markers(lines) == [
        "ZORG BANK Uitgiftedag",
        "Rekeningafskrif IBAN",
        "Beginstand",
    ]


# --- end to end: the API and the worker ------------------------------------------------------


def test_a_supervisor_makes_a_template_from_a_statement_in_review_and_the_next_one_is_verified(
    sample, supervisor_client, staff_client, agent_client, customer,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    example = supervisor_client.get(f"/api/v1/statements/{sample.pk}/template-example/")
    assert example.status_code == 200, example.content
    body = example.json()
    assert body["markers"][0] == "ZORG BANK Uitgiftedag"
    assert body["layout"]["kind"] == "current" and body["layout"]["columns"]
    page = body["pages"][0]
    assert (page["width"], page["height"]) == (595.0, 842.0)
    image = supervisor_client.get(page["image_url"])
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    assert image.content.startswith(b"\x89PNG")

    # Debit and credit marked the wrong way round: a draft, which will not publish.
    wrong = supervisor_client.post(FROM_EXAMPLE, draft_body(sample, swapped(LAYOUT)), format="json")
    assert wrong.status_code == 201, wrong.content
    assert wrong.json()["preview"]["status"] == "review"
    draft = BankTemplate.objects.get(pk=wrong.json()["template"]["id"])
    assert (draft.bank.name, draft.status, draft.sample_id) == ("Zorg Bank", "draft", sample.pk)
    assert draft.spec["detect"]["patterns"][0] == r"ZORG\s+BANK\s+Uitgiftedag"
    refused = staff_client.post(f"/api/v1/bank-templates/{draft.pk}/publish/")
    error = assert_error_shape(refused, 409, "template_not_reconciling")
    assert "balance_mismatch" in [p["code"] for p in error["details"]["problems"]]
    assert error["details"]["sample"] == sample.pk
    draft.refresh_from_db()
    assert draft.status == "draft"

    # Marked right: the dry run reconciles, and the draft publishes.
    dry_run = supervisor_client.post(f"{FROM_EXAMPLE}preview/", draft_body(sample), format="json")
    assert dry_run.status_code == 200, dry_run.content
    assert (dry_run.json()["status"], dry_run.json()["template_matched"]) == ("verified", True)
    assert BankTemplate.objects.filter(bank__code="zorg_bank").count() == 1  # saved nothing
    right = supervisor_client.post(FROM_EXAMPLE, draft_body(sample), format="json")
    assert right.status_code == 201, right.content
    created = right.json()["template"]
    assert (created["version"], created["status"], created["sample"]) == (2, "draft", sample.pk)
    assert created["spec"]["layout"] == LAYOUT
    assert right.json()["preview"]["bills"][0]["new_balance"] == "550.00"
    # Publishing stays an administrator's.
    assert_error_shape(
        supervisor_client.post(f"/api/v1/bank-templates/{created['id']}/publish/"),
        403,
        "permission_denied",
    )
    published = staff_client.post(f"/api/v1/bank-templates/{created['id']}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "active"

    second = upload_statement(
        agent_client, django_capture_on_commit_callbacks, second_zorg_statement(), "zorg-feb.pdf",
        customer,
    )  # fmt: skip
    assert (second.status, second.bank.code, second.template_version) == (
        "verified",
        "zorg_bank",
        2,
    )
    assert second.parser_key == "zorg_bank"
    bill = Bill.objects.get(statement_import=second)
    assert (bill.account_kind, bill.card.last4, bill.status) == ("current", "4300", "verified")
    assert (bill.previous_balance, bill.new_balance) == (D("550.00"), D("1314.50"))
    assert sorted(bill.transactions.values_list("amount", "direction")) == [
        (D("35.50"), "debit"),
        (D("400.00"), "debit"),
        (D("1200.00"), "credit"),
    ]


def test_layout_templates_go_through_export_and_import_unchanged(
    sample, supervisor_client, staff_client
):
    created = supervisor_client.post(FROM_EXAMPLE, draft_body(sample), format="json").json()
    staff_client.post(f"/api/v1/bank-templates/{created['template']['id']}/publish/")
    exported = staff_client.get("/api/v1/bank-templates/export/", {"bank": "zorg_bank"}).json()
    [entry] = exported["templates"]
    assert (entry["status"], entry["spec"]["layout"]) == ("active", LAYOUT)
    BankTemplate.objects.filter(bank__code="zorg_bank").delete()

    report = staff_client.post("/api/v1/bank-templates/import/", exported, format="json")
    assert report.status_code == 200, report.content
    assert report.json()["published"] == ["zorg_bank v1"]
    imported = BankTemplate.objects.get(bank__code="zorg_bank")
    assert (imported.status, imported.spec, imported.sample) == ("active", entry["spec"], None)
    again = staff_client.post("/api/v1/bank-templates/import/", exported, format="json")
    assert again.json()["unchanged"] == ["zorg_bank v1"]
    statement = parse_statement(
        second_zorg_statement(), filename="z.pdf", templates=[imported.spec]
    )
    assert (statement.bank_code, statement_status(statement)[0]) == ("zorg_bank", "verified")


def test_bad_input_is_refused_in_the_one_error_shape(
    sample, supervisor_client, agent_client, customer, django_capture_on_commit_callbacks
):
    invalid = {**LAYOUT, "columns": [{"role": "debit", "x0": 0.9, "x1": 0.1}]}
    response = supervisor_client.post(FROM_EXAMPLE, draft_body(sample, invalid), format="json")
    error = assert_error_shape(response, 400, "invalid_template")
    assert any("0 <= x0 < x1 <= 1" in e for e in error["details"]["errors"])
    response = supervisor_client.post(
        f"{FROM_EXAMPLE}preview/", draft_body(sample, "x"), format="json"
    )
    assert_error_shape(response, 400, "invalid_template")
    for bank, code in [("generic", "invalid_bank_code"), ("Zorg Bank!", "invalid_bank_code")]:
        body = {**draft_body(sample), "bank": bank}
        assert_error_shape(supervisor_client.post(FROM_EXAMPLE, body, format="json"), 400, code)
    body = {**draft_body(sample), "bank_name": ""}
    assert_error_shape(
        supervisor_client.post(FROM_EXAMPLE, body, format="json"), 400, "bank_name_required"
    )
    assert not Bank.objects.filter(code="zorg_bank").exists()
    assert_error_shape(
        supervisor_client.post(FROM_EXAMPLE, {**draft_body(sample), "statement": 0}, format="json"),
        400,
        "validation_error",
    )
    assert_error_shape(
        supervisor_client.post(
            FROM_EXAMPLE, {**draft_body(sample), "statement": 999999}, format="json"
        ),
        404,
        "not_found",
    )

    csv = b"Date,Description,Amount\n2024-01-05,WINKEL,-20.00\n2024-01-09,LOON,70.00\n"
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = agent_client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile("zorg.csv", csv), "customer": customer.pk,
             "card_last4": "4300"},
            format="multipart",
        )  # fmt: skip
    not_pdf = StatementImport.objects.get(pk=uploaded.json()["id"])
    assert not_pdf.format == "csv"
    response = supervisor_client.post(FROM_EXAMPLE, draft_body(not_pdf), format="json")
    assert_error_shape(response, 400, "sample_not_pdf")
    response = supervisor_client.get(f"/api/v1/statements/{not_pdf.pk}/template-example/")
    assert_error_shape(response, 400, "sample_not_pdf")

    # An agent has no part in it, whatever the statement.
    for response in [
        agent_client.post(FROM_EXAMPLE, draft_body(sample), format="json"),
        agent_client.post(f"{FROM_EXAMPLE}preview/", draft_body(sample), format="json"),
        agent_client.get(f"/api/v1/statements/{sample.pk}/template-example/"),
        agent_client.get(f"/api/v1/statements/{sample.pk}/pages/1.png"),
    ]:
        assert_error_shape(response, 403, "permission_denied")
    assert_error_shape(supervisor_client.get(f"/api/v1/statements/{sample.pk}/pages/9.png"), 404)
    assert not BankTemplate.objects.filter(bank__code="zorg_bank").exists()


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_session(staff_user):
    """An administrator signed in through the admin's own login form."""
    from django.test import Client

    from tests.factories import DEFAULT_PASSWORD

    client = Client()
    login = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff_user.username, "password": DEFAULT_PASSWORD},
    )
    assert login.status_code == 302 and login["Location"] == "/admin/", login.content[:500]
    return client


def admin_marks(layout: dict, action: str, **extra) -> dict:
    data = {
        "bank": "", "new_bank_code": "zorg_bank", "new_bank_name": "Zorg Bank",
        "kind": layout["kind"], "date_order": layout["date_order"],
        "markers": "ZORG BANK\nRekeningafskrif", "notes": "",
        **{f"label_{name}": text for name, text in layout["labels"].items()},
        "column-TOTAL_FORMS": "3", "column-INITIAL_FORMS": "0",
        "column-MIN_NUM_FORMS": "0", "column-MAX_NUM_FORMS": "8", "action": action,
    }  # fmt: skip
    for index, column in enumerate(layout["columns"]):
        data |= {f"column-{index}-{key}": str(value) for key, value in column.items()}
    return data | extra


def test_an_administrator_makes_the_template_in_the_admin(sample, admin_session):
    statement_page = admin_session.get(f"/admin/billing/statementimport/{sample.pk}/change/")
    url = f"/admin/billing/banktemplate/from-statement/{sample.pk}/"
    assert url in statement_page.content.decode()

    page = admin_session.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "ZORG BANK Uitgiftedag" in html  # the suggested marker, to edit
    assert 'class="example-column role-' in html  # the suggested columns drawn on the page
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "<script>" not in html and "billing/template_example.js" in html
    image = admin_session.get(f"{url}pages/1.png")
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")

    preview = admin_session.post(url, admin_marks(swapped(LAYOUT), "preview"))
    assert "Dry run: review" in preview.content.decode()
    refused = admin_session.post(url, admin_marks(swapped(LAYOUT), "publish"))
    assert refused.status_code == 200
    assert "Not published, nothing saved" in refused.content.decode()
    assert not BankTemplate.objects.filter(bank__code="zorg_bank").exists()

    saved = admin_session.post(url, admin_marks(swapped(LAYOUT), "save"))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    wrong = BankTemplate.objects.get(bank__code="zorg_bank")
    assert (wrong.status, wrong.sample_id, wrong.spec["layout"]["columns"][0]["role"]) == (
        "draft", sample.pk, "credit",
    )  # fmt: skip
    action = admin_session.post(
        "/admin/billing/banktemplate/",
        {"action": "publish_selected", "_selected_action": [wrong.pk]},
        follow=True,
    )
    assert "Not published" in action.content.decode()
    wrong.refresh_from_db()
    assert wrong.status == "draft"

    zorg = Bank.objects.get(code="zorg_bank")
    published = admin_session.post(url, admin_marks(LAYOUT, "publish", bank=zorg.pk), follow=True)
    assert "Published zorg_bank v2" in published.content.decode()
    active = BankTemplate.objects.get(bank=zorg, status="active")
    assert (active.version, active.sample_id, active.spec["layout"]) == (2, sample.pk, LAYOUT)


def test_the_admin_refuses_a_sample_that_is_not_a_pdf_with_its_reason(admin_session):
    from tests.billing.factories import StatementImportFactory

    csv = StatementImportFactory(format="csv", status="review", original_name="zorg.csv")
    page = admin_session.get(f"/admin/billing/banktemplate/from-statement/{csv.pk}/")
    assert page.status_code == 200
    assert "from a PDF statement only" in page.content.decode()
    statement_page = admin_session.get(f"/admin/billing/statementimport/{csv.pk}/change/")
    assert "from-statement" not in statement_page.content.decode()


# --- the workbench -------------------------------------------------------------------------


def test_the_workbench_marking_screen_is_a_shell_with_its_own_script(client):
    response = client.get("/workbench/statements/41/template/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="page-template_example"' in html
    assert "/static/workbench/js/template_example.js" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '"statement_id": 41' in html
    bill_screen = client.get("/workbench/bills/3/").content.decode()
    assert 'data-role="make-template"' in bill_screen


def test_a_template_made_by_example_edited_in_the_admin_keeps_its_sample(
    sample, supervisor_client, admin_session
):
    import json

    created = supervisor_client.post(FROM_EXAMPLE, draft_body(sample), format="json").json()
    template = BankTemplate.objects.get(pk=created["template"]["id"])
    spec = {**template.spec, "layout": swapped(LAYOUT)}
    response = admin_session.post(
        f"/admin/billing/banktemplate/{template.pk}/change/",
        {"spec": json.dumps(spec), "notes": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    edited = BankTemplate.objects.get(bank=template.bank, version=2)
    assert edited.sample_id == sample.pk
    action = admin_session.post(
        "/admin/billing/banktemplate/",
        {"action": "publish_selected", "_selected_action": [edited.pk]},
        follow=True,
    )
    assert "Not published" in action.content.decode()
    assert BankTemplate.objects.get(pk=edited.pk).status == "draft"


def sideways(pdf: bytes) -> bytes:
    """The scan of `pdf`, fed into the scanner sideways: an image-only PDF turned 90°."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(scanned(pdf))
    image = document[0].render(scale=1).to_pil().convert("L").rotate(90, expand=True)
    document.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200)
    return out.getvalue()


def test_a_sideways_scan_is_shown_for_marking_as_ocr_read_it(
    supervisor_client, agent_client, customer, django_capture_on_commit_callbacks
):
    statement = upload_statement(
        agent_client, django_capture_on_commit_callbacks, sideways(zorg_statement()),
        "zorg-scan.pdf", customer,
    )  # fmt: skip
    body = supervisor_client.get(f"/api/v1/statements/{statement.pk}/template-example/").json()
    page = body["pages"][0]
    assert page["turned"] in (90, 270)
    assert page["image_url"].endswith(f"?turned={page['turned']}")
    assert page["height"] > page["width"]  # the page as read: upright

    from PIL import Image

    shown = Image.open(io.BytesIO(supervisor_client.get(page["image_url"]).content))
    assert shown.height > shown.width  # turned the way OCR read it, so the marks lie on it
    as_scanned = supervisor_client.get(page["image_url"].split("?")[0]).content
    assert Image.open(io.BytesIO(as_scanned)).width > Image.open(io.BytesIO(as_scanned)).height
    wrong = supervisor_client.get(page["image_url"].split("?")[0] + "?turned=45")
    assert_error_shape(wrong, 400)
    assert wrong.json()["error"]["code"] == "validation_error"
