"""Privacyportaal: the project package (settings, URLs, Celery app) and small shared helpers."""

from privacy_portal.celery import app as celery_app

__all__ = ["celery_app"]
