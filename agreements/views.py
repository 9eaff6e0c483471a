"""Screens of the agreements app (thin: parse, call a selector or service, render).

Objects come from selectors scoped to the user: outside the scope is a 404, visible without the
right to act is a 403 (services raise PermissionDenied, which Django turns into a 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.models import SchoolClass
from agreements import documents, selectors, services
from agreements.forms import (
    AgreementForm,
    BijsluiterDecisionForm,
    BijsluiterForm,
    CountersignedForm,
    DestructionForm,
    DeviationForm,
    EndForm,
    OptInForm,
    ProcessorAcceptForm,
    ProcessorLinkForm,
    ProductForm,
    ProductUseForm,
    ReturnForm,
    SignForm,
    SupplierForm,
    VerifyForm,
)
from agreements.models import AgreementState, Deviation, Product
from privacy_portal import lists
from privacy_portal.audit import record_access
from privacy_portal.forms import apply_errors

S = AgreementState


def _require_register(user):
    if not selectors.may_view_register(user):
        raise PermissionDenied(_("U heeft geen toegang tot het register van verwerkers."))


def _form_response(request, template, context, form):
    return render(request, template, context, status=400 if form.is_bound else 200)


def _run_form(
    request,
    form,
    action,
    *,
    done,
    success="",
    template="agreements/form.html",
    context=None,
):
    """The body every form screen of this app shares.

    On a valid POST: run ``action(cleaned_data)`` (a service call), say ``success`` (a text, or
    a callable given the result that posts its own message) and redirect to ``done(result)``. A
    ValidationError from the service lands on the form (400). Otherwise, or on errors, render
    ``template`` with the form and ``context``. A double submit runs once without code here: the
    form's one-time token is guarded site-wide (``privacy_portal.once``).
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if callable(success):
                success(result)
            elif success:
                messages.success(request, success)
            return redirect(done(result))
    return _form_response(request, template, {"form": form, **(context or {})}, form)


def _run_action(request, action, *, done, success):
    """The body of a one-button POST (submit, approve, remove…): run ``action()``; a refusal
    from the service (a stale state: someone else acted first) is a clear message, never an
    error page; always back to ``done`` (a URL, or a callable given the result)."""
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(done(None) if callable(done) else done)
    messages.success(request, success)
    return redirect(done(result) if callable(done) else done)


def _detail_url(agreement) -> str:
    return reverse("agreements:agreement_detail", args=[agreement.pk])


def _agreement(request, pk):
    return get_object_or_404(selectors.visible_agreements(request.user), pk=pk)


def _managed_agreement(request, pk, refusal=None):
    """A visible agreement (else 404) that the user manages (else 403)."""
    agreement = _agreement(request, pk)
    if not selectors.may_manage_agreement(request.user, agreement):
        raise PermissionDenied(refusal)
    return agreement


def _editable_supplier(request, pk):
    """A visible supplier (else 404) whose register the user keeps (else 403)."""
    _require_register(request.user)
    supplier = get_object_or_404(selectors.visible_suppliers(request.user), pk=pk)
    if not selectors.may_edit_register(request.user, supplier.foundation):
        raise PermissionDenied
    return supplier


# --- Coverage dashboard ------------------------------------------------------------------------


@login_required
def dashboard(request):
    _require_register(request.user)
    schools = selectors.register_schools(request.user).order_by("name")
    school = None
    if request.GET.get("school"):
        try:
            school = get_object_or_404(schools, pk=int(request.GET["school"]))
        except ValueError:
            return render(request, "400.html", status=400)
    # Someone who sees one school gets no school filter and no "School" column.
    many_schools = len(schools) > 1
    coverage = selectors.coverage(request.user, school=school)
    # Offer "Overeenkomst opstellen" only to the roles agreement_create lets in (directie and the
    # beheerder keep the register); the per-request summary answers without a query.
    facts = access.summary(request.user)
    may_draft = facts.has_school_role("directie") or facts.has_foundation_role("beheerder")
    return render(
        request,
        "agreements/dashboard.html",
        {
            "coverage": coverage,
            "schools": schools,
            "school": school,
            "many_schools": many_schools,
            "may_draft": may_draft,
        },
    )


# --- Country register --------------------------------------------------------------------------


@login_required
def countries(request):
    """The basis for each transfer outside the EEA (art. 10, art. 44–46 AVG)."""
    from agreements.countries import EEA, adequacy_countries, country_name

    _require_register(request.user)
    return render(
        request,
        "agreements/countries.html",
        {
            "eea": sorted(((c, country_name(c)) for c in EEA), key=lambda item: item[1]),
            "adequacy": adequacy_countries(),
        },
    )


# --- Suppliers ---------------------------------------------------------------------------------


@login_required
def supplier_list(request):
    _require_register(request.user)
    query = lists.search_text(request)
    suppliers = (
        selectors.visible_suppliers(request.user, query)
        .annotate(product_count=Count("products", distinct=True))
        .order_by("name")
    )
    foundations = selectors.register_foundations(request.user)
    may_add = any(selectors.may_edit_register(request.user, f) for f in foundations)
    return render(
        request,
        "agreements/supplier_list.html",
        {"page": lists.paginate(request, suppliers), "query": query, "may_add": may_add},
    )


@login_required
@require_http_methods(["GET", "POST"])
def supplier_create(request):
    _require_register(request.user)
    foundation = selectors.register_foundations(request.user).first()
    if not selectors.may_edit_register(request.user, foundation):
        raise PermissionDenied
    return _run_form(
        request,
        SupplierForm(request.POST or None),
        lambda data: services.supplier_create(actor=request.user, foundation=foundation, **data),
        done=lambda supplier: reverse("agreements:supplier_detail", args=[supplier.pk]),
        success=_("Leverancier toegevoegd."),
        context={"title": _("Nieuwe leverancier")},
    )


@login_required
def supplier_detail(request, pk):
    _require_register(request.user)
    supplier = get_object_or_404(selectors.visible_suppliers(request.user), pk=pk)
    products = supplier.products.prefetch_related("bijsluiters").order_by("name")
    agreements = selectors.visible_agreements(request.user).filter(supplier=supplier)
    return render(
        request,
        "agreements/supplier_detail.html",
        {
            "supplier": supplier,
            "products": products,
            "agreements": agreements.order_by("-created_at"),
            "may_edit": selectors.may_edit_register(request.user, supplier.foundation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def supplier_update(request, pk):
    supplier = _editable_supplier(request, pk)
    return _run_form(
        request,
        SupplierForm(request.POST or None, instance=supplier),
        lambda data: services.supplier_update(actor=request.user, supplier=supplier, **data),
        done=lambda _result: reverse("agreements:supplier_detail", args=[supplier.pk]),
        success=_("Leverancier bijgewerkt."),
        context={"title": supplier.name},
    )


# --- Products and bijsluiters ------------------------------------------------------------------


@login_required
def product_list(request):
    _require_register(request.user)
    query = lists.search_text(request)
    products = selectors.visible_products(request.user, query).order_by("name")
    return render(
        request,
        "agreements/product_list.html",
        {"page": lists.paginate(request, products), "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request, supplier_pk):
    supplier = _editable_supplier(request, supplier_pk)
    return _run_form(
        request,
        ProductForm(request.POST or None),
        lambda data: services.product_create(actor=request.user, supplier=supplier, **data),
        done=lambda product: reverse("agreements:bijsluiter_create", args=[product.pk]),
        success=_("Product toegevoegd. Vul nu de privacybijsluiter in."),
        context={"title": _("Nieuw product van %(s)s") % {"s": supplier.name}},
    )


@login_required
def product_detail(request, pk):
    _require_register(request.user)
    product = get_object_or_404(selectors.visible_products(request.user), pk=pk)
    versions = list(product.bijsluiters.prefetch_related("subprocessors").order_by("-number"))
    uses = selectors.visible_product_uses(request.user).filter(product=product)
    return render(
        request,
        "agreements/product_detail.html",
        {
            "product": product,
            "current": next((v for v in versions if v.is_published), None),
            "versions": versions,
            "uses": [(use, selectors.may_manage_school(request.user, use.school)) for use in uses],
            "may_edit": selectors.may_propose_bijsluiter(request.user, product),
            "may_publish": selectors.may_publish_bijsluiter(request.user, product),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bijsluiter_create(request, product_pk):
    _require_register(request.user)
    product = get_object_or_404(selectors.visible_products(request.user), pk=product_pk)
    if not selectors.may_propose_bijsluiter(request.user, product):
        raise PermissionDenied(_("U mag de privacybijsluiter van dit product niet wijzigen."))
    current = selectors.current_bijsluiter(product)
    form = BijsluiterForm(request.POST or None, initial=BijsluiterForm.initial_from(current))

    def recorded(bijsluiter):
        if not bijsluiter.is_published:
            messages.info(
                request,
                _(
                    "Meer scholen gebruiken dit product. Uw versie is als voorstel naar het "
                    "bestuursbureau gestuurd; dat publiceert of wijst af."
                ),
            )
        elif bijsluiter.widens:
            messages.warning(
                request,
                _(
                    "Deze versie verruimt de verwerking. Tot het CvB een nieuwe versie van de "
                    "verwerkersovereenkomst heeft ondertekend, is het product niet gedekt "
                    "(art. 13.3)."
                ),
            )
        else:
            messages.success(request, _("Privacybijsluiter vastgelegd."))

    return _run_form(
        request,
        form,
        lambda _data: services.bijsluiter_record(
            actor=request.user, product=product, **form.service_kwargs()
        ),
        done=lambda bijsluiter: reverse("agreements:bijsluiter_detail", args=[bijsluiter.pk]),
        success=recorded,
        template="agreements/bijsluiter_form.html",
        context={
            "product": product,
            "current": current,
            "publishes": selectors.may_publish_bijsluiter(request.user, product),
        },
    )


@login_required
def bijsluiter_detail(request, pk):
    _require_register(request.user)
    bijsluiter = get_object_or_404(
        selectors.visible_bijsluiters(request.user).select_related("product__supplier"), pk=pk
    )
    previous = (
        bijsluiter.product.bijsluiters.filter(number__lt=bijsluiter.number)
        .order_by("-number")
        .first()
    )
    uses = selectors.visible_product_uses(request.user).filter(
        product=bijsluiter.product, end_date__isnull=True
    )
    approved = set(bijsluiter.approvals.values_list("school_id", flat=True))
    approval_rows = [
        {
            "school": use.school,
            "approved": use.school_id in approved,
            "may_approve": selectors.may_manage_school(request.user, use.school),
        }
        for use in uses
    ]
    from students.registry import category_choices

    return render(
        request,
        "agreements/bijsluiter_detail.html",
        {
            "b": bijsluiter,
            "previous": previous,
            "diff": services.bijsluiter_diff(previous, bijsluiter) if previous else [],
            "approval_rows": approval_rows,
            "category_labels": dict(category_choices()),
            "may_decide": bijsluiter.status == "proposed"
            and selectors.may_decide_bijsluiter(request.user, bijsluiter.product),
            "decision_form": BijsluiterDecisionForm(),
        },
    )


@login_required
@require_POST
def bijsluiter_decide(request, pk):
    """The beheerder publishes or rejects a version a school proposed."""
    _require_register(request.user)
    bijsluiter = get_object_or_404(selectors.visible_bijsluiters(request.user), pk=pk)
    back = reverse("agreements:bijsluiter_detail", args=[bijsluiter.pk])
    form = BijsluiterDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies publiceren of afwijzen."))
        return redirect(back)
    accept = form.cleaned_data["decision"] == "accept"
    return _run_action(
        request,
        lambda: services.bijsluiter_decide(
            actor=request.user,
            bijsluiter=bijsluiter,
            accept=accept,
            reason=form.cleaned_data["reason"],
        ),
        done=back,
        success=_("Bijsluiter gepubliceerd.") if accept else _("Voorstel afgewezen."),
    )


@login_required
@require_POST
def bijsluiter_approve(request, pk, school_pk):
    _require_register(request.user)
    bijsluiter = get_object_or_404(selectors.visible_bijsluiters(request.user), pk=pk)
    school = get_object_or_404(selectors.register_schools(request.user), pk=school_pk)
    return _run_action(
        request,
        lambda: services.bijsluiter_approve(
            actor=request.user, bijsluiter=bijsluiter, school=school
        ),
        done=reverse("agreements:bijsluiter_detail", args=[bijsluiter.pk]),
        success=_("Instemming vastgelegd voor %(school)s.") % {"school": school},
    )


# --- Products in use ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def product_use_create(request, school_pk):
    _require_register(request.user)
    school = get_object_or_404(selectors.register_schools(request.user), pk=school_pk)
    if not selectors.may_manage_school(request.user, school):
        raise PermissionDenied
    form = ProductUseForm(
        request.POST or None,
        initial={"product": request.GET.get("product")},
        products=Product.objects.filter(supplier__foundation=school.foundation).order_by("name"),
        classes=SchoolClass.objects.filter(school=school).order_by("-school_year", "name"),
    )
    return _run_form(
        request,
        form,
        lambda data: services.product_use_create(actor=request.user, school=school, **data),
        done=lambda _use: f"{reverse('agreements:dashboard')}?school={school.pk}",
        success=_("Vastgelegd dat de school dit product gebruikt."),
        context={"title": _("Product in gebruik bij %(s)s") % {"s": school.name}},
    )


# --- Agreements --------------------------------------------------------------------------------


@login_required
def agreement_list(request):
    _require_register(request.user)
    query = lists.search_text(request)
    agreements = selectors.visible_agreements(request.user)
    state = request.GET.get("status", "")
    if state in S.values:
        agreements = agreements.filter(state=state)
    agreements = selectors.search_agreements(agreements, query)
    agreements = agreements.prefetch_related(
        "schools", Prefetch("bijsluiters", queryset=_bijsluiters_with_product())
    ).order_by("-created_at")
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "page": lists.paginate(request, agreements),
            "query": query,
            "state": state,
            "states": S.choices,
        },
    )


def _bijsluiters_with_product():
    from agreements.models import Bijsluiter

    return Bijsluiter.objects.select_related("product")


def _agreement_form(request, supplier, data=None, initial=None):
    schools = selectors.register_schools(request.user).filter(foundation=supplier.foundation)
    if not selectors.is_beheerder_of(request.user, supplier.foundation):
        schools = schools.filter(pk__in=selectors.directie_schools(request.user).values("pk"))
    return AgreementForm(
        data,
        initial=initial,
        products=supplier.products.filter(bijsluiters__isnull=False).distinct().order_by("name"),
        schools=schools.order_by("name"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request, supplier_pk):
    supplier = _editable_supplier(request, supplier_pk)
    return _run_form(
        request,
        _agreement_form(
            request, supplier, request.POST or None, initial={"linked_to_contract": True}
        ),
        lambda data: services.agreement_create(actor=request.user, supplier=supplier, **data),
        done=_detail_url,
        success=_("Concept-overeenkomst aangemaakt."),
        context={"title": _("Nieuwe verwerkersovereenkomst met %(s)s") % {"s": supplier.name}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_update(request, pk):
    agreement = _managed_agreement(request, pk)
    initial = {
        "products": [b.product_id for b in agreement.bijsluiters.all()],
        "schools": list(agreement.schools.all()),
        "all_schools": agreement.all_schools,
        "model_version": agreement.model_version,
        "start_date": agreement.start_date,
        "end_date": agreement.end_date,
        "linked_to_contract": agreement.linked_to_contract,
    }
    return _run_form(
        request,
        _agreement_form(request, agreement.supplier, request.POST or None, initial=initial),
        lambda data: services.agreement_update(actor=request.user, agreement=agreement, **data),
        done=_detail_url,
        success=_("Overeenkomst bijgewerkt."),
        context={"title": str(agreement)},
    )


def _detail_context(request, agreement, deviation_form=None) -> dict:
    context = services.signature_context(agreement)
    context.update(
        {
            "events": agreement.events.select_related("actor"),
            "may_manage": selectors.may_manage_agreement(request.user, agreement),
            "may_sign": selectors.may_sign(request.user, agreement),
            "deviation_form": deviation_form or DeviationForm(),
            "verify_form": VerifyForm(),
            "next_version": getattr(agreement, "next_version", None),
            "stops": selectors.processing_stops_for_agreement(agreement),
        }
    )
    return context


@login_required
def agreement_detail(request, pk):
    agreement = _agreement(request, pk)
    return render(request, "agreements/agreement_detail.html", _detail_context(request, agreement))


@login_required
@require_POST
def deviation_add(request, pk):
    agreement = _agreement(request, pk)
    form = DeviationForm(request.POST)
    return _run_form(
        request,
        form,
        lambda data: services.deviation_add(actor=request.user, agreement=agreement, **data),
        done=lambda _deviation: _detail_url(agreement),
        success=_("Afwijking toegevoegd aan bijlage 3."),
        template="agreements/agreement_detail.html",
        context=_detail_context(request, agreement, deviation_form=form),
    )


@login_required
@require_POST
def deviation_remove(request, pk):
    deviation = get_object_or_404(
        Deviation.objects.filter(agreement__in=selectors.visible_agreements(request.user)), pk=pk
    )
    return _run_action(
        request,
        lambda: services.deviation_remove(actor=request.user, deviation=deviation),
        done=_detail_url(deviation.agreement),
        success=_("Afwijking verwijderd."),
    )


@login_required
@require_POST
def agreement_submit(request, pk):
    agreement = _agreement(request, pk)
    return _run_action(
        request,
        lambda: services.agreement_submit(actor=request.user, agreement=agreement),
        done=_detail_url(agreement),
        success=_("De overeenkomst is aangeboden aan het CvB."),
    )


@login_required
@require_POST
def agreement_new_version(request, pk):
    agreement = _agreement(request, pk)
    return _run_action(
        request,
        lambda: services.agreement_new_version(actor=request.user, agreement=agreement),
        done=lambda new: _detail_url(new or agreement),
        success=_(
            "Nieuwe versie aangemaakt. De ondertekende versie blijft gelden tot deze is ondertekend."
        ),
    )


def _confirmation_matches(user, value: str) -> bool:
    """Re-entered password or a current TOTP code of one of the user's confirmed devices."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    value = (value or "").strip()
    if user.check_password(value):
        return True
    if value.isdigit():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(value):
                return True
    return False


@login_required
@require_http_methods(["GET", "POST"])
def agreement_sign(request, pk):
    """The CvB signing screen: read the agreement, re-enter password or TOTP code, sign."""
    agreement = _agreement(request, pk)
    if not selectors.may_sign(request.user, agreement):
        raise PermissionDenied(_("Alleen een lid van het CvB kan ondertekenen."))
    if agreement.state != S.SUBMITTED:
        messages.error(request, _("Deze overeenkomst wacht niet op ondertekening."))
        return redirect("agreements:agreement_detail", agreement.pk)
    if not request.user.is_verified():
        raise PermissionDenied(_("Log in met tweestapsverificatie om te ondertekenen."))
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _confirmation_matches(request.user, form.cleaned_data["confirmation"]):
            form.add_error(
                "confirmation", _("Dit wachtwoord of deze code klopt niet. Probeer het opnieuw.")
            )
        else:
            return _run_action(
                request,
                lambda: services.agreement_sign(
                    actor=request.user,
                    agreement=agreement,
                    two_factor_verified=True,
                    ip=request.META.get("REMOTE_ADDR"),
                ),
                done=_detail_url(agreement),
                success=_(
                    "De overeenkomst is ondertekend namens de stichting. Nu ondertekent de "
                    "verwerker."
                ),
            )
    context = services.signature_context(agreement)
    context["form"] = form
    return _form_response(request, "agreements/sign.html", context, form)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_return(request, pk):
    agreement = _agreement(request, pk)
    if not selectors.may_sign(request.user, agreement):
        raise PermissionDenied
    return _run_form(
        request,
        ReturnForm(request.POST or None),
        lambda data: services.agreement_return(
            actor=request.user, agreement=agreement, reason=data["reason"]
        ),
        done=_detail_url,
        success=_("De overeenkomst is teruggestuurd naar de school."),
        context={"title": _("Terugsturen: %(a)s") % {"a": agreement}, "danger": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_end(request, pk):
    agreement = _managed_agreement(request, pk)
    return _run_form(
        request,
        EndForm(request.POST or None),
        lambda data: services.agreement_end(actor=request.user, agreement=agreement, **data),
        done=_detail_url,
        success=_(
            "Beëindigd. Vraag de leverancier om de gegevens te vernietigen en dat te bevestigen."
        ),
        context={
            "title": _("Beëindigen: %(a)s") % {"a": agreement},
            "danger": True,
            "confirm": _("Weet u zeker dat u deze overeenkomst beëindigt?"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_destruction(request, pk):
    agreement = _managed_agreement(request, pk)
    return _run_form(
        request,
        DestructionForm(request.POST or None, request.FILES or None),
        lambda data: services.agreement_confirm_destruction(
            actor=request.user,
            agreement=agreement,
            confirmed_on=data["confirmed_on"],
            confirmed_by=data["confirmed_by"],
            document=data["document"].read(),
        ),
        done=_detail_url,
        success=_("Bevestiging van vernietiging vastgelegd."),
        context={"title": _("Vernietiging bevestigen: %(a)s") % {"a": agreement}, "upload": True},
    )


def _pdf_response(data: bytes, filename: str, inline=True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stored_pdf(request, pk, which, filename):
    agreement = _agreement(request, pk)
    try:
        data = services.agreement_signed_pdf(actor=request.user, agreement=agreement, which=which)
    except FileNotFoundError:
        return render(request, "404.html", status=404)
    return _pdf_response(data, filename % {"pk": agreement.pk, "v": agreement.version})


@login_required
def agreement_pdf(request, pk):
    """The signed text as stored (never re-rendered): its SHA-256 is the hash on screen."""
    return _stored_pdf(request, pk, "text", "overeenkomst-%(pk)s-v%(v)s.pdf")


@login_required
def agreement_sealed_pdf(request, pk):
    """The signed text with the signature page of both parties."""
    return _stored_pdf(request, pk, "sealed", "ondertekend-%(pk)s-v%(v)s.pdf")


@login_required
def countersigned_document(request, pk):
    return _stored_pdf(request, pk, "countersigned", "getekende-kopie-%(pk)s-v%(v)s.pdf")


@login_required
def agreement_preview(request, pk):
    """An unsigned preview (marked CONCEPT) for the school and the CvB before signing."""
    agreement = _agreement(request, pk)
    record_access(actor=request.user, instance=agreement, what="agreement:preview")
    return _pdf_response(services.agreement_render_pdf(agreement), f"concept-{agreement.pk}.pdf")


@login_required
def destruction_document(request, pk):
    agreement = _agreement(request, pk)
    if not agreement.destruction_document:
        return render(request, "404.html", status=404)
    record_access(actor=request.user, instance=agreement, what="agreement:destruction")
    return _pdf_response(
        documents.read(agreement.destruction_document), f"vernietiging-{agreement.pk}.pdf"
    )


@login_required
@require_POST
def agreement_verify(request, pk):
    agreement = _agreement(request, pk)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid() or not agreement.pdf_sha256:
        messages.error(request, _("Deze overeenkomst is nog niet ondertekend."))
        return redirect("agreements:agreement_detail", agreement.pk)
    upload = form.cleaned_data.get("document")
    data = upload.read() if upload else None
    ok = services.agreement_verify_pdf(actor=request.user, agreement=agreement, data=data)
    if ok:
        messages.success(
            request,
            _("Klopt: de PDF is byte voor byte gelijk aan wat is ondertekend (SHA-256 %(h)s).")
            % {"h": agreement.pdf_sha256 if data is None else documents.sha256_hex(data)},
        )
    else:
        messages.error(
            request,
            _(
                "Let op: de PDF wijkt af van wat is ondertekend. Het bestand is gewijzigd of ontbreekt."
            ),
        )
    return redirect("agreements:agreement_detail", agreement.pk)


@login_required
@require_POST
def product_use_end(request, pk):
    """Record that a school stopped using a product (today, unless a date is given)."""
    from django.utils import timezone

    _require_register(request.user)
    use = get_object_or_404(selectors.visible_product_uses(request.user), pk=pk)
    if not selectors.may_manage_school(request.user, use.school):
        raise PermissionDenied
    return _run_action(
        request,
        lambda: services.product_use_end(
            actor=request.user,
            use=use,
            end_date=forms_date(request.POST.get("end_date")) or timezone.localdate(),
        ),
        done=reverse("agreements:product_detail", args=[use.product_id]),
        success=_("Vastgelegd dat het product niet meer in gebruik is."),
    )


def forms_date(value):
    from datetime import date

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("Vul een geldige datum in.")) from exc


# --- The processor signs -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agreement_processor_link(request, pk):
    """Send (again) the personal signing link to the supplier's signatory."""
    agreement = _agreement(request, pk)
    if not (
        selectors.may_manage_agreement(request.user, agreement)
        or selectors.may_sign(request.user, agreement)
    ):
        raise PermissionDenied(
            _("Alleen de school of het CvB vraagt de verwerker te ondertekenen.")
        )
    return _run_form(
        request,
        ProcessorLinkForm(
            request.POST or None, initial={"email": agreement.supplier.contact_email}
        ),
        lambda data: services.agreement_send_processor_link(
            actor=request.user, agreement=agreement, email=data["email"]
        ),
        done=_detail_url,
        success=_("De link is verstuurd. Eerdere links werken niet meer."),
        context={"title": _("Verwerker laten ondertekenen: %(a)s") % {"a": agreement}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_countersigned(request, pk):
    """The school records the copy the processor countersigned on paper."""
    agreement = _managed_agreement(
        request, pk, _("Alleen de directie van de school of het bestuursbureau legt dit vast.")
    )
    return _run_form(
        request,
        CountersignedForm(request.POST or None, request.FILES or None),
        lambda data: services.agreement_upload_countersigned(
            actor=request.user,
            agreement=agreement,
            document=data["document"].read(),
            name=data["name"],
            function=data["function"],
        ),
        done=_detail_url,
        success=_("De getekende kopie van de verwerker is vastgelegd."),
        context={
            "title": _("Getekende kopie van de verwerker: %(a)s") % {"a": agreement},
            "upload": True,
        },
    )


def _invalid_link(request, exc):
    return render(
        request,
        "agreements/processor_link_invalid.html",
        {"reason": exc.message},
        status=410 if exc.gone else 404,
    )


@require_http_methods(["GET", "POST"])
def processor_sign(request, token):
    """The supplier's signatory reads and accepts the agreement through the personal link.

    No account: the signed, expiring, single-use token is the only key, and it opens only the
    agreement it was made for.
    """
    try:
        agreement = services.agreement_for_processor_token(token)
    except services.InvalidProcessorLink as exc:
        return _invalid_link(request, exc)
    form = ProcessorAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.processor_accept(
                token=token,
                name=data["name"],
                function=data["function"],
                accepted=data["accept"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except services.InvalidProcessorLink as exc:
            return _invalid_link(request, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(request, "agreements/processor_signed.html", {"agreement": agreement})
    context = services.signature_context(agreement)
    context["form"] = form
    response = _form_response(request, "agreements/processor_sign.html", context, form)
    response["Cache-Control"] = "private, no-store"
    # The token is in the URL: never send it to another site (same-origin keeps CSRF checks).
    response["Referrer-Policy"] = "same-origin"
    return response


# --- B2 opt-ins --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def product_use_opt_ins(request, pk):
    """The school chooses, per optional processing (B2) of the bijsluiter, whether it opts in."""
    _require_register(request.user)
    use = get_object_or_404(selectors.visible_product_uses(request.user), pk=pk)
    if not selectors.may_manage_school(request.user, use.school):
        raise PermissionDenied(
            _("Alleen de directie van de school kiest de optionele verwerkingen.")
        )
    bijsluiter = selectors.current_bijsluiter(use.product)
    lines = bijsluiter.optional_lines() if bijsluiter else []
    return _run_form(
        request,
        OptInForm(request.POST or None, initial={"opt_ins": use.optional_opt_ins}, lines=lines),
        lambda data: services.product_use_set_opt_ins(
            actor=request.user, use=use, opt_ins=data["opt_ins"]
        ),
        done=lambda _use: reverse("agreements:product_detail", args=[use.product_id]),
        success=_("Keuze voor de optionele verwerkingen vastgelegd."),
        context={
            "title": _("Optionele verwerkingen (B2): %(p)s bij %(s)s")
            % {"p": use.product.name, "s": use.school.name},
        },
    )
