"""The delivery log and the subscriptions in the admin, through a real admin login."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers

from tests.factories import DEFAULT_PASSWORD
from tests.webhooks.receiver import Receiver, running
from webhooks.events import MATCH_CONFIRMED
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhooks_emit


@pytest.fixture
def admin_session(client, staff_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    answer = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff_user.username, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert answer.status_code == 302
    return client


def test_subscribe_see_the_log_and_redeliver(admin_session, django_capture_on_commit_callbacks):
    with running(Receiver(fail_first=1)) as receiver:
        added = admin_session.post(
            "/admin/webhooks/webhooksubscription/add/",
            {"name": "Books", "url": receiver.url, "secret": "s3cret-value",
             "event_types": [MATCH_CONFIRMED], "is_active": "on"},
        )  # fmt: skip
        assert added.status_code == 302, added.content.decode()[:2000]
        subscription = WebhookSubscription.objects.get()
        assert subscription.secret == "s3cret-value"
        # Changing it without a secret keeps the stored one.
        changed = admin_session.post(
            f"/admin/webhooks/webhooksubscription/{subscription.pk}/change/",
            {"name": "Books 2", "url": receiver.url, "secret": "",
             "event_types": [MATCH_CONFIRMED], "is_active": "on"},
        )  # fmt: skip
        assert changed.status_code == 302
        subscription.refresh_from_db()
        assert (subscription.name, subscription.secret) == ("Books 2", "s3cret-value")
        with django_capture_on_commit_callbacks(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={"match_id": 3})
        receiver.wait_for(1)
        delivery = WebhookDelivery.objects.get()
        page = admin_session.get("/admin/webhooks/webhookdelivery/").content.decode()
        assert "match.confirmed" in page and "http_500" in page
        detail = admin_session.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
        assert "http_500" in detail.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            answer = admin_session.post(
                "/admin/webhooks/webhookdelivery/",
                {"action": "redeliver_selected", helpers.ACTION_CHECKBOX_NAME: [delivery.pk]},
            )
        assert answer.status_code == 302
        receiver.wait_for(2)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [a.status_code for a in delivery.log.order_by("number")] == [500, 200]


def test_a_subscription_for_a_non_http_url_is_refused(admin_session):
    answer = admin_session.post(
        "/admin/webhooks/webhooksubscription/add/",
        {"name": "Bad", "url": "ftp://files.example.test/", "secret": "x",
         "event_types": [MATCH_CONFIRMED], "is_active": "on"},
    )  # fmt: skip
    assert answer.status_code == 200 and not WebhookSubscription.objects.exists()
