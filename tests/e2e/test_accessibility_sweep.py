"""axe-core (WCAG 2.1 A and AA rules, vendored from npm in tests/e2e/vendor) over every page in
every demo persona's menu (each page once, for the first persona that reaches it), one detail
page per list, and the forms re-rendered with their errors:
zero violations, and no aria-describedby that points at a missing element."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from accounts.models import User
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SKIP = ("/account/uitloggen", "/beheer/", "/static/", "/media/", "/i18n/")
DOWNLOADS = (".pdf", ".csv", ".zip", ".json")

BROKEN_DESCRIBED_BY = """() => {
  const broken = [];
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) broken.push(`${el.name || el.id || el.tagName}→${id}`);
    }
  }
  return broken;
}"""


def _audit(page) -> list[str]:
    # Evaluated through the browser's debugging protocol: the page's CSP stays as it is.
    page.evaluate(f"() => {{ {AXE}\n window.axe = axe; }}")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
    ]
    problems += [f"aria-describedby {b}" for b in page.evaluate(BROKEN_DESCRIBED_BY)]
    return problems


def _links(page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.getAttribute('href'))")
    return [
        h
        for h in hrefs
        if h and h.startswith("/") and not h.startswith(SKIP) and not h.endswith(DOWNLOADS)
    ]


def test_every_persona_page_passes_axe(page, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    findings: dict[str, list[str]] = {}
    audited: list[str] = []
    # A page (by its address with ids as N) is audited for the first persona that reaches it:
    # the markup is one template whoever looks, and the walk stays within a few minutes.
    seen_shapes: set[str] = set()
    personas = User.objects.filter(email__endswith="@demo.privacyportaal.nl", is_active=True)
    for user in personas:
        page.context.clear_cookies()
        sign_in(page, user, password=DEMO_PASSWORD)
        page.goto("/")
        page.locator("nav.main-nav").wait_for(state="attached")
        menu = ["/"] + _links(page, "nav.main-nav a")
        queue = list(dict.fromkeys(menu))
        while queue:
            url = queue.pop(0)
            shape = re.sub(r"\d+", "N", url.split("?")[0])
            if shape == "/":  # the start page differs per role: audit it for everyone
                shape = f"/ for {user.pk}"
            if shape in seen_shapes:
                continue
            seen_shapes.add(shape)
            response = page.goto(url)
            if response is None or response.status != 200:
                continue
            audited.append(url)
            for problem in _audit(page):
                findings.setdefault(f"{user.email} {url}", []).append(problem)
            if url in menu:
                # One detail page per list: the first link in the main content of a menu page.
                queue += _links(page, "main table a, main .list a")[:1]
                form = page.locator("main form[method=post]").first
                # Re-render the page's form with its errors: submit it empty (never a form that
                # asks for confirmation: those act, they do not validate).
                if (
                    form.count()
                    and form.locator("button[type=submit]").count()
                    and form.get_attribute("data-confirm") is None
                ):
                    form.evaluate("f => { f.noValidate = true; }")
                    form.locator("button[type=submit]").first.click()
                    page.wait_for_load_state()
                    audited.append(f"{url} (errors)")
                    for problem in _audit(page):
                        findings.setdefault(f"{user.email} {url} (na versturen)", []).append(
                            problem
                        )
    # The walk really went somewhere: every persona's menu, a detail and a form per list.
    assert len(audited) > 40, audited
    assert any(url.endswith("(errors)") for url in audited)
    assert not findings, "\n".join(f"{where}: {'; '.join(p)}" for where, p in findings.items())
