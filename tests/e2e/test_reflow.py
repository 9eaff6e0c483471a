"""Reflow (WCAG 1.4.10): at 320 CSS pixels wide, no page in any demo persona's menu, nor the
first detail page of each list, scrolls sideways. Wide tables scroll inside their own region;
the page itself never does, and every region that scrolls can be reached with the keyboard
(WCAG 2.1.1) to be scrolled."""

import re

import pytest
from django.core.management import call_command

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from accounts.models import User
from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility_sweep import _links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARROW = 320

# The widest element that is not inside a scrolling region: says what to fix when this fails.
CULPRIT = """(width) => {
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (!box.width || box.right <= width + 0.5) continue;
    let inside = el.parentElement, scrolls = false;
    while (inside && inside !== document.body) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(inside).overflowX)) {
        scrolls = true;
        break;
      }
      inside = inside.parentElement;
    }
    if (!scrolls && !el.closest("details:not([open])")) {
      return `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}"`;
    }
  }
  return "";
}"""


# Regions in the main content that scroll sideways but cannot get the keyboard focus.
UNREACHABLE = """() => [...document.querySelectorAll("main *")]
  .filter(el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX)
    && el.scrollWidth > el.clientWidth + 1 && el.tabIndex < 0)
  .map(el => `${el.tagName.toLowerCase()}.${el.className}`)"""


def test_no_persona_page_scrolls_sideways_at_320_pixels(page, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.set_viewport_size({"width": NARROW, "height": 800})
    too_wide: dict[str, str] = {}
    checked: list[str] = []
    seen_shapes: set[str] = set()
    # A fixed order: a page shape is read once, for the first persona that reaches it.
    personas = User.objects.filter(
        email__endswith="@demo.privacyportaal.nl", is_active=True
    ).order_by("last_name", "first_name", "email")
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
            if shape == "/":  # the start page differs per role
                shape = f"/ for {user.pk}"
            if shape in seen_shapes:
                continue
            seen_shapes.add(shape)
            response = page.goto(url)
            if response is None or response.status != 200:
                continue
            checked.append(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW:
                too_wide[f"{user.email} {url}"] = f"{width}px: {page.evaluate(CULPRIT, NARROW)}"
            unreachable = page.evaluate(UNREACHABLE)
            if unreachable:
                too_wide[f"{user.email} {url}"] = f"not focusable: {', '.join(unreachable)}"
            if url in menu:
                queue += _links(page, "main table a, main .list a")[:1]
    assert len(checked) > 40, checked
    assert not too_wide, "\n".join(f"{where}: {what}" for where, what in too_wide.items())
