from .access import access_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    return {
        "nav_can_report": bool(access.reporting_school_ids),
        "nav_sees_cases": bool(access.led_school_ids or access.overseen_board_ids or access.privacy_board_ids),
    }
