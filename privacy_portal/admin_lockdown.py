"""The web admin cannot grant power or show pupil data around the access gate.

Applied once at start-up (``PrivacyPortalConfig.ready``), after every app's ``admin.py`` has
registered its models, so that no app can forget it:

- models holding pupil or guardian data (the students models, and every model with a foreign
  key path to one of them: requests, consent decisions, transfer dossiers, …) and the audit log
  are taken out of the admin: they are read through the app's own pages, which ask
  ``accounts.access`` and write access records;
- Django's groups and permissions are not editable (role groups follow memberships through
  ``accounts.services.sync_user_groups``);
- a delete confirmation names the objects being deleted and counts, per kind, what goes with
  them (a class takes its enrolments along: listing them would print pupils' names);
- two-factor devices can be removed (a lost phone) but not added or changed, so nobody can give
  themselves a second factor of someone else's account.

The user admin itself (``accounts/admin.py``) keeps ``is_superuser``, ``is_staff``, groups and
permissions out of its forms: superusers are made only from the command line.
"""

from django.contrib import admin

# Models whose rows are pupil or guardian data (plus the audit trail that copies them).
PUPIL_DATA_ROOTS = ("students.Pupil", "students.Guardian", "students.DossierEntry")
ALSO_HIDDEN = ("auditlog.LogEntry", "auth.Group", "auth.Permission")
MAX_DEPTH = 3


def leads_to_pupil_data(model, depth: int = MAX_DEPTH, seen=None) -> bool:
    """True when ``model`` is a pupil-data root or reaches one through foreign keys."""
    if model._meta.label in PUPIL_DATA_ROOTS:
        return True
    if depth == 0:
        return False
    seen = seen or set()
    seen.add(model)
    for field in model._meta.get_fields():
        target = getattr(field, "related_model", None)
        if not (field.is_relation and field.concrete and target) or target in seen:
            continue
        if (field.many_to_one or field.one_to_one) and leads_to_pupil_data(target, depth - 1, seen):
            return True
    return False


def hidden_models(site=admin.site) -> list:
    return [
        model
        for model in list(site._registry)
        if model._meta.label in ALSO_HIDDEN or leads_to_pupil_data(model)
    ]


class _RemoveOnlyDeviceAdmin:
    """Mixed into the OTP device admins: listing and removing, never adding or editing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _CountsOnlyOnDelete:
    """Mixed into every admin: the delete confirmation shows counts of related rows, never the
    rows themselves (they may be pupils, parents or dossier entries the admin does not show)."""

    def get_deleted_objects(self, objs, request):
        from django.utils.translation import ngettext

        _listed, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        summary = [str(obj) for obj in objs]
        summary += [f"{name}: {count}" for name, count in model_count.items()]
        if protected:
            protected = [
                ngettext(
                    "%(count)s ander gegeven verwijst hiernaar",
                    "%(count)s andere gegevens verwijzen hiernaar",
                    len(protected),
                )
                % {"count": len(protected)}
            ]
        return summary, model_count, perms_needed, protected


def apply(site=admin.site) -> None:
    for model in hidden_models(site):
        site.unregister(model)
    for model, model_admin in list(site._registry.items()):
        site.unregister(model)
        site.register(
            model,
            type(
                f"CountsOnly{type(model_admin).__name__}",
                (_CountsOnlyOnDelete, type(model_admin)),
                {},
            ),
        )
    for label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
        for model, model_admin in list(site._registry.items()):
            if model._meta.label == label:
                site.unregister(model)
                site.register(
                    model,
                    type(
                        f"RemoveOnly{type(model_admin).__name__}",
                        (_RemoveOnlyDeviceAdmin, type(model_admin)),
                        {},
                    ),
                )
