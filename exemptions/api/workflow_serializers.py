"""Shapes of the API's JSON for authorities and their procedures, as declared (procedures.Procedure.describe)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exemptions import procedures
from exemptions.models import NOTE_MAX_LENGTH, Authority

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
    choices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="When given: the values the field accepts"
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


class AuthoritySerializer(ModelSerializer):
    workflow = serializers.SerializerMethodField()
    routes = serializers.SerializerMethodField(
        help_text="Every procedure a filing with this authority may follow (`route` when creating one), `workflow` "
        "first: OFAC takes specific licence requests and general licence notifications"
    )

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
            "notification_lead_days",
            "objection_window_days",
            "workflow",
            "routes",
        ]

    @extend_schema_field(WorkflowSerializer)
    def get_workflow(self, authority) -> dict:
        return authority.procedure.describe()

    @extend_schema_field(WorkflowSerializer(many=True))
    def get_routes(self, authority) -> list[dict]:
        return [procedure.describe() for procedure in authority.route_procedures]


def allowed_action(t: procedures.Transition) -> dict:
    """An action the caller may run, as `allowed_actions` lists it (here and in the list's fast path)."""
    return {
        "name": t.name,
        "label": t.label,
        "note_required": t.note_required,
        "note_audience": t.note_audience,
        "payload": [
            {
                "name": f.name,
                "kind": f.kind,
                "required": f.required,
                "audience": f.audience,
                **({"choices": [value for value, _ in f.choices]} if f.choices else {}),
            }
            for f in t.payload
        ],
    }


# --- what actions take ------------------------------------------------------------------------


def _action_field(field: procedures.PayloadField, labels: list[str]) -> serializers.Field:
    # Only types and lengths here: the engine checks each field's bounds, whatever face the value came from.
    options = dict(required=False, help_text=" / ".join(labels))
    if field.kind == procedures.DATE:
        return serializers.DateField(allow_null=True, **options)
    if field.kind == procedures.REVIEWER_CHOICE:
        return serializers.CharField(allow_blank=True, max_length=150, **{**options, "help_text": "Username"})
    if field.kind == procedures.MONTHS:
        return serializers.IntegerField(allow_null=True, **options)
    if field.choices:
        return serializers.ChoiceField(choices=field.choices, allow_blank=True, **options)
    return serializers.CharField(allow_blank=True, max_length=field.max_length, **options)


def _declared_payload_fields() -> dict[str, tuple[procedures.PayloadField, list[str]]]:
    """Every payload field of every procedure by name, with the labels it goes by."""
    declared: dict[str, tuple[procedures.PayloadField, list[str]]] = {}
    for procedure in procedures.PROCEDURES.values():
        for transition in procedure.transitions:
            for field in transition.payload:
                if field.kind == procedures.DOCUMENT:
                    continue
                first, labels = declared.setdefault(field.name, (field, []))
                if field.label not in labels:
                    labels.append(field.label)
    return dict(sorted(declared.items()))


class ActionSerializer(serializers.Serializer):
    """Every field any transition takes, read from the procedures; which ones an action needs is in the filing's
    `allowed_actions`."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)
    expected_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="The filing's `version` as you read it: if it has changed since, nothing is done (409).",
    )

    def get_fields(self):
        fields = super().get_fields()
        for name, (field, labels) in _declared_payload_fields().items():
            fields[name] = _action_field(field, labels)
        return fields
