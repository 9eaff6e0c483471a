"""Template filters for the agreements app: country names, EEA flags, appendix letters."""

from django import template

from agreements.countries import country_name, is_eea

register = template.Library()


@register.filter(name="country")
def country_filter(code):
    return country_name(code)


@register.filter(name="is_eea")
def is_eea_filter(code):
    return is_eea(code)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def bijlage_letter(number):
    """1 → A, 2 → B: appendices per product are numbered 1A, 1B, ... as the model says."""
    return chr(64 + int(number))
