from .roles import user_is_hr_for_request


def roles(request):
    """What the navigation shows: each role sees only what it may use (lazy, cached per request).

    Each flag matches the check of the pages it opens, so no menu entry answers 403:
    the evidence pages need an active career profile, the team and review pages a
    profile with reports, the reports HR.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def profile():
        from .selectors import employee_for_request

        return employee_for_request(request)

    def has_profile():
        return profile() is not None

    def is_manager():
        if not hasattr(request, "_cp_is_manager"):
            from .models import Employee

            me = profile()
            request._cp_is_manager = me is not None and Employee.objects.filter(manager=me).exists()
        return request._cp_is_manager

    def is_hr():
        return user_is_hr_for_request(request)

    return {"nav_has_profile": has_profile, "nav_is_manager": is_manager, "nav_is_hr": is_hr}
