"""Run the retention purge by hand: ``manage.py purge_expired [--dry-run] [--date YYYY-MM-DD]``.

The dry run prints what would go: counts and pseudonymous references, never names.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from retention import services


class Command(BaseCommand):
    help = "Verwijder leerlinggegevens waarvan de bewaartermijn is verstreken (R13)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Alleen tonen, niets wissen.")
        parser.add_argument("--date", help="Peildatum (JJJJ-MM-DD), standaard vandaag.")
        parser.add_argument("--batch-size", type=int, default=services.DEFAULT_BATCH_SIZE)

    def handle(self, *args, dry_run=False, date=None, batch_size=None, **options):
        day = None
        if date:
            try:
                day = _parse(date)
            except ValueError as exc:
                raise CommandError(f"Ongeldige datum: {date}") from exc
        if dry_run:
            plan = services.purge_plan(day=day)
            pupils = {item.reference for item in plan}
            self.stdout.write(
                f"Proefrun: {len(pupils)} leerlingen, {len(plan)} onderdelen zouden worden verwijderd."
            )
            for item in plan:
                counts = ", ".join(f"{k}={v}" for k, v in sorted(item.counts.items()))
                self.stdout.write(
                    f"{item.reference[:16]}  {item.part:<15} vervaldatum {item.due_on}  {counts}"
                )
            return
        try:
            run = services.purge_expired(day=day, batch_size=batch_size)
        except services.PurgeAlreadyRunning as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{k}={v}" for k, v in sorted(run.counts.items()))
        self.stdout.write(f"Ronde {run.pk}: {run.get_status_display()} ({counts})")


def _parse(value: str) -> date:
    return date.fromisoformat(value)
