"""``{% form_token %}``: the hidden one-time token of a creating form (see privacy_portal.once)."""

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
