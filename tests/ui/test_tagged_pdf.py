"""Every PDF the product prints is tagged (PDF/UA-1) and names its title and language, so that a
screen reader can read a signed agreement or an inspection export as well as the page."""

import subprocess

from privacy_portal.pdf import render_pdf


def test_pdfs_are_tagged_with_title_and_language(settings, tmp_path):
    template = tmp_path / "doc.html"
    template.write_text(
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Testdocument</title>'
        "</head><body><h1>Kop</h1><table><tr><th>Veld</th><td>Waarde</td></tr></table></body></html>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(render_pdf("doc.html", {}))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    assert "Title:           Testdocument" in info
    catalog = subprocess.run(
        ["pdfinfo", "-struct", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "H1" in catalog and "Table" in catalog
