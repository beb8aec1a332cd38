from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    _unicode_ci_compare,
)
from django.core.exceptions import ValidationError
from django.db.models import Q

from .sso import is_break_glass

PASSWORDS_OFF = (
    "Passwords are turned off: please sign in with {provider}. Only emergency administrator "
    "accounts may still log in with a password, and this e-mail and password are not one."
)


class LoginForm(AuthenticationForm):
    """Django's login form; people log in with their e-mail (the field keeps its name)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's names the user model's field ("username"), which the page never shows.
        "invalid_login": "Please enter a correct e-mail and password. Note that the password "
        "is case-sensitive.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget.attrs.update({"inputmode": "email", "spellcheck": "false"})

    def clean_username(self):
        """The account the typed address names, whatever its case: usernames are e-mail
        addresses as the HRIS wrote them ("Ann.Lee@…"), and people type theirs as they
        like. Only a single match counts; an exact match always wins. The canonical name
        is what authentication (and so the lockout count) sees, so changing case neither
        fails a login nor escapes a lockout."""
        typed = self.cleaned_data["username"]
        users = get_user_model()._default_manager
        if typed and not users.filter(username=typed).exists():
            matches = list(
                users.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
                .values_list("username", flat=True)
                .distinct()[:2]
            )
            if len(matches) == 1:
                return matches[0]
        return typed

    def get_invalid_login_error(self):
        if not settings.PASSWORD_LOGIN:
            # The same words for every refusal: they tell nobody which accounts may still
            # use a password.
            return ValidationError(
                PASSWORDS_OFF.format(provider=settings.OIDC_PROVIDER_NAME),
                code="passwords_off",
            )
        return super().get_invalid_login_error()


class InvitablePasswordResetForm(PasswordResetForm):
    """Django's reset form, which also reaches people who have no password yet (imported,
    or invited and never set one): the link goes to their own address, so it is theirs to
    use. Leavers' accounts are inactive and get nothing."""

    def get_users(self, email):
        model = get_user_model()
        email_field = model.get_email_field_name()
        users = model._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        # As Django's own: the address must match exactly but for case (Unicode-aware).
        users = (u for u in users if _unicode_ci_compare(email, getattr(u, email_field)))
        if not settings.PASSWORD_LOGIN:
            # Passwords are off: only the break-glass accounts may set one.
            users = (u for u in users if is_break_glass(u))
        return users
