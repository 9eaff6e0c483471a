"""The inspection export (art. 15) as the parent receives it: one zip with a readable PDF in plain
Dutch, the same data as JSON, and every document of the child's dossier.

The export itself is compiled and reviewed by staff first (``services.inspection_prepare``);
this module only turns the reviewed JSON into files. Documents are read from the dossier at
download time, only those the reviewed export names, and only of this child.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from privacy_portal import hooks
from privacy_portal.pdf import render_pdf
from students import registry


def dutch_datetime(value: str, *, with_time: bool = True) -> str:
    """An ISO timestamp from the export as '1 december 2026 14:35' (Dutch month names)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "j F Y H:i" if with_time else "j F Y")


def _what_label(what: str) -> str:
    """An access record's 'what' (a category key, an export kind) in words."""
    if what in registry.BY_KEY:
        return str(registry.BY_KEY[what].label)
    if what.startswith("export:inzage"):
        return _("inzage-export (dit overzicht)")
    if what.startswith("export"):
        return _("export van gegevens")
    if what.startswith("dossier"):
        return _("leerlingdossier")
    if what.startswith("transfer"):
        return _("overdrachtsdossier")
    return _("gegevens van de leerling")


def _outside(row: dict) -> list[dict]:
    """The countries outside the EEA of one recipient with their transfer basis, as the
    agreements' register judged it when the export was compiled (``data_recipients`` hook).
    An export stored before it carried them asks the register now (``transfer_label`` hook)."""
    if "transfers" in row:
        return [{"country": t["country"], "basis": t["basis"]} for t in row["transfers"]]
    outside = []
    for code in row.get("outside_eea") or []:
        outside += hooks.collect("transfer_label", code)[:1]
    return [{"country": t["country"], "basis": t["basis"]} for t in outside]


def readable(export: dict) -> dict:
    """The export with labels and Dutch dates, for the PDF: no internal codes."""
    recipients = []
    for row in export.get("recipients", []):
        outside = _outside(row)
        recipients.append(
            {
                **row,
                "category_labels": [
                    str(registry.BY_KEY[key].label)
                    for key in row.get("categories", [])
                    if key in registry.BY_KEY
                ],
                "outside": outside,
            }
        )
    return {
        **export,
        "generated": dutch_datetime(export.get("generated_at", ""), with_time=False),
        "dossier": [
            {**d, "created_label": dutch_datetime(d.get("created", ""), with_time=False)}
            for d in export.get("dossier", [])
        ],
        "recipients": recipients,
        "withheld": [
            {**w, "decided_label": dutch_datetime(w.get("decided", ""), with_time=False)}
            for w in export.get("withheld", [])
        ],
        "access_records": [
            {
                **a,
                "when_label": dutch_datetime(a.get("when", "")),
                "what_label": _what_label(a.get("what", "")),
            }
            for a in export.get("access_records", [])
        ],
    }


def pdf_bytes(request) -> bytes:
    return render_pdf(
        "pdf/portal/inspection.html", {"req": request, "export": readable(request.export_json)}
    )


def json_bytes(request) -> bytes:
    return json.dumps(request.export_json, ensure_ascii=False, indent=2).encode()


def zip_bytes(request) -> bytes:
    """One zip: the PDF, the JSON and every document the reviewed export names."""
    from students.models import DossierEntry

    named = {
        d["id"]: d["document_file"]
        for d in request.export_json.get("dossier", [])
        if d.get("document_file")
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"inzage-{request.reference}.pdf", pdf_bytes(request))
        archive.writestr(f"inzage-{request.reference}.json", json_bytes(request))
        entries = DossierEntry.objects.filter(pupil=request.pupil, pk__in=list(named)).exclude(
            document=""
        )
        for entry in entries:
            try:
                with entry.document.open("rb") as handle:
                    archive.writestr(named[entry.pk], handle.read())
            except FileNotFoundError:
                archive.writestr(
                    named[entry.pk] + ".txt",
                    _("Dit document kon niet worden gevonden. Vraag de school om een kopie."),
                )
        archive.writestr("LEESMIJ.txt", readme())
    return buffer.getvalue()


def readme() -> str:
    return _(
        "Inzage in de gegevens van uw kind (AVG artikel 15)\n\n"
        "- inzage-….pdf: het overzicht om te lezen of te printen.\n"
        "- inzage-….json: dezelfde gegevens als bestand voor een computer.\n"
        "- documenten/: de documenten uit het leerlingdossier.\n\n"
        "Vragen? Stuur een bericht via het verzoek in het portaal of vraag het op school.\n"
    )
