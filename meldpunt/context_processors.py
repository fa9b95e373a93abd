from rules import has_perm


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from incidents.selectors import breach_overdue_count

    from portal.notifications import notification_unread_count

    is_privacy_officer = has_perm("incidents.review_breaches", user)
    return {
        "nav_can_report": has_perm("incidents.report_incident", user),
        "nav_sees_cases": has_perm("incidents.view_case_list", user),
        "nav_is_privacy_officer": is_privacy_officer,
        "nav_sees_dossiers": has_perm("sanctions.view_dossiers", user),
        "nav_sees_protocol": has_perm("portal.view_protocol", user),
        "nav_sees_onboarding": has_perm("portal.view_onboarding", user),
        "nav_sees_audit": has_perm("portal.view_audit_trail", user),
        "nav_sees_statistics": has_perm("incidents.view_statistics", user),
        "nav_sees_public_reports": has_perm("publicreports.view_public_reports", user),
        "nav_sees_reporting_pages": has_perm("publicreports.view_reporting_pages", user),
        "nav_unread_count": notification_unread_count(user=user),
        # Shown in red on every page the FG sees: a breach whose 72 hours have passed without a decision.
        "nav_breaches_overdue": breach_overdue_count(user=user) if is_privacy_officer else 0,
    }
