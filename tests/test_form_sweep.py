"""Every form, posted with garbage, answers 4xx and never 500 (issue 14, "what must be shown").

The sweep finds the forms as a user would: for each persona it follows the links from the start
page (two levels deep), reads every ``<form method="post">`` with its field names, and posts
each form with a huge integer, 100,000 characters and NUL bytes in every field. On the way it
checks that every form of ours carries its one-time token in the HTML itself, so that a double
submit is guarded without JavaScript too (privacy_portal.once)."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.students.factories import DossierEntryFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["directie", "ib", "administratie", "teacher", "fg", "cvb", "beheerder", "parent"]
BAD_VALUES = {
    "huge_integer": "9" * 40,
    "hundred_thousand_characters": "x" * 100_000,
    "nul_bytes": "a\x00b",
}
MAX_PAGES = 60
TYPED_INPUTS = {"text", "email", "number", "tel", "date", "search", "url", "password"}
SKIP = ("/static/", "/media/", "/i18n/", "/account/uitloggen", "/beheer/logout")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": set(), "token": False}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("name") == "form_token":
            self._form["token"] = True
        elif (
            tag in ("input", "textarea", "select")
            and self._form is not None
            and attrs.get("name")
            and (tag != "input" or (attrs.get("type") or "text") in TYPED_INPUTS)
        ):
            # Fields a person types into or chooses from (buttons and checkboxes carry no
            # value a form could bound).
            self._form["fields"].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _forms_of(client):
    """The POST forms reachable from the start page: {action: field names}, and the actions of
    those that render no one-time token."""
    seen, queue, forms, without_token = set(), ["/"], {}, set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for form in page.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            forms.setdefault(action, set()).update(form["fields"] - {"csrfmiddlewaretoken"})
            if not form["token"]:
                without_token.add(action)
        if url.count("/") <= 4:
            for link in page.links:
                parts = urlsplit(urljoin(url, link))
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if not parts.netloc and not target.startswith(SKIP) and target not in seen:
                    queue.append(target)
    return forms, without_token


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_form_answers_garbage_with_a_4xx(client_for, world, persona):
    DossierEntryFactory(pupil=world.pupil)
    client = client_for(getattr(world, persona))
    forms, without_token = _forms_of(client)
    # Django's admin (/beheer/) has its own templates and is exempt from the guard.
    assert sorted(a for a in without_token if not a.startswith("/beheer/")) == []
    assert forms or persona in ("cvb",), f"no forms found for {persona}"
    if persona == "directie":
        # The sweep really reaches the pupil forms (a guard against a crawler that finds nothing).
        assert any("/leerlingen/" in action for action in forms), sorted(forms)
    failures = []
    for action, fields in sorted(forms.items()):
        if "/account/" in action or "/i18n/" in action:
            continue  # sign-in, password and language forms: tested in tests/accounts
        if not fields:
            continue  # a button (invite, confirm, sign): nothing typed, nothing to bound
        for label, value in BAD_VALUES.items():
            response = client.post(action, dict.fromkeys(fields, value))
            # The admin's own list pages answer a bad action choice with the list and a
            # message; they must not fail. Our forms must refuse with a 4xx.
            allowed = range(200, 500) if action.startswith("/beheer/") else range(400, 500)
            if response.status_code not in allowed:
                failures.append(f"{action} {label}: {response.status_code}")
    assert failures == []
