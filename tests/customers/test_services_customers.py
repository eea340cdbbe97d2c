"""Duplicates that slip past the service's check (a concurrent insert) are settled by the
database's unique constraints and still answer 409 naming the existing customer."""

import threading

import pytest
from django.db import connections

from customers import services
from customers.models import Customer
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_constraint_violation_after_a_passed_check_is_a_409(monkeypatch, agent, agent_client):
    existing = CustomerFactory(name="Sun Ba", email="sun.ba@example.test", assigned_agent=agent)
    real_check = services._refuse_duplicates
    calls = []

    def check_that_misses_the_first_time(customer, actor):
        # As if the other request committed between this request's check and its insert.
        calls.append(customer)
        if len(calls) > 1:
            real_check(customer, actor)

    monkeypatch.setattr(services, "_refuse_duplicates", check_that_misses_the_first_time)
    response = agent_client.post(
        "/api/v1/customers/", {"name": "Sun Ba 2", "email": "SUN.BA@example.test"}
    )
    error = assert_error_shape(response, 409, "duplicate_customer")
    assert error["details"]["existing_customer"] == {"id": existing.pk, "name": "Sun Ba"}
    assert Customer.objects.count() == 1
    # The request's failed insert did not break the connection for what follows.
    assert agent_client.get("/api/v1/customers/").json()["count"] == 1


def _in_memory_sqlite() -> bool:
    database = connections["default"]
    return database.vendor == "sqlite" and database.is_in_memory_db()


@pytest.mark.skipif("_in_memory_sqlite()", reason="in-memory SQLite cannot run concurrent writers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the role groups
def test_concurrent_creates_of_one_email_store_one_customer(agent, other_agent):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def create(user) -> None:
        try:
            client = jwt_client(user)
            barrier.wait(timeout=10)
            response = client.post(
                "/api/v1/customers/", {"name": user.username, "email": "same@example.test"}
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(user,)) for user in (agent, other_agent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [201, 409]
    assert Customer.objects.filter(email__iexact="same@example.test").count() == 1
