"""Files of the agreements app: the signed PDF (write-once) and destruction confirmations.

Files live under ``MEDIA_ROOT/agreements/`` and are never served directly: views check access
and stream them. Owner and deletion path: the agreement they belong to (DESIGN "Avoid").
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

from django.conf import settings


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_path(relative: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError("path outside MEDIA_ROOT")
    return path


def write_once(folder: str, data: bytes, suffix: str = ".pdf") -> str:
    """Write ``data`` to a new file that did not exist before, read-only; return its relative path."""
    relative = f"agreements/{folder}/{uuid.uuid4().hex}{suffix}"
    path = media_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:  # "x": never overwrite an existing file
        handle.write(data)
    os.chmod(path, 0o444)
    return relative


def read(relative: str) -> bytes:
    return media_path(relative).read_bytes()


def remove(relative: str) -> None:
    path = media_path(relative)
    if path.exists():
        os.chmod(path, 0o644)
        path.unlink()


def content_fingerprint(agreement) -> str:
    """SHA-256 of a canonical description of what is being signed: parties, products with their
    bijsluiter versions, dates, deviations. Printed on the signature page, so a reader can tell
    that two PDFs describe the same agreement even though PDF bytes differ per rendering."""
    content = {
        "foundation": agreement.foundation.name,
        "supplier": [agreement.supplier.name, agreement.supplier.kvk_number],
        "model_version": agreement.model_version,
        "version": agreement.version,
        "lineage": str(agreement.lineage),
        "all_schools": agreement.all_schools,
        "schools": sorted(s.brin for s in agreement.schools.all()),
        "start": agreement.start_date.isoformat(),
        "end": agreement.end_date.isoformat() if agreement.end_date else None,
        "bijsluiters": sorted(
            [b.product_id, b.number, b.version_label] for b in agreement.bijsluiters.all()
        ),
        "deviations": [
            [d.article, d.description, d.motivation] for d in agreement.deviations.all()
        ],
    }
    return sha256_hex(json.dumps(content, sort_keys=True, ensure_ascii=False).encode())
