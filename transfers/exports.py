"""The transfer dossier as a printable PDF and as a structured export file for the OSO platform.

Both are rendered on request from the dossier's frozen content plus the parents' signatures and
remarks; nothing is kept on disk. The export's SHA-256 is stored at hand-over, so a later
download can be checked against what was handed over.
"""

from __future__ import annotations

import base64
import hashlib
import json

from django.utils import timezone

from privacy_portal.pdf import render_pdf
from transfers.models import TransferDossier

EXPORT_FORMAT = "privacyportaal.oso-export/1"


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _person(user):
    if user is None:
        return None
    return {"name": user.get_full_name() or user.email, "email": user.email}


def parent_rows(dossier: TransferDossier) -> list[dict]:
    """Each parent asked to sign: when they viewed and signed, and their remarks."""
    return [
        {
            "name": f"{review.guardian.first_name} {review.guardian.last_name}",
            "first_viewed_at": _iso(review.first_viewed_at),
            "signed_at": _iso(review.signed_at),
            "signed_on_paper": review.signed_on_paper,
            "remarks": review.remarks,
        }
        for review in dossier.reviews.select_related("guardian").order_by("pk")
    ]


def _documents(dossier: TransferDossier) -> list[dict]:
    """The uploaded files of the chosen dossier documents, base64-encoded for the upload."""
    ids = [
        document["id"]
        for section in (dossier.content or {}).get("sections", [])
        for document in section["documents"]
        if document.get("document_name")
    ]
    files = []
    for entry in dossier.entries.filter(pk__in=ids).order_by("pk"):
        try:
            with entry.document.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, ValueError):
            files.append({"id": entry.pk, "name": entry.document_name, "missing": True})
            continue
        files.append(
            {
                "id": entry.pk,
                "name": entry.document_name,
                "content_type": entry.content_type,
                "sha256": hashlib.sha256(data).hexdigest(),
                "content_base64": base64.b64encode(data).decode("ascii"),
            }
        )
    return files


def export_data(dossier: TransferDossier) -> dict:
    from transfers.services import dossier_preview

    return {
        "format": EXPORT_FORMAT,
        "dossier_id": dossier.pk,
        "state": dossier.state,
        "content": dossier_preview(dossier),
        "parents": parent_rows(dossier),
        "offered_at": _iso(dossier.offered_at),
        "hand_over": {
            "at": _iso(dossier.handed_over_at),
            "by": _person(dossier.handed_over_by),
            "without_signature_reason": dossier.override_reason or None,
        },
        "retention_until": dossier.retention_until.isoformat() if dossier.retention_until else None,
        "attachments": _documents(dossier),
    }


def export_bytes(dossier: TransferDossier) -> bytes:
    return json.dumps(export_data(dossier), ensure_ascii=False, indent=2, sort_keys=True).encode()


def export_sha256(dossier: TransferDossier) -> str:
    return hashlib.sha256(export_bytes(dossier)).hexdigest()


def pdf_context(dossier: TransferDossier, *, for_parents: bool = False) -> dict:
    from transfers.services import dossier_preview

    return {
        "dossier": dossier,
        "content": dossier_preview(dossier, for_parents=for_parents),
        "reviews": list(dossier.reviews.select_related("guardian").order_by("pk")),
        "is_final": dossier.state == TransferDossier.State.HANDED_OVER,
        "printed_at": timezone.localtime(),
    }


def render_dossier_pdf(dossier: TransferDossier, *, for_parents: bool = False) -> bytes:
    """The printable dossier; ``for_parents``: the parents' copy (a secret address shielded)."""
    return render_pdf("pdf/transfers/dossier.html", pdf_context(dossier, for_parents=for_parents))
