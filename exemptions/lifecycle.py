"""A dossier's life after its first filing: copy it into a new draft, file a new request after a denial, a return
or an expiry (linked to the earlier filing), and delete a draft that was never filed. Each runs through the
services' own checks (one open or approved request per authority, a filed dossier never changes)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from . import engine, procedures, services
from .models import Application, Document, Filing, Item, Party

# Dossier fields a copy starts from: everything the organization wrote, not who wrote it or when.
NOT_COPIED = {"id", "reference", "organization", "created_by", "updated_by", "created_at", "updated_at"}
COPY_SUFFIX = " (copy)"


def _copyable(model, instance, exclude) -> dict:
    return {f.name: getattr(instance, f.name) for f in model._meta.concrete_fields if f.name not in exclude}


def copy_application(application: Application, by, *, with_documents: bool = False) -> Application:
    """A new draft of the same organization with the dossier's text, beneficiaries, items, parties, route,
    shipment window, monitoring and authorities; its documents only when asked (a signed letter is rarely
    still true of a new request). The original, filed or not, is untouched."""
    fields = _copyable(Application, application, NOT_COPIED)
    title_room = Application._meta.get_field("title").max_length - len(COPY_SUFFIX)
    fields["title"] = application.title[:title_room] + COPY_SUFFIX
    items = [_copyable(Item, item, {"id", "application"}) for item in application.items.all()]
    parties = [_copyable(Party, party, {"id", "application"}) for party in application.parties.all()]
    with transaction.atomic():
        copy = services.create_application(
            application.organization,
            by,
            items=items,
            parties=parties,
            authorities=list(application.required_authorities.all()),
            **fields,
        )
        if with_documents:
            for document in application.documents.all():
                _copy_document(document, copy, by)
    return copy


def _copy_document(document: Document, application: Application, by) -> Document:
    with services.open_document(document) as stored:
        content = stored.read()
    duplicate = Document(
        application=application,
        kind=document.kind,
        original_name=document.original_name,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        uploaded_by=by,
    )
    duplicate.file.save("upload", ContentFile(content), save=False)
    try:
        duplicate.save()
    except Exception:
        duplicate.file.delete(save=False)
        raise
    return duplicate


def may_file_again(filing: Filing) -> bool:
    """A filing after which a new request may follow: denied, returned, withdrawn, or an approval that lapsed."""
    state = filing.state
    return not state.initial and (state.terminal or state.lapsed) and not state.grants_validity


def file_again(filing: Filing, by) -> Filing:
    """File the same dossier again with the same authority, as a new request linked to `filing` (a
    resubmission). The dossier as filed is the dossier as it stands: a filed dossier does not change; a changed
    request starts from a copy (copy_application)."""
    if not may_file_again(filing):
        raise ValidationError(
            {"filing": f"{filing.reference} is still open or approved: a new request can follow it only once it "
             "is decided against, returned, withdrawn or expired."}
        )  # fmt: skip
    with transaction.atomic():
        again = services.create_filing(
            filing.application,
            filing.authority,
            by,
            channel=services.channel_of(filing),
            follows=filing,
            link=Filing.Link.RESUBMISSION,
        )
        engine.apply(again, again.procedure.action_with_effect(procedures.SNAPSHOT_DOSSIER), by)
    return again


def never_filed(application: Application) -> bool:
    return not application.filings.filter(submitted_at__isnull=False).exists()


def delete_draft(application: Application) -> None:
    """Delete a dossier that was never filed, with its draft filings and documents. A dossier an authority has
    seen is a record and stays."""
    if not never_filed(application):
        raise services.DossierLocked("This dossier has been filed, so it is kept as a record and cannot be deleted.")
    services.delete_application(application)
