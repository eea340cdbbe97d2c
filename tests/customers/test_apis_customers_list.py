"""The customers list: pagination, filters, search, ordering, and a constant query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer
from tests.conftest import assert_error_shape
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_pages_of_fifty_by_default_with_page_size_capped(agent, agent_client):
    CustomerFactory.create_batch(120, assigned_agent=agent)
    first = agent_client.get(URL).json()
    assert (first["count"], len(first["results"])) == (120, 50)
    assert first["next"].endswith("?page=2") and first["previous"] is None
    last = agent_client.get(URL, {"page": 3}).json()
    assert len(last["results"]) == 20 and last["next"] is None
    assert len(agent_client.get(URL, {"page_size": 1000}).json()["results"]) == 120
    assert len(agent_client.get(URL, {"page_size": 7}).json()["results"]) == 7


def test_a_page_past_the_end_is_404(agent, agent_client):
    CustomerFactory(assigned_agent=agent)
    assert_error_shape(agent_client.get(URL, {"page": 9}), 404, "not_found")


def test_filters_kind_active_agent_and_created_range(agent, other_agent, supervisor_client):
    old = CustomerFactory(name="Old Co", kind="company", assigned_agent=agent)
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    CustomerFactory(name="Person A", kind="person", assigned_agent=agent)
    CustomerFactory(name="Gone", is_active=False, assigned_agent=other_agent)
    CustomerFactory(name="Orphan", assigned_agent=None)

    assert _names(supervisor_client.get(URL, {"kind": "company"})) == ["Old Co"]
    assert _names(supervisor_client.get(URL, {"is_active": "false"})) == ["Gone"]
    assert _names(supervisor_client.get(URL, {"assigned_agent": agent.pk})) == [
        "Old Co",
        "Person A",
    ]
    assert _names(supervisor_client.get(URL, {"assigned": "false"})) == ["Orphan"]
    recent = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert "Old Co" not in _names(supervisor_client.get(URL, {"created_after": recent}))
    before = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert _names(supervisor_client.get(URL, {"created_before": before})) == ["Old Co"]


def test_bad_filter_values_are_400(supervisor_client):
    error = assert_error_shape(
        supervisor_client.get(URL, {"kind": "robot", "created_after": "soon"}), 400
    )
    assert {"kind", "created"} <= set(error["details"]["fields"])


def test_search_covers_name_email_phone_and_tax_id(agent, agent_client):
    CustomerFactory(assigned_agent=agent, name="Acme Trading", email="a@one.test")
    CustomerFactory(assigned_agent=agent, name="Beta", email="billing@acme-mail.test")
    CustomerFactory(assigned_agent=agent, name="Gamma", phone="+60 3 9999 1234")
    CustomerFactory(assigned_agent=agent, name="Delta", tax_id="91110000MA01XYZ")
    assert _names(agent_client.get(URL, {"search": "acme"})) == ["Acme Trading", "Beta"]
    assert _names(agent_client.get(URL, {"search": "9999"})) == ["Gamma"]
    assert _names(agent_client.get(URL, {"search": "ma01xyz"})) == ["Delta"]


def test_ordering(agent, agent_client):
    for name in ("b", "c", "a"):
        CustomerFactory(assigned_agent=agent, name=name)
    assert _names(agent_client.get(URL)) == ["a", "b", "c"]
    assert _names(agent_client.get(URL, {"ordering": "-name"})) == ["c", "b", "a"]
    assert _names(agent_client.get(URL, {"ordering": "-created_at"})) == ["a", "c", "b"]


@pytest.mark.parametrize("client_fixture", ["agent_client", "supervisor_client", "staff_client"])
def test_list_runs_a_constant_number_of_queries(request, client_fixture, agent, django_assert_max_num_queries,
                                                django_assert_num_queries):  # fmt: skip
    client = request.getfixturevalue(client_fixture)
    CustomerFactory.create_batch(3, assigned_agent=agent)
    with django_assert_max_num_queries(10) as small:
        assert client.get(URL).status_code == 200
    CustomerFactory.create_batch(60, assigned_agent=agent)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(URL, {"search": "Customer", "ordering": "-created_at"})
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("client_fixture", ["agent_client", "staff_client"])
def test_list_rows_equal_the_detail_serializer_output(request, client_fixture, agent):
    # The list renders from .values() for speed; it must say exactly what the detail says.
    client = request.getfixturevalue(client_fixture)
    CustomerFactory(
        assigned_agent=agent, phone="+86 10 1234", address="Line 1\nLine 2", tax_id="T1"
    )
    CustomerFactory(assigned_agent=agent, id_number="", email="")
    CustomerFactory(assigned_agent=None, kind="company")  # only staff see it: no agent, null name
    for row in client.get(URL).json()["results"]:
        assert row == client.get(f"{URL}{row['id']}/").json()


def test_every_filter_parameter_is_known_to_the_backend_shortcut():
    # The backend skips the filter form when no filter parameter is present; a filter added to
    # CustomerFilter but not to FILTER_PARAMS would be silently ignored.
    from customers.filters import FILTER_PARAMS, CustomerFilter

    form_fields = set(CustomerFilter().form.fields)
    expanded = set()
    for name, field in CustomerFilter().form.fields.items():
        widget = field.widget
        suffixes = getattr(widget, "suffixes", None)
        expanded |= {f"{name}_{suffix}" for suffix in suffixes} if suffixes else {name}
    assert form_fields | expanded <= FILTER_PARAMS


def test_permission_granted_directly_to_a_user_unmasks_ids(agent, agent_client):
    from django.contrib.auth.models import Permission

    customer = CustomerFactory(assigned_agent=agent, id_number="110105194912310021")
    agent.user_permissions.add(Permission.objects.get(codename="view_sensitive"))
    assert agent_client.get(URL).json()["results"][0]["id_number"] == "110105194912310021"
    assert agent_client.get(f"{URL}{customer.pk}/").json()["id_number"] == "110105194912310021"
