"""E-mail from templates, through an outbox written in the caller's transaction.

``send_templated_mail_on_commit`` renders the mail now and stores it as an ``OutboxMail`` row in
the same transaction as the action that caused it. After the commit a task delivers it; a
periodic sweep (``privacy_portal.tasks.sweep_outbox``) picks up what was not delivered: mails
whose task never reached a worker (broker down) and mails whose delivery failed. So:

- a rolled-back action sends nothing, a committed action cannot lose its mail;
- the action succeeds whatever the mail server does: delivery runs after the commit, catches
  every error and is bounded by ``EMAIL_TIMEOUT``;
- each mail is delivered once: delivery locks the row (``skip_locked`` on PostgreSQL, so a
  second worker passes it by) and marks it sent in the same transaction. A worker killed
  between the SMTP hand-off and the commit may send it a second time; nothing can promise
  better with SMTP.

After delivery the subject, body and addresses are cleared. Mails that still fail after
``MAIL_MAX_ATTEMPTS`` are marked failed and shown to the FG (``privacy_portal.hooks``).

Each mail is written in its recipient's language: the language chosen on the account with that
address (``User.preferred_language``), else the product's language (``LANGUAGE_CODE``), never the
language of whoever caused the mail. Recipients of different languages get separate mails.

In demo mode (``DEMO_MODE``, only with ``DEBUG``) a delivered mail keeps its text, so that the
demo outbox page (``privacy_portal.views.demo_outbox``) can show what would have been sent, and
links in mails point at the address the demo server is opened on (``site_url``).
"""

import logging
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template import Context, engines
from django.utils import timezone, translation

from privacy_portal.models import OutboxMail

logger = logging.getLogger(__name__)

# Minutes to wait after the n-th failed attempt; after the last one the mail is marked failed.
RETRY_DELAYS_MINUTES = [1, 5, 15, 60, 240]


def _render_text(name: str, context: dict) -> str:
    """Render a plain-text template with autoescape off: a mail is not HTML, so an apostrophe
    must stay an apostrophe (no ``&#x27;``). Values still pass through the template language,
    never through string formatting."""
    template = engines["django"].get_template(name)
    return template.template.render(Context(context, autoescape=False))


# The address the current request came in on, set only in demo mode
# (``privacy_portal.middleware.DemoSiteUrlMiddleware``). Never in production: there the Host
# header is the visitor's to choose, and links in mails must come from the settings.
_request_site_url: ContextVar[str] = ContextVar("request_site_url", default="")


def site_url() -> str:
    """The start of every absolute link in a mail: ``SITE_URL``, or in demo mode the address
    the demo is being used on (a demo on port 8123 mails links to port 8123)."""
    return _request_site_url.get() or settings.SITE_URL


def render_mail(template_base: str, context: dict) -> tuple[str, str]:
    """``template_base`` names ``<base>_subject.txt`` and ``<base>_body.txt``."""
    context = {"site_url": site_url(), **context}
    subject = " ".join(_render_text(f"{template_base}_subject.txt", context).split())
    body = _render_text(f"{template_base}_body.txt", context)
    return subject, body


def by_language(recipients: list[str]) -> dict[str, list[str]]:
    """The recipients grouped by the language their mail is written in, in their order."""
    from accounts.models import User

    supported = {code for code, _name in settings.LANGUAGES}
    chosen = {
        email.lower(): language
        for email, language in User.objects.filter(
            email__in=[r.lower() for r in recipients]
        ).values_list("email", "preferred_language")
        if language in supported
    }
    # An address that is no account's own, such as the e-mail on a pupil's record of a parent
    # who signs in with another address: the apps say whose account it belongs to.
    from privacy_portal import hooks

    unknown = [r.lower() for r in recipients if r.lower() not in chosen]
    if unknown:
        for email, language in hooks.collect_mapping("recipient_languages", unknown).items():
            if language in supported:
                chosen.setdefault(email.lower(), language)
    groups: dict[str, list[str]] = {}
    for recipient in recipients:
        language = chosen.get(recipient.lower(), settings.LANGUAGE_CODE)
        groups.setdefault(language, []).append(recipient)
    return groups


def send_templated_mail(template_base: str, context: dict, recipients: list[str]) -> None:
    """Send at once, raising on failure. Only for jobs that keep their own exactly-once record
    (consent notices); actions use ``send_templated_mail_on_commit``."""
    for language, group in by_language(recipients).items():
        with translation.override(language):
            subject, body = render_mail(template_base, context)
        message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, group)
        message.send()


def send_templated_mail_on_commit(template_base: str, context: dict, recipients: list[str]) -> None:
    """Queue a mail in the current transaction; it is delivered after the commit."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    for language, group in by_language(recipients).items():
        with translation.override(language):
            subject, body = render_mail(template_base, context)
        mail = OutboxMail.objects.create(
            template=template_base,
            subject=subject[:998],
            body=body,
            recipients=group,
            recipient_count=len(group),
            language=language,
        )
        transaction.on_commit(lambda mail_id=mail.pk: enqueue_delivery(mail_id), robust=True)


def enqueue_delivery(mail_id: int) -> None:
    """Hand the mail to a worker. A broker that is down is no error for the user: the row stays
    pending and the sweep delivers it."""
    from privacy_portal.tasks import deliver_mail

    try:
        deliver_mail.delay(mail_id)
    except Exception as exc:  # the broker, or an eager delivery that broke unforeseen
        logger.warning("mail %s left for the outbox sweep: %r", mail_id, exc)


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def deliver(mail_id: int, *, now=None) -> str:
    """Try to deliver one outbox mail once; returns its status afterwards.

    Never raises for a failing mail server: the failure is recorded on the row and retried
    later. A mail that is already sent, failed, not due or locked by another worker is left
    alone."""
    now = now or timezone.now()
    with transaction.atomic():
        mail = _locked(
            OutboxMail.objects.filter(
                pk=mail_id, status=OutboxMail.Status.PENDING, next_attempt_at__lte=now
            )
        ).first()
        if mail is None:
            return ""
        try:
            message = EmailMultiAlternatives(
                mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.recipients
            )
            message.send()
        except Exception as exc:  # any failure of the mail server: retry later
            mail.attempts += 1
            mail.last_error = type(exc).__name__[:200]
            if mail.attempts >= max_attempts():
                mail.status = OutboxMail.Status.FAILED
                logger.error("mail %s not delivered after %s attempts", mail.pk, mail.attempts)
            else:
                delay = RETRY_DELAYS_MINUTES[min(mail.attempts, len(RETRY_DELAYS_MINUTES)) - 1]
                mail.next_attempt_at = now + timedelta(minutes=delay)
                logger.warning("mail %s attempt %s failed: %s", mail.pk, mail.attempts, exc)
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return mail.status
        mail.attempts += 1
        mail.status = OutboxMail.Status.SENT
        mail.sent_at = timezone.now()
        mail.last_error = ""
        if not settings.DEMO_MODE:
            # The mail has left; keep no copy of what it said or to whom. (Demo data is made
            # up: the demo keeps it for its outbox page.)
            mail.subject = ""
            mail.body = ""
            mail.recipients = []
        mail.save()
        return mail.status


def max_attempts() -> int:
    return getattr(settings, "MAIL_MAX_ATTEMPTS", len(RETRY_DELAYS_MINUTES) + 1)


def sweep(*, now=None, limit: int = 500) -> dict[str, int]:
    """Deliver every pending mail that is due (the periodic sweep). Each mail in its own
    transaction, so one bad mail holds up no other."""
    now = now or timezone.now()
    due = list(
        OutboxMail.objects.filter(status=OutboxMail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for mail_id in due:
        status = deliver(mail_id, now=now)
        if status == OutboxMail.Status.SENT:
            counts["sent"] += 1
        elif status == OutboxMail.Status.PENDING:
            counts["retry"] += 1
        elif status == OutboxMail.Status.FAILED:
            counts["failed"] += 1
    return counts


def retry_failed(*, mail_ids=None) -> int:
    """Give failed mails a new round of attempts (the FG's button after the server is fixed).
    A failed mail whose content was cleared (``forget_failed``) cannot be sent again."""
    queryset = OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).exclude(recipients=[])
    if mail_ids is not None:
        queryset = queryset.filter(pk__in=mail_ids)
    return queryset.update(
        status=OutboxMail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )


KEEP_SENT = timedelta(days=90)


def forget_sent(*, now=None) -> int:
    """Delete the records of mails delivered more than 90 days ago (called by the job reaper):
    they hold no content, and the outbox is no archive."""
    now = now or timezone.now()
    deleted, _counts = OutboxMail.objects.filter(
        status=OutboxMail.Status.SENT, sent_at__lt=now - KEEP_SENT
    ).delete()
    return deleted


# A mail that failed after all its retries still says what it said about a pupil: the FG can
# send it again while the mail server is fixed, but not for ever. After KEEP_FAILED_CONTENT
# since its last attempt its subject, body and addresses are cleared; the row stays as the fact
# that a mail of this kind to this many people was not delivered, and goes after
# KEEP_FAILED_FACT (docs/retention.md, "Other clocks").
KEEP_FAILED_CONTENT = timedelta(days=30)
KEEP_FAILED_FACT = timedelta(days=365)


def forget_failed(*, now=None) -> dict[str, int]:
    """Clear the content of mails that failed more than 30 days ago, and delete the records of
    failed mails older than a year (called by the job reaper)."""
    now = now or timezone.now()
    failed = OutboxMail.objects.filter(status=OutboxMail.Status.FAILED)
    cleared = (
        failed.filter(next_attempt_at__lt=now - KEEP_FAILED_CONTENT)
        .exclude(subject="", body="", recipients=[])
        .update(subject="", body="", recipients=[])
    )
    deleted, _counts = failed.filter(created_at__lt=now - KEEP_FAILED_FACT).delete()
    return {"cleared": cleared, "deleted": deleted}
