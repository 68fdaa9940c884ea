"""A filing's page: status, deadline, timeline, thread, frozen dossier, and the actions the user may run.
The buttons come from engine.available_actions() and every action goes through engine.apply(); this
module only translates its errors (wrong role: 403, wrong state or a lost race: a message)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from exemptions import decisions, engine, prerequisites, procedures, required_set, services, shipping, visibility
from exemptions.models import (
    BENEFICIARY_CATEGORIES,
    Document,
    Filing,
    FilingView,
    Item,
    Message,
    Party,
    ThreadReadMark,
    filings_with_unread_messages,
    mark_thread_read,
)
from exemptions.templatetags.words import deadline_label, done_message, overdue_for, side_of

from . import screening
from .forms import ActionForm, DocumentForm, LinkedRequestForm, MessageForm, reviewers_of
from .shortcuts import own_applications, refileable, safe_next, visible_filing_or_404


def may_request_linked(filing, roles) -> bool:
    """The applicant may extend or amend an approval by a new, linked request where the procedure extends that way
    (it has no extension action on the approval itself)."""
    procedure = filing.procedure
    return bool(
        procedures.APPLICANT in roles
        and (filing.state.grants_validity or filing.state.lapsed)
        and procedure.extends_by_linked_request
        and not procedure.with_effect(procedures.CHECK_EXTENSION_REQUEST)
        and not services.has_pending_filing(filing.application, filing.authority)
    )


def filing_context(request, filing, bound_form=None, message_form=None, document_form=None, linked_form=None):
    user = request.user
    roles = engine.roles_for(user, filing)
    as_authority = bool(roles & procedures.AUTHORITY_ROLES)
    actions = engine.available_actions(filing, user)
    reviewers = None
    if any(f.kind == "reviewer" for t in actions for f in t.payload):
        reviewers = reviewers_of(filing.authority)
    action_forms = [
        bound_form
        if bound_form is not None and bound_form.transition.name == t.name
        else ActionForm(t, filing, reviewers=reviewers)
        for t in actions
        if not screening.is_disposition(t)  # given per hit, in the screening section
        and not prerequisites.check(filing, t)  # a draft waiting on another approval: the page says why instead
    ]
    # The applicant's answer to an information request is the reply action, offered on its own, open, above
    # everything else: a plain message beside it does not answer the request.
    reply_form = next((f for f in action_forms if procedures.POST_RESPONSE in f.transition.effects), None)
    action_forms = [f for f in action_forms if f is not reply_form]
    wf = filing.procedure
    state_label = (lambda s: wf.state(s).staff_label) if as_authority else (lambda s: wf.state(s).applicant_label)
    side = side_of(roles)
    documents = listed_documents(filing, user, as_authority)
    kinds = services.attachable_kinds(user, filing=filing) if filing.state.accepts_correspondence else []
    by_authority = Filing.objects.select_related("authority").order_by("authority__code", "id")
    prefetch_related_objects([filing.application], Prefetch("filings", queryset=by_authority))
    siblings = [f for f in filing.application.filings_visible_to(user) if f.pk != filing.pk]
    every_filing, visible = list(filing.application.filings.all()), {f.pk for f in siblings}
    return {
        "filing": filing,
        "application": filing.application,
        "approved_quantities": list(filing.approved_quantities.select_related("item").order_by("item_id")),
        "status_label": state_label(filing.status),
        "deadline_label": deadline_label(filing, side),
        "overdue": overdue_for(filing, side),
        "requested_extension": decisions.requested_extension(filing),
        "file_again": procedures.APPLICANT in roles and filing in refileable(filing.application),
        "as_authority": as_authority,
        "as_applicant": procedures.APPLICANT in roles,
        "action_forms": action_forms,
        "events": visibility.timeline(filing, user),
        "reply_form": reply_form,
        "open_request": open_request(filing) if reply_form else None,
        "thread": thread_for(filing, user),
        "message_form": message_form or MessageForm(answers_nothing=reply_form is not None),
        "can_write": bool(roles - {engine.SYSTEM}) and filing.state.accepts_correspondence,
        "documents": documents,
        "document_form": document_form or (DocumentForm(kinds=kinds, prefix="document") if kinds else None),
        "siblings": siblings,
        "triage_entries": required_set.entries_visible_to(filing.application, user) if as_authority else [],
        "is_approval": shipping.is_approval(filing),
        "snapshot": snapshot_for_display(filing.snapshot),
        # Authority staff see who has opened the case file (the access log).
        "recent_views": services.recent_views(filing, 20) if procedures.STAFF in roles else None,
        "linked_form": (linked_form or LinkedRequestForm()) if may_request_linked(filing, roles) else None,
        "follows": next((f for f in siblings if f.pk == filing.follows_id), None),
        "followed_by": [f for f in siblings if f.follows_id == filing.pk],
        "hold_started_at": filing.clock_stopped_at if filing.state.stops_clock else None,
        "screening": screening.filing_screening(filing, actions, user, bound_form),
        "filing_order": prerequisites.filing_order(filing, every_filing, visible),
    }


def open_request(filing) -> Message | None:
    """The information request the applicant is asked to answer: the newest in the thread."""
    return filing.messages.filter(kind=Message.Kind.INFORMATION_REQUEST).order_by("-created_at", "-id").first()


def thread_for(filing, user) -> list[Message]:
    """The thread, each message marked `is_new` when the other side wrote it since `user` last read the case."""
    mark = ThreadReadMark.objects.filter(filing=filing, user=user).values_list("read_at", flat=True).first()
    unread = filing.pk in filings_with_unread_messages(user, [filing.pk])
    messages_ = list(filing.messages.select_related("author"))
    for message in messages_:
        message.is_new = unread and message.author_id != user.pk and (mark is None or message.created_at > mark)
    return messages_


def listed_documents(filing, user, as_authority) -> list[dict]:
    """The dossier's and the filing's files with who added them and when. The applicant reads the authority's
    files as coming from the authority, as on the timeline, never from a named official."""
    applicants = set(filing.application.organization.memberships.values_list("user_id", flat=True))
    rows = []
    for document in [*filing.application.documents.all(), *filing.documents.select_related("uploaded_by")]:
        uploader = document.uploaded_by
        if uploader is not None and (as_authority or uploader.pk in applicants):
            by = uploader.get_full_name() or uploader.get_username()
        else:
            by = filing.authority.code if document.filing_id else filing.application.organization.name
        rows.append({"document": document, "by": by})
    return rows


def snapshot_for_display(snapshot):
    if not snapshot:
        return None
    categories, roles = dict(Item.Category.choices), dict(Party.PartyRole.choices)
    return {
        **snapshot,
        "beneficiary_rows": [
            (BENEFICIARY_CATEGORIES.get(k, k), n) for k, n in (snapshot.get("beneficiaries") or {}).items()
        ],
        "items": [
            {**i, "category_label": categories.get(i.get("category"), i.get("category"))}
            for i in snapshot.get("items", [])
        ],
        "parties": [{**p, "role_label": roles.get(p.get("role"), p.get("role"))} for p in snapshot.get("parties", [])],
    }


@login_required
def filing_detail(request, reference):
    filing = visible_filing_or_404(request.user, reference)
    services.record_view(filing, request.user, FilingView.Channel.WEB)
    response = render(request, "exemptions/filing_detail.html", filing_context(request, filing))
    mark_thread_read(request.user, filing)  # after the page marked what was new
    return response


@login_required
def filing_action(request, reference, action):
    filing = visible_filing_or_404(request.user, reference)
    here = reverse("filing_detail", args=[filing.reference])
    if request.method != "POST":  # a reload of a page shown after an error, or a bookmark: the case page
        return redirect(f"{here}#actions")
    try:
        transition = engine.available_action(filing, request.user, action)
    except engine.UnknownAction as error:
        raise Http404("No such action.") from error
    except engine.ActionNotAllowed as error:
        raise PermissionDenied("Your role does not allow this action.") from error
    except engine.Conflict:
        messages.error(request, not_recorded(filing, action))
        return redirect(here)
    form = ActionForm(transition, filing, request.POST, request.FILES)
    if form.is_valid():
        note = form.cleaned_data.get("note") or ""
        try:
            services.run_action(
                filing,
                transition.name,
                request.user,
                note,
                files=form.files_by_field(),
                expected_version=form.cleaned_data["version"],
                **form.payload(),
            )
        except engine.WaitingOnApproval as error:
            messages.error(request, str(error))
            return redirect(here)
        except engine.Conflict:
            messages.error(request, not_recorded(filing, action))
            return redirect(here)
        except engine.ActionNotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except ValidationError as error:
            add_errors(form, error)
        else:
            side = side_of(engine.roles_for(request.user, filing))
            messages.success(request, f"{filing.reference}: {done_message(transition, filing, side)}")
            if decisions.sets_validity(transition):
                warning = decisions.coverage_warning(filing, filing.valid_from_on, filing.valid_until_on)
                if warning:
                    messages.warning(request, warning)
            return redirect(safe_next(request, here))
    filing.refresh_from_db()
    context = filing_context(request, filing, bound_form=form)
    return render(request, "exemptions/filing_detail.html", context, status=400)


def not_recorded(filing, action) -> str:
    """The flash message when an action lost a race or no longer applies, in words (not the engine's states)."""
    return (
        f"“{filing.procedure.label_of(action)}” was not recorded: {filing.reference} was changed by someone else "
        "since you opened it. "
        "See where it stands below, and try again if it still applies."
    )


def add_errors(form, error: ValidationError):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


@login_required
def filing_follow(request, reference):
    """A new request extending or amending this approval; the applicant then files it from its own page."""
    filing = visible_filing_or_404(request.user, reference)
    if request.method != "POST":
        return redirect("filing_detail", filing.reference)
    roles = engine.roles_for(request.user, filing)
    if not may_request_linked(filing, roles):
        raise PermissionDenied("Only the applicant may extend or amend an approval, and only while nothing is pending.")
    form = LinkedRequestForm(request.POST)
    if form.is_valid():
        try:
            linked = services.request_linked(
                filing, request.user, form.cleaned_data["link"], form.cleaned_data["linked_request"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"{linked.reference} prepared from {filing.reference}. Check it, then file the request."
            )
            return redirect("filing_detail", linked.reference)
    context = filing_context(request, filing, linked_form=form)
    return render(request, "exemptions/filing_detail.html", context, status=400)


@login_required
def filing_message(request, reference):
    filing = visible_filing_or_404(request.user, reference)
    if request.method != "POST":
        return redirect("filing_detail", filing.reference)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(filing, request.user, form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error.messages)
        except services.ClosedToCorrespondence:
            messages.error(
                request, f"{filing.reference} is finished, so it takes no new messages or documents. Nothing was sent."
            )
            return redirect("filing_detail", filing.reference)
        else:
            form = None
            if not request.htmx:
                messages.success(request, "Message sent.")
                return redirect("filing_detail", filing.reference)
    context = filing_context(request, filing, message_form=form)
    if request.htmx:
        return render(request, "exemptions/_thread.html", context, status=400 if form else 200)
    return render(request, "exemptions/filing_detail.html", context, status=400)


@login_required
def filing_document(request, reference):
    """A file added to a filed case by either side: each checked as any upload is (services.attach_document)."""
    filing = visible_filing_or_404(request.user, reference)
    if request.method != "POST":
        return redirect(reverse("filing_detail", args=[filing.reference]) + "#documents")
    kinds = services.attachable_kinds(request.user, filing=filing)
    form = DocumentForm(request.POST, request.FILES, kinds=kinds, prefix="document")
    if form.is_valid():
        try:
            document = services.attach_document(
                by=request.user, uploaded_file=form.cleaned_data["file"], kind=form.cleaned_data["kind"], filing=filing
            )
        except services.ClosedToCorrespondence:
            messages.error(
                request, f"{filing.reference} is finished, so it takes no new messages or documents. Nothing was added."
            )
            return redirect("filing_detail", filing.reference)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Added {document.original_name} to {filing.reference}.")
            return redirect(reverse("filing_detail", args=[filing.reference]) + "#documents")
    context = filing_context(request, filing, document_form=form)
    return render(request, "exemptions/filing_detail.html", context, status=400)


@login_required
def document_download(request, pk):
    document = get_object_or_404(Document.objects.select_related("application", "filing"), pk=pk)
    if document.filing_id:
        allowed = Filing.objects.visible_to(request.user).filter(pk=document.filing_id).exists()
    else:
        allowed = own_applications(request.user).filter(pk=document.application_id).exists() or (
            Filing.objects.visible_to(request.user)
            .filter(application_id=document.application_id, submitted_at__isnull=False)
            .exists()
        )
    if not allowed:
        raise Http404("No such document.")
    try:
        return services.download_response(document)
    except services.StoredFileMissing as error:
        raise Http404(str(error)) from error
