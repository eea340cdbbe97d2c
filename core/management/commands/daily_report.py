"""`manage.py daily_report [--date D] [--format markdown|json]`: one day of operations.

Scheduled daily by a django-q2 Schedule (billing migration 0003), which runs it through
`call_command`; the report goes to stdout and, as one JSON line, to the logs. Each app counts
its own part (DAILY_REPORT_PARTS; core/daily_report.py puts them together).
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.daily_report import as_markdown, daily_report

logger = logging.getLogger("ledgerlens.daily_report")


class Command(BaseCommand):
    help = "Report one day (default: yesterday) of imports, reviews, totals, OCR and failed jobs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: yesterday, local time).")
        parser.add_argument("--format", choices=["markdown", "json"], default="markdown")

    def handle(self, *args, **options) -> None:
        day = _day(options["date"])
        report = daily_report(day)
        logger.info("daily report", extra={"report": json.loads(json.dumps(report, default=str))})
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, indent=2, default=str))
        else:
            self.stdout.write(as_markdown(report))


def _day(value: str | None) -> date:
    if not value:
        return timezone.localdate() - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}.") from None
