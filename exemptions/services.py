"""Writes other than status: dossiers, filings, documents, messages. Called by the UI, the API, the
admin and commands alike; each validates fully (model validators) before anything is saved."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils import timezone

from . import engine, prerequisites, procedures, reports, required_set
from .models import (
    MAX_ITEMS_PER_DOSSIER,
    MAX_PARTIES_PER_DOSSIER,
    MESSAGE_MAX_LENGTH,
    Application,
    Authority,
    Document,
    Filing,
    FilingView,
    Item,
    Message,
    Party,
    channel_errors,
    linked_filing_errors,
    mark_thread_read,
    organization_ids,
    validate_text_length,
)
from .uploads import ALLOWED_UPLOAD_TYPES, SNIFF_BYTES, safe_display_name, sniff_content_type

log = logging.getLogger(__name__)


class DossierLocked(ValidationError):
    """The dossier has been filed; editing it now would change what an authority is reviewing."""


def ensure_editable(application: Application) -> None:
    if application.is_locked:
        raise DossierLocked(
            "This dossier has been filed, so it can no longer be edited. Copy it into a new draft (on its page) for changes."
        )


def lock_dossier(application: Application) -> None:
    """Take the dossier's row lock for the rest of the transaction (see Application.lock_for_update); a dossier
    deleted while this waited is a message, not a crash."""
    try:
        application.lock_for_update()
    except Application.DoesNotExist as gone:
        raise ValidationError("This dossier was deleted a moment ago.") from gone


@contextmanager
def editing(application: Application):
    """One write to a draft dossier: under its row lock, with the lock check read again under that lock, so a
    submit running at the same moment either snapshots the edit or makes the edit fail with DossierLocked."""
    with transaction.atomic():
        lock_dossier(application)
        ensure_editable(application)
        yield
        if application.pk is not None:  # not after a delete
            required_set.retriage(application)


def _save_valid(instance, exclude=None):
    instance.full_clean(exclude=exclude)
    instance.save()
    return instance


ROW_LIMITS = {"items": MAX_ITEMS_PER_DOSSIER, "parties": MAX_PARTIES_PER_DOSSIER}


def ensure_row_limit(related: str, count: int) -> None:
    """A dossier lists at most ROW_LIMITS[related] items or parties, whichever face adds them."""
    limit = ROW_LIMITS[related]
    if count > limit:
        raise ValidationError({related: f"A dossier may list at most {limit} {related}; this one would list {count}."})


def create_application(organization, by, *, items=(), parties=(), authorities=(), **fields) -> Application:
    """Create a dossier with its items and parties in one transaction; all-or-nothing."""
    ensure_row_limit("items", len(items))
    ensure_row_limit("parties", len(parties))
    with transaction.atomic():
        application = Application(organization=organization, created_by=by, updated_by=by, **fields)
        _save_valid(application, exclude=["reference"])
        for item in items:
            _save_valid(Item(application=application, **item))
        for party in parties:
            _save_valid(Party(application=application, **party))
        if authorities:
            application.required_authorities.set(authorities)
        required_set.retriage(application)
    return application


def update_application(application: Application, by, **fields) -> Application:
    authorities = fields.pop("authorities", None)
    with editing(application):
        for name, value in fields.items():
            setattr(application, name, value)
        application.updated_by = by
        _save_valid(application, exclude=["reference"])
        if authorities is not None:
            application.required_authorities.set(authorities)
    return application


def delete_application(application: Application) -> None:
    with editing(application):
        Document.objects.filter(filing__application=application).delete()
        application.filings.all().delete()
        application.delete()


def add_item(application: Application, **fields) -> Item:
    with editing(application):
        ensure_row_limit("items", application.items.count() + 1)
        return _save_valid(Item(application=application, **fields))


def add_party(application: Application, **fields) -> Party:
    with editing(application):
        ensure_row_limit("parties", application.parties.count() + 1)
        return _save_valid(Party(application=application, **fields))


def update_item(item: Item, **fields) -> Item:
    with editing(item.application):
        for name, value in fields.items():
            setattr(item, name, value)
        return _save_valid(item)


def remove_item(item: Item) -> None:
    with editing(item.application):
        item.delete()


def update_party(party: Party, **fields) -> Party:
    with editing(party.application):
        for name, value in fields.items():
            setattr(party, name, value)
        return _save_valid(party)


def remove_party(party: Party) -> None:
    with editing(party.application):
        party.delete()


# What the filer chooses of a filing (web and API alike): how it reaches the authority and on what legal basis.
CHANNEL_FIELDS = ("submission_channel", "channel_detail", "legal_basis", "urgent", "urgent_reason")


def create_filing(application: Application, authority: Authority, by, *, channel=None, route="", **linked) -> Filing:
    """A draft filing of the dossier with one authority, optionally `follows`ing an earlier one for a `link`
    reason (Filing.Link, with its `linked_request`). One open or approved request per authority at a time
    (refuse_second_open); an extension or amendment may stand beside the approval it follows (UN practice). The
    check runs under the dossier's lock; the database's unique constraints stand behind it as the same error.

    `channel`: the CHANNEL_FIELDS the filer chose (models/channels.py); the channel applies to authorities that
    take forwarded requests, the legal basis to all but a procedure declaring its own. `route`: which of the
    authority's procedures the filing follows; empty: the route of the filing it follows, else the triage's."""
    follows, link = linked.get("follows"), linked.get("link", "")
    route = route or (follows.route if follows is not None else required_set.proposed_route(application, authority))
    route = route or authority.workflow_key
    if route not in authority.routes:
        raise ValidationError({"route": f"{authority.code} takes filings by route {' or '.join(authority.routes)}."})
    filing = Filing(application=application, authority=authority, created_by=by, route=route, **linked)
    filing.linked_request = (filing.linked_request or "").strip()
    for name, value in (channel or {}).items():
        if name not in CHANNEL_FIELDS:
            raise ValidationError({name: "Not a field of a filing's channel."})
        setattr(filing, name, value.strip() if isinstance(value, str) else value)
    if not filing.procedure.takes_forwarded_requests:
        filing.submission_channel, filing.channel_detail = Filing.Channel.DIRECT, ""
    filing.legal_basis = filing.procedure.legal_basis or filing.legal_basis
    # A channel chosen now is checked now; one left to its default is checked when the filing is filed.
    errors = {**(channel_errors(filing, timezone.now()) if channel else {}), **linked_filing_errors(filing)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_dossier(application)
        refuse_second_open(application, authority, link)
        try:
            with transaction.atomic():
                # The one-open rule reads as its own message below, not as the constraint's.
                filing.full_clean(exclude=["reference"], validate_constraints=False)
                filing.save()
        except IntegrityError:
            blocking = blocking_filing(application, authority, link)
            if blocking is not None:
                raise _second_open_error(blocking) from None
            raise
        application.required_authorities.add(authority)
    return filing


def request_linked(approval: Filing, by, link: str, linked_request: str) -> Filing:
    """A new request that extends or amends `approval`: prefilled from it (dossier, authority, channel, legal
    basis), linked to it, and expedited where the procedure has an expedited track. Filed with `submit`."""
    if link not in BESIDE_AN_APPROVAL:
        raise ValidationError({"link": "Choose an extension or an amendment."})
    return create_filing(
        approval.application,
        approval.authority,
        by,
        channel=channel_of(approval),
        follows=approval,
        link=link,
        linked_request=linked_request,
    )


def channel_of(filing: Filing) -> dict:
    """The CHANNEL_FIELDS of `filing`, for a new request that follows it."""
    return {name: getattr(filing, name) for name in CHANNEL_FIELDS}


def has_pending_filing(application: Application, authority: Authority) -> bool:
    pending = {name for procedure in authority.route_procedures for name in procedure.pending_states}
    return application.filings.filter(authority=authority, status__in=pending).exists()


# Links that add to an approval instead of asking anew: they may stand beside the approval they follow.
BESIDE_AN_APPROVAL = (Filing.Link.EXTENSION, Filing.Link.AMENDMENT)


def blocks_new_request(filing: Filing) -> bool:
    """Whether `filing` keeps a new, unlinked request with its authority from being filed (blocking_filing)."""
    state = filing.state
    return filing.status in filing.procedure.pending_states or (
        state.grants_validity and filing.link not in BESIDE_AN_APPROVAL
    )


def blocking_filing(application: Application, authority: Authority, link: str = "") -> Filing | None:
    """The filing that keeps a new one with `authority` from being created: a request still pending (one at a
    time, whatever its link), or, for a request that is not an extension or amendment, an approval in force."""
    blocking = set()
    for procedure in authority.route_procedures:  # a notification blocks a specific licence request, and back
        blocking |= set(procedure.pending_states)
        if link not in BESIDE_AN_APPROVAL:
            blocking |= set(procedure.states_where(grants_validity=True))
    return application.filings.filter(authority=authority, status__in=blocking).order_by("id").first()


def refuse_second_open(application: Application, authority: Authority, link: str = "") -> None:
    blocking = blocking_filing(application, authority, link)
    if blocking is not None:
        raise _second_open_error(blocking)


def _second_open_error(blocking: Filing) -> ValidationError:
    code = blocking.authority.code
    if blocking.status in blocking.procedure.pending_states:
        return ValidationError({"authority": f"This dossier already has a pending filing with {code}."})
    return ValidationError(
        {
            "authority": f"This dossier already has an approval from {code} ({blocking.reference}). Ask for an "
            "extension or amendment of it instead of a new request."
        }
    )


def file_with(application: Application, authorities, by, channel=None, route="", notification=None) -> list[Filing]:
    """Create and submit one filing per authority, all or none (a missing element stops them all). Runs under the
    dossier's lock from the first check to the last snapshot. `channel`: as create_filing takes it; `route`: the
    procedure of the authority that offers it (an OFAC general licence notification), the others keep their
    own; `notification`: what that route's filing action asks for (the UN basis of an OFAC notification). A filing
    that must wait on another's approval (EU on UN 1718) stays a draft: the applicant is emailed when it can be filed."""
    with transaction.atomic():
        lock_dossier(application)
        filings = [
            create_filing(application, authority, by, channel=channel, route=route if route in authority.routes else "")
            for authority in authorities
        ]
        for filing in (f for f in filings if not prerequisites.waiting_on(f)):
            submit = filing.procedure.action_with_effect(procedures.SNAPSHOT_DOSSIER)
            asked = {f.name for t in filing.procedure.transitions if t.name == submit for f in t.payload}
            payload = {name: value for name, value in (notification or {}).items() if name in asked}
            engine.apply(filing, submit, by, **payload)
    return filings


class ClosedToCorrespondence(engine.Conflict):
    """The filing's state takes no new messages or documents (withdrawn, denied, closed, …): API 409."""


def ensure_accepts_correspondence(filing: Filing) -> None:
    if not filing.state.accepts_correspondence:
        raise ClosedToCorrespondence(
            f"{filing.reference} is {filing.state.staff_label.lower()}, so it takes no new messages or documents."
        )


def attachable_kinds(by, *, filing=None) -> list[str]:
    """The kinds of document `by` may attach to `filing`, or to a dossier (filing None): what the upload forms
    offer and all that attach_document() accepts. A dossier is written by its applicant organization (the faces
    check membership before they get here)."""
    roles = engine.roles_for(by, filing) if filing is not None else {procedures.APPLICANT}
    return Document.kinds_for(roles - {engine.SYSTEM})


def ensure_may_attach(by, kind: str, *, filing=None) -> None:
    allowed = attachable_kinds(by, filing=filing)
    if not allowed:
        raise PermissionDenied("Only the applicant organization and the authority may add documents to this case.")
    if kind not in allowed:
        labels = dict(Document.Kind.choices)
        raise ValidationError(
            {
                "kind": f"You may not attach a document of kind “{labels.get(kind, kind)}” here. "
                f"Choose one of: {', '.join(labels[k] for k in allowed)}."
            }
        )


def attach_document(*, by, uploaded_file, kind=Document.Kind.OTHER, application=None, filing=None) -> Document:
    """Store an uploaded file with its size and SHA-256; the stored name never comes from the user.
    A rejected file raises ValidationError and leaves nothing behind. A dossier's own documents are part of
    what was filed, so they follow the dossier's lock (checked early here, and again under the row lock); a
    filing's follow its state (no new documents on a withdrawn or closed case) and who attaches them (only the
    authority writes a decision letter)."""
    if application is not None:
        ensure_editable(application)
    if filing is not None:
        ensure_accepts_correspondence(filing)
    ensure_may_attach(by, kind, filing=filing)
    if uploaded_file is None or not uploaded_file.size:
        raise ValidationError({"file": "The file is empty."})
    if uploaded_file.size > settings.FILE_UPLOAD_MAX_BYTES:
        limit_mb = settings.FILE_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"file": f"The file is larger than the {limit_mb} MB limit."})
    display_name = safe_display_name(uploaded_file.name)
    uploaded_file.seek(0)
    content_type = sniff_content_type(uploaded_file.read(SNIFF_BYTES), display_name)
    if content_type is None:
        accepted = ", ".join(ALLOWED_UPLOAD_TYPES.values())
        raise ValidationError({"file": f"“{display_name}” is not a file type we accept. Upload one of: {accepted}."})
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    document = Document(
        application=application,
        filing=filing,
        kind=kind,
        original_name=display_name,
        content_type=content_type,
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    with editing(application) if application is not None else transaction.atomic():
        document.file.save("upload", uploaded_file, save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)  # no orphaned case file on disk
            raise
    return document


class StoredFileMissing(Exception):
    """A document's row exists but its file is gone from storage (restored backup, lost volume)."""


def open_document(document: Document):
    """The stored file of a document, open for reading. The web UI and the API both serve files through this, so a
    file missing from storage is a clear 404 in both, never a 500."""
    try:
        return document.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise StoredFileMissing("The file of this document is missing from storage.") from error


def served_content_type(document: Document) -> str:
    """The type a download is served as: the one judged from the content at upload, never the name's. A row
    stored before that check, or with a type it no longer accepts, is served as bare bytes."""
    if document.content_type not in ALLOWED_UPLOAD_TYPES:
        return "application/octet-stream"
    return "text/plain; charset=utf-8" if document.content_type == "text/plain" else document.content_type


def download_response(document: Document) -> FileResponse:
    """A document as a download, the same from the web UI and the API: saved to disk rather than shown, under a
    name with no folders or control characters, with the type from its content and no browser sniffing."""
    response = FileResponse(
        open_document(document),
        as_attachment=True,
        filename=safe_display_name(document.original_name),
        content_type=served_content_type(document),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def remove_document(document: Document) -> None:
    with editing(document.application) if document.application_id else transaction.atomic():
        document.file.delete(save=False)
        document.delete()


def run_action(filing: Filing, action: str, by, note: str = "", /, *, files=None, **payload):
    """Run a transition as a person, with the files its DOCUMENT fields ask for (`files`: field name → an
    uploaded file or a list of them), and the end-use report generated from the records when the transition files
    it: the documents and the transition stand or fall together, each file checked as any upload is. Returns the
    Event."""
    transition = engine.available_action(filing, by, action)
    document_fields = {f.name: f for f in transition.payload if f.kind == procedures.DOCUMENT}
    files = {name: uploaded for name, uploaded in (files or {}).items() if uploaded}
    unknown = sorted(set(files) - set(document_fields))
    if unknown:
        raise ValidationError({name: [f"'{action}' takes no file '{name}'."] for name in unknown})
    with transaction.atomic():
        for name, uploaded in files.items():
            for one in uploaded if isinstance(uploaded, list | tuple) else [uploaded]:
                try:
                    attach_document(by=by, uploaded_file=one, kind=document_fields[name].document_kind, filing=filing)
                except ValidationError as error:
                    raise ValidationError({name: error.messages}) from error
        if procedures.ATTACH_DELIVERY_REPORT in transition.effects:
            reports.attach_end_use_report(filing, by)  # last: the newest report document, which the event names
        return engine.apply(filing, action, by, note, None, **payload)


def post_message(filing: Filing, by, body: str) -> Message:
    if not engine.roles_for(by, filing) - {engine.SYSTEM}:
        raise PermissionDenied("Only the applicant organization and the authority may write on this case.")
    ensure_accepts_correspondence(filing)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a message first."})
    try:
        validate_text_length(body, MESSAGE_MAX_LENGTH, "The message")
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from error
    writes_for_applicant = filing.application.organization_id in organization_ids(by)
    side = Message.Side.APPLICANT if writes_for_applicant else Message.Side.AUTHORITY
    with transaction.atomic():
        message = Message.objects.create(filing=filing, author=by, side=side, body=body)
        mark_thread_read(by, filing, message.created_at)  # one's own message is no news to oneself
        transaction.on_commit(lambda: announce_message(message.pk))
    return message


# The Celery task that emails a message to the other side, by name: services sit below tasks.
MESSAGE_TASK = "exemptions.tasks.send_message_notices"


def announce_message(message_id: int) -> None:
    """Queue the other side's emails about a new message. Never raises: the message is saved, and the sweep
    claims the emails of messages still unnotified (e.g. when the broker was down)."""
    try:
        current_app.tasks[MESSAGE_TASK].delay(message_id)
    except Exception:
        log.warning("Could not queue the emails of message %s; the sweep will send them", message_id, exc_info=True)


def record_view(filing: Filing, user, channel: str) -> FilingView | None:
    """Log that someone at the authority (reviewer, staff, or an admin) opened this case file.
    Applicants reading their own case are not logged: the log is about who else saw it."""
    roles = engine.roles_for(user, filing)
    if not (roles & procedures.AUTHORITY_ROLES or getattr(user, "is_staff", False)):
        return None
    return FilingView.objects.create(filing=filing, user=user, channel=channel)


def recent_views(filing: Filing, limit: int = 50):
    return filing.views.select_related("user")[:limit]


def update_dossier(application: Application, by, *, items=None, parties=None, **fields) -> Application:
    """Edit a draft dossier; `items` or `parties`, when given, replace the whole list. All-or-nothing, under the
    dossier's lock."""
    ensure_row_limit("items", len(items or ()))
    ensure_row_limit("parties", len(parties or ()))
    with editing(application):
        update_application(application, by, **fields)
        if items is not None:
            application.items.all().delete()
            for item in items:
                _save_valid(Item(application=application, **item))
        if parties is not None:
            application.parties.all().delete()
            for party in parties:
                _save_valid(Party(application=application, **party))
    return application
