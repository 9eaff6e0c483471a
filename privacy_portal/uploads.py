"""Uploads: what a file really is, judged by its first bytes, never by its name; and the one
size cap for every upload (``MAX_UPLOAD_MEGABYTES``), enforced for the whole request by
``privacy_portal.middleware.BadInputMiddleware`` before any view reads a byte of it."""

import filetype
from django.conf import settings

# Room for the form's other fields and the multipart framing around the file.
MULTIPART_OVERHEAD = 256 * 1024


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024


def request_too_large(request) -> bool:
    """A multipart request whose declared length exceeds the cap (plus the form around it)."""
    if not (request.content_type or "").startswith("multipart/"):
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > max_upload_bytes() + MULTIPART_OVERHEAD


HEAD_BYTES = 8192


def sniff(source) -> filetype.Type | None:
    """The file kind of ``source`` (bytes, or a file object whose position is kept)."""
    if isinstance(source, bytes | bytearray):
        return filetype.guess(bytes(source[:HEAD_BYTES]))
    position = source.tell()
    source.seek(0)
    head = source.read(HEAD_BYTES)
    source.seek(position)
    return filetype.guess(head)


def content_type(source) -> str | None:
    kind = sniff(source)
    return kind.mime if kind else None
