"""Fixtures of the students tests."""

import pytest

from privacy_portal import hooks


def _collector_skips_itself() -> bool:
    return "__package__" in hooks._hook_modules.__code__.co_names


@pytest.fixture(autouse=True)
def _hooks_without_self_recursion(monkeypatch):
    """This branch started before main fixed ``privacy_portal.hooks`` collecting its own
    ``navigation`` (endless recursion on every signed-in page). Skip that module here until
    the branches are merged; once main's fix is in, this fixture does nothing."""
    if _collector_skips_itself():
        return
    original = hooks._hook_modules

    def _modules():
        for module in original():
            if module.__name__ != hooks.__name__:
                yield module

    monkeypatch.setattr(hooks, "_hook_modules", _modules)
