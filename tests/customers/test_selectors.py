"""Who may file work under which customer: one policy for invoices and statements."""

import pytest

from customers.selectors import customers_assignable_by
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_agents_assign_their_own_customers_supervisors_any(agent, other_agent, supervisor):
    mine = CustomerFactory(assigned_agent=agent)
    theirs = CustomerFactory(assigned_agent=other_agent)
    unassigned = CustomerFactory(assigned_agent=None)
    assert list(customers_assignable_by(agent)) == [mine]
    assert set(customers_assignable_by(supervisor)) == {mine, theirs, unassigned}
