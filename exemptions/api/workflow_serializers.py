"""Shapes of the API's JSON for authorities and their procedures, as declared (procedures.Procedure.describe)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exemptions import procedures
from exemptions.models import Authority

from .fields import ModelSerializer

# --- authorities and their workflows -----------------------------------------------------------


NOTE_AUDIENCE_HELP = "`internal`: the note is the authority's alone, never shown to the applicant"


class WorkflowStateSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    applicant_label = serializers.CharField()
    terminal = serializers.BooleanField()
    waits_on = serializers.CharField(allow_null=True)
    counts_against_sla = serializers.BooleanField()
    stops_clock = serializers.BooleanField()
    grants_validity = serializers.BooleanField()
    deadline = serializers.CharField(allow_null=True, help_text="The clock this state runs against")


class PayloadFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[
            procedures.TEXT,
            procedures.DATE,
            procedures.REVIEWER_CHOICE,
            procedures.DOCUMENT,
            procedures.MONTHS,
            procedures.SCREENING_HIT,
        ],
        help_text="`document`: a file attached with the action in the web form; `months`: a whole number of months; "
        "`screening_hit`: the id of one of the filing's screening hits",
    )
    required = serializers.BooleanField()
    audience = serializers.ChoiceField(
        choices=procedures.AUDIENCES, help_text="`internal`: never shown to the applicant"
    )


class WorkflowTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    # `from` is a Python keyword, so it is declared through the class namespace.
    locals()["from"] = serializers.ListField(child=serializers.CharField(), help_text="States it starts from")
    to = serializers.CharField(allow_null=True, help_text="Target state; null when the state does not change")
    roles = serializers.ListField(child=serializers.CharField())
    note_required = serializers.BooleanField()
    note_audience = serializers.ChoiceField(choices=procedures.AUDIENCES, help_text=NOTE_AUDIENCE_HELP)
    payload = PayloadFieldSerializer(many=True)
    effects = serializers.ListField(child=serializers.CharField(), help_text="What it records besides the state")
    trigger = serializers.CharField(allow_null=True, help_text="What sets off a system transition: the clock's event")
    notice = serializers.CharField(allow_null=True, help_text="Who is emailed when it happens")
    guard = serializers.CharField(
        allow_null=True, help_text="A condition on the filing, e.g. `filed_through_forwarder` (its channel)"
    )


class ExpeditedDeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    working_days_setting = serializers.CharField(allow_null=True, help_text="The authority setting it runs on")


class WorkflowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    states = WorkflowStateSerializer(many=True)
    transitions = WorkflowTransitionSerializer(many=True)
    expedited_deadlines = ExpeditedDeadlineSerializer(
        many=True, help_text="Deadlines urgent requests, extensions and amendments run on instead"
    )
    requires_approval_from = serializers.ListField(
        child=serializers.CharField(),
        help_text="Procedures (keys) under which the same dossier must be approved before a filing of this one is "
        "filed, e.g. EU: un1718 (Council Regulation (EU) 2017/1509)",
    )


class AuthoritySerializer(ModelSerializer):
    workflow = serializers.SerializerMethodField()

    class Meta:
        model = Authority
        fields = [
            "code",
            "name",
            "jurisdiction",
            "time_zone",
            "review_sla_working_days",
            "applicant_reply_working_days",
            "no_objection_working_days",
            "expedited_no_objection_working_days",
            "hold_reminder_working_days",
            "default_validity_months",
            "max_validity_months",
            "workflow",
        ]

    @extend_schema_field(WorkflowSerializer)
    def get_workflow(self, authority) -> dict:
        return authority.procedure.describe()


def allowed_action(t: procedures.Transition) -> dict:
    """An action the caller may run, as `allowed_actions` lists it (here and in the list's fast path)."""
    return {
        "name": t.name,
        "label": t.label,
        "note_required": t.note_required,
        "note_audience": t.note_audience,
        "payload": [
            {"name": f.name, "kind": f.kind, "required": f.required, "audience": f.audience} for f in t.payload
        ],
    }
