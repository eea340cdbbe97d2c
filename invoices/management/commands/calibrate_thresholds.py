"""manage.py calibrate_thresholds: recompute the auto-approve thresholds from reviewer outcomes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from invoices.models import FieldThreshold
from invoices.services.calibration import field_thresholds_calibrate


class Command(BaseCommand):
    help = (
        "Recompute each field's auto-approve confidence threshold (all sellers and per seller) "
        "from approved invoices and their corrections, for AUTO_APPROVE_TARGET_ERROR_RATE."
    )

    def handle(self, *args, **options) -> None:
        rows = field_thresholds_calibrate()
        for row in rows:
            if row.seller:
                continue
            measured = "-" if row.measured_error_rate is None else f"{row.measured_error_rate:.4f}"
            threshold = "never" if row.threshold is None else f"{row.threshold:.2f}"
            self.stdout.write(
                f"{row.field}: {row.status}, threshold {threshold}, {row.samples} samples, "
                f"straight through {row.straight_through_rate:.4f}, error {measured}"
            )
        calibrated = sum(row.status == FieldThreshold.Status.CALIBRATED for row in rows)
        sellers = len({row.seller for row in rows if row.seller})
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(rows)} thresholds ({calibrated} calibrated, {sellers} sellers)"
            )
        )
