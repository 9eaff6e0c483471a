"""Screens of the agreements app (thin: parse, call a selector or service, render)."""

from django.http import Http404


def agreement_detail(request, pk):
    raise Http404


def bijsluiter_detail(request, pk):
    raise Http404
