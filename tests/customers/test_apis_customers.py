"""Customers through the HTTP API: per-agent isolation, CRUD, masking, duplicates, deletion."""

import pytest
from django.contrib.auth.models import Group

from customers.models import Customer
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_agent_lists_only_their_own_customers(agent, other_agent, agent_client):
    mine = CustomerFactory.create_batch(3, assigned_agent=agent)
    CustomerFactory.create_batch(2, assigned_agent=other_agent)
    CustomerFactory(assigned_agent=None)
    response = agent_client.get(URL)
    assert _ids(response) == {customer.pk for customer in mine}
    assert response.json()["count"] == 3


def test_agent_gets_404_for_another_agents_customer_on_every_method(other_agent, agent_client):
    theirs = CustomerFactory(assigned_agent=other_agent, name="Theirs")
    detail = f"{URL}{theirs.pk}/"
    assert_error_shape(agent_client.get(detail), 404, "not_found")
    assert_error_shape(agent_client.patch(detail, {"name": "Mine now"}), 404, "not_found")
    assert_error_shape(agent_client.put(detail, {"name": "Mine now"}), 404, "not_found")
    assert_error_shape(agent_client.delete(detail), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_filtering_by_another_agent_never_leaks_their_customers(other_agent, agent_client):
    CustomerFactory(assigned_agent=other_agent)
    assert _ids(agent_client.get(URL, {"assigned_agent": other_agent.pk})) == set()
    # ... the same answer as for a user id that does not exist (no oracle for agents' ids).
    assert _ids(agent_client.get(URL, {"assigned_agent": 999_999})) == set()
    assert _ids(agent_client.get(URL, {"search": "Customer"})) == set()


def test_supervisor_and_staff_see_everyone(agent, other_agent, supervisor_client, staff_client):
    everyone = {CustomerFactory(assigned_agent=agent).pk, CustomerFactory(assigned_agent=other_agent).pk,
                CustomerFactory(assigned_agent=None).pk}  # fmt: skip
    assert _ids(supervisor_client.get(URL)) == everyone
    assert _ids(staff_client.get(URL)) == everyone


def test_agent_creates_a_customer_assigned_to_themself(agent, agent_client):
    response = agent_client.post(
        URL,
        {"name": "  Li Wei ", "kind": "person", "email": "li.wei@example.test", "phone": "+86 10 1234 5678",
         "id_number": "1101 0519 4912 3100 2x", "tax_id": "", "address": "Beijing"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assigned_agent"] == agent.pk
    assert body["assigned_agent_username"] == "agent_ann"
    assert body["name"] == "Li Wei"
    assert body["id_number"] == "110***********002X"  # normalised, then masked for the agent
    stored = Customer.objects.get(pk=body["id"])
    assert stored.id_number == "11010519491231002X"
    assert stored.assigned_agent == agent


def test_agent_cannot_create_for_or_hand_over_to_someone_else(agent, other_agent, agent_client):
    response = agent_client.post(URL, {"name": "X", "assigned_agent": other_agent.pk})
    assert_error_shape(response, 403, "permission_denied")
    assert not Customer.objects.exists()
    mine = CustomerFactory(assigned_agent=agent)
    assert_error_shape(
        agent_client.patch(f"{URL}{mine.pk}/", {"assigned_agent": other_agent.pk}),
        403,
        "permission_denied",
    )
    assert_error_shape(
        agent_client.patch(f"{URL}{mine.pk}/", {"assigned_agent": None}), 403, "permission_denied"
    )
    mine.refresh_from_db()
    assert mine.assigned_agent == agent
    # Re-sending their own assignment unchanged is fine.
    assert agent_client.patch(f"{URL}{mine.pk}/", {"assigned_agent": agent.pk}).status_code == 200


def test_supervisor_reassigns_only_to_active_users_with_a_role(
    agent, other_agent, supervisor_client
):
    customer = CustomerFactory(assigned_agent=agent)
    response = supervisor_client.patch(f"{URL}{customer.pk}/", {"assigned_agent": other_agent.pk})
    assert response.status_code == 200
    assert response.json()["assigned_agent"] == other_agent.pk
    nobody = UserFactory(username="no_role")
    error = assert_error_shape(
        supervisor_client.patch(f"{URL}{customer.pk}/", {"assigned_agent": nobody.pk}),
        400,
        "validation_error",
    )
    assert "assigned_agent" in error["details"]["fields"]
    error = assert_error_shape(
        supervisor_client.patch(f"{URL}{customer.pk}/", {"assigned_agent": 987654}),
        400,
        "validation_error",
    )
    assert "assigned_agent" in error["details"]["fields"]
    customer.refresh_from_db()
    assert customer.assigned_agent == other_agent


def test_id_number_is_masked_without_the_permission(
    agent, agent_client, supervisor_client, staff_client
):
    customer = CustomerFactory(assigned_agent=agent, id_number="110105194912310021")
    detail = f"{URL}{customer.pk}/"
    assert agent_client.get(detail).json()["id_number"] == "110***********0021"
    assert supervisor_client.get(URL).json()["results"][0]["id_number"] == "110***********0021"
    assert staff_client.get(detail).json()["id_number"] == "110105194912310021"


def test_admin_role_without_superuser_reads_full_ids(agent):
    admin_user = UserFactory(username="admin_ada")
    admin_user.groups.add(Group.objects.get(name="admin"))
    customer = CustomerFactory(assigned_agent=agent, id_number="G12345678")
    body = jwt_client(admin_user).get(f"{URL}{customer.pk}/").json()
    assert body["id_number"] == "G12345678"


def test_short_ids_are_masked_entirely(agent, agent_client):
    customer = CustomerFactory(assigned_agent=agent, id_number="A12345")
    assert agent_client.get(f"{URL}{customer.pk}/").json()["id_number"] == "******"


def test_masked_id_sent_back_unchanged_keeps_the_real_one(agent, agent_client):
    customer = CustomerFactory(assigned_agent=agent, id_number="110105194912310021")
    body = agent_client.get(f"{URL}{customer.pk}/").json()
    body["phone"] = "010 5555 0000"
    response = agent_client.put(f"{URL}{customer.pk}/", body)
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.id_number == "110105194912310021"
    assert customer.phone == "010 5555 0000"
    error = assert_error_shape(
        agent_client.patch(f"{URL}{customer.pk}/", {"id_number": "999***********0021"}),
        400,
        "validation_error",
    )
    assert "id_number" in error["details"]["fields"]
    customer.refresh_from_db()
    assert customer.id_number == "110105194912310021"


def test_invalid_fields_are_400_and_store_nothing(agent_client):
    response = agent_client.post(URL, {"name": " ", "kind": "robot", "email": "not-an-email",
                                       "id_number": "11<script>", "phone": "call me"})  # fmt: skip
    error = assert_error_shape(response, 400, "validation_error")
    assert set(error["details"]["fields"]) == {"name", "kind", "email", "id_number", "phone"}
    assert not Customer.objects.exists()


def test_malformed_json_is_400(agent_client):
    response = agent_client.generic("POST", URL, "{not json", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


def test_duplicate_id_number_is_409_naming_the_existing_customer_to_a_supervisor(
    other_agent, supervisor_client
):
    existing = CustomerFactory(
        assigned_agent=other_agent, name="Zhang San", id_number="110105194912310021"
    )
    response = supervisor_client.post(
        URL, {"name": "Zhang San again", "id_number": "110105 194912310021"}
    )
    error = assert_error_shape(response, 409, "duplicate_customer")
    assert error["details"] == {
        "field": "id_number",
        "existing_customer": {"id": existing.pk, "name": "Zhang San"},
    }
    assert Customer.objects.count() == 1


def _says_nothing_about(error: dict, existing: Customer) -> None:
    assert error["details"] == {"field": error["details"]["field"]}
    assert existing.name not in error["message"]
    assert str(existing.pk) not in error["message"]


def test_duplicate_of_a_customer_the_agent_cannot_see_names_nothing(
    agent, other_agent, agent_client
):
    # Security audit #13: the 409 was an oracle for "is this id number another agent's client".
    existing = CustomerFactory(
        assigned_agent=other_agent, name="Zhang San", id_number="110105194912310021",
        email="zhang.san@example.test",
    )  # fmt: skip
    unassigned = CustomerFactory(assigned_agent=None, name="Li Si", email="li.si@example.test")
    by_id = agent_client.post(URL, {"name": "X", "id_number": "110105 194912310021"})
    error = assert_error_shape(by_id, 409, "duplicate_customer")
    _says_nothing_about(error, existing)
    assert error["details"] == {"field": "id_number"}
    by_email = agent_client.post(URL, {"name": "X", "email": "LI.SI@example.test"})
    _says_nothing_about(assert_error_shape(by_email, 409, "duplicate_customer"), unassigned)
    mine = CustomerFactory(assigned_agent=agent)
    on_update = agent_client.patch(f"{URL}{mine.pk}/", {"email": "Zhang.San@example.test"})
    _says_nothing_about(assert_error_shape(on_update, 409, "duplicate_customer"), existing)
    assert Customer.objects.count() == 3


def test_duplicate_email_ignores_case_on_create_and_update(agent, agent_client):
    existing = CustomerFactory(assigned_agent=agent, email="Wang.Wu@Example.test", name="Wang Wu")
    error = assert_error_shape(
        agent_client.post(URL, {"name": "W", "email": "wang.wu@example.TEST"}), 409
    )
    assert error["details"]["existing_customer"] == {"id": existing.pk, "name": "Wang Wu"}
    other = CustomerFactory(assigned_agent=agent)
    assert_error_shape(agent_client.patch(f"{URL}{other.pk}/", {"email": "WANG.WU@example.test"}), 409,
                       "duplicate_customer")  # fmt: skip
    # A customer keeps its own email on update without colliding with itself.
    assert (
        agent_client.patch(f"{URL}{existing.pk}/", {"email": "wang.wu@example.test"}).status_code
        == 200
    )


def test_blank_email_and_id_number_are_not_duplicates(agent_client):
    for name in ("A", "B"):
        assert (
            agent_client.post(URL, {"name": name, "email": "", "id_number": ""}).status_code == 201
        )


def test_only_supervisors_delete_and_owned_records_are_kept(agent, agent_client, supervisor_client):
    customer = CustomerFactory(assigned_agent=agent)
    assert_error_shape(agent_client.delete(f"{URL}{customer.pk}/"), 403, "permission_denied")
    assert supervisor_client.delete(f"{URL}{customer.pk}/").status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_deleting_a_customer_who_owns_a_card_is_409(agent, supervisor_client):
    from billing.models import Bank, CreditCard

    customer = CustomerFactory(assigned_agent=agent)
    bank, _ = Bank.objects.get_or_create(
        code="ledgerlens-test-bank", defaults={"name": "Test Bank"}
    )
    CreditCard.objects.create(customer=customer, bank=bank, last4="4242")
    error = assert_error_shape(
        supervisor_client.delete(f"{URL}{customer.pk}/"), 409, "customer_in_use"
    )
    assert error["details"]["owned"]
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_user_without_a_role_is_403(db):
    client = jwt_client(UserFactory(username="roleless"))
    assert_error_shape(client.get(URL), 403, "permission_denied")


def test_anonymous_is_401(anon_client):
    assert_error_shape(anon_client.get(URL), 401, "not_authenticated")
