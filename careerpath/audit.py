"""Who made a change when no request says so: management commands and other scripts.

The audit trail is django-simple-history's: a request's user is recorded by
its middleware, a service that knows its actor sets `instance._history_user`.
A command has neither, so it runs its work inside `audited(reason=...)` and
every history row written meanwhile carries that reason (added to a row's own
reason, never replacing it). Rows written by `bulk_*_with_history` take the
reason from `current_reason()`, since those send no signal.

Work done for a person outside their request (an import HR applies from the browser,
run by a worker) passes `user=` too: every history row written meanwhile without a
user of its own names that person (`current_user()` for the bulk writes).
"""

import contextlib
from contextvars import ContextVar

from simple_history.signals import pre_create_historical_record

REASON_MAX_LENGTH = 100  # simple_history's history_change_reason column

_reason: ContextVar[str | None] = ContextVar("audit_reason", default=None)
_user: ContextVar = ContextVar("audit_user", default=None)


@contextlib.contextmanager
def audited(*, reason: str, user=None):
    """Record `reason` on every history row written inside the block (nested: the innermost),
    and `user` (a User, or None for nobody) on each that names no user of its own."""
    token = _reason.set(reason)
    user_token = _user.set(user)
    try:
        yield
    finally:
        _user.reset(user_token)
        _reason.reset(token)


def current_user():
    """The user of the innermost `audited` block, or None."""
    return _user.get()


def current_reason(own: str = "") -> str:
    """A row's own reason joined with the block's, cut to what the column holds."""
    context = _reason.get()
    text = f"{own} ({context})" if own and context else own or context or ""
    return text[:REASON_MAX_LENGTH]


def command_reason(command) -> str:
    """The reason naming a management command, e.g. "manage.py import_metrics"."""
    return f"manage.py {type(command).__module__.rsplit('.', 1)[-1]}"


def _add_context_reason(sender, history_instance, **kwargs):
    if _reason.get() is not None:
        history_instance.history_change_reason = current_reason(
            history_instance.history_change_reason or ""
        )
    if history_instance.history_user_id is None and (user := _user.get()) is not None:
        history_instance.history_user = user


def connect() -> None:
    pre_create_historical_record.connect(
        _add_context_reason, dispatch_uid="careerpath.audit.context_reason"
    )
