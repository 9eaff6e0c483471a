"""Screens of the transfer dossier. Thin: parse, ask ``transfers.selectors``, call
``transfers.services``, render.

Staff (IB-er, directie): list, compile, preview, offer, record a paper signature, hand over,
download the PDF and the OSO export. Parents: their child's offered dossier, read and sign with
remarks, print it as a PDF. Out of scope is a 404; visible but not allowed is a 403. Every view
and download of a dossier is recorded.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from privacy_portal.forms import submit
from students import registry
from students import selectors as student_selectors
from students import services as student_services
from transfers import content as dossier_content
from transfers import exports, selectors, services
from transfers.forms import (
    CompileForm,
    DossierSearchForm,
    HandOverForm,
    PaperSignatureForm,
    PupilSearchForm,
    SecretContactForm,
    SignForm,
)
from transfers.models import TransferDossier

PAGE_SIZE = 25
State = TransferDossier.State


def _detail_url(dossier) -> str:
    return reverse("transfers:dossier_detail", args=[dossier.pk])


def _download(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(dossier, extension: str) -> str:
    return f"overstapdossier-{dossier.pk}.{extension}"


# --- Staff -----------------------------------------------------------------------------------


@login_required
def dossier_list(request):
    if not selectors.compiler_schools(request.user).exists():
        raise PermissionDenied(_("Alleen de IB-er en de directie werken met overstapdossiers."))
    form = DossierSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    dossiers = selectors.staff_dossier_list(
        request.user, query=filters.get("q", ""), state=filters.get("status", "")
    )
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "transfers/dossier_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


@login_required
def pupil_pick(request):
    """Choose the leaving pupil to compile a dossier for."""
    if not selectors.compiler_schools(request.user).exists():
        raise PermissionDenied(_("Alleen de IB-er en de directie stellen overstapdossiers samen."))
    form = PupilSearchForm(request.GET or None)
    query_text = form.cleaned_data.get("q", "") if form.is_valid() else ""
    pupils = selectors.compilable_pupils(request.user, query=query_text)
    page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "transfers/pupil_pick.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


def _compile(request, *, pupil, dossier=None):
    categories = dossier_content.choosable_categories(request.user, pupil)
    entries = list(dossier_content.choosable_entries(request.user, pupil))
    if dossier is None:
        initial = {
            "destination_name": pupil.destination_school,
            "destination_type": "sbo" if pupil.destination_is_sbo else "regular",
            "leaves_on": pupil.deregistered_on,
            "categories": [
                c.key for c in categories if c.key in dossier_content.DEFAULT_CATEGORIES
            ],
        }
    else:
        initial = {
            "destination_name": dossier.destination_name,
            "destination_brin": dossier.destination_brin,
            "destination_type": dossier.destination_type,
            "leaves_on": dossier.leaves_on,
            "categories": dossier.categories,
            "entries": [str(pk) for pk in dossier.entries.values_list("pk", flat=True)],
        }
    form = CompileForm(
        request.POST or None, initial=initial, categories=categories, entries=entries
    )
    status = 200
    if request.method == "POST":

        def save():
            data = form.cleaned_data
            arguments = {
                "actor": request.user,
                "destination_name": data["destination_name"],
                "destination_brin": data["destination_brin"],
                "destination_type": data["destination_type"],
                "leaves_on": data["leaves_on"],
                "category_keys": data["categories"],
                "entry_ids": data["entries"],
            }
            if dossier is None:
                return services.dossier_create(pupil=pupil, **arguments)
            return services.dossier_update(dossier=dossier, **arguments)

        saved = submit(
            request,
            form,
            save,
            success=_("Opgeslagen. Hieronder ziet u precies wat er meegaat."),
            done=_detail_url,
        )
        if saved is not None:
            return saved
        status = 400
    selected_categories = set(form["categories"].value() or [])
    selected_entries = {str(v) for v in (form["entries"].value() or [])}
    # The form lists the titles of the documents one may choose: a read of those categories.
    student_services.pupil_data_read(
        actor=request.user,
        pupil=pupil,
        what="transfer_dossier:compile",
        categories={
            entry.category
            for entry in entries
            if entry.category in registry.BY_KEY
            and registry.BY_KEY[entry.category].is_very_sensitive
        },
    )
    return render(
        request,
        "transfers/dossier_form.html",
        {
            "pupil": pupil,
            "dossier": dossier,
            "form": form,
            "groups": dossier_content.choice_groups(categories, entries),
            "selected_categories": selected_categories,
            "selected_entries": selected_entries,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request, pupil_pk: int):
    pupil = student_selectors.staff_pupil_or_404(request.user, pupil_pk)
    if not dossier_content.may_compile(request.user, pupil):
        raise PermissionDenied(
            _("Alleen de IB-er en de directie van de school stellen een overstapdossier samen.")
        )
    return _compile(request, pupil=pupil)


@login_required
@require_http_methods(["GET", "POST"])
def dossier_edit(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    if dossier.state != State.DRAFT:
        messages.error(request, _("Het dossier is al aangeboden en kan niet meer veranderen."))
        return redirect("transfers:dossier_detail", pk=dossier.pk)
    return _compile(request, pupil=dossier.pupil, dossier=dossier)


@login_required
def dossier_detail(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    services.dossier_viewed(actor=request.user, dossier=dossier, what="view")
    reviews = list(dossier.reviews.select_related("guardian", "recorded_by"))
    unsigned = [r for r in reviews if not r.signed_at]
    return render(
        request,
        "transfers/dossier_detail.html",
        {
            "dossier": dossier,
            "content": services.dossier_preview(dossier),
            "reviews": reviews,
            "paper_form": PaperSignatureForm(reviews=unsigned) if unsigned else None,
            "may_override": selectors.may_override(request.user, dossier),
            "may_decide_secret_contact": selectors.may_decide_secret_contact(request.user, dossier),
            # Whether there is a decision to take (the flag, not the address itself).
            "has_secret_contact": dossier.pupil.contact_is_secret,
            "access_records": selectors.access_records(dossier),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_secret_contact(request, pk: int):
    """The directie decides whether the secret address goes to the receiving school."""
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    if not selectors.may_decide_secret_contact(request.user, dossier):
        raise PermissionDenied(
            _("Alleen de directie besluit of een geheim adres naar de nieuwe school gaat.")
        )
    initial = {
        "include": "yes" if dossier.secret_contact_decided_at else "no",
        "reason": dossier.secret_contact_reason,
    }
    form = SecretContactForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        decided = submit(
            request,
            form,
            lambda: services.dossier_secret_contact_decide(
                actor=request.user,
                dossier=dossier,
                include=form.cleaned_data["include"],
                reason=form.cleaned_data["reason"],
            ),
            success=_("Het besluit over het geheime adres is vastgelegd."),
            done=lambda _result: _detail_url(dossier),
        )
        if decided is not None:
            return decided
        status = 400
    return render(
        request,
        "transfers/dossier_secret_contact.html",
        {"dossier": dossier, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_offer(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    if request.method == "POST":
        try:
            services.dossier_offer(actor=request.user, dossier=dossier)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return render(request, "transfers/dossier_offer.html", {"dossier": dossier}, status=400)
        messages.success(request, _("Het dossier is aan de ouders aangeboden."))
        return redirect("transfers:dossier_detail", pk=dossier.pk)
    return render(request, "transfers/dossier_offer.html", {"dossier": dossier})


@login_required
@require_http_methods(["GET", "POST"])
def dossier_reopen(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    if request.method == "POST":
        try:
            services.dossier_reopen(actor=request.user, dossier=dossier)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return render(
                request, "transfers/dossier_reopen.html", {"dossier": dossier}, status=400
            )
        messages.success(
            request, _("Het dossier is weer een concept. Pas het aan en bied het opnieuw aan.")
        )
        return redirect("transfers:dossier_detail", pk=dossier.pk)
    return render(request, "transfers/dossier_reopen.html", {"dossier": dossier})


@login_required
@require_POST
def paper_signature(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    reviews = list(dossier.reviews.filter(signed_at__isnull=True).select_related("guardian"))
    form = PaperSignatureForm(request.POST, reviews=reviews)
    if form.is_valid():
        review = next(r for r in reviews if r.pk == form.cleaned_data["review"])
        try:
            services.review_record_paper_signature(
                actor=request.user, review=review, remarks=form.cleaned_data["remarks"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("De handtekening op papier is vastgelegd."))
            return redirect("transfers:dossier_detail", pk=dossier.pk)
    else:
        messages.error(request, _("Kies de ouder die op papier heeft getekend."))
    return redirect("transfers:dossier_detail", pk=dossier.pk)


@login_required
@require_http_methods(["GET", "POST"])
def dossier_hand_over(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    form = HandOverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        handed_over = submit(
            request,
            form,
            lambda: services.dossier_hand_over(
                actor=request.user,
                dossier=dossier,
                override_reason=form.cleaned_data["override_reason"],
            ),
            success=_(
                "De overdracht is vastgelegd. Download het exportbestand en plaats het "
                "op het OSO-platform."
            ),
            done=lambda _result: _detail_url(dossier),
        )
        if handed_over is not None:
            return handed_over
        status = 400
    return render(
        request,
        "transfers/dossier_hand_over.html",
        {
            "dossier": dossier,
            "form": form,
            "reviews": list(dossier.reviews.select_related("guardian")),
            "may_override": selectors.may_override(request.user, dossier),
        },
        status=status,
    )


@login_required
def dossier_pdf(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    services.dossier_viewed(actor=request.user, dossier=dossier, what="pdf")
    return _download(
        exports.render_dossier_pdf(dossier),
        filename=_filename(dossier, "pdf"),
        content_type="application/pdf",
    )


@login_required
def dossier_export(request, pk: int):
    dossier = selectors.staff_dossier_or_404(request.user, pk)
    if dossier.state != State.HANDED_OVER:
        raise PermissionDenied(_("Het exportbestand voor OSO bestaat pas na de overdracht."))
    services.dossier_viewed(actor=request.user, dossier=dossier, what="export")
    return _download(
        exports.export_bytes(dossier),
        filename=_filename(dossier, "json"),
        content_type="application/json",
    )


# --- Parents ---------------------------------------------------------------------------------


@login_required
def parent_list(request):
    dossiers = selectors.parent_dossiers(request.user).select_related("pupil")
    return render(request, "transfers/parent_list.html", {"dossiers": dossiers})


@login_required
@require_http_methods(["GET", "POST"])
def parent_detail(request, pk: int):
    dossier = selectors.parent_dossier_or_404(request.user, pk)
    review = selectors.parent_review(request.user, dossier)
    form = SignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if review is None:
            raise PermissionDenied(_("Dit dossier is niet aan u aangeboden."))
        signed = submit(
            request,
            form,
            lambda: services.review_sign(
                actor=request.user,
                dossier=dossier,
                has_read=form.cleaned_data["has_read"],
                remarks=form.cleaned_data["remarks"],
            ),
            success=_(
                "Dank u. U hebt getekend voor inzage; uw opmerkingen gaan mee met het dossier."
            ),
            done=lambda _result: reverse("transfers:parent_detail", args=[dossier.pk]),
        )
        if signed is not None:
            return signed
        status = 400
    else:
        services.dossier_viewed(actor=request.user, dossier=dossier, what="view", for_parents=True)
    return render(
        request,
        "transfers/parent_detail.html",
        {
            "dossier": dossier,
            "content": services.dossier_preview(dossier, for_parents=True),
            "review": review,
            "form": form,
        },
        status=status,
    )


@login_required
def parent_pdf(request, pk: int):
    dossier = selectors.parent_dossier_or_404(request.user, pk)
    services.dossier_viewed(actor=request.user, dossier=dossier, what="pdf", for_parents=True)
    return _download(
        exports.render_dossier_pdf(dossier, for_parents=True),
        filename=_filename(dossier, "pdf"),
        content_type="application/pdf",
    )
