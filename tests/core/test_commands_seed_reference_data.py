"""`manage.py seed_reference_data`: each app seeds its own reference data (REFERENCE_DATA_SEEDS),
in order, and a second run changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import Bank, BankTemplate
from ocrengine.models import DocumentType, PromptTemplate

pytestmark = pytest.mark.django_db


def _seed() -> list[str]:
    out = StringIO()
    call_command("seed_reference_data", stdout=out)
    return out.getvalue().splitlines()


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Bank, BankTemplate, DocumentType, PromptTemplate)
    )


def test_each_app_seeds_its_own_and_says_so():
    lines = _seed()

    assert [line.split(":", 1)[0] for line in lines] == ["billing", "ocrengine"]
    assert all(count > 0 for count in _counts())


def test_a_second_run_changes_nothing():
    _seed()
    before = _counts()

    _seed()

    assert _counts() == before
