"""After a full restore from backup: read destruction-report CSVs made after the backup, so the
next purge removes the restored data again (docs/retention.md, "Na het terugzetten")."""

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from retention import services


class Command(BaseCommand):
    help = "Zet vernietigingsverklaringen terug uit CSV-exports (na een back-up-restore)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files=(), **options):
        total = 0
        for name in files:
            with open(name, newline="", encoding="utf-8") as handle:
                try:
                    total += services.destruction_records_import(
                        rows=csv.DictReader(handle, delimiter=";")
                    )
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{total} vernietigingsverklaringen teruggezet.")
