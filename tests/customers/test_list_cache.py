"""The customers list's page cache: served again while nothing changes, never stale after a
write, never shared between readers who would see different rows."""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import override_settings

from customers.list_cache import current_version
from customers.models import Customer, CustomerListVersion
from tests.conftest import jwt_client
from tests.factories import CustomerFactory

URL = "/api/v1/customers/"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_a_repeated_page_is_served_without_building_it_again(
    agent, agent_client, django_assert_num_queries
):
    CustomerFactory.create_batch(3, assigned_agent=agent)
    first = agent_client.get(URL, {"ordering": "name", "page_size": 2})

    with django_assert_num_queries(2):  # the user with their role, and the list version
        again = agent_client.get(URL, {"page_size": 2, "ordering": "name"})  # same query, reordered
    assert again.json() == first.json()


@pytest.mark.django_db
def test_creating_changing_and_deleting_through_the_api_show_at_once(
    agent, agent_client, supervisor_client
):
    CustomerFactory(name="Alpha", assigned_agent=agent)
    assert _names(agent_client.get(URL)) == ["Alpha"]

    created = agent_client.post(URL, {"name": "Beta"}, format="json").json()
    assert _names(agent_client.get(URL)) == ["Alpha", "Beta"]
    agent_client.patch(f"{URL}{created['id']}/", {"name": "Gamma"}, format="json")
    assert _names(agent_client.get(URL)) == ["Alpha", "Gamma"]
    assert supervisor_client.delete(f"{URL}{created['id']}/").status_code == 204
    assert _names(agent_client.get(URL)) == ["Alpha"]


@pytest.mark.django_db
def test_renaming_the_agent_shows_in_the_rows(agent, agent_client):
    CustomerFactory(assigned_agent=agent)
    assert agent_client.get(URL).json()["results"][0]["assigned_agent_username"] == "agent_ann"

    agent.username = "agent_anne"
    agent.save()
    assert agent_client.get(URL).json()["results"][0]["assigned_agent_username"] == "agent_anne"


@pytest.mark.django_db
def test_a_login_does_not_throw_the_pages_away(agent, agent_client, anon_client):
    CustomerFactory(assigned_agent=agent)
    agent_client.get(URL)
    version = current_version()
    agent.set_password("a-new-pass-123")
    agent.save(update_fields=["password"])
    login = anon_client.post(
        "/api/v1/auth/login/", {"username": agent.username, "password": "a-new-pass-123"}
    )
    assert login.status_code == 200
    assert current_version() == version


@pytest.mark.django_db
def test_readers_with_other_rows_or_masking_never_share_a_page(agent, other_agent, supervisor):
    CustomerFactory(name="Ann's", assigned_agent=agent, id_number="110105194912310021")
    CustomerFactory(name="Bob's", assigned_agent=other_agent)
    assert _names(jwt_client(agent).get(URL)) == ["Ann's"]
    assert _names(jwt_client(other_agent).get(URL)) == ["Bob's"]
    assert _names(jwt_client(supervisor).get(URL)) == ["Ann's", "Bob's"]

    masked = jwt_client(supervisor).get(URL).json()["results"][0]["id_number"]
    sensitive = Permission.objects.get(codename="view_sensitive")
    supervisor.user_permissions.add(sensitive)
    unmasked = jwt_client(supervisor).get(URL).json()["results"][0]["id_number"]
    assert (masked, unmasked) == ("110***********0021", "110105194912310021")


@pytest.mark.django_db
def test_the_next_link_names_the_host_that_was_asked(agent, agent_client):
    CustomerFactory.create_batch(3, assigned_agent=agent)
    one = agent_client.get(URL, {"page_size": 1}, HTTP_HOST="localhost").json()["next"]
    two = agent_client.get(URL, {"page_size": 1}, HTTP_HOST="127.0.0.1").json()["next"]
    assert one.startswith("http://localhost/") and two.startswith("http://127.0.0.1/")


@pytest.mark.django_db
def test_a_write_another_process_made_shows_once_it_replaced_the_version(agent, agent_client):
    customer = CustomerFactory(name="Before", assigned_agent=agent)
    assert _names(agent_client.get(URL)) == ["Before"]
    # An update() sends no signal: this process keeps its page (bounded by the TTL) ...
    Customer.objects.filter(pk=customer.pk).update(name="After")
    assert _names(agent_client.get(URL)) == ["Before"]
    # ... until a write anywhere replaces the shared version, as another process's save does.
    CustomerListVersion.objects.update(token="written-by-another-process")
    assert _names(agent_client.get(URL)) == ["After"]


class _RolledBack(Exception):
    pass


@pytest.mark.django_db
def test_the_version_changes_with_the_write_and_not_when_it_rolls_back(agent):
    customer = CustomerFactory(assigned_agent=agent)
    before = current_version()
    with pytest.raises(_RolledBack), transaction.atomic():
        customer.name = "Renamed"
        customer.save()
        assert current_version() != before  # in the writer's own transaction
        raise _RolledBack
    assert current_version() == before

    customer.save()
    assert current_version() != before


@pytest.mark.django_db
def test_a_missing_version_row_is_made_again(agent, agent_client):
    CustomerFactory(name="Kept", assigned_agent=agent)
    CustomerListVersion.objects.all().delete()  # a flushed database
    assert _names(agent_client.get(URL)) == ["Kept"]
    assert CustomerListVersion.objects.count() == 1


@pytest.mark.django_db
@override_settings(CUSTOMER_LIST_CACHE_TTL_S=0)
def test_a_ttl_of_zero_turns_the_cache_off(agent, agent_client):
    customer = CustomerFactory(name="Before", assigned_agent=agent)
    agent_client.get(URL)
    Customer.objects.filter(pk=customer.pk).update(name="After")
    assert _names(agent_client.get(URL)) == ["After"]


@pytest.mark.django_db
def test_deleting_an_agent_unassigns_their_customers_in_the_list(agent, supervisor_client):
    CustomerFactory(name="Ann's", assigned_agent=agent)
    assert supervisor_client.get(URL).json()["results"][0]["assigned_agent"] == agent.pk
    agent.delete()
    row = supervisor_client.get(URL).json()["results"][0]
    assert (row["assigned_agent"], row["assigned_agent_username"]) == (None, None)


@pytest.mark.django_db
def test_a_kept_page_answers_every_format_alike(agent, agent_client):
    CustomerFactory.create_batch(2, assigned_agent=agent)
    plain = agent_client.get(URL)
    again = agent_client.get(URL)  # from the kept, pre-rendered JSON
    indented = agent_client.get(URL, HTTP_ACCEPT="application/json; indent=2")
    browsable = agent_client.get(URL, HTTP_ACCEPT="text/html")

    assert again["Content-Type"] == plain["Content-Type"] == "application/json"
    assert again.content == plain.content
    assert indented.content.startswith(b'{\n  "count": 2') and indented.json() == plain.json()
    assert browsable.status_code == 200 and browsable["Content-Type"].startswith("text/html")
