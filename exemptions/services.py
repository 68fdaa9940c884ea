"""Writes other than status: dossiers, filings, documents, messages. Called by the UI, the API, the
admin and commands alike; each validates fully (model validators) before anything is saved."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import workflow
from .models import Application, Authority, Document, Filing, Item, Message, Party


class DossierLocked(ValidationError):
    """The dossier has been filed; editing it now would change what an authority is reviewing."""


def ensure_editable(application: Application) -> None:
    if application.filings.exclude(status="draft").exists():
        raise DossierLocked(
            "This dossier has been filed, so it can no longer be edited. Start a new application for changes."
        )


def _save_valid(instance, exclude=None):
    instance.full_clean(exclude=exclude)
    instance.save()
    return instance


def create_application(organization, by, *, items=(), parties=(), authorities=(), **fields) -> Application:
    """Create a dossier with its items and parties in one transaction; all-or-nothing."""
    with transaction.atomic():
        application = Application(organization=organization, created_by=by, updated_by=by, **fields)
        _save_valid(application, exclude=["reference"])
        for item in items:
            add_item(application, **item)
        for party in parties:
            add_party(application, **party)
        if authorities:
            application.required_authorities.set(authorities)
    return application


def update_application(application: Application, by, **fields) -> Application:
    ensure_editable(application)
    authorities = fields.pop("authorities", None)
    for name, value in fields.items():
        setattr(application, name, value)
    application.updated_by = by
    with transaction.atomic():
        _save_valid(application, exclude=["reference"])
        if authorities is not None:
            application.required_authorities.set(authorities)
    return application


def delete_application(application: Application) -> None:
    ensure_editable(application)
    with transaction.atomic():
        Document.objects.filter(filing__application=application).delete()
        application.filings.all().delete()
        application.delete()


def add_item(application: Application, **fields) -> Item:
    ensure_editable(application)
    return _save_valid(Item(application=application, **fields))


def add_party(application: Application, **fields) -> Party:
    ensure_editable(application)
    return _save_valid(Party(application=application, **fields))


def create_filing(application: Application, authority: Authority, by) -> Filing:
    """A draft filing of the dossier with one authority. One pending request per authority at a time; a new
    one may be filed beside a decided one (UN practice: extensions and amendments are new, linked requests)."""
    pending = workflow.workflow_for(authority).pending_states
    if application.filings.filter(authority=authority, status__in=pending).exists():
        raise ValidationError({"authority": f"This dossier already has a pending filing with {authority.code}."})
    with transaction.atomic():
        filing = Filing.objects.create(application=application, authority=authority, created_by=by)
        application.required_authorities.add(authority)
    return filing


def file_with(application: Application, authorities, by) -> list[Filing]:
    """Create and submit one filing per authority, all or none (a missing element stops them all)."""
    with transaction.atomic():
        filings = [create_filing(application, authority, by) for authority in authorities]
        for filing in filings:
            workflow.apply(filing, "submit", by)
    return filings


def attach_document(*, by, uploaded_file, kind=Document.Kind.OTHER, application=None, filing=None) -> Document:
    """Store an uploaded file with its size and SHA-256; the stored name never comes from the user."""
    if uploaded_file.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if uploaded_file.size > settings.FILE_UPLOAD_MAX_BYTES:
        limit_mb = settings.FILE_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"file": f"The file is larger than the {limit_mb} MB limit."})
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    document = Document(
        application=application,
        filing=filing,
        kind=kind,
        original_name=(uploaded_file.name or "upload").rsplit("/", 1)[-1][:255],
        # The client names the type; a longer one than the column holds is not a type anyone uses.
        content_type=(getattr(uploaded_file, "content_type", "") or "")[
            : Document._meta.get_field("content_type").max_length
        ],
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    document.file.save("upload", uploaded_file, save=False)
    document.save()
    return document


def post_message(filing: Filing, by, body: str) -> Message:
    if not workflow.roles_for(by, filing) - {workflow.SYSTEM}:
        raise PermissionDenied("Only the applicant organization and the authority may write on this case.")
    if not (body or "").strip():
        raise ValidationError({"body": "Write a message first."})
    return Message.objects.create(filing=filing, author=by, body=body.strip())


def update_dossier(application: Application, by, *, items=None, parties=None, **fields) -> Application:
    """Edit a draft dossier; `items` or `parties`, when given, replace the whole list. All-or-nothing."""
    with transaction.atomic():
        update_application(application, by, **fields)
        if items is not None:
            application.items.all().delete()
            for item in items:
                add_item(application, **item)
        if parties is not None:
            application.parties.all().delete()
            for party in parties:
                add_party(application, **party)
    return application
