"""Project-wide views: the throttled password reset and the CSRF failure page.

The 400, 403, 404 and 500 pages are Django's own handlers rendering
templates/400.html, 403.html, 404.html and 500.html.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from .forms import InvitablePasswordResetForm
from .security import reset_request_allowed

RESET_REFUSED = (
    "We have received several requests for this address or from your network recently, "
    "so we are not sending another e-mail now. If you asked before, the e-mail is on its "
    "way: check your inbox and spam folder. Otherwise please try again in an hour."
)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with at most so many e-mails per address and per e-mail.

    The limit applies whether or not an account has the e-mail, and the answer
    below the limit is Django's usual one, so neither tells who has an account.
    """

    form_class = InvitablePasswordResetForm

    def get_template_names(self):
        if not settings.PASSWORD_LOGIN:
            # Passwords are off: the page says so, and e-mails only break-glass accounts.
            return ["registration/password_reset_off.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        return super().get_context_data(sso_provider=settings.OIDC_PROVIDER_NAME, **kwargs)

    def form_valid(self, form):
        if not reset_request_allowed(self.request, form.cleaned_data["email"]):
            form.add_error("email", RESET_REFUSED)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


def csrf_failure(request, reason=""):
    """A form came back without its security token: usually an old tab or blocked cookies."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
