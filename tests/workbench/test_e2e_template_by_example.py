"""The bank-template marking screen in a real browser: an administrator opens a bill in
review, marks its columns on the rendered page and publishes the template (#12). With the
other browser tests, so their transactional flushes come after every other test."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import BankTemplate, Bill
from tests.billing.test_template_by_example import LAYOUT, zorg_statement


@pytest.mark.e2e
@pytest.mark.slow
def test_an_administrator_marks_a_statement_on_the_bill_screen_and_publishes_its_template(
    e2e_db, desktop, live_server
):
    from django.contrib.auth.models import Group

    from billing.services import reference_data_seed, statement_import
    from tests.factories import DEFAULT_PASSWORD, CustomerFactory, UserFactory
    from tests.workbench.conftest import log_in, screenshot

    reference_data_seed()
    admin = UserFactory(username="admin_marks", is_staff=True, is_superuser=True)
    admin.groups.add(Group.objects.get_or_create(name="admin")[0])
    customer = CustomerFactory(name="Zorg Klant")
    result = statement_import(
        file=SimpleUploadedFile("zorg-jan.pdf", zorg_statement()), uploaded_by=admin,
        customer=customer,
    )  # fmt: skip
    bill = Bill.objects.get(statement_import=result.statement_import)
    assert bill.status == "review"
    page, base = desktop, live_server.url
    page.goto(f"{base}/workbench/login/?next=/workbench/bills/{bill.pk}/")
    log_in(page, admin.username, DEFAULT_PASSWORD)
    page.wait_for_url(f"{base}/workbench/bills/{bill.pk}/")
    page.click("[data-role=make-template]")
    page.wait_for_url(
        f"{base}/workbench/statements/{bill.statement_import_id}/template/?bill={bill.pk}"
    )
    page.wait_for_selector("body[data-ready]")
    # The reader's own reading, drawn on the page: a debit column and a "balance" column.
    page.wait_for_function("() => document.querySelectorAll('.example-column').length === 2")
    page.wait_for_function(
        "() => document.querySelector('.example-page image').getAttribute('href')"
    )
    assert page.input_value("textarea[name=markers]").startswith("ZORG BANK Uitgiftedag")
    page.fill("input[name=new_bank_code]", "zorg_bank")
    page.fill("input[name=new_bank_name]", "Zorg Bank")
    page.select_option("select[name=kind]", "current")
    for name, text in LAYOUT["labels"].items():
        page.fill(f"input[name=label_{name}]", text)
    page.locator("[data-role=columns] tr").nth(1).locator("select[name=role]").select_option(
        "credit"
    )
    page.wait_for_selector(".example-column.role-credit")

    page.click("[data-action=preview]")
    page.wait_for_selector("[data-role=result-status].status-verified")
    assert "550.00" in page.inner_text("[data-role=result-bills]")
    page.click("[data-action=save]")
    page.wait_for_selector("[data-action=publish]:not([hidden])")
    page.click("[data-action=publish]")
    page.wait_for_selector("[data-role=flash]:has-text('Published zorg_bank v1.')")
    screenshot(page, "template-example")
    active = BankTemplate.objects.get(bank__code="zorg_bank", status="active")
    assert (active.sample_id, active.spec["layout"]["columns"][1]["role"]) == (
        bill.statement_import_id, "credit",
    )  # fmt: skip
