from .roles import user_is_hr


def roles(request):
    """What the navigation shows: each role sees only what it may use (lazy, cached per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def is_manager():
        if not hasattr(request, "_cp_is_manager"):
            from .models import Employee

            request._cp_is_manager = Employee.objects.filter(manager__user=user).exists()
        return request._cp_is_manager

    def is_hr():
        if not hasattr(request, "_cp_is_hr"):
            request._cp_is_hr = user_is_hr(user)
        return request._cp_is_hr

    return {"nav_is_manager": is_manager, "nav_is_hr": is_hr}
