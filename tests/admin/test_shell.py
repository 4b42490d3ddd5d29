"""The admin's frame around every screen: menu, language switch, sign-out, flash messages, and its static files."""
from __future__ import annotations

import re

from admin import navigation
from admin.navigation import NavEntry
from admin.permissions import Area
from tests.fixtures.admin import csrf_token
from tests.fixtures.factories import make_staff_user


def test_signed_in_page_has_skip_link_landmarks_menu_and_sign_out(admin_client):
    html = admin_client.get("/admin/staff").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert '<header class="admin-header">' in html
    assert 'aria-label="Main menu"' in html
    assert '<a href="/admin/staff" aria-current="page">Staff</a>' in html
    assert 'action="/admin/logout"' in html
    assert 'action="/admin/account/language"' in html
    assert re.search(r'<button type="submit" name="locale" value="zh-CN" lang="zh-CN"[^>]*>简体中文</button>', html)
    assert re.search(r'value="en" lang="en" class="current" aria-current="true">English</button>', html)


def test_sign_in_page_shows_no_menu(client, store):
    html = client.get("/admin/login").get_data(as_text=True)
    assert 'aria-label="Main menu"' not in html
    assert 'action="/admin/logout"' not in html
    assert "/admin/static/vendor/pico/pico.min.css?v=" in html


def test_menu_skips_screens_that_do_not_exist(admin_client, monkeypatch):
    monkeypatch.setattr(navigation, "NAVIGATION",
                        [*navigation.NAVIGATION, NavEntry(Area.ORDERS, "admin_nowhere.index", "Nowhere")])
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "Nowhere" not in response.get_data(as_text=True)


def test_pages_load_scripts_only_from_files(admin_client):
    for path in ("/admin/", "/admin/staff", "/admin/audit"):
        html = admin_client.get(path).get_data(as_text=True)
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL):
            assert 'type="application/json"' in attributes or ("src=" in attributes and not body.strip()), path
        assert not re.search(r"<[^>]+\son[a-z]+=", html), f"inline event handler on {path}"


def test_success_is_announced_as_status_and_failure_as_alert(db, admin_client):
    clerk = make_staff_user(db.session, role="staff")
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(f"/admin/staff/{clerk.id}/deactivate", data={"csrf_token": token})
    assert re.search(r'<p class="flash flash-success"\s+role="status">',
                     admin_client.get("/admin/staff").get_data(as_text=True))
    admin_client.post(f"/admin/staff/{admin_client.staff_user.id}/deactivate", data={"csrf_token": token})
    assert re.search(r'<p class="flash flash-error"\s+role="alert">',
                     admin_client.get("/admin/staff").get_data(as_text=True))


def test_versioned_static_files_are_cached_for_a_year(client, store):
    html = client.get("/admin/login").get_data(as_text=True)
    stylesheet = re.search(r'href="(/admin/static/admin\.css\?v=[0-9a-f]+)"', html).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unversioned_or_stale_static_urls_are_revalidated(client, store):
    for url in ("/admin/static/admin.css", "/admin/static/admin.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_vendored_libraries_are_served_with_their_licences_beside_them(client, store):
    for path, mimetype in [("vendor/pico/pico.min.css", "text/css"),
                           ("vendor/chartjs/chart.umd.min.js", "text/javascript"),
                           ("vendor/pico/LICENSE.md", "text/markdown"),
                           ("vendor/chartjs/LICENSE.md", "text/markdown")]:
        response = client.get(f"/admin/static/{path}")
        assert response.status_code == 200, path
        assert response.mimetype == mimetype, path


def test_missing_static_file_is_not_found(client, store):
    assert client.get("/admin/static/nothing.css").status_code == 404
    assert client.get("/admin/static/../navigation.py").status_code == 404
