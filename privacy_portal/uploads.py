"""What an uploaded or stored file really is, judged by its first bytes, never by its name."""

import filetype

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
