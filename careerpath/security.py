"""The brakes: who is asking (behind the proxy), login lockout, reset throttling, idle sessions.

- `client_ip` names the person's address, also behind `PROXY_COUNT` proxies
  that append to X-Forwarded-For (without it every login would come from the
  proxy's address and share one counter).
- `LockoutHandler` locks one person at one address after
  `LOGIN_LOCKOUT_FAILURES` failures, and a whole address only after
  `LOGIN_LOCKOUT_ADDRESS_FAILURES`: one person's typos never lock out an office
  behind one NAT. django-axes counts; both locks lift after the cool-off.
- `reset_request_allowed` throttles password-reset e-mails per address and per
  e-mail address (counted whether or not an account exists, so the answer
  never tells).
- `IdleSessionMiddleware` keeps a session alive while it is used and lets it
  expire `SESSION_IDLE_TIMEOUT_MINUTES` after the last request.
"""

import hashlib
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum


def client_ip(request) -> str:
    """The person's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    With N trusted proxies each appending the address it saw, the N-th entry
    from the right is the one the outermost proxy saw; anything to its left came
    from the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def login_username(request, credentials) -> str | None:
    """The e-mail typed into the login form, compared case-insensitively."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    return username.strip().lower() if isinstance(username, str) else username


class LockoutHandler(AxesDatabaseHandler):
    """Axes's database handler with two limits instead of one.

    AXES_LOCKOUT_PARAMETERS is `[["username", "ip_address"], "ip_address"]`, so
    axes hands us two sets of attempts: this person at this address, and
    everyone at this address. The pair is compared with AXES_FAILURE_LIMIT; the
    address alone only reaches it at LOGIN_LOCKOUT_ADDRESS_FAILURES.
    """

    def get_failures(self, request, credentials=None) -> int:
        pair_attempts, address_attempts = self.get_user_attempts(request, credentials)

        def total(attempts) -> int:
            return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0

        pair = total(pair_attempts)
        if total(address_attempts) >= settings.LOGIN_LOCKOUT_ADDRESS_FAILURES:
            return max(pair, get_failure_limit(request, credentials))
        return pair

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        # A new session starts its idle clock now (saved with the login itself).
        IdleSessionMiddleware.touch(request.session)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login forgets that person's failures at that address, nobody else's."""
        username = get_client_username(request, credentials)
        pair = get_client_parameters(
            username, request.axes_ip_address, request.axes_user_agent, request, credentials
        )[0]
        count, _ = AccessAttempt.objects.filter(**pair).delete()
        return count


def _hit(key: str, window: int) -> int:
    """The number of requests counted under `key` in the current window, before this one."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key) - 1
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 0


def reset_request_allowed(request, email: str) -> bool:
    """Count one password-reset request; False when its address or its e-mail is over the limit.

    The e-mail is hashed (no addresses in the cache) and counted whether or not
    an account has it, so being refused says nothing about who has an account.
    """
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    email_key = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_address = _hit(f"pwreset:ip:{client_ip(request)}", window)
    by_email = _hit(f"pwreset:email:{email_key}", window)
    return (
        by_address < settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        and by_email < settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    )


class IdleSessionMiddleware:
    """Sessions expire SESSION_COOKIE_AGE after the last request, not after the login.

    Instead of SESSION_SAVE_EVERY_REQUEST (one session write on every request,
    static files and polling included), the session is saved, which moves its
    expiry on, at most once a minute per person: the timeout is exact to within
    that minute. Expired sessions are refused by the session store itself, so a
    request after the timeout is anonymous and LoginRequiredMiddleware sends it
    to the login page.
    """

    KEY = "_last_seen"
    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    @classmethod
    def touch(cls, session) -> None:
        session[cls.KEY] = int(time.time())

    def __call__(self, request):
        session = getattr(request, "session", None)
        signed_in = session is not None and session.get("_auth_user_id")
        if signed_in and time.time() - session.get(self.KEY, 0) >= self.REFRESH_SECONDS:
            self.touch(session)
        return self.get_response(request)
