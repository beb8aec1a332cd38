from people.roles import user_is_hr

from .services import sweep_state


def sweep_alert(request):
    """For HR, a banner when the nightly sweep failed, stalled or did not run (lazy, and the
    HR check is the navigation's: one query more for HR, none for anyone else)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def alert() -> str:
        if not hasattr(request, "_cp_sweep_alert"):
            request._cp_sweep_alert = ""
            if not hasattr(request, "_cp_is_hr"):  # shared with people.context_processors
                request._cp_is_hr = user_is_hr(user)
            if request._cp_is_hr:
                state = sweep_state()
                if state.needs_attention:
                    request._cp_sweep_alert = state.message
        return request._cp_sweep_alert

    return {"sweep_alert": alert}
