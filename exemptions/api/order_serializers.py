"""The order of a dossier's filings in the API (prerequisites.py): what a filing is filed after, and what waits on
its approval."""

from rest_framework import serializers

from exemptions import prerequisites
from exemptions.models import Filing


class FilesAfterSerializer(serializers.Serializer):
    procedure = serializers.CharField(help_text="The procedure whose approval is needed first, e.g. un1718")
    procedure_name = serializers.CharField()
    authority = serializers.CharField(allow_null=True, help_text="Its authority, once the dossier has such a filing")
    reference = serializers.CharField(allow_null=True, help_text="That filing, if you may open it")
    in_force = serializers.BooleanField(help_text="Approved and still valid")


class NeededBySerializer(serializers.Serializer):
    authority = serializers.CharField()
    reference = serializers.CharField()
    waiting = serializers.BooleanField(help_text="A draft that cannot be filed before this filing is approved")


class FilingOrderSerializer(serializers.Serializer):
    files_after = FilesAfterSerializer(many=True, help_text="Approvals this filing may be filed only after")
    basis = serializers.CharField(help_text="The rule that orders them, e.g. Council Regulation (EU) 2017/1509")
    needed_by = NeededBySerializer(many=True, help_text="Filings of the dossier that wait on this one's approval")
    waiting_on = serializers.ListField(
        child=serializers.CharField(), help_text="Why this draft cannot be filed yet; empty when nothing stops it"
    )


def filing_order(filing: Filing, user) -> dict:
    siblings = prerequisites.siblings_of(filing)
    visible = set(
        Filing.objects.visible_to(user).filter(application_id=filing.application_id).values_list("pk", flat=True)
    )
    return prerequisites.filing_order(filing, siblings, visible)
