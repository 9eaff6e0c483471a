"""Staff screens of media consent: the class photo list (screen and one-page PDF), the
"may I publish this?" check, a pupil's history, the school's two-parent setting and the
foundation's channel texts. Thin: selectors scope, services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.roles import SchoolRole
from consent import selectors, services
from consent.forms import ChannelTextForm, PaperAnswerForm, PublishCheckForm, SchoolSettingForm
from consent.models import Channel, SchoolConsentSetting
from privacy_portal.audit import record_access
from privacy_portal.pdf import render_pdf


@login_required
def class_list(request):
    classes = selectors.classes_for_consent(request.user).order_by(
        "school__name", "-school_year", "name"
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        classes = classes.filter(name__icontains=query)
    page = Paginator(classes, 50).get_page(request.GET.get("pagina"))
    directie_schools = access.schools_with_role(request.user, SchoolRole.DIRECTIE)
    return render(
        request,
        "consent/class_list.html",
        {
            "page": page,
            "query": query,
            "directie_schools": directie_schools,
            "manages_channels": any(
                services.may_manage_channels(request.user, fd)
                for fd in access.foundations_for(request.user)
            ),
        },
    )


def _overview_context(request, school_class):
    sort = request.GET.get("sorteer", selectors.SORT_NAME)
    channels, rows = selectors.class_overview(request.user, school_class, sort=sort)
    return {
        "school_class": school_class,
        "channels": channels,
        "rows": rows,
        "sort": sort,
        "printed_at": timezone.localtime(),
    }


@login_required
def class_overview(request, class_id: int):
    school_class = selectors.class_for_consent(request.user, class_id)
    services.channels_ensure_defaults(foundation=school_class.school.foundation)
    return render(request, "consent/class_overview.html", _overview_context(request, school_class))


@login_required
def class_pdf(request, class_id: int):
    school_class = selectors.class_for_consent(request.user, class_id)
    services.channels_ensure_defaults(foundation=school_class.school.foundation)
    context = _overview_context(request, school_class)
    pdf = render_pdf("pdf/consent/class_list.html", context)
    record_access(actor=request.user, instance=school_class, what="export:consent-pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"toestemming-{school_class.name}-{school_class.school_year_label}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename.replace(" ", "-").lower()}"'
    return response


@login_required
def publish_check(request, class_id: int):
    school_class = selectors.class_for_consent(request.user, class_id)
    services.channels_ensure_defaults(foundation=school_class.school.foundation)
    channels = selectors.active_channels(school_class.school.foundation_id)
    pupils = selectors.pupils_of_class(
        request.user, school_class, selectors.class_pupil_ids(school_class)
    )
    form = PublishCheckForm(request.GET or None, channels=channels, pupils=pupils)
    result = None
    status = 200
    if request.GET:
        if form.is_valid():
            channel = next(c for c in channels if c.key == form.cleaned_data["channel"])
            chosen = [p for p in pupils if str(p.pk) in set(form.cleaned_data["pupils"])]
            allowed, blocked = services.may_publish(pupils=chosen, channel=channel)
            result = {
                "allowed": allowed,
                "blocked": blocked,
                "channel": channel,
                "count": len(chosen),
            }
        else:
            status = 400
    return render(
        request,
        "consent/publish_check.html",
        {"school_class": school_class, "form": form, "result": result},
        status=status,
    )


def _paper_form(pupil, channels, data=None):
    guardians = [
        link.guardian
        for link in pupil.guardian_links.filter(has_parental_authority=True).select_related(
            "guardian"
        )
    ]
    form = PaperAnswerForm(
        data,
        guardians=guardians,
        channels=channels,
        pupil_decides=services.pupil_decides_self(pupil),
    )
    return form, {str(g.pk): g for g in guardians}


@login_required
@require_http_methods(["GET", "POST"])
def pupil_history(request, pupil_id: int):
    pupil = selectors.pupil_for_staff(request.user, pupil_id)
    channels = selectors.active_channels(pupil.school.foundation_id)
    may_record = services.may_record_paper_answers(request.user, pupil)
    form = guardians = None
    if may_record:
        form, guardians = _paper_form(pupil, channels, request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.consent_record_paper_answer(
                    actor=request.user,
                    pupil=pupil,
                    guardian=guardians.get(form.cleaned_data["source"]),
                    channel=next(c for c in channels if str(c.pk) == form.cleaned_data["channel"]),
                    granted=form.cleaned_data["answer"] == "ja",
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Het antwoord op papier is vastgelegd."))
                return redirect("consent:pupil_history", pupil_id=pupil.pk)
        status = 400
    statuses = services.statuses_for([pupil], channels)
    return render(
        request,
        "consent/pupil_history.html",
        {
            "pupil": pupil,
            "rows": [(c, statuses[(pupil.pk, c.pk)]) for c in channels],
            "history": selectors.decision_history(pupil)[:200],
            "decides_self": services.pupil_decides_self(pupil),
            "form": form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_settings(request, school_id: int):
    school = get_object_or_404(access.visible_schools(request.user), pk=school_id)
    if not access.has_school_role(request.user, school, SchoolRole.DIRECTIE):
        raise PermissionDenied
    setting = SchoolConsentSetting.objects.filter(school=school).first()
    form = SchoolSettingForm(
        request.POST or None,
        initial={"require_both_parents": bool(setting and setting.require_both_parents)},
    )
    if request.method == "POST" and form.is_valid():
        services.school_setting_update(
            actor=request.user,
            school=school,
            require_both_parents=form.cleaned_data["require_both_parents"],
        )
        messages.success(request, _("De instelling is opgeslagen."))
        return redirect("consent:school_settings", school_id=school.pk)
    numbers = selectors.consent_numbers(school=school)
    return render(
        request,
        "consent/school_settings.html",
        {"school": school, "form": form, "numbers": numbers},
        status=400 if form.errors else 200,
    )


def _managed_channels(user):
    foundations = [
        fd for fd in access.foundations_for(user) if services.may_manage_channels(user, fd)
    ]
    if not foundations:
        raise PermissionDenied
    for foundation in foundations:
        services.channels_ensure_defaults(foundation=foundation)
    return Channel.objects.filter(foundation__in=foundations).select_related("foundation")


@login_required
def channel_list(request):
    channels = _managed_channels(request.user)
    return render(
        request,
        "consent/channel_list.html",
        {"channels": channels.prefetch_related("texts").order_by("foundation__name", "order")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, channel_id: int):
    if not access.foundations_for(request.user).exists():
        raise PermissionDenied
    channel = get_object_or_404(_managed_channels(request.user), pk=channel_id)
    current = services.current_text(channel)
    form = ChannelTextForm(request.POST or None, initial={"text": current.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_text_update(
                actor=request.user, channel=channel, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            form.add_error("text", exc)
        else:
            messages.success(request, _("De tekst is opgeslagen als nieuwe versie."))
            return redirect("consent:channel_list")
    return render(
        request,
        "consent/channel_edit.html",
        {"channel": channel, "form": form, "texts": channel.texts.order_by("-version")},
        status=400 if form.errors else 200,
    )
