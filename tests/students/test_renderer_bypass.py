"""No view, template or export reads a protected registry field around the renderer.

Every place that shows pupil data gets its values from ``students.rendering`` (which applies the
audience, the secret-contact flag and the read logging); this test reads the source and fails
when a template or a module reads a masked or secret-hidden pupil field directly."""

import re
from pathlib import Path

from django.conf import settings

from students import registry

ROOT = Path(settings.BASE_DIR)
APPS = [
    "accounts",
    "agreements",
    "breaches",
    "checklist",
    "consent",
    "governance",
    "portal",
    "privacy_portal",
    "retention",
    "students",
    "transfers",
]
# Modules allowed to touch the values, and why.
ALLOWED_MODULES = {
    "students/rendering.py": "the renderer itself",
    "students/services.py": "writes (validation and normalisation of new values)",
    "students/imports.py": "writes (compares imported values with stored ones)",
    "students/forms.py": "edit forms bound to the pupil, shown after the view's access check",
    "portal/services.py": "copies a correction's old value, guarded by rendering.hidden_by_secret",
    "portal/forms.py": "shows the current value, guarded by rendering.hidden_by_secret",
    "transfers/services.py": "compares destination fields before a write",
}


def _protected_pupil_fields() -> list[str]:
    return sorted(
        {
            name.split(".", 1)[1]
            for name in registry.registered_fields()
            if name.startswith("Pupil.")
            and (
                registry.field_policy(name).audit_masked or registry.field_policy(name).secret_hides
            )
        }
    )


def test_no_template_reads_a_protected_pupil_field_directly():
    fields = "|".join(_protected_pupil_fields())
    pattern = re.compile(rf"\b(pupil|child|object)\.({fields})\b")
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.*")
        if path.suffix in (".html", ".txt")
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "render these through students.rendering"


def test_no_module_reads_pupil_field_values_around_the_renderer():
    # The secret flag itself is read to decide visibility (that is the policy, not a display).
    fields = "|".join(f for f in _protected_pupil_fields() if f != "contact_is_secret")
    pattern = re.compile(rf"getattr\([a-z_.]*pupil, |\bpupil\.({fields})\b")
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            if "/migrations/" in relative or relative in ALLOWED_MODULES:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "render these through students.rendering"


def test_the_bypass_check_would_see_a_direct_read(tmp_path):
    fields = "|".join(_protected_pupil_fields())
    assert re.search(rf"\b(pupil|child|object)\.({fields})\b", "{{ pupil.street_address }}")
    assert re.search(r"getattr\([a-z_.]*pupil, ", "value = getattr(pupil, name)")
