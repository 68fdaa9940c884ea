import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst

from . import engine, services
from .models import (
    ApiToken,
    Application,
    AuditCheckpoint,
    Authority,
    Document,
    Event,
    Filing,
    FilingView,
    Holiday,
    HolidayCalendar,
    Item,
    Membership,
    Message,
    Organization,
    OutgoingEmail,
    Party,
    Profile,
    RequiredAuthority,
    SanctionsListEntry,
    SanctionsListVersion,
    ScreeningHit,
    ScreeningRun,
    ThreadReadMark,
)
from .templatetags.dates import local_date


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "contact_email"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "contact_email"]
    inlines = [MembershipInline]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "workflow_key",
        "holiday_calendar",
        "time_zone",
        "review_sla_working_days",
        "publishes_register",
    ]
    list_filter = ["workflow_key", "publishes_register"]
    search_fields = ["code", "name", "jurisdiction"]
    inlines = [MembershipInline]


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1
    fields = ["date", "name", "source"]


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(admin.ModelAdmin):
    """Staff keep each year's holidays here (UN-HQ: from the Secretariat's circular); deadlines computed from
    then on count them, in every process within a minute."""

    list_display = ["code", "name", "base", "years_with_holidays", "used_by"]
    search_fields = ["code", "name"]
    inlines = [HolidayInline]

    @admin.display(description="Years with holidays entered")
    def years_with_holidays(self, calendar):
        return ", ".join(str(year) for year in calendar.years) or "none"

    @admin.display(description="Authorities")
    def used_by(self, calendar):
        return ", ".join(calendar.authorities_using(calendar.code))

    def get_deleted_objects(self, objs, request):
        """A calendar an authority counts on stays: without it, that authority's deadlines could not be computed."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_use = [f"{code}, whose deadlines count on {c.code}" for c in objs for code in c.authorities_using(c.code)]
        return deleted, counts, perms_needed, [*protected, *in_use]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "calendar", "source"]
    list_filter = ["calendar"]
    search_fields = ["name", "source"]
    date_hierarchy = "date"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organization", "authority"]
    list_filter = ["role", "authority", "organization"]
    search_fields = ["user__username", "user__email", "organization__name", "authority__code"]
    autocomplete_fields = ["user"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone", "wants_event_emails", "wants_digest"]
    list_filter = ["wants_event_emails", "wants_digest"]
    search_fields = ["user__username", "user__email"]


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0


class RequiredAuthorityInline(admin.TabularInline):
    """Read only: required_set.py keeps these rows and the required authorities in step."""

    model = RequiredAuthority
    extra, can_delete = 0, False
    fields = readonly_fields = ["authority", "source", "route", "reason", "dropped_at", "dropped_by", "drop_reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RequiredAuthority)
class RequiredAuthorityAdmin(admin.ModelAdmin):
    list_display = ["application", "authority", "source", "route", "dropped_at"]
    list_filter = ["source", "authority"]
    search_fields = ["application__reference"]
    readonly_fields = ["application", *RequiredAuthorityInline.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "organization", "ship_from_on", "ship_until_on", "created_at"]
    list_filter = ["organization", "required_authorities"]
    search_fields = ["reference", "title", "organization__name"]
    readonly_fields = ["reference", "created_by", "updated_by", "created_at", "updated_at"]
    filter_horizontal = ["required_authorities"]
    inlines = [ItemInline, PartyInline, RequiredAuthorityInline]
    date_hierarchy = "created_at"


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["description", "hs_code", "quantity", "unit", "category", "application"]
    list_filter = ["category", "currency"]
    search_fields = ["description", "hs_code", "application__reference"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "country", "application"]
    list_filter = ["role", "country"]
    search_fields = ["name", "application__reference"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "size", "application", "filing", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "sha256", "application__reference", "filing__reference"]
    readonly_fields = ["sha256", "size", "uploaded_by", "uploaded_at", "content_type"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Operators see every API token and may revoke (delete) one; only its owner can make one and see it."""

    list_display = ["name", "user", "token_key", "created", "expiry", "last_used_at"]
    search_fields = ["name", "token_key", "user__username"]
    list_select_related = ["user"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("exemptions.delete_apitoken")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["filing", "sequence", "action", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["action", "to_status", "filing__authority"]
    search_fields = ["filing__reference", "actor_label", "note"]
    date_hierarchy = "created_at"


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "created_at", "events", "total_events", "last_event_id", "key_id"]


@admin.register(FilingView)
class FilingViewAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "filing", "user", "channel"]
    list_filter = ["channel", "filing__authority"]
    search_fields = ["filing__reference", "user__username"]
    list_select_related = ["filing", "user"]
    date_hierarchy = "viewed_at"


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["filing", "kind", "side", "author", "created_at", "notified_at"]
    list_filter = ["kind", "side"]
    search_fields = ["filing__reference", "body"]


@admin.register(ThreadReadMark)
class ThreadReadMarkAdmin(ReadOnlyAdmin):
    list_display = ["read_at", "filing", "user"]
    search_fields = ["filing__reference", "user__username"]
    list_select_related = ["filing", "user"]


class DeliveryFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("in_doubt", "In doubt"), ("sending", "Being sent"), ("failed", "Failed, to be retried")]

    def queryset(self, request, queryset):
        now = timezone.now()
        started = queryset.filter(sent_at=None, send_started_at__isnull=False)
        if self.value() == "in_doubt":
            return started.exclude(next_attempt_at__gt=now)
        if self.value() == "sending":
            return started.filter(next_attempt_at__gt=now)
        if self.value() == "failed":
            return queryset.filter(sent_at=None, send_started_at=None, next_attempt_at__isnull=False).exclude(error="")
        return queryset


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["family", "about", "filing", "recipient", "due_at", "claimed_at", "delivery", "attempts", "error"]
    list_filter = [DeliveryFilter, "family", "deadline_kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["filing__reference", "authority__code", "recipient__username", "recipient__email", "error"]
    readonly_fields = [
        "family", "filing", "deadline_kind", "offset", "event", "message", "screening_hit", "authority", "due_at",
        "recipient", "claimed_at", "sent_at", "attempts", "attempts_in_doubt", "send_started_at", "next_attempt_at",
        "error",
    ]  # fmt: skip
    list_select_related = ["filing", "event", "authority", "recipient"]
    actions = ["retry_now"]

    @admin.action(description="Retry the selected unsent emails with the next sweep", permissions=["change"])
    def retry_now(self, request, queryset):
        # An operator's fresh start after fixing the mail server; sent emails are never touched. Django offers
        # the action only to holders of the change permission; the check here also covers a forged POST.
        if not self.has_change_permission(request):
            raise PermissionDenied
        now = timezone.now()
        unsent = queryset.filter(sent_at=None)
        # A row a sender holds right now is refused: retrying it would send it a second time. One in doubt
        # (its sender died) is retried, keeping send_started_at, so the retry counts it in doubt.
        being_sent = unsent.filter(send_started_at__isnull=False, next_attempt_at__gt=now)
        refused = being_sent.count()
        count = unsent.exclude(pk__in=being_sent.values("pk")).update(attempts=0, next_attempt_at=now, error="")
        messages.success(request, f"{count} email(s) will be retried by the next sweep.")
        if refused:
            messages.warning(request, f"{refused} email(s) not retried: being sent right now.")

    @admin.display(description="About")
    def about(self, email):
        return email.about

    @admin.display(description="Delivery")
    def delivery(self, email):
        state = email.delivery_state()
        doubt = (
            f" (in doubt {email.attempts_in_doubt}×: the recipient may have it twice)"
            if email.attempts_in_doubt
            else ""
        )
        if state == "sent":
            return f"sent {email.sent_at:%Y-%m-%d %H:%M}{doubt}"
        if state == "sending":
            return f"being sent since {email.send_started_at:%Y-%m-%d %H:%M:%S}"
        if state == "in doubt":
            return (
                f"in doubt since {email.send_started_at:%Y-%m-%d %H:%M}: the sender died while handing it over; "
                "resent under the same Message-ID by the next sweep"
            )
        if state in ("failed", "queued"):
            tried = f"failed {email.attempts}×, " if email.attempts else ""
            return f"{tried}next try {email.next_attempt_at:%Y-%m-%d %H:%M}"
        if state == "dropped":
            return "dropped (case moved on)"
        return f"gave up after {email.attempts} attempts{doubt}"


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ["sequence", "action", "from_status", "to_status", "actor_label", "note", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OverrideForm(forms.Form):
    action = forms.ChoiceField()
    reason = forms.CharField(widget=forms.Textarea, help_text="Mandatory: recorded in the audit trail.")
    payload = forms.JSONField(
        required=False,
        initial=dict,
        help_text='Fields the action needs, e.g. {"valid_from_on": "2026-12-01", "valid_until_on": "2027-05-31"}.',
    )

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(t.name, f"{t.label} ({t.name})") for t in actions]


def in_readers_zone(name: str):
    """A datetime column of Filing as the admin shows it, but with a placeholder where the reader's zone cannot
    express the instant (a row forced to 9999-12-31 23:59:59 UTC): the operator must be able to open such a row
    to repair it, and Django's own display raises OverflowError on it."""

    @admin.display(description=capfirst(Filing._meta.get_field(name).verbose_name), ordering=name)
    def shown(filing):
        value = getattr(filing, name)
        return None if value is None else local_date(value, "DATETIME_FORMAT")

    shown.__name__ = name
    return shown


# What an operator may correct on a filing: how it was sent. Everything else belongs to the workflow (status,
# deadlines, assignment, decision, validity, the frozen dossier) or fixes which case it is (dossier, authority),
# and changes only through a transition: the override page below.
EDITABLE_FILING_FIELDS = ["legal_basis", "submission_channel", "channel_detail", "urgent", "urgent_reason"]


@admin.register(Filing)
class FilingAdmin(admin.ModelAdmin):
    list_display = ["reference", "application", "authority", "status", in_readers_zone("due_at"), "assigned_to"]
    list_filter = ["authority", "status"]
    search_fields = [
        "reference",
        "authority_reference",
        "case_number",
        "application__reference",
        "application__organization__name",
    ]
    list_select_related = ["application", "authority", "assigned_to"]
    readonly_fields = [
        in_readers_zone(f.name) if isinstance(f, models.DateTimeField) else f.name
        for f in Filing._meta.fields
        if f.name not in EDITABLE_FILING_FIELDS and not f.primary_key
    ]
    inlines = [EventInline]
    change_form_template = "admin/exemptions/filing/change_form.html"

    def has_add_permission(self, request):
        return False  # a filing starts from its dossier (services.create_filing), never from a blank form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        filing = self.get_object(request, object_id)
        if filing is not None:
            services.record_view(filing, request.user, FilingView.Channel.ADMIN)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/override/", self.admin_site.admin_view(self.override_view), name="exemptions_filing_override"
            ),
            *super().get_urls(),
        ]

    def override_view(self, request, pk):
        """A staff override is a real transition: same checks, same audit event, a reason is mandatory. It
        changes a filing, so it needs the change permission the filing's own form needs."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        filing = get_object_or_404(Filing.objects.with_related(), pk=pk)
        actions = engine.available_actions(filing, request.user)
        form = OverrideForm(request.POST or None, actions=actions)
        if request.method == "POST" and form.is_valid():
            payload = form.cleaned_data["payload"] or {}
            try:
                if not isinstance(payload, dict):
                    raise ValidationError("The payload must be a JSON object.")
                # Through services, as every face: filing the end-use report attaches the generated report.
                services.run_action(
                    filing, form.cleaned_data["action"], request.user, form.cleaned_data["reason"], **payload
                )
            except engine.WorkflowError as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(
                    None,
                    "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                    if hasattr(exc, "error_dict")
                    else " ".join(exc.messages),
                )
            else:
                messages.success(request, f"{filing.reference}: {form.cleaned_data['action']} recorded.")
                return redirect(reverse("admin:exemptions_filing_change", args=[filing.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Override {filing.reference} ({filing.state.staff_label})",
            "filing": filing,
            "form": form,
            "opts": self.model._meta,
            "payload_help": json.dumps({t.name: [f.name for f in t.payload] for t in actions}, indent=1),
        }
        return TemplateResponse(request, "admin/exemptions/filing/override.html", context)


# --- sanctions lists: loaded by `manage.py load_sanctions_list`, read here --------------------


@admin.register(SanctionsListVersion)
class SanctionsListVersionAdmin(ReadOnlyAdmin):
    list_display = ["source", "published_on", "record_count", "changed_count", "loaded_at", "rescreened_at", "sha256"]
    list_filter = ["source"]
    date_hierarchy = "loaded_at"


@admin.register(SanctionsListEntry)
class SanctionsListEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "external_id", "reference", "version", "changed"]
    list_filter = ["version__source", "kind", "changed"]
    search_fields = ["name", "external_id", "reference"]
    list_select_related = ["version"]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ["application", "filing", "occasion", "created_at", "requested_by"]
    list_filter = ["occasion"]
    search_fields = ["application__reference", "filing__reference"]
    list_select_related = ["application", "filing", "requested_by"]


@admin.register(ScreeningHit)
class ScreeningHitAdmin(ReadOnlyAdmin):
    """Verdicts are given on the filing page (through the engine, into the audit trail), never edited here."""

    list_display = ["party_name", "matched_name", "rule", "score", "filing", "disposition", "disposed_by"]
    list_filter = ["disposition", "rule"]
    search_fields = ["party_name", "matched_name", "filing__reference"]
    list_select_related = ["filing", "disposed_by"]
