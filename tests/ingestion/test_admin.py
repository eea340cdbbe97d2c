"""The admin: a mailbox's password is write-only; "poll now" and "scan now" call the services."""

from __future__ import annotations

import pytest

from ingestion.models import IngestedItem, Mailbox, WatchedFolder
from tests.ingestion.conftest import imap_append, imap_flags, mail
from tests.invoices.documents import invoice_pdf

pytestmark = pytest.mark.django_db
URL = "/admin/ingestion/mailbox/"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def form_data(mailbox: Mailbox, **changes) -> dict:
    data = {
        "customer": mailbox.customer_id, "name": mailbox.name, "host": mailbox.host,
        "port": mailbox.port, "security": mailbox.security, "username": mailbox.username,
        "password": "", "folder": mailbox.folder, "kind": mailbox.kind,
        "processed_keyword": mailbox.processed_keyword, "move_to": mailbox.move_to,
        "is_active": "on",
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_password_is_never_shown_and_an_empty_one_keeps_it(admin_client, mailbox, dovecot):
    page = admin_client.get(f"{URL}{mailbox.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert dovecot.password not in html
    stored = Mailbox.objects.values_list("password", flat=True)  # decrypted on read
    assert 'name="password"' in html and stored[0] == dovecot.password

    response = admin_client.post(f"{URL}{mailbox.pk}/change/", form_data(mailbox, name="Renamed"))

    assert response.status_code == 302, response.content
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("Renamed", dovecot.password)


def test_a_new_password_replaces_the_stored_one(admin_client, mailbox):
    admin_client.post(f"{URL}{mailbox.pk}/change/", form_data(mailbox, password="new-secret-42"))
    mailbox.refresh_from_db()
    assert mailbox.password == "new-secret-42"


def test_a_new_mailbox_needs_a_password(admin_client, mailbox):
    data = form_data(mailbox, username="someone-else")
    response = admin_client.post(f"{URL}add/", data)
    assert response.status_code == 200
    assert "A new mailbox needs its password." in response.content.decode()
    assert Mailbox.objects.count() == 1


def test_poll_now(admin_client, mailbox, imap, imap_folder):
    imap_append(imap, imap_folder, mail("Invoice", ("a.pdf", invoice_pdf(), "application/pdf")))

    response = admin_client.post(
        URL, {"action": "poll_now", "_selected_action": [mailbox.pk]}, follow=True
    )

    assert "1 messages; 1 imported" in response.content.decode()
    assert IngestedItem.objects.get().outcome == IngestedItem.Outcome.IMPORTED
    assert "$LedgerLens" in imap_flags(imap, imap_folder)[0]


def test_scan_now(admin_client, customer, tmp_path):
    folder = WatchedFolder.objects.create(customer=customer, path=str(tmp_path))
    (tmp_path / "a.pdf").write_bytes(invoice_pdf())

    response = admin_client.post(
        "/admin/ingestion/watchedfolder/",
        {"action": "scan_now", "_selected_action": [folder.pk]},
        follow=True,
    )

    assert "nothing new; 1 still settling" in response.content.decode()


def test_the_item_list_opens(admin_client):
    assert admin_client.get("/admin/ingestion/ingesteditem/").status_code == 200


def test_a_watched_folder_outside_the_roots_is_refused_by_the_form(
    admin_client, customer, tmp_path, settings
):
    settings.INGESTION_FOLDER_ROOTS = [tmp_path / "inboxes"]
    response = admin_client.post(
        "/admin/ingestion/watchedfolder/add/",
        {"customer": customer.pk, "path": "/etc", "kind": "auto", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "Watched folders must lie under INGESTION_FOLDER_ROOTS" in response.content.decode()
    assert not WatchedFolder.objects.exists()

    (tmp_path / "inboxes" / "acme").mkdir(parents=True)
    response = admin_client.post(
        "/admin/ingestion/watchedfolder/add/",
        {
            "customer": customer.pk,
            "path": str(tmp_path / "inboxes" / "acme"),
            "kind": "auto",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
