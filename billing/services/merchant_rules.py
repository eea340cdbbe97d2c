"""Merchant rules: categories and clean merchant names for transactions, as data.

A rule matches a row's description (a plain case-insensitive substring, or a bounded regex run
with the template-regex time limit, so a bad pattern fails one row, never the import), within an
optional amount range and for an optional customer. The first active rule by priority wins.
Rules are applied when a statement is stored (`merchant_rules_assign`, on unsaved rows), again
on demand (`merchant_rules_apply`: `manage.py apply_merchant_rules`, the admin action, the API),
and a rule can be made from one agent's recategorisation (`transaction_recategorise`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction as db_transaction
from django.db.models import Q, QuerySet

from billing.models import MerchantRule, Transaction
from core.errors import InvalidFieldsError
from ocrengine.extraction.patterns import (
    PatternTimeout,
    compile_template_pattern,
    template_pattern_problem,
)

logger = logging.getLogger(__name__)

# Card-statement noise around the merchant's name: processor prefixes ("SQ *", "PAYPAL *"),
# reference numbers, and the city / country the acquirer prints after it.
_PROCESSOR_PREFIX = re.compile(r"^(?:sq|sp|tst|paypal|pp|ppl|gpay|apl|amzn mktp)\s*\*\s*", re.I)
_REFERENCE = re.compile(r"[#*]\S*|\b[\w-]*\d[\w-]*\b")
_TRAILING_PLACE = re.compile(r"\s+(?:[A-Z]{2}|[A-Z]{3})$")


@dataclass(frozen=True)
class _Rule:
    id: int
    kind: str
    needle: str
    amount_min: Decimal | None
    amount_max: Decimal | None
    customer_id: int | None
    category: str
    merchant: str


def merchant_part(description: str) -> str:
    """The merchant's words of a statement description: 'GRAB* A-8X2 KUALA LUMPUR MY' ->
    'GRAB KUALA LUMPUR', 'SQ *BLUE BOTTLE 1234' -> 'BLUE BOTTLE'. Used as a new rule's pattern
    and, title-cased, as its merchant name."""
    text = " ".join(description.split())
    text = _PROCESSOR_PREFIX.sub("", text)
    text = _REFERENCE.sub(" ", text)
    text = " ".join(text.split())
    text = _TRAILING_PLACE.sub("", text)
    words = text.split()
    return " ".join(words[:3]).strip(" -.,/")


def _active_rules() -> list[_Rule]:
    return [
        _Rule(
            id=rule.pk,
            kind=rule.match_kind,
            needle=rule.pattern if rule.match_kind == "regex" else rule.pattern.casefold(),
            amount_min=rule.amount_min,
            amount_max=rule.amount_max,
            customer_id=rule.customer_id,
            category=rule.category,
            merchant=rule.merchant,
        )
        for rule in MerchantRule.objects.filter(is_active=True).order_by("priority", "id")
    ]


def _matches(rule: _Rule, description: str, amount: Decimal, customer_id: int | None) -> bool:
    if rule.customer_id is not None and rule.customer_id != customer_id:
        return False
    if rule.amount_min is not None and amount < rule.amount_min:
        return False
    if rule.amount_max is not None and amount > rule.amount_max:
        return False
    if rule.kind == MerchantRule.MatchKind.REGEX:
        try:
            return (
                compile_template_pattern(rule.needle, re.IGNORECASE).search(description) is not None
            )
        except PatternTimeout:
            logger.warning("merchant rule %s timed out on a description; skipped", rule.id)
            return False
    return rule.needle in description.casefold()


def _first_match(rules: list[_Rule], row: Transaction, customer_id: int | None) -> _Rule | None:
    for rule in rules:
        if _matches(rule, row.description, row.amount, customer_id):
            return rule
    return None


def merchant_rules_assign(*, rows: Iterable[Transaction], customer_id: int | None) -> int:
    """Set category and merchant on unsaved rows of one card (a statement being stored) from
    the active rules; rows no rule matches are left as they are. Returns how many matched."""
    rules = _active_rules()
    if not rules:
        return 0
    matched = 0
    for row in rows:
        rule = _first_match(rules, row, customer_id)
        if rule is not None:
            row.category, row.merchant = rule.category, rule.merchant or row.merchant
            matched += 1
    return matched


def merchant_rules_apply(
    *, queryset: QuerySet[Transaction] | None = None, overwrite: bool = False
) -> dict:
    """Re-run the active rules over stored rows (all by default). Without `overwrite` only
    rows without a category are touched, so an agent's own categorisation stands. Idempotent:
    a second run changes nothing. Returns {"checked": n, "updated": m}."""
    rules = _active_rules()
    rows = (queryset if queryset is not None else Transaction.objects.all()).select_related("card")
    if not overwrite:
        rows = rows.filter(category="")
    checked, changed = 0, []
    for row in rows.only(
        "pk", "description", "amount", "category", "merchant", "card__customer_id"
    ):
        checked += 1
        rule = _first_match(rules, row, row.card.customer_id)
        if rule is None:
            continue
        merchant = rule.merchant or row.merchant
        if (row.category, row.merchant) != (rule.category, merchant):
            row.category, row.merchant = rule.category, merchant
            changed.append(row)
    with db_transaction.atomic():
        Transaction.objects.bulk_update(changed, ["category", "merchant"], batch_size=500)
    return {"checked": checked, "updated": len(changed)}


def merchant_rule_create(
    *,
    pattern: str,
    category: str,
    match_kind: str = MerchantRule.MatchKind.CONTAINS,
    merchant: str = "",
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    customer=None,
    priority: int = 100,
    created_by=None,
) -> MerchantRule:
    """Create a rule after checking it: a non-blank pattern (a regex must compile and stay
    within the template-pattern limits), a category, an ordered amount range."""
    problems: dict[str, list[str]] = {}
    pattern = (pattern or "").strip()
    if not pattern:
        problems["pattern"] = ["This field may not be blank."]
    elif match_kind == MerchantRule.MatchKind.REGEX and (why := template_pattern_problem(pattern)):
        problems["pattern"] = [f"The pattern {why}."]
    if not (category or "").strip():
        problems["category"] = ["This field may not be blank."]
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        problems["amount_max"] = ["Must not be below amount_min."]
    if problems:
        raise InvalidFieldsError(problems)
    return MerchantRule.objects.create(
        pattern=pattern,
        match_kind=match_kind,
        category=category.strip(),
        merchant=(merchant or "").strip(),
        amount_min=amount_min,
        amount_max=amount_max,
        customer=customer,
        priority=priority,
        created_by=created_by if created_by and created_by.is_authenticated else None,
    )


def transaction_recategorise(
    *, transaction: Transaction, category: str, changed_by, make_rule: bool = False
) -> tuple[Transaction, MerchantRule | None]:
    """Set one row's category (an agent's correction). With `make_rule`, also create a rule
    from the description's merchant part for the row's customer, so the next statement's rows
    of that merchant get the category too, and apply it to that customer's uncategorised rows."""
    category = (category or "").strip()
    if len(category) > Transaction._meta.get_field("category").max_length:
        raise InvalidFieldsError(
            {"category": ["Ensure this field has no more than 60 characters."]}
        )
    rule = None
    with db_transaction.atomic():
        transaction.category = category
        fields = ["category"]
        if make_rule:
            needle = merchant_part(transaction.description)
            if not needle or not category:
                raise InvalidFieldsError(
                    {"make_rule": ["No merchant name could be read from this description."]}
                    if category
                    else {"category": ["A rule needs a category."]}
                )
            rule = merchant_rule_create(
                pattern=needle,
                category=category,
                merchant=needle.title(),
                customer=transaction.card.customer,
                priority=50,  # a person's rule outranks the shipped defaults
                created_by=changed_by,
            )
            transaction.merchant = rule.merchant
            fields.append("merchant")
        transaction.save(update_fields=fields)
        if rule is not None:
            scope = Q(card__customer=rule.customer) if rule.customer_id else Q()
            merchant_rules_apply(
                queryset=Transaction.objects.filter(scope).exclude(pk=transaction.pk)
            )
    return transaction, rule
