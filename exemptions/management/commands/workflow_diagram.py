from django.core.management.base import BaseCommand, CommandError

from exemptions import procedures
from exemptions.models import Authority


class Command(BaseCommand):
    help = "Print an authority's workflow as a Mermaid state diagram, drawn from its declaration."

    def add_arguments(self, parser):
        parser.add_argument("authority", help="Authority code, e.g. UN1718, OFAC, BIS")
        parser.add_argument(
            "--route",
            default="",
            help="One of the authority's procedures (OFAC: ofac, ofac_gl), or 'all' for each in turn; default its own",
        )

    def handle(self, *args, authority, route, **options):
        found = Authority.objects.filter(code__iexact=authority).first()
        if found is None:
            codes = ", ".join(Authority.objects.values_list("code", flat=True))
            raise CommandError(f"No authority '{authority}'. Known: {codes}.")
        if route == "all":
            for key in found.routes:
                self.stdout.write(f"%% {found.code}: {procedures.procedure_for(key).name}")
                self.stdout.write(procedures.procedure_for(key).mermaid())
            return
        if route and route not in found.routes:
            raise CommandError(f"{found.code} has no procedure '{route}'. Its procedures: {', '.join(found.routes)}.")
        self.stdout.write(procedures.procedure_for(route or found.workflow_key).mermaid(), ending="")
