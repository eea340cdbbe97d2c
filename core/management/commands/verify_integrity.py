"""`manage.py verify_integrity`: re-check every stored bill and every stored file.

Exit 0 when clean; exit 1 with one line per problem otherwise (cron and monitoring read the
exit status). Bills in review are counted, not listed: their reasons are already on them. Each
app checks its own data (INTEGRITY_CHECKS, INTEGRITY_KNOWN_ISSUES; core/integrity.py).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from core.integrity import integrity_problems, known_issues


class Command(BaseCommand):
    help = (
        "Check every billing rule over the whole database and the checksums of stored "
        "statement and invoice files. Exit 1 with the problems, 0 when clean."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        problems = integrity_problems()
        known = known_issues()
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not problems,
                        "problems": [p.as_dict() for p in problems],
                        **{issues.key: issues.count for issues in known},
                    },
                    indent=2,
                )
            )
        else:
            for problem in problems:
                self.stdout.write(f"[{problem.kind}] {problem.ref}: {problem.message}")
            counted = "".join(f"; {issues.count} {issues.description}" for issues in known)
            self.stdout.write(f"{len(problems)} problem(s){counted}.")
        if problems:
            raise CommandError(f"{len(problems)} integrity problem(s) found.", returncode=1)
