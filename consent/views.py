"""Staff screens of media consent: the class photo list (screen and one-page PDF), the
"may I publish this?" check, a pupil's history with the paper form, the school's settings
(two-parent rule, channels in use), and the foundation's channels, texts and yearly round.
Thin: selectors scope, services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.roles import SchoolRole
from consent import selectors, services
from consent.forms import (
    ChannelCreateForm,
    ChannelTextForm,
    ConsentRoundForm,
    PaperAnswersForm,
    PublishCheckForm,
    SchoolChannelsForm,
    SchoolSettingForm,
)
from consent.models import Channel, ChannelText, SchoolConsentSetting
from privacy_portal import lists
from privacy_portal.audit import record_access
from privacy_portal.forms import submit
from privacy_portal.pdf import render_pdf
from students.models import NAME_ORDER


@login_required
def class_list(request):
    classes = selectors.classes_for_consent(request.user).order_by(
        "school__name", "-school_year", "name"
    )
    listed = lists.list_page(request, classes, fields=["name"], per_page=50)
    directie_schools = access.schools_with_role(request.user, SchoolRole.DIRECTIE)
    return render(
        request,
        "consent/class_list.html",
        {
            "page": listed.page,
            "query": listed.query,
            "directie_schools": directie_schools,
            "category": services.media_category(),
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
    channels = selectors.active_channels(
        school_class.school.foundation_id, school_id=school_class.school_id
    )
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
    if services.pupil_decides_self(pupil):
        sources = [("leerling", _("de leerling zelf (16+)"))]
    else:
        sources = [
            (str(link.guardian.pk), link.guardian.list_name)
            for link in pupil.guardian_links.filter(has_parental_authority=True)
            .select_related("guardian")
            .order_by(*(f"guardian__{field}" for field in NAME_ORDER))
        ]
    return PaperAnswersForm(data, sources=sources, channels=channels)


@login_required
@require_http_methods(["GET", "POST"])
def pupil_history(request, pupil_id: int):
    """A pupil's consent now and ever; the administratie and directie enter a whole paper
    form here (every channel × both parents) in one post."""
    pupil = selectors.pupil_for_staff(request.user, pupil_id)
    channels = selectors.active_channels(pupil.school.foundation_id, school_id=pupil.school_id)
    may_record = services.may_record_paper_answers(request.user, pupil)
    form = (
        _paper_form(pupil, channels, request.POST if request.method == "POST" else None)
        if may_record
        else None
    )
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                # A double click records the paper form once: the form's one-time token
                # (privacy_portal.once).
                written = services.consent_record_paper_answers(
                    actor=request.user, pupil=pupil, answers=form.answers()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d antwoord op papier is vastgelegd.",
                        "%(count)d antwoorden op papier zijn vastgelegd.",
                        written,
                    )
                    % {"count": written},
                )
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
    """The directie: the two-parent rule (switching it on shows first how many pupils lose
    consent, and asks to confirm) and which channels the school uses."""
    school = get_object_or_404(access.visible_schools(request.user), pk=school_id)
    if not access.has_school_role(request.user, school, SchoolRole.DIRECTIE):
        raise PermissionDenied
    setting = SchoolConsentSetting.objects.filter(school=school).first()
    current = bool(setting and setting.require_both_parents)
    all_channels = selectors.active_channels(
        school.foundation_id, school_id=school.pk, all_of_school=True
    )
    used = selectors.active_channels(school.foundation_id, school_id=school.pk)
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    form = SchoolSettingForm(
        posted if which == "rule" else None, initial={"require_both_parents": current}
    )
    channels_form = SchoolChannelsForm(
        posted if which == "channels" else None,
        channels=all_channels,
        initial={"channels": [str(c.pk) for c in used]},
    )
    consequence = None
    status = 200
    if which == "rule":
        if form.is_valid():
            wanted = form.cleaned_data["require_both_parents"]
            if wanted != current and not form.cleaned_data["confirmed"]:
                consequence = services.two_parent_rule_consequence(
                    school=school, require_both=wanted
                )
                form = SchoolSettingForm(
                    initial={"require_both_parents": wanted, "confirmed": True}
                )
            else:
                services.school_setting_update(
                    actor=request.user, school=school, require_both_parents=wanted
                )
                messages.success(request, _("De instelling is opgeslagen."))
                return redirect("consent:school_settings", school_id=school.pk)
        else:
            status = 400
    elif which == "channels":
        if channels_form.is_valid():
            services.school_channels_update(
                actor=request.user,
                school=school,
                channel_ids=channels_form.cleaned_data["channels"],
            )
            messages.success(request, _("De kanalen van de school zijn opgeslagen."))
            return redirect("consent:school_settings", school_id=school.pk)
        status = 400
    elif posted is not None:
        status = 400
    return render(
        request,
        "consent/school_settings.html",
        {
            "school": school,
            "form": form,
            "channels_form": channels_form,
            "consequence": consequence,
            "numbers": selectors.consent_numbers(school=school),
        },
        status=status,
    )


def _managed_foundations(user, *, required=True):
    foundations = [
        fd for fd in access.foundations_for(user) if services.may_manage_channels(user, fd)
    ]
    if not foundations and required:
        raise PermissionDenied
    for foundation in foundations:
        services.channels_ensure_defaults(foundation=foundation)
    return foundations


def _managed_channels(user):
    """The channels ``user`` may change: all of the foundations they manage (FG,
    administrator), and the own channels of the schools where they are directie."""
    foundations = _managed_foundations(user, required=False)
    return Channel.objects.filter(
        Q(foundation__in=foundations) | Q(school__in=services.channel_schools_for(user))
    ).select_related("foundation", "school")


def _channel_for(user, channel_id):
    """A channel the user may see (the foundation-wide ones of their foundations, and the own
    channels of schools they manage) is a 403 when they may not change it; any other is a 404."""
    schools = services.channel_schools_for(user)
    visible = Channel.objects.filter(
        Q(pk__in=_managed_channels(user).values("pk"))
        | Q(school__isnull=True, foundation__schools__in=schools)
    ).distinct()
    channel = get_object_or_404(visible.select_related("foundation", "school"), pk=channel_id)
    if not services.may_manage_channel(user, channel):
        raise PermissionDenied
    return channel


@login_required
@require_http_methods(["GET", "POST"])
def channel_list(request):
    """FG and administrator: the foundation's channels (add, retire, take back, order) and their
    texts. Directie: the same for their school's own channels, and the foundation's channels to
    read (which of those the school uses is chosen on the school's settings page)."""
    foundations = _managed_foundations(request.user, required=False)
    schools = list(services.channel_schools_for(request.user).order_by("name"))
    if not foundations and not schools:
        raise PermissionDenied
    for school in schools:
        services.channels_ensure_defaults(foundation=school.foundation)
    form = ChannelCreateForm(
        request.POST if request.method == "POST" else None,
        schools=schools,
        foundation_wide=bool(foundations),
    )
    if request.method == "POST":

        def create():
            school = next((s for s in schools if str(s.pk) == form.cleaned_data["scope"]), None)
            return services.channel_create(
                actor=request.user,
                foundation=school.foundation if school else foundations[0],
                school=school,
                name=form.cleaned_data["name"],
                text=form.cleaned_data["text"],
            )

        created = submit(
            request,
            form,
            create,
            success=_("Het kanaal is toegevoegd."),
            done=lambda _channel: reverse("consent:channel_list"),
        )
        if created is not None:
            return created
    foundation_ids = {fd.pk for fd in foundations} | {s.foundation_id for s in schools}
    channels = (
        Channel.objects.filter(foundation_id__in=foundation_ids)
        .filter(
            Q(school__isnull=True)
            | Q(foundation__in=foundations)
            | Q(school__in=[s.pk for s in schools])
        )
        .select_related("foundation", "school")
        .prefetch_related("texts")
        .order_by("foundation__name", "school__name", "-is_active", "order", "name")
    )
    manageable = set(_managed_channels(request.user).values_list("pk", flat=True))
    rounds = [services.round_plan(fd.pk, services.current_school_year()) for fd in foundations[:1]]
    return render(
        request,
        "consent/channel_list.html",
        {
            "channels": channels,
            "manageable": manageable,
            "form": form,
            "round": rounds[0] if rounds else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def channel_action(request, channel_id: int):
    """Retire, take back, or move a channel one place up or down."""
    channel = _channel_for(request.user, channel_id)
    action = request.POST.get("action")
    if action == "retire":
        services.channel_set_active(actor=request.user, channel=channel, active=False)
        messages.success(request, _("Het kanaal is uit gebruik genomen; de antwoorden blijven."))
    elif action == "restore":
        services.channel_set_active(actor=request.user, channel=channel, active=True)
        messages.success(request, _("Het kanaal is weer in gebruik."))
    elif action in ("up", "down"):
        services.channel_move(actor=request.user, channel=channel, up=action == "up")
    else:
        return HttpResponse(_("Onbekende actie."), status=400, content_type="text/plain")
    return redirect("consent:channel_list")


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, channel_id: int):
    """Write a new version of a channel's text, saying whether it is editorial or widening."""
    channel = _channel_for(request.user, channel_id)
    current = services.current_text(channel)
    form = ChannelTextForm(request.POST or None, initial={"text": current.text})
    if request.method == "POST":

        def said(text):
            if text.scope == ChannelText.Scope.WIDENING and text.pk != current.pk:
                return _(
                    "De tekst is opgeslagen als verruiming (versie %(v)s): eerdere antwoorden "
                    "tellen niet meer en ouders krijgen opnieuw de vraag."
                ) % {"v": text.version}
            return _("De tekst is opgeslagen als nieuwe versie.")

        saved = submit(
            request,
            form,
            lambda: services.channel_text_update(
                actor=request.user,
                channel=channel,
                text=form.cleaned_data["text"],
                scope=form.cleaned_data["scope"],
                reason=form.cleaned_data["reason"],
            ),
            success=said,
            done=lambda _text: reverse("consent:channel_list"),
        )
        if saved is not None:
            return saved
    return render(
        request,
        "consent/channel_edit.html",
        {"channel": channel, "form": form, "texts": channel.texts.order_by("-version")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_settings(request):
    """FG and administrator: when this school year's requests go out, and the reminder."""
    foundation = _managed_foundations(request.user)[0]
    year = services.current_school_year()
    plan = services.round_plan(foundation.pk, year)
    form = ConsentRoundForm(
        request.POST or None,
        initial={"starts_on": plan.starts_on, "reminder_after_days": plan.reminder_after_days},
    )
    if request.method == "POST":
        saved = submit(
            request,
            form,
            lambda: services.consent_round_update(
                actor=request.user,
                foundation=foundation,
                school_year=year,
                starts_on=form.cleaned_data["starts_on"],
                reminder_after_days=form.cleaned_data["reminder_after_days"],
            ),
            success=_("De planning van de toestemmingsronde is opgeslagen."),
            done=lambda _plan: reverse("consent:round_settings"),
        )
        if saved is not None:
            return saved
    return render(
        request,
        "consent/round_settings.html",
        {"form": form, "plan": plan, "foundation": foundation},
        status=400 if form.errors else 200,
    )
