"""A customer update built from a stale read must not undo a reassignment committed between the
read and the save (security audit #13). The race is replayed in one thread, in the order two
requests would interleave: the PATCH request reads the customer, then a supervisor reassigns
it, then the PATCH request saves."""

import pytest

from customers import apis, services
from customers.models import Customer
from tests.conftest import assert_error_shape
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


@pytest.fixture
def after_the_read(monkeypatch):
    """Run a write between the API's read of the customer and its save (set `["write"]`)."""
    hook = {}
    real_get = apis.selectors.customer_get

    def read_then_someone_writes(*, user, customer_id):
        stale = real_get(user=user, customer_id=customer_id)
        hook["write"](customer_id)
        return stale

    monkeypatch.setattr(apis.selectors, "customer_get", read_then_someone_writes)
    return hook


def _reassigns_to(supervisor, user):
    def write(customer_id: int) -> None:
        fresh = Customer.objects.get(pk=customer_id)
        services.customer_update(actor=supervisor, customer=fresh, fields={"assigned_agent": user})

    return write


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_supervisors_stale_edit_keeps_the_reassignment(
    method, agent, other_agent, supervisor, supervisor_client, after_the_read
):
    customer = CustomerFactory(assigned_agent=agent, name="Old name", phone="+1 555 0100")
    after_the_read["write"] = _reassigns_to(supervisor, other_agent)
    response = getattr(supervisor_client, method)(f"{URL}{customer.pk}/", {"name": "New name"})
    assert response.status_code == 200, response.content
    assert response.json()["assigned_agent"] == other_agent.pk
    customer.refresh_from_db()
    assert (customer.name, customer.assigned_agent) == ("New name", other_agent)
    assert customer.phone == "+1 555 0100"  # PUT without phone leaves it; only sent fields change


def test_an_agent_whose_customer_was_reassigned_meanwhile_gets_404_and_changes_nothing(
    agent, other_agent, supervisor, agent_client, after_the_read
):
    customer = CustomerFactory(assigned_agent=agent, name="Old name")
    after_the_read["write"] = _reassigns_to(supervisor, other_agent)
    response = agent_client.patch(f"{URL}{customer.pk}/", {"name": "Mine still"})
    assert_error_shape(response, 404, "not_found")
    customer.refresh_from_db()
    assert (customer.name, customer.assigned_agent) == ("Old name", other_agent)


def test_an_update_writes_only_the_fields_it_changes(agent, agent_client, after_the_read):
    customer = CustomerFactory(assigned_agent=agent, name="Same", phone="1")
    after_the_read["write"] = lambda pk: Customer.objects.filter(pk=pk).update(
        phone="2", address="Elsewhere"
    )
    response = agent_client.patch(f"{URL}{customer.pk}/", {"name": "Same", "tax_id": "T"})
    assert response.status_code == 200, response.content
    assert (response.json()["phone"], response.json()["address"]) == ("2", "Elsewhere")
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.address, customer.tax_id) == (
        "Same",
        "2",
        "Elsewhere",
        "T",
    )
