"""Photos and documents monitors bring back from a visit, checked like every other upload (type judged by the
bytes, size limit, no name from the user on disk) and stored with the visit, all or nothing."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from . import monitoring, uploads
from .models import Application, MonitoringVisit, VisitFile


def checked_upload(uploaded_file) -> tuple[str, str, str]:
    """(display name, content type, SHA-256) of an acceptable upload; ValidationError otherwise."""
    if uploaded_file is None or not uploaded_file.size:
        raise ValidationError({"files": "The file is empty."})
    if uploaded_file.size > settings.FILE_UPLOAD_MAX_BYTES:
        limit_mb = settings.FILE_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"files": f"The file is larger than the {limit_mb} MB limit."})
    name = uploads.safe_display_name(uploaded_file.name)
    uploaded_file.seek(0)
    content_type = uploads.sniff_content_type(uploaded_file.read(uploads.SNIFF_BYTES), name)
    if content_type is None:
        accepted = ", ".join(uploads.ALLOWED_UPLOAD_TYPES.values())
        raise ValidationError({"files": f"“{name}” is not a file type we accept. Upload one of: {accepted}."})
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return name, content_type, digest.hexdigest()


def record_visit_with_files(application: Application, by, *, files=(), **fields) -> MonitoringVisit:
    """A monitoring visit and the files it brought back: a refused file saves neither."""
    checked = [(f, *checked_upload(f)) for f in files]
    stored = []
    try:
        with transaction.atomic():
            visit = monitoring.record_visit(application, by, **fields)
            for uploaded, name, content_type, sha256 in checked:
                row = VisitFile(
                    visit=visit, original_name=name, content_type=content_type, size=uploaded.size, sha256=sha256
                )
                row.file.save("upload", uploaded, save=False)
                stored.append(row.file)
                row.save()
    except Exception:
        for file in stored:
            file.delete(save=False)  # no orphaned evidence on disk
        raise
    return visit
