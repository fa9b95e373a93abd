from portal.access import access_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from incidents.selectors import breach_overdue_count

    from portal.notifications import notification_unread_count

    access = access_for(user)
    return {
        "nav_can_report": bool(access.reporting_school_ids),
        "nav_sees_cases": access.works_cases,
        "nav_is_privacy_officer": bool(access.privacy_board_ids),
        "nav_sees_dossiers": access.opens_dossiers,
        "nav_sees_protocol": bool(access.board_ids["admin"] or access.board_ids["board"]),
        "nav_sees_audit": bool(access.board_ids["admin"] or access.privacy_board_ids),
        "nav_sees_statistics": bool(access.led_school_ids or access.board_ids["board"] or access.board_ids["admin"]),
        "nav_unread_count": notification_unread_count(user=user),
        # Shown in red on every page the FG sees: a breach whose 72 hours have passed without a decision.
        "nav_breaches_overdue": breach_overdue_count(user=user) if access.privacy_board_ids else 0,
    }
