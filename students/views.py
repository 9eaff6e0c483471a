"""Staff screens for pupil records: the list, the pupil page, category edits, the dossier, the
access records. Thin: parse, ask ``students.selectors`` or call ``students.services``, render.

Out of scope is a 404 (``staff_pupil_or_404``); visible but not allowed is a 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import access
from privacy_portal import hooks, uploads
from privacy_portal.forms import submit
from privacy_portal.pdf import render_pdf
from students import imports, registry, selectors, services
from students.forms import (
    DossierEntryForm,
    EmergencyContactForm,
    GuardianForm,
    PupilImportForm,
    PupilSearchForm,
    pupil_category_form,
)
from students.models import Guardian, ImportRun, Pupil

PAGE_SIZE = 25


@login_required
def pupil_list(request):
    schools, classes = selectors.list_filter_options(request.user)
    form = PupilSearchForm(request.GET or None, schools=schools, classes=classes)
    filters = form.cleaned_data if form.is_valid() else {}
    pupils = selectors.staff_pupil_list(
        request.user,
        query=filters.get("q", ""),
        school_id=filters.get("school"),
        class_id=filters.get("groep"),
    )
    page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "students/pupil_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_import": selectors.import_schools(request.user).exists(),
        },
        status=200 if not form.errors else 400,
    )


@login_required
def pupil_detail(request, pk: int):
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    context = selectors.pupil_file(request.user, pupil)
    services.pupil_file_opened(
        actor=request.user,
        pupil=pupil,
        categories=context["categories"],
        entries=[entry for section in context["sections"] for entry in section.entries],
        capabilities=context["capabilities"],
    )
    context["pupil"] = pupil
    # Other apps offer their own actions on a pupil (invite parents, transfer dossier, …).
    context["pupil_actions"] = hooks.collect("pupil_actions", request.user, pupil)
    return render(request, "students/pupil_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pupil_edit(request, pk: int, category: str):
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    capabilities = access.pupil_capabilities(request.user, pupil)
    visible = {
        c.key: c
        for c in selectors.visible_categories(request.user, pupil, capabilities=capabilities)
    }
    if category not in visible:
        raise Http404
    data_category = visible[category]
    editable = selectors.editable_categories(request.user, pupil, capabilities=capabilities)
    field_names = services.editable_pupil_fields(data_category)
    if data_category not in editable or not field_names:
        raise PermissionDenied(_("U mag deze gegevens van deze leerling niet wijzigen."))
    form_class = pupil_category_form(field_names)
    form = form_class(request.POST or None, instance=pupil)
    status = 200
    if request.method == "POST":
        saved = submit(
            request,
            form,
            lambda: services.pupil_update(
                actor=request.user,
                pupil=pupil,
                category_key=category,
                data={name: form.cleaned_data[name] for name in field_names},
            ),
            success=_("De gegevens zijn opgeslagen."),
            done=lambda _pupil: reverse("students:pupil_detail", args=[pupil.pk]),
        )
        if saved is not None:
            return saved
        status = 400
    # The form shows the current values: a read like the pupil page (one record, if any).
    services.pupil_file_opened(
        actor=request.user, pupil=pupil, categories=[data_category], capabilities=capabilities
    )
    return render(
        request,
        "students/pupil_edit.html",
        {"pupil": pupil, "category": data_category, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_entry_create(request, pk: int):
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    capabilities = access.pupil_capabilities(request.user, pupil)
    categories = [
        c
        for c in selectors.editable_categories(request.user, pupil, capabilities=capabilities)
        if c.holds_dossier_entries
    ]
    if not categories:
        raise PermissionDenied(_("U mag geen stukken aan dit dossier toevoegen."))
    audiences = selectors.allowed_audiences(request.user, pupil)
    form = DossierEntryForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        audiences=audiences,
        ceiling=access.sensitivity_ceiling(request.user, pupil),
        initial={"category": request.GET.get("categorie")},
    )
    status = 200
    if request.method == "POST" and uploads.upload_cut_off(request):
        # The connection dropped mid-upload: save neither the entry nor part of its document.
        form.add_error(
            None,
            _(
                "Het bestand is niet volledig aangekomen. Er is niets opgeslagen; probeer het opnieuw."
            ),
        )
        status = 400
    elif request.method == "POST":

        def add():
            data = form.cleaned_data
            return services.dossier_entry_create(
                actor=request.user,
                pupil=pupil,
                category_key=data["category"],
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                audience=data["audience"],
                sensitivity=data["sensitivity"],
                upload=data.get("document"),
            )

        added = submit(
            request,
            form,
            add,
            success=_("Het stuk is aan het dossier toegevoegd."),
            done=lambda entry: reverse(
                "students:dossier_entry", kwargs={"pk": pupil.pk, "entry_pk": entry.pk}
            ),
        )
        if added is not None:
            return added
        status = 400
    return render(
        request,
        "students/dossier_entry_form.html",
        {"pupil": pupil, "form": form},
        status=status,
    )


@login_required
def dossier_entry_detail(request, pk: int, entry_pk: int):
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    entry = selectors.dossier_entry_or_404(request.user, pupil, entry_pk)
    category = registry.get_category(entry.category)
    if category.is_very_sensitive:
        services.pupil_access_record(
            actor=request.user, pupil=pupil, category_key=category.key, entry=entry
        )
    return render(
        request,
        "students/dossier_entry_detail.html",
        {"pupil": pupil, "entry": entry, "category": category},
    )


@login_required
def dossier_document(request, pk: int, entry_pk: int):
    """Stream a dossier document after the access check; it is never reachable by URL otherwise."""
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    entry = selectors.dossier_entry_or_404(request.user, pupil, entry_pk)
    if not entry.document:
        raise Http404
    try:
        handle = entry.document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    services.pupil_access_record(
        actor=request.user, pupil=pupil, category_key=entry.category, entry=entry, document=True
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=entry.document_name or "document",
        content_type=entry.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def access_log(request, pk: int):
    """Per pupil: who opened which very sensitive category or document (directie and FG)."""
    try:
        pupil = selectors.access_record_pupils(request.user).select_related("school").get(pk=pk)
    except (Pupil.DoesNotExist, ValueError, TypeError) as exc:
        if selectors.staff_pupils(request.user).filter(pk=pk).exists():
            raise PermissionDenied(
                _("Alleen de directie en de FG zien wie wat heeft ingezien.")
            ) from exc
        raise Http404 from exc
    rows = selectors.access_records(pupil, viewer=request.user)
    # The titles on this page are dossier data: showing them is a read too.
    services.pupil_data_read(
        actor=request.user,
        pupil=pupil,
        what="access_log",
        categories={row.category_key for row in rows if row.detail},
    )
    return render(
        request,
        "students/access_log.html",
        {
            "pupil": pupil,
            "rows": rows,
            # The FG reads the log but not the pupil file: no link it cannot open.
            "may_open_pupil": selectors.staff_pupils(request.user).filter(pk=pupil.pk).exists(),
        },
    )


@login_required
def change_history(request, pk: int):
    """Per pupil, read-only: who changed which data and when (directie of the school and FG of
    the foundation, like the access log); values only where that reader may see them."""
    try:
        pupil = selectors.access_record_pupils(request.user).select_related("school").get(pk=pk)
    except (Pupil.DoesNotExist, ValueError, TypeError) as exc:
        if selectors.staff_pupils(request.user).filter(pk=pk).exists():
            raise PermissionDenied(
                _("Alleen de directie en de FG zien de wijzigingen van een leerling.")
            ) from exc
        raise Http404 from exc
    return render(
        request,
        "students/change_history.html",
        {
            "pupil": pupil,
            "rows": selectors.change_history(pupil, request.user),
            "may_open_pupil": selectors.staff_pupils(request.user).filter(pk=pupil.pk).exists(),
        },
    )


@login_required
def access_overview(request):
    """Recent access records of all pupils whose records the user may read (directie, FG)."""
    pupils = selectors.access_record_pupils(request.user)
    if not selectors.may_read_any_access_records(request.user):
        raise PermissionDenied(_("Alleen de directie en de FG zien wie wat heeft ingezien."))
    page = Paginator(selectors.recent_access_records(pupils), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    for record in page.object_list:
        record.category_label = selectors.access_record_label(record.additional_data or {})
    return render(request, "students/access_overview.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def pupil_import(request):
    """Upload an export of the pupil administration: dry run, or import (directie, administratie)."""
    schools = selectors.import_schools(request.user)
    if not schools.exists():
        raise PermissionDenied(_("Alleen de directie en de administratie importeren leerlingen."))
    form = PupilImportForm(request.POST or None, request.FILES or None, schools=schools)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            limit = settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024
            try:
                if upload.size > limit:
                    status = 413  # Content Too Large: the size cap stays (no row cap)
                    raise imports.ImportFileError(
                        _("Het bestand is te groot: maximaal %(mb)s MB.")
                        % {"mb": settings.MAX_UPLOAD_MEGABYTES}
                    )
                result = imports.import_queue(
                    actor=request.user,
                    school=form.cleaned_data["school"],
                    raw=upload.read(),
                    mode=form.cleaned_data["mode"],
                    create_classes=form.cleaned_data["create_classes"],
                )
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                if isinstance(result, ImportRun):  # applied in the background: follow progress
                    return redirect("students:import_run", pk=result.pk)
                report = result
                status = 200 if not report.errors or report.applied else 400
                if report.applied:
                    messages.success(
                        request,
                        _("Import klaar: %(created)s nieuw, %(updated)s bijgewerkt.")
                        % {"created": report.created, "updated": report.updated},
                    )
    return render(request, "students/import.html", {"form": form, "report": report}, status=status)


def _import_run_or_404(request, pk: int) -> ImportRun:
    return get_object_or_404(
        ImportRun.objects.filter(school__in=selectors.import_schools(request.user).values("pk")),
        pk=pk,
    )


@login_required
def import_run(request, pk: int):
    """Progress and outcome of a pupil import that runs in the background."""
    run = _import_run_or_404(request, pk)
    running = run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
    stuck = imports.import_looks_stuck(run)
    context = {
        "run": run,
        "running": running,
        # A stuck run's page stops polling; the reaper requeues or fails it.
        "poll": running and not stuck,
        "stuck": stuck,
        "done": imports.import_progress(run),
        "percent": imports.import_progress_data(run)["percent"],
    }
    # ?deel=voortgang: only the progress fragment, which the page's script fetches every few
    # seconds into its aria-live region (no meta refresh: WCAG F41).
    if request.GET.get("deel") == "voortgang":
        return render(request, "students/_import_progress.html", context)
    return render(request, "students/import_run.html", context)


@login_required
@require_http_methods(["GET"])
def import_progress(request, pk: int):
    """The progress of a background import as JSON (state, done, total, percent, counts), for
    a page that polls it; read from the run's row, so it works with and without Redis."""
    run = _import_run_or_404(request, pk)
    response = JsonResponse(imports.import_progress_data(run))
    response["Cache-Control"] = "no-store"
    return response


def _register_context(request):
    foundation = selectors.register_foundation(request.user)
    if foundation is None:
        raise PermissionDenied(
            _("Het verwerkingsregister is voor de FG, het bestuur en de directie.")
        )
    return {
        "foundation": foundation,
        "rows": selectors.register_rows(foundation),
        "today": timezone.localdate(),
    }


@login_required
def processing_register(request):
    """The FG's record of processing (GDPR art. 30), generated from the registry."""
    return render(request, "students/register.html", _register_context(request))


@login_required
def processing_register_pdf(request):
    context = _register_context(request)
    pdf = render_pdf("pdf/students/register.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="verwerkingsregister-{context["today"]:%Y-%m-%d}.pdf"'
    )
    return response


def _parents_section(pupil) -> str:
    return f"{reverse('students:pupil_detail', args=[pupil.pk])}#parents"


@login_required
@require_http_methods(["GET", "POST"])
def emergency_contact_create(request, pk: int):
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    if registry.get_category("parents") not in selectors.editable_categories(request.user, pupil):
        raise PermissionDenied(_("U mag de contactpersonen van deze leerling niet wijzigen."))
    form = EmergencyContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        added = submit(
            request,
            form,
            lambda: services.emergency_contact_create(
                actor=request.user, pupil=pupil, **form.cleaned_data
            ),
            success=_("Het noodcontact is toegevoegd."),
            done=lambda _contact: _parents_section(pupil),
        )
        if added is not None:
            return added
        status = 400
    return render(
        request,
        "students/emergency_contact_form.html",
        {"pupil": pupil, "form": form, "category": registry.get_category("parents")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def guardian_edit(request, pk: int, guardian_pk: int):
    """Correct a parent's name or contact details from the pupil's file."""
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    guardian = get_object_or_404(Guardian, pk=guardian_pk, links__pupil=pupil)
    if registry.get_category("parents") not in selectors.editable_categories(request.user, pupil):
        raise PermissionDenied(_("U mag de contactpersonen van deze leerling niet wijzigen."))
    form = GuardianForm(request.POST or None, instance=guardian)
    status = 200
    if request.method == "POST":
        saved = submit(
            request,
            form,
            lambda: services.guardian_update(
                actor=request.user,
                pupil=pupil,
                guardian=Guardian.objects.get(pk=guardian.pk),
                data={name: form.cleaned_data[name] for name in services.GUARDIAN_FIELDS},
            ),
            success=_("De gegevens van de ouder zijn opgeslagen."),
            done=lambda _guardian: _parents_section(pupil),
        )
        if saved is not None:
            return saved
        status = 400
    return render(
        request,
        "students/pupil_edit.html",
        {"pupil": pupil, "form": form, "category": registry.get_category("parents")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def emergency_contact_delete(request, pk: int, contact_pk: int):
    """Ask for confirmation, then remove the emergency contact."""
    pupil = selectors.staff_pupil_or_404(request.user, pk)
    contact = pupil.emergency_contacts.filter(pk=contact_pk).first()
    if contact is None:
        raise Http404
    if registry.get_category("parents") not in selectors.editable_categories(request.user, pupil):
        raise PermissionDenied(_("U mag de contactpersonen van deze leerling niet wijzigen."))
    if request.method == "POST":
        services.emergency_contact_delete(actor=request.user, contact=contact)
        messages.success(request, _("Het noodcontact is verwijderd."))
        return redirect(_parents_section(pupil))
    return render(
        request, "students/emergency_contact_delete.html", {"pupil": pupil, "contact": contact}
    )
