"""Calibrated auto-approve: the confidence from which each field's extracted value goes
straight through, computed from what reviewers did.

A sample is one field of one approved invoice whose value the extractor read with a confidence:
right when the reviewer left it as it was, wrong when they corrected it (its first
InvoiceFieldChange carries the extractor's confidence in the old value). Confidences fall in
bins AUTO_APPROVE_BIN_WIDTH wide; the threshold is the lowest bin edge t such that at least
AUTO_APPROVE_MIN_SAMPLES samples read at ≥ t and at most the target share of them was wrong.
A field (or seller) with fewer samples keeps the global OCR_CONFIDENCE_THRESHOLD; one where no
edge meets the target is reviewed always. Computed for all sellers and per seller.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from invoices.calibration import seller_key
from invoices.fields import invoice_field_names
from invoices.models import FieldThreshold, Invoice, InvoiceFieldChange


@dataclass(frozen=True)
class Sample:
    field: str
    seller: str  # normalised (seller_key)
    confidence: float
    wrong: bool


@dataclass(frozen=True)
class Calibration:
    status: str
    threshold: float | None
    samples: int
    errors: int
    straight_through_rate: float
    measured_error_rate: float | None
    bins: list[dict]


def calibration_samples() -> list[Sample]:
    """Every approved invoice's fields as right/wrong at the extractor's confidence."""
    fields = set(invoice_field_names(editable=True))
    first_changes: dict[tuple[int, str], InvoiceFieldChange] = {}
    changes = InvoiceFieldChange.objects.filter(
        invoice__status=Invoice.Status.APPROVED, field__in=fields
    ).order_by("changed_at", "id")
    for change in changes.only("invoice_id", "field", "old_confidence"):
        first_changes.setdefault((change.invoice_id, change.field), change)
    samples = []
    approved = Invoice.objects.filter(status=Invoice.Status.APPROVED).only(
        "id", "seller", "field_confidence", "field_sources", *fields
    )
    for invoice in approved.iterator(chunk_size=500):
        seller = seller_key(invoice.seller)
        for name in fields:
            change = first_changes.get((invoice.pk, name))
            if change is not None:
                # Corrected: wrong, if the extractor had read the old value (not a person).
                if change.old_confidence is not None:
                    samples.append(Sample(name, seller, change.old_confidence, True))
                continue
            confidence = (invoice.field_confidence or {}).get(name)
            if confidence is not None and getattr(invoice, name) not in (None, "", []):
                samples.append(Sample(name, seller, float(confidence), False))
    return samples


def threshold_calibrate(
    samples: list[Sample],
    *,
    target_error_rate: float,
    min_samples: int,
    bin_width: float,
    default_threshold: float,
) -> Calibration:
    """The threshold for one field's samples, exactly as the module docstring says."""
    edges = math.floor(1 / bin_width + 1e-9) + 1
    counts, wrongs = [0] * edges, [0] * edges
    for sample in samples:
        index = min(max(math.floor(sample.confidence / bin_width + 1e-9), 0), edges - 1)
        counts[index] += 1
        wrongs[index] += sample.wrong
    bins = [
        {"from": round(i * bin_width, 4), "samples": counts[i], "errors": wrongs[i]}
        for i in range(edges)
        if counts[i]
    ]
    total, errors = len(samples), sum(wrongs)

    def at_or_above(edge: int) -> tuple[int, int]:
        return sum(counts[edge:]), sum(wrongs[edge:])

    def result(status: str, threshold: float | None, edge: int | None) -> Calibration:
        n, wrong = at_or_above(edge) if edge is not None else (0, 0)
        return Calibration(
            status=status,
            threshold=threshold,
            samples=total,
            errors=errors,
            straight_through_rate=round(n / total, 4) if total else 0.0,
            measured_error_rate=round(wrong / n, 4) if n else None,
            bins=bins,
        )

    if total < min_samples:
        default_edge = math.ceil(default_threshold / bin_width - 1e-9)
        return result(FieldThreshold.Status.TOO_FEW_SAMPLES, default_threshold, default_edge)
    for edge in range(edges):
        n, wrong = at_or_above(edge)
        if n < min_samples:
            break  # higher edges have fewer still
        if wrong <= target_error_rate * n:
            return result(FieldThreshold.Status.CALIBRATED, round(edge * bin_width, 4), edge)
    return result(FieldThreshold.Status.UNREACHABLE, None, None)


def target_error_rates() -> dict[str, float]:
    """The target per field: AUTO_APPROVE_TARGET_ERROR_RATE unless AUTO_APPROVE_FIELD_TARGETS
    names the field. A rate outside [0, 1] or an unknown field is a configuration error."""
    fields = invoice_field_names(editable=True)
    overrides = dict(settings.AUTO_APPROVE_FIELD_TARGETS)
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ImproperlyConfigured(f"AUTO_APPROVE_FIELD_TARGETS names unknown fields: {unknown}")
    targets = {
        name: overrides.get(name, settings.AUTO_APPROVE_TARGET_ERROR_RATE) for name in fields
    }
    for name, rate in targets.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ImproperlyConfigured(f"The target error rate of {name} must be in [0, 1].")
    return {name: float(rate) for name, rate in targets.items()}


def field_thresholds_calibrate() -> list[FieldThreshold]:
    """Recompute every field's threshold, for all sellers and per seller, and replace the stored
    ones in one transaction (the pipeline reads either the old set or the new one)."""
    targets = target_error_rates()
    groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in calibration_samples():
        groups[(sample.field, "")].append(sample)
        if sample.seller:
            groups[(sample.field, sample.seller)].append(sample)
    now = timezone.now()
    rows = []
    for (name, seller), samples in sorted(groups.items()):
        calibration = threshold_calibrate(
            samples,
            target_error_rate=targets[name],
            min_samples=settings.AUTO_APPROVE_MIN_SAMPLES,
            bin_width=settings.AUTO_APPROVE_BIN_WIDTH,
            default_threshold=settings.OCR_CONFIDENCE_THRESHOLD,
        )
        rows.append(
            FieldThreshold(
                field=name,
                seller=seller,
                target_error_rate=targets[name],
                computed_at=now,
                **calibration.__dict__,
            )
        )
    with transaction.atomic():
        FieldThreshold.objects.all().delete()
        FieldThreshold.objects.bulk_create(rows)
    return rows
