"""How a form screen hands its data to a service, the same in every app's views.

- ``apply_errors(form, exc)``: a service's ValidationError on the form, on the fields it names
  (a name the form does not have becomes a form error), so the person sees what to fix;
- ``submit(request, form, action, success=..., done=...)``: the POST half of a form screen.
  When the form is valid it runs ``action()`` (the service call), says ``success`` and answers
  with a redirect to ``done(result)``. It answers None when the form is invalid or the service
  refused: the view then renders the form again, with its errors, as a 400.

A double submit of such a form runs the service once without code here: every POST form
carries a one-time token (``privacy_portal.once``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def submit(request, form, action, *, success, done):
    """Run ``action()`` for a valid ``form``; a redirect to ``done(result)`` with the message
    ``success`` (a text, or a callable given the result that returns one), or None when the
    form has errors (the service's refusal among them)."""
    if not form.is_valid():
        return None
    try:
        result = action()
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(done(result))
