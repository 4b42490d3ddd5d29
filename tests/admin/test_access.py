"""Who may open which admin screen: every admin page there is × anonymous visitor, staff, admin and owner."""
from __future__ import annotations

import inspect
import tempfile

import pytest

from admin.permissions import Area
from storefront import create_app
from tests.conftest import TEST_SECRET

# The sign-in flow and the files its page loads are open to everyone.
PUBLIC_BLUEPRINTS = {"admin_auth", "admin_assets"}

# The policy of issue 6, stated here rather than read from admin.permissions so that a change there shows up.
ROLE_REACHES = {
    "staff": {Area.DASHBOARD, Area.ORDERS, Area.INVENTORY},
    "admin": set(Area) - {Area.STAFF, Area.PAYMENTS, Area.AUDIT},
    "owner": set(Area),
}


def _guarded_area(app, blueprint: str) -> Area | None:
    """The area admin_blueprint() guards `blueprint` with; None when any signed-in user may enter."""
    for guard in app.before_request_funcs.get(blueprint, []):
        area = inspect.getclosurevars(guard).nonlocals.get("area")
        if isinstance(area, Area):
            return area
    return None


def admin_pages() -> list[tuple[str, Area | None]]:
    """Every admin GET URL without required arguments, from the URL map of an app built as production builds it."""
    app = create_app({"testing": True, "secret_key": TEST_SECRET, "instance_path": tempfile.mkdtemp(),
                      "database_url": "sqlite://"})
    pages = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        if not blueprint.startswith("admin_") or blueprint in PUBLIC_BLUEPRINTS or "GET" not in rule.methods:
            continue
        if set(rule.arguments) - set(rule.defaults or {}):
            continue
        pages.add((rule.rule, _guarded_area(app, blueprint)))
    return sorted(pages, key=lambda page: page[0])


ADMIN_PAGES = admin_pages()
PAGE_IDS = [path for path, _ in ADMIN_PAGES]


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    script_src = next((part.strip() for part in csp.split(";") if part.strip().startswith("script-src")), "")
    assert script_src == "script-src 'self'", csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")


def test_the_matrix_covers_the_screens_everyone_has():
    paths = set(PAGE_IDS)
    assert {"/admin/", "/admin/staff", "/admin/audit"} <= paths
    assert "/admin/login" not in paths


@pytest.mark.parametrize("path, area", ADMIN_PAGES, ids=PAGE_IDS)
def test_anonymous_visitor_is_sent_to_the_login_page(client, store, path, area):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/admin/login")
    assert_security_headers(response)


@pytest.mark.parametrize("role", ["staff", "admin", "owner"])
@pytest.mark.parametrize("path, area", ADMIN_PAGES, ids=PAGE_IDS)
def test_signed_in_user_opens_exactly_the_screens_of_their_role(staff_client, path, area, role):
    response = staff_client(role).get(path)
    allowed = area is None or area in ROLE_REACHES[role]
    assert response.status_code == (200 if allowed else 403), f"{role} on {path} ({area})"
    assert_security_headers(response)
    if not allowed:
        assert "Access denied" in response.get_data(as_text=True)


def test_owner_sees_every_menu_entry_staff_only_theirs(staff_client):
    owner_html = staff_client("owner").get("/admin/").get_data(as_text=True)
    staff_html = staff_client("staff").get("/admin/").get_data(as_text=True)
    for link in ('href="/admin/staff"', 'href="/admin/audit"'):
        assert link in owner_html
        assert link not in staff_html
    assert 'href="/admin/" aria-current="page"' in staff_html
