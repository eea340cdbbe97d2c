"""Writing customers: the business rules for assignment, duplicates and deletion.

Duplicates (same id_number, or same email ignoring case) are refused with a 409. It names the
existing customer only to a writer who may see that customer (supervisors, admins, the agent it
is assigned to); anyone else learns that the value is taken and nothing about whose it is. The
check here gives the friendly answer; the database's unique constraints settle races between two
requests, and their IntegrityError is turned into the same 409.

Updates lock the customer's row, apply the change to what is stored now (not to what the caller
read earlier) and save only the fields that change, so a concurrent reassignment survives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from accounts.roles import AGENT, ROLES, user_role
from core.errors import ConflictError, InvalidFieldsError, NotFoundError
from customers.masking import MASK_CHAR, mask_identifier
from customers.models import Customer
from customers.selectors import customers_visible_to

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "email",
        "phone",
        "id_number",
        "tax_id",
        "address",
        "assigned_agent",
        "is_active",
    }
)


def normalize_id_number(value: str) -> str:
    """Spaces and case are how people type ids, not part of them: `1101 0519 x` == `11010519X`."""
    return "".join(value.split()).upper()


def customer_prepare(
    *, actor: AbstractBaseUser, customer: Customer | None, fields: Mapping[str, Any]
) -> Customer:
    """Apply `fields` to `customer` (a new one when None) under every rule, without saving:
    raises the error the save would. Admin forms call it to show errors before saving."""
    values = _clean(fields, current=customer)
    is_agent = user_role(actor) == AGENT
    if customer is None:
        if is_agent:
            # An agent's new customer is theirs; naming someone else is refused, not ignored.
            _refuse_foreign_assignment(actor, values.get("assigned_agent", actor))
            values["assigned_agent"] = actor
        customer = Customer()
        current_assignee = None
    else:
        current_assignee = customer.assigned_agent
    assignee = values.get("assigned_agent", current_assignee)
    if "assigned_agent" in values and assignee != current_assignee:
        if is_agent:
            _refuse_foreign_assignment(actor, assignee)
        elif assignee is not None:
            _check_assignee(assignee)
    for name, value in values.items():
        setattr(customer, name, value)
    _refuse_duplicates(customer, actor)
    return customer


def customer_create(*, actor: AbstractBaseUser, fields: Mapping[str, Any]) -> Customer:
    """Create a customer. An agent's new customer is assigned to that agent."""
    customer = customer_prepare(actor=actor, customer=None, fields=fields)
    return _save(customer, actor=actor)


def customer_update(
    *, actor: AbstractBaseUser, customer: Customer, fields: Mapping[str, Any]
) -> Customer:
    """Change a customer. Agents cannot hand a customer to someone else; a masked id_number sent
    back unchanged (as a client that read the masked value would) keeps the stored one.

    `customer` names the row; the rules run on the row as stored now, locked until the change
    commits, and only the fields whose value changes are written: an update built from an
    earlier read cannot undo a reassignment made since. An agent whose customer was reassigned
    since they read it gets the 404 they would get reading it now."""
    with transaction.atomic():
        current = _locked_for(actor, customer.pk)
        before = {name: _stored_value(current, name) for name in EDITABLE_FIELDS}
        customer_prepare(actor=actor, customer=current, fields=fields)
        changed = [name for name in EDITABLE_FIELDS if _stored_value(current, name) != before[name]]
        if changed:
            _save(current, actor=actor, update_fields=[*changed, "updated_at"])
    return current


def customer_delete(*, actor: AbstractBaseUser, customer: Customer) -> None:
    """Delete a customer that owns nothing. Agents cannot delete; a customer with cards, bills
    or invoices is kept (deactivate it instead) so no financial record loses its owner."""
    if user_role(actor) == AGENT:
        raise PermissionDenied("Agents cannot delete customers; ask a supervisor.")
    try:
        with transaction.atomic():
            customer.delete()
    except ProtectedError as error:
        kinds = sorted({obj._meta.verbose_name_plural for obj in error.protected_objects})
        raise ConflictError(
            "This customer still owns records; deactivate it instead of deleting it.",
            code="customer_in_use",
            details={"owned": [str(kind) for kind in kinds]},
        ) from error


def _locked_for(actor: AbstractBaseUser, customer_id: int) -> Customer:
    # No select_related: FOR UPDATE cannot lock the nullable side of an outer join (PostgreSQL).
    current = (
        customers_visible_to(actor).select_related(None).select_for_update().filter(pk=customer_id)
    ).first()
    if current is None:
        raise NotFoundError("No such customer.", code="not_found")
    return current


def _stored_value(customer: Customer, name: str) -> Any:
    return getattr(customer, Customer._meta.get_field(name).attname)


def _clean(fields: Mapping[str, Any], current: Customer | None = None) -> dict[str, Any]:
    values = {name: value for name, value in fields.items() if name in EDITABLE_FIELDS}
    for name in ("name", "email", "phone", "tax_id", "address"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    if "id_number" in values:
        values["id_number"] = _clean_id_number(values["id_number"], current)
    return values


def _clean_id_number(value: str, current: Customer | None) -> str:
    value = normalize_id_number(value)
    if MASK_CHAR not in value:
        return value
    if current is not None and current.id_number and value == mask_identifier(current.id_number):
        return current.id_number
    raise InvalidFieldsError(
        {"id_number": ["Send the full id number; masked values are read-only."]}
    )


def _refuse_foreign_assignment(actor: AbstractBaseUser, assignee: AbstractBaseUser | None) -> None:
    if assignee != actor:
        raise PermissionDenied("Agents can only keep customers assigned to themselves.")


def _check_assignee(user: AbstractBaseUser) -> None:
    if not user.is_active or user_role(user) not in ROLES:
        raise InvalidFieldsError(
            {"assigned_agent": ["Assign customers to an active user with a role."]}
        )


def _refuse_duplicates(customer: Customer, actor: AbstractBaseUser) -> None:
    others = Customer.objects.exclude(pk=customer.pk) if customer.pk else Customer.objects.all()
    if customer.id_number:
        existing = others.filter(id_number=customer.id_number).first()
        if existing is not None:
            raise _duplicate("id_number", existing, actor)
    if customer.email:
        existing = others.filter(email__iexact=customer.email).first()
        if existing is not None:
            raise _duplicate("email", existing, actor)


def _duplicate(field: str, existing: Customer, actor: AbstractBaseUser) -> ConflictError:
    label = field.replace("_", " ")
    if not customers_visible_to(actor).filter(pk=existing.pk).exists():
        # The unique constraint makes "taken" unavoidable; whose it is stays hidden, exactly
        # as GET /customers/{id}/ hides it, so the answer cannot tell clients apart.
        return ConflictError(
            f"A customer with this {label} already exists; ask a supervisor.",
            code="duplicate_customer",
            details={"field": field},
        )
    return ConflictError(
        f"A customer with this {label} already exists: {existing.name} (#{existing.pk}).",
        code="duplicate_customer",
        details={"field": field, "existing_customer": {"id": existing.pk, "name": existing.name}},
    )


def _save(
    customer: Customer, *, actor: AbstractBaseUser, update_fields: list[str] | None = None
) -> Customer:
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError:
        # Another request stored the same id_number or email between our check and our write.
        _refuse_duplicates(customer, actor)
        raise
    return customer
