"""Uploads: what a file really is, judged by its first bytes, never by its name; and the one
size cap for every upload (``MAX_UPLOAD_MEGABYTES``), enforced for the whole request by
``privacy_portal.middleware.BadInputMiddleware`` before any view reads a byte of it."""

from io import BytesIO

import filetype
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

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


# --- Receiving uploads: in memory only, and whole or not at all ------------------------------


# A form that takes a file brackets it with these two hidden fields (see
# templates/students/dossier_entry_form.html). Multipart fields arrive in page order, so a body
# cut off mid-file has the first and lacks the second: ``upload_cut_off`` tells the view.
UPLOAD_STARTED = "upload_started"
UPLOAD_COMPLETE = "upload_complete"


def upload_cut_off(request) -> bool:
    """True when a bracketed form's body did not arrive whole (a dropped connection)."""
    return UPLOAD_STARTED in request.POST and UPLOAD_COMPLETE not in request.POST


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps every uploaded file in memory (at most MAX_UPLOAD_MEGABYTES each) and never writes
    a temporary copy to $TMPDIR, so nothing of a document is left behind when a request dies.
    A file over the limit is counted, not kept: the view receives an empty file with its real
    size, which the upload validators refuse with their "te groot" message."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.received = 0
        self.limit = settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= self.limit:
            self.buffer.write(raw_data)
        else:
            self.buffer = BytesIO()  # over the limit: drop what was kept, keep counting
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
