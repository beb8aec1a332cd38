"""Single sign-on with OpenID Connect (mozilla-django-oidc), and the switch for passwords.

With `OIDC_ENABLED`, the login page offers "Sign in with <provider>": the provider signs the
person in and CareerPath matches them to an existing account by e-mail:

- the provider must say the e-mail is verified (`email_verified` true), else anyone who can
  put an address into their profile at the provider could become that person here;
- the address is compared case-insensitively with the accounts' e-mail (and the login name,
  which is the e-mail here); exactly one account must match. Two accounts with one address
  are refused rather than guessed between;
- nobody is created: a person the provider knows but CareerPath does not is refused (HR
  adds or imports people, who then bring their framework, level and manager);
- leavers are refused: their account is inactive, and so is their career profile
  (people.services.employee_leave turns off both; either is enough to refuse).

Every refusal renders one page (registration/sso_refused.html, 403) naming the reason in
plain words, never a redirect back to the login page that would loop through the provider.

With `PASSWORD_LOGIN` off, passwords are refused for everyone but the break-glass accounts
(active superusers, narrowed by `BREAK_GLASS_USERS` when set), on the login page, the
admin's login and the password reset: CareerPath keeps working when the provider is down.

Logging out also ends the provider's session when `OIDC_OP_LOGOUT_ENDPOINT` (the provider's
`end_session_endpoint`) is set: the browser goes there with the id token as a hint and
comes back to the login page (RP-initiated logout). Our own logout view does it (the
`logout` URL stays Django's, POST only) rather than mozilla-django-oidc's OIDCLogoutView.

Not used: mozilla-django-oidc's SessionRefresh middleware. It re-asks the provider every
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS with prompt=none, which breaks POSTs and API calls made
with the session at that moment; the session's own idle timeout
(careerpath.security.IdleSessionMiddleware, which a sign-on starts like a password login)
bounds a session instead, and a leaver's session ends at their next request because
`get_user` refuses inactive accounts and profiles. Someone disabled only at the provider
keeps their session until it idles out.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render, resolve_url
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger(__name__)

#: Why a sign-on was refused: code -> (heading, explanation). The codes are what the backend
#: leaves on the request; the page shows the words.
REFUSALS = {
    "unverified": (
        "Your e-mail address is not verified",
        "The sign-in service did not confirm that this e-mail address is yours, so "
        "CareerPath cannot tell whose account it is. Verify the address with the sign-in "
        "service, then try again.",
    ),
    "no_email": (
        "The sign-in service did not give an e-mail address",
        "CareerPath finds your account by your e-mail address, and the sign-in service "
        "sent none. Ask IT to release the e-mail address to CareerPath.",
    ),
    "unknown": (
        "There is no CareerPath account for you",
        "You signed in, but nobody at CareerPath has this e-mail address. If you should "
        "have an account, ask HR to add you with the address you signed in with.",
    ),
    "ambiguous": (
        "Several accounts have your e-mail address",
        "CareerPath cannot tell which of them is yours, so it signs none of them in. Ask HR "
        "to give each account its own address.",
    ),
    "inactive": (
        "Your CareerPath account is closed",
        "People who have left the company no longer have access. If you have not left, "
        "ask HR to reopen your account.",
    ),
    "provider": (
        "The sign-in service did not sign you in",
        "The sign-in was cancelled or failed at the sign-in service. Try again; if it "
        "keeps failing, ask IT.",
    ),
}


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


def is_break_glass(user) -> bool:
    """May this account log in with a password while passwords are off?

    Active superusers only; when BREAK_GLASS_USERS lists addresses, only those of them.
    """
    if not (user.is_active and user.is_superuser):
        return False
    allowed = {address.lower() for address in settings.BREAK_GLASS_USERS}
    if not allowed:
        return True
    return user.get_username().lower() in allowed or (user.email or "").lower() in allowed


class PasswordPolicyBackend:
    """Refuses a password log-in while PASSWORD_LOGIN is off, unless the account is a
    break-glass account.

    It stands before ModelBackend (after django-axes) and raises PermissionDenied, which
    stops Django's authenticate() for every later backend: the login page, the admin's login
    and DRF's session login all pass here. Sign-on (which sends no password) passes by.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is None or settings.PASSWORD_LOGIN:
            return None
        model = get_user_model()
        if username is None:
            username = kwargs.get(model.USERNAME_FIELD)
        user = model._default_manager.filter(
            **{f"{model.USERNAME_FIELD}__iexact": username or ""}
        ).first()
        if user is not None and is_break_glass(user):
            return None  # ModelBackend checks the password
        raise PermissionDenied("Passwords are turned off for this account.")


class EmployeeOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matching people to existing accounts only (see the
    module's docstring). A refusal leaves its reason on `request.sso_refusal`."""

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED:
            return None
        return super().authenticate(request, **kwargs)

    def _refuse(self, code: str, claims) -> None:
        if getattr(self, "request", None) is not None:
            self.request.sso_refusal = code
        logger.warning("sign-on refused (%s) for subject %r", code, claims.get("sub"))

    def verify_claims(self, claims) -> bool:
        if not claims.get("email"):
            self._refuse("no_email", claims)
            return False
        # Only a real true: some providers send the string "false".
        if claims.get("email_verified") is not True:
            self._refuse("unverified", claims)
            return False
        return True

    def filter_users_by_claims(self, claims):
        email = claims["email"].strip()
        model = self.UserModel
        users = list(
            model._default_manager.filter(email__iexact=email)
            | model._default_manager.filter(**{f"{model.USERNAME_FIELD}__iexact": email})
        )
        if not users:
            self._refuse("unknown", claims)
        elif len(users) > 1:
            self._refuse("ambiguous", claims)
        elif not self._may_sign_in(users[0]):
            self._refuse("inactive", claims)
            return []
        return users

    @staticmethod
    def _may_sign_in(user) -> bool:
        employee = getattr(user, "employee", None)
        return user.is_active and (employee is None or employee.is_active)

    def create_user(self, claims):
        """Never: CareerPath's people come from HR (see the module's docstring)."""
        return None

    def update_user(self, user, claims):
        """The account is CareerPath's: the provider's name for the person changes nothing."""
        return user

    def get_user(self, user_id):
        """The signed-in account, while it is active (a leaver's session ends at once)."""
        user = super().get_user(user_id)
        if user is None or not self._may_sign_in(user):
            return None
        return user


def _sso_enabled_or_404():
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not turned on.")


@method_decorator(login_not_required, name="dispatch")
class SignOnStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (404 while sign-on is off)."""

    def __init__(self, *args, **kwargs):
        _sso_enabled_or_404()
        super().__init__(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class SignOnCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; a refusal is a page, never a loop."""

    def dispatch(self, request, *args, **kwargs):
        _sso_enabled_or_404()
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self):
        # A locked-out address (django-axes) gets axes' own lockout page from its middleware.
        code = getattr(self.request, "sso_refusal", "provider")
        heading, explanation = REFUSALS[code]
        return render(
            self.request,
            "registration/sso_refused.html",
            {"heading": heading, "explanation": explanation, "code": code},
            status=403,
        )


def provider_logout_url(request) -> str | None:
    """Where to send the browser to end the provider's session too; None when the provider
    has no end-session endpoint or this session did not come from it."""
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    id_token = request.session.get("oidc_id_token")
    if not (settings.OIDC_ENABLED and endpoint and id_token):
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(
                resolve_url(settings.LOGOUT_REDIRECT_URL)
            ),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class LogoutView(auth_views.LogoutView):
    """Django's logout; a session that came through the provider also ends there."""

    def post(self, request, *args, **kwargs):
        at_provider = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        if at_provider and response.status_code == 302:
            response["Location"] = at_provider
        return response


class LoginView(auth_views.LoginView):
    """Django's login page, offering sign-on when it is on."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            sso_enabled=settings.OIDC_ENABLED,
            sso_provider=provider_name(),
            password_login=settings.PASSWORD_LOGIN,
        )
        return context
