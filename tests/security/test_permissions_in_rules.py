"""Who may do what is written once, as a rules permission per capability (portal/rules.py and each app's
rules.py). Views ask ``has_perm``; selectors only scope their queries; no view module checks a role itself."""

import ast
from pathlib import Path

import pytest
from rules import has_perm

from portal.models import Role
from tests.factories import member

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "incidents", "sanctions", "consent", "publicreports")

ROLE_COLUMNS = ("staff", "school_leader", "board", "privacy_officer", "counsellor", "communications", "admin")

# Capability (a permission without an object) -> the roles that hold it, in the order of ROLE_COLUMNS.
CAPABILITIES = {
    "incidents.report_incident":       (1, 1, 0, 0, 0, 0, 0),
    "incidents.view_case_list":        (0, 1, 1, 1, 1, 1, 1),
    "incidents.review_breaches":       (0, 0, 0, 1, 0, 0, 0),
    "incidents.view_breach_register":  (0, 0, 0, 1, 0, 0, 1),
    "incidents.view_statistics":       (0, 1, 1, 0, 0, 0, 1),
    "sanctions.view_dossiers":         (0, 1, 1, 0, 0, 0, 1),
    "sanctions.view_closedperiod":     (0, 0, 0, 0, 0, 0, 1),
    "portal.view_audit_trail":         (0, 0, 0, 1, 0, 0, 1),
    "portal.view_protocol":            (0, 0, 1, 0, 0, 0, 1),
    "publicreports.view_public_reports": (0, 1, 0, 0, 1, 0, 0),
    "publicreports.view_reporting_pages": (0, 1, 0, 0, 0, 0, 1),
}


@pytest.fixture
def users(school):
    at_school = {Role.STAFF, Role.SCHOOL_LEADER}
    return {
        role: member(role, school=school) if role in at_school else member(role, board=school.board)
        for role in ROLE_COLUMNS
    }


@pytest.mark.django_db
@pytest.mark.parametrize("perm", CAPABILITIES)
def test_each_capability_is_one_permission(users, perm):
    held = tuple(int(has_perm(perm, users[role])) for role in ROLE_COLUMNS)
    assert held == CAPABILITIES[perm], dict(zip(ROLE_COLUMNS, held))


@pytest.mark.django_db
def test_object_permissions_follow_the_school_and_board(school, sister_school, other_school, users):
    from tests.factories import IncidentFactory

    own, sister, foreign = (IncidentFactory(school=s) for s in (school, sister_school, other_school))
    leader, board, fg = users["school_leader"], users["board"], users["privacy_officer"]
    assert has_perm("incidents.transition_incident", leader, own)
    assert not has_perm("incidents.transition_incident", leader, sister)
    assert not has_perm("incidents.transition_incident", board, own)
    assert has_perm("incidents.speak_for_board", board, own) and not has_perm("incidents.speak_for_board", board, foreign)
    assert not has_perm("incidents.speak_for_board", leader, own)
    assert has_perm("incidents.assess_breach", fg, own) and has_perm("incidents.assess_breach", fg, sister)
    assert not has_perm("incidents.assess_breach", fg, foreign)
    assert not has_perm("incidents.assess_breach", leader, own)
    assert has_perm("incidents.report_incident", users["staff"], school)
    assert not has_perm("incidents.report_incident", users["staff"], sister_school)
    assert has_perm("portal.adopt_protocol", users["admin"], school.board)
    assert not has_perm("portal.adopt_protocol", users["admin"], other_school.board)
    assert not has_perm("portal.adopt_protocol", board, school.board)


# What a hand-written role check reads: the role enum, or the memberships behind the permissions.
ROLE_ATTRIBUTES = {
    "led_school_ids", "school_ids", "board_ids", "board_wide_ids", "privacy_board_ids", "overseen_board_ids",
    "reporting_school_ids", "works_cases", "has_role", "leads",
}
ROLE_NAMES = {"access_for", "Access"}


def view_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if (path.name in ("views.py", "api.py", "forms.py", "context_processors.py") or path.name.endswith("_views.py")
                    or path.parent.name == "forms"):
                yield path


def role_checks(path):
    """Every place in the module that reads a role: ``Role.X``, ``access_for(...)`` or an Access attribute."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role":
            found.append((node.lineno, f"Role.{node.attr}"))
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_ATTRIBUTES:
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in ROLE_NAMES:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.alias) and node.name in ROLE_NAMES | {"Role"}:
            found.append((0, f"import {node.name}"))
    return found


def test_the_scan_finds_a_role_check(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "from portal.access import access_for\nfrom portal.models import Role\n"
        "def page(request):\n    if Role.BOARD in x or access_for(request.user).board_ids['admin']:\n        pass\n"
    )
    assert {check for _line, check in role_checks(sample)} == {
        "import access_for", "import Role", "Role.BOARD", "access_for", ".board_ids",
    }


@pytest.mark.parametrize("path", list(view_modules()), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_view_form_or_api_module_checks_a_role(path):
    """Views, forms and the API ask a permission (rules) or a scoped selector, never a role."""
    assert role_checks(path) == []


def selector_modules():
    for app in APPS:
        yield from [ROOT / app / "selectors.py"] if (ROOT / app / "selectors.py").exists() else []
        yield from sorted((ROOT / app / "selectors").glob("*.py"))


def test_every_selector_module_is_scanned():
    scanned = {str(path.relative_to(ROOT)) for path in selector_modules()} | {
        str(path.relative_to(ROOT)) for path in view_modules()}
    assert {"incidents/selectors/cases.py", "incidents/selectors/breach.py", "incidents/forms/records.py",
            "sanctions/selectors.py"} <= scanned


@pytest.mark.parametrize("path", list(selector_modules()), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_selectors_only_scope(path):
    """A selector returns what the user may see (another school's object is a 404); refusing a page (403) is
    the view's, by its permission."""
    names = {node.id for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Name)}
    assert "PermissionDenied" not in names
