from django.core.management.base import BaseCommand

from incidents.retention import retention_run


class Command(BaseCommand):
    help = ("List the closed cases past their board's retention period, and the records of the other apps past it "
            "with them (public reports, sanctions, dossier documents, LVI reports; settings.MELDPUNT_RETENTION_PARTS) "
            "(a dry run, the default); with --apply, anonymise them and keep a tombstone.")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Anonymise instead of only listing.")

    def handle(self, *args, apply=False, **options):
        report = retention_run(apply=apply)
        verb = "Anonymised" if apply else "Would anonymise"
        for kind, boards in report.kinds.items():
            for board, references in boards.items():
                self.stdout.write(f"{board}: {len(references)} {kind}: {', '.join(references)}")
        self.stdout.write(f"{verb} {' and '.join(f'{report.count(kind)} {kind}' for kind in report.kinds)}.")
