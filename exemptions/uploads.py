"""What an uploaded file may be, judged by its bytes, and the name it is shown under."""

import os
import unicodedata

import filetype

# What a case file may be, judged by its bytes: the extension and the browser's claimed type are the
# sender's word, and a disguised executable or HTML page must not reach a reviewer's machine.
ALLOWED_UPLOAD_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document (.docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook (.xlsx)",
    "application/vnd.oasis.opendocument.text": "OpenDocument text (.odt)",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet (.ods)",
    "text/plain": "plain text or CSV",
}
TEXT_EXTENSIONS = {".txt", ".csv"}
SNIFF_BYTES = 8192


MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body")


def _looks_like_markup(head: bytes) -> bool:
    """HTML or SVG named .txt would run as a page if a browser ever rendered it."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(MARKUP_STARTS) or b"<script" in head.lower()


def sniff_content_type(head: bytes, name: str) -> str | None:
    """The MIME type the file's content shows, if it is one we accept; None otherwise."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_UPLOAD_TYPES else None
    if os.path.splitext(name)[1].lower() in TEXT_EXTENSIONS and b"\x00" not in head and not _looks_like_markup(head):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # a multi-byte character cut at the sniff boundary is fine
                return None
        return "text/plain"
    return None


def safe_display_name(name: str | None) -> str:
    """The user's file name, kept only for display: no folders, no control characters, bounded length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".") or "upload"
    return name[-255:]
