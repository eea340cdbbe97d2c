import pytest
from django.test import override_settings

from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def _matching_settings():
    # The documented defaults, pinned here so the scores below do not move with .env; the
    # automatic runs after saves are tested on their own (test_jobs_matching.py).
    with override_settings(
        MATCH_FX_TOLERANCE=0.03,
        MATCH_DATE_WINDOW_DAYS=7,
        MATCH_AUTO_CONFIRM_SCORE=0.9,
        MATCH_ON_IMPORT=False,
    ):
        yield


@pytest.fixture
def customer(agent):
    return CustomerFactory(name="Ahmad Demo", assigned_agent=agent)


@pytest.fixture
def other_customer(other_agent):
    return CustomerFactory(name="Bea Other", assigned_agent=other_agent)
