"""Reads for calibrated auto-approve: the thresholds the pipeline routes by, and what the API
and dashboard show (invoices/services/calibration.py computes them)."""

from __future__ import annotations

import math

from django.conf import settings

from invoices.models import FieldThreshold

SELLER_KEY_LENGTH = 255


def seller_key(seller: str | None) -> str:
    """A seller's name as calibration groups it: spaces collapsed, case folded."""
    return " ".join((seller or "").split()).casefold()[:SELLER_KEY_LENGTH]


def field_thresholds_for(seller: str) -> dict[str, float]:
    """Field → the threshold an invoice of `seller` is routed by: the seller's own where it is
    calibrated, else all sellers'; infinity where the target is unreachable (always reviewed).
    Fields with too few samples are left out (the global threshold applies); empty when no
    field is calibrated, and the pipeline then routes by overall confidence as before."""
    rows = FieldThreshold.objects.filter(
        seller__in={"", seller_key(seller)},
        status__in=[FieldThreshold.Status.CALIBRATED, FieldThreshold.Status.UNREACHABLE],
    ).order_by("-seller")  # all sellers' ("") last: a seller's own row wins
    thresholds: dict[str, float] = {}
    for row in rows:
        thresholds.setdefault(row.field, math.inf if row.threshold is None else row.threshold)
    return thresholds


def auto_approve_stats(*, field: str = "", seller: str = "") -> dict:
    """Per field (all sellers, or one seller): the threshold, the straight-through rate it gives
    and the error rate measured among those values, with the samples behind them."""
    rows = FieldThreshold.objects.filter(seller=seller_key(seller))
    if field:
        rows = rows.filter(field=field)
    fields = [
        {
            "field": row.field,
            "status": row.status,
            "threshold": row.threshold,
            "target_error_rate": row.target_error_rate,
            "samples": row.samples,
            "errors": row.errors,
            "error_rate": round(row.errors / row.samples, 4) if row.samples else None,
            "straight_through_rate": row.straight_through_rate,
            "measured_error_rate": row.measured_error_rate,
            "bins": row.bins,
        }
        for row in rows
    ]
    computed = max((row.computed_at for row in rows), default=None)
    return {
        "seller": seller_key(seller),
        "target_error_rate": settings.AUTO_APPROVE_TARGET_ERROR_RATE,
        "min_samples": settings.AUTO_APPROVE_MIN_SAMPLES,
        "bin_width": settings.AUTO_APPROVE_BIN_WIDTH,
        "default_threshold": settings.OCR_CONFIDENCE_THRESHOLD,
        "computed_at": computed.isoformat() if computed else None,
        "fields": fields,
    }


def auto_approve_stats_part() -> dict:
    """/api/v1/ocr/stats/'s auto-approve part (settings.OCR_STATS_PARTS): every field over all
    sellers, its straight-through rate next to the error rate measured at its threshold."""
    return {"auto_approve": auto_approve_stats()}
