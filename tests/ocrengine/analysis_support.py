"""Shared set-up for the document analysis API tests: seeded templates, sample texts, a
clean cache (the throttle and the result cache live there), and users with the sensitive
field permission."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.cache import cache

from ocrengine.extraction.prc_id import check_character
from ocrengine.services.reference_data import reference_data_seed

INVOICE_TEXT = """ACME Supplies GmbH
Hauptstrasse 1, 10115 Berlin
VAT ID: DE123456789

Invoice number: {number}
Invoice date: 2024-03-15
Due date: 2024-04-14

Net amount:   1000.00 EUR
VAT 19%:       190.00 EUR
Total:        1190.00 EUR"""


def invoice_text(number: str = "INV-2024-0042") -> str:
    return INVOICE_TEXT.format(number=number)


def prc_id(first17: str = "11010519491231002") -> str:
    return first17 + check_character(first17)


def id_card_text(
    number: str | None = None, *, sex: str = "女", born: str = "1949年12月31日"
) -> str:
    return (
        f"姓名 张三\n性别 {sex}  民族 汉\n出生 {born}\n"
        f"住址 北京市西城区复兴门外大街1号\n公民身份号码 {number or prc_id()}"
    )


def fresh_analysis_state() -> None:
    cache.clear()
    reference_data_seed()


def grant_sensitive(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_sensitive_fields"))
