"""Sign-in, two-factor enrolment and verification, password management, and "my classes"."""

from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access
from accounts.forms import LoginForm, TokenForm
from accounts.roles import Capability


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse_lazy(default)


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request))
        # A failed sign-in is "not authenticated": 401, with the form and a clear message.
        return render(request, "accounts/login.html", {"form": form}, status=401)
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("U bent uitgelogd."))
    return redirect("accounts:login")


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes calls this when an account is locked after too many failed sign-ins."""
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=403,
    )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol a TOTP device: show a QR code rendered here (never by a remote service)."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Tweestapsverificatie is ingesteld."))
            return redirect(_safe_next(request))
        if form.is_valid():
            form.add_error(
                "token",
                _(
                    "Deze code klopt niet. Controleer de tijd op uw telefoon en probeer het opnieuw."
                ),
            )
        status = 401
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated locally
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": request.GET.get("next", ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect("accounts:otp_setup")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            token = form.cleaned_data["token"]
            throttled = False
            for device in devices:
                allowed, _details = device.verify_is_allowed()
                throttled = throttled or not allowed
                if allowed and device.verify_token(token):
                    otp_login(request, device)
                    return redirect(_safe_next(request))
            form.add_error(
                "token",
                _(
                    "U heeft kort na elkaar te vaak een code geprobeerd. Wacht even en probeer het opnieuw."
                )
                if throttled
                else _(
                    "Deze code klopt niet of is verlopen. Vul de code in die nu in uw app staat."
                ),
            )
        status = 401
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Uw wachtwoord is gewijzigd."))
        return redirect("home")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def account(request):
    return render(
        request,
        "accounts/account.html",
        {
            "roles": access.role_summary(request.user),
            "has_device": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        },
    )


@login_required
def class_list(request):
    classes = (
        access.visible_classes(request.user)
        .select_related("school")
        .order_by("school__name", "-school_year", "name")
    )
    from django.db.models import Count

    classes = classes.annotate(pupil_count=Count("enrolments"))
    return render(request, "accounts/class_list.html", {"classes": classes})


@login_required
def class_detail(request, pk: int):
    school_class = get_object_or_404(
        access.visible_classes(request.user).select_related("school"), pk=pk
    )
    pupils = (
        access.visible_pupils(request.user, Capability.PUPIL_BASIC)
        .filter(enrolments__school_class=school_class)
        .order_by("last_name", "first_name")
    )
    return render(
        request, "accounts/class_detail.html", {"school_class": school_class, "pupils": pupils}
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@require_POST
def set_language(request):
    """The language switch in the footer: Django's own view sets the cookie and redirects; a
    signed-in person's choice is also stored on the account and in the session, so it follows
    them to every device they sign in on."""
    from django.views.i18n import set_language as django_set_language

    from accounts import services

    response = django_set_language(request)
    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
        request.session[settings.LANGUAGE_SESSION_KEY] = language
    return response
