"""The operator console: customers masked unless permitted, saved through the services."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    """Staff who may manage customers but not read full ids."""
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="customers", codename__in=["view_customer", "change_customer", "add_customer"]))  # fmt: skip
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_changelist_masks_ids_for_staff_without_the_permission(clerk, staff_user):
    CustomerFactory(name="Zhao Liu", id_number="110105194912310021")
    masked = _client(clerk).get("/admin/customers/customer/")
    assert masked.status_code == 200
    assert "110***********0021" in masked.content.decode()
    assert "110105194912310021" not in masked.content.decode()
    full = _client(staff_user).get("/admin/customers/customer/")
    assert "110105194912310021" in full.content.decode()


def test_change_form_never_shows_the_full_id_without_the_permission(clerk):
    customer = CustomerFactory(id_number="110105194912310021")
    page = _client(clerk).get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert "110***********0021" in page and "110105194912310021" not in page


def test_search_and_filters(staff_user, agent):
    CustomerFactory(name="Acme Trading", kind="company", assigned_agent=agent)
    CustomerFactory(name="Bob Person", kind="person")
    client = _client(staff_user)
    assert (
        "Acme Trading" in client.get("/admin/customers/customer/", {"q": "acme"}).content.decode()
    )
    page = client.get("/admin/customers/customer/", {"kind__exact": "person"}).content.decode()
    assert "Bob Person" in page and "Acme Trading" not in page


def test_saving_a_duplicate_in_the_admin_shows_the_existing_customer(staff_user):
    existing = CustomerFactory(name="Qian Qi", email="qian@example.test")
    response = _client(staff_user).post(
        "/admin/customers/customer/add/",
        {"name": "Another", "kind": "person", "email": "QIAN@example.test", "is_active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert f"Qian Qi (#{existing.pk})" in response.content.decode()
    assert Customer.objects.count() == 1


def test_admin_add_normalises_through_the_service(staff_user):
    response = _client(staff_user).post(
        "/admin/customers/customer/add/",
        {"name": " New Co ", "kind": "company", "id_number": "9131 0000 x", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get()
    assert (customer.name, customer.id_number) == ("New Co", "91310000X")


def test_user_admin_shows_roles(staff_user, agent):
    page = _client(staff_user).get("/admin/auth/user/").content.decode()
    assert "agent_ann" in page and ">agent<" in page
