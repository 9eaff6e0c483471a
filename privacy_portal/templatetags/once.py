"""``{% form_token %}``: the hidden one-time token every POST form renders next to
``{% csrf_token %}`` (see privacy_portal.once). A built-in tag (settings ``TEMPLATES``), so
templates need no ``{% load %}`` for it."""

import secrets

from django import template
from django.utils.html import format_html

from privacy_portal.once import FIELD

register = template.Library()


@register.simple_tag
def form_token():
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(24)
    )
