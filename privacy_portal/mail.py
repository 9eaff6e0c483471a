"""E-mail from templates, sent only after the surrounding transaction commits."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def render_mail(template_base: str, context: dict) -> tuple[str, str]:
    """``template_base`` names ``<base>_subject.txt`` and ``<base>_body.txt``."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template_base}_subject.txt", context).split())
    body = render_to_string(f"{template_base}_body.txt", context)
    return subject, body


def send_templated_mail(template_base: str, context: dict, recipients: list[str]) -> None:
    subject, body = render_mail(template_base, context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    message.send()


def send_templated_mail_on_commit(template_base: str, context: dict, recipients: list[str]) -> None:
    recipients = [r for r in recipients if r]
    if recipients:
        transaction.on_commit(lambda: send_templated_mail(template_base, context, recipients))
