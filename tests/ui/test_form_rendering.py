"""The one form rendering (`_form.html`, `_field.html`, `_form_errors.html`) is accessible: every
`aria-describedby` points at an element that exists, choice groups are a fieldset with their question
as legend, and a form with errors opens with a summary that links to each field."""

import re
from html.parser import HTMLParser

from django import forms
from django.template.loader import render_to_string


class EveryKindOfFieldForm(forms.Form):
    name = forms.CharField(label="Naam", help_text="Zoals in de administratie.", max_length=5)
    kind = forms.ChoiceField(
        label="Soort verzoek",
        choices=[("a", "Inzage"), ("b", "Correctie")],
        widget=forms.RadioSelect,
        help_text="Kies er één.",
    )
    channels = forms.MultipleChoiceField(
        label="Kanalen",
        choices=[("web", "Website"), ("news", "Nieuwsbrief")],
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label="Ik ga akkoord")
    remark = forms.CharField(label="Opmerking", widget=forms.Textarea, required=False)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[str] = []
        self.stack: list[str] = []
        self.inputs_outside_fieldset: list[str] = []
        self.legends = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described_by.extend(attrs["aria-describedby"].split())
        if tag == "legend":
            self.legends += 1
        if tag == "input" and attrs.get("type") == "radio" and "fieldset" not in self.stack:
            self.inputs_outside_fieldset.append(attrs.get("name", ""))
        if tag not in {"input", "br", "img", "meta", "link"}:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def _render(form) -> _Collector:
    html = render_to_string("_form.html", {"form": form})
    collector = _Collector()
    collector.feed(html)
    collector.html = html
    return collector


def test_every_described_by_reference_exists_on_a_fresh_form():
    page = _render(EveryKindOfFieldForm())
    assert page.described_by, "help texts should describe their fields"
    assert set(page.described_by) <= page.ids


def test_every_described_by_reference_exists_on_a_form_with_errors():
    page = _render(EveryKindOfFieldForm(data={"name": "veel te lang"}))
    missing = set(page.described_by) - page.ids
    assert not missing, f"aria-describedby points at missing ids: {missing}"
    assert "id_name_error" in page.described_by
    assert "id_kind_error" in page.described_by


def test_choice_groups_are_fieldsets_with_their_question_as_legend():
    page = _render(EveryKindOfFieldForm())
    assert page.inputs_outside_fieldset == []
    assert page.legends == 2
    assert re.search(r"<legend>Soort verzoek", page.html)
    assert 'for=""' not in page.html


def test_a_form_with_errors_opens_with_a_summary_that_links_to_each_field():
    page = _render(EveryKindOfFieldForm(data={"name": "veel te lang"}))
    summary = page.html.split("</ul>")[0]
    assert "data-error-summary" in summary
    assert 'href="#id_name"' in summary
    assert 'href="#id_kind_error"' in summary
    assert 'href="#id_agree"' in summary
    # One alert for the whole form, not one per field.
    assert page.html.count('role="alert"') == 1


def test_erroneous_inputs_are_marked_invalid():
    page = _render(EveryKindOfFieldForm(data={"name": "veel te lang"}))
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="name"', page.html) or re.search(
        r'<input[^>]*name="name"[^>]*aria-invalid="true"', page.html
    )
