"""Render templates to PDF with WeasyPrint, without ever fetching anything from a network.

Only files under the static folders can be referenced (``static:`` resolution below);
any other URL is refused, so a template cannot leak a request to the outside world.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation


class ExternalResourceRefused(Exception):
    pass


def local_url_fetcher(url: str, *args, **kwargs):
    from weasyprint.urls import default_url_fetcher

    prefix = "file://static/"
    if url.startswith(settings.STATIC_URL):
        relative = url[len(settings.STATIC_URL) :]
    elif url.startswith(prefix):
        relative = url[len(prefix) :]
    elif url.startswith("data:"):
        return default_url_fetcher(url)
    else:
        raise ExternalResourceRefused(url)
    found = finders.find(relative)
    if not found:
        raise ExternalResourceRefused(url)
    return {"string": Path(found).read_bytes(), "filename": Path(found).name}


def render_pdf(template_name: str, context: dict) -> bytes:
    """A tagged PDF (PDF/UA-1): headings, tables and reading order reach screen readers, and the
    document carries the title and language of its HTML (``<title>``, ``<html lang>``).

    A PDF is printed in the active language, which in a view is the requester's; templates put
    ``LANGUAGE_CODE`` on ``<html lang>``."""
    from weasyprint import HTML

    context = {"LANGUAGE_CODE": translation.get_language() or settings.LANGUAGE_CODE, **context}
    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url="file://static/", url_fetcher=local_url_fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1")
