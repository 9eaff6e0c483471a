"""Import pupils, parents and classes from a pupil-administration CSV export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School, User
from students import imports


class Command(BaseCommand):
    help = (
        "Import pupils from a CSV export (UTF-8 or Windows-1252, ';' or ','). Without --apply "
        "it is a dry run. With errors nothing is imported unless --valid-rows-only is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("brin", help="BRIN of the school the pupils belong to")
        parser.add_argument("path", help="the CSV file")
        parser.add_argument("--apply", action="store_true", help="really import (default: dry run)")
        parser.add_argument(
            "--valid-rows-only", action="store_true", help="import the good rows, skip the bad ones"
        )
        parser.add_argument("--create-classes", action="store_true", help="create unknown classes")
        parser.add_argument("--actor", help="e-mail address of the person responsible")

    def handle(self, *args, **options):
        try:
            school = School.objects.get(brin=options["brin"].upper())
        except School.DoesNotExist as exc:
            raise CommandError(f"No school with BRIN {options['brin']}") from exc
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']}")
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        if options["valid_rows_only"]:
            mode = imports.Mode.VALID_ROWS
        elif options["apply"]:
            mode = imports.Mode.ALL_OR_NOTHING
        else:
            mode = imports.Mode.DRY_RUN

        def progress(done, total):
            self.stdout.write(f"  {done}/{total} rows applied")

        try:
            report = imports.pupil_import(
                actor=actor,
                school=school,
                raw=path.read_bytes(),
                mode=mode,
                create_classes=options["create_classes"],
                progress=progress,
            )
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for row in report.errors:
            self.stdout.write(f"row {row.number}: {'; '.join(row.errors)}")
        for row in report.warnings:
            self.stdout.write(f"row {row.number} (warning): {'; '.join(row.warnings)}")
        if report.applied:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported: {report.created} new, {report.updated} updated, "
                    f"{len(report.errors)} rows skipped."
                )
            )
        else:
            self.stdout.write(
                f"Nothing changed ({'dry run' if mode == imports.Mode.DRY_RUN else 'file has errors'}): "
                f"{report.planned_new} new, {report.planned_updates} to update, "
                f"{len(report.errors)} rows with errors."
            )
            if report.errors and mode != imports.Mode.DRY_RUN:
                raise CommandError("The file has errors; nothing was imported.")
