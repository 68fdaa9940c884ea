from django.core.management.base import BaseCommand, CommandError

from exemptions.models import Authority


class Command(BaseCommand):
    help = "Print an authority's workflow as a Mermaid state diagram, drawn from its declaration."

    def add_arguments(self, parser):
        parser.add_argument("authority", help="Authority code, e.g. UN1718, OFAC, BIS")

    def handle(self, *args, authority, **options):
        found = Authority.objects.filter(code__iexact=authority).first()
        if found is None:
            codes = ", ".join(Authority.objects.values_list("code", flat=True))
            raise CommandError(f"No authority '{authority}'. Known: {codes}.")
        self.stdout.write(found.procedure.mermaid(), ending="")
