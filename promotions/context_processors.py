from people.roles import user_is_hr_for_request

from .services import sweep_state


def sweep_state_for_request(request):
    """The latest sweep's state, read once per request (the reports page and the banner)."""
    if not hasattr(request, "_cp_sweep_state"):
        request._cp_sweep_state = sweep_state()
    return request._cp_sweep_state


def sweep_alert(request):
    """For HR, a banner when the nightly sweep failed, stalled or did not run (lazy; the HR
    check and the sweep are read once per request: one query more for HR, none for others)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def alert() -> str:
        if not hasattr(request, "_cp_sweep_alert"):
            request._cp_sweep_alert = ""
            if user_is_hr_for_request(request):
                state = sweep_state_for_request(request)
                if state.needs_attention:
                    request._cp_sweep_alert = state.message
        return request._cp_sweep_alert

    return {"sweep_alert": alert}


def unread_notifications_for_request(request) -> int:
    """How many of the user's notifications are unread: one COUNT, read once per request
    (the navigation badge, My career and the notifications page share it)."""
    if not hasattr(request, "_cp_unread"):
        from .models import Notification

        request._cp_unread = Notification.objects.filter(
            recipient=request.user, read_at__isnull=True
        ).count()
    return request._cp_unread


def notifications(request):
    """The unread count for the navigation badge (lazy): only for logged-in people with a
    career profile, who are the ones notifications are for."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from people.selectors import employee_for_request

        if employee_for_request(request) is None:
            return 0
        return unread_notifications_for_request(request)

    return {"nav_unread": unread}
