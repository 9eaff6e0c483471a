"""Consent test set-up.

This branch was cut before main taught ``privacy_portal.hooks`` to skip itself while collecting
hooks (without that, the layout recurses). The fixture applies the same rule for these tests;
on main it changes nothing.
"""

import pytest


def _hook_modules_without_collector():
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name == "privacy_portal":
            continue
        try:
            yield import_module(f"{config.name}.hooks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.hooks":
                raise


@pytest.fixture(autouse=True)
def _hooks_skip_collector(monkeypatch):
    from privacy_portal import hooks

    monkeypatch.setattr(hooks, "_hook_modules", _hook_modules_without_collector)
