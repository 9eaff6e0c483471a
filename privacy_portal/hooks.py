"""How apps contribute to shared screens without the core knowing their internals.

An app may define, in ``<app>/hooks.py``:

- ``navigation(user) -> list[NavItem]``: entries for the main navigation;
- ``attention(user) -> list[AttentionItem]``: "what needs my attention" on the start page.

Later apps (the checklist) add hook names of their own through ``collect``.
"""

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50
    section: str = ""  # "active" marker: the first path segment this item owns


@dataclass(frozen=True)
class AttentionItem:
    title: str
    url: str = ""
    detail: str = ""
    level: str = "info"  # info | warning | danger
    due: object = None


def _hook_modules():
    for config in apps.get_app_configs():
        if config.name == __package__:  # this module is the collector, not a contributor
            continue
        try:
            yield import_module(f"{config.name}.hooks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.hooks":
                raise


def collect(hook: str, *args, **kwargs) -> list:
    results: list = []
    for module in _hook_modules():
        function = getattr(module, hook, None)
        if function is not None:
            results.extend(function(*args, **kwargs) or [])
    return results


def navigation(user) -> list[NavItem]:
    return sorted(collect("navigation", user), key=lambda item: (item.order, item.label))


def attention(user) -> list[AttentionItem]:
    return collect("attention", user)
