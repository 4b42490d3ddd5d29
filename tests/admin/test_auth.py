import re

import pytest

from tests.fixtures.factories import make_staff_user

PASSWORD = "correct horse battery staple"


def _csrf(client) -> str:
    html = client.get("/admin/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def owner(db, store):
    return make_staff_user(db.session, email="owner@example.com", password=PASSWORD)


def test_login_form_posts_email_password_and_csrf_token(client, store):
    html = client.get("/admin/login").get_data(as_text=True)
    assert 'action="/admin/login"' in html
    for field in ('name="email"', 'name="password"', 'name="csrf_token"'):
        assert field in html


def test_admin_requires_login(client, store):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_owner_signs_in_and_sees_the_dashboard(client, owner):
    response = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                 "csrf_token": _csrf(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "owner@example.com" in dashboard.get_data(as_text=True)


@pytest.mark.parametrize("email, password", [("owner@example.com", "wrong password"), ("nobody@example.com", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_message(client, owner, email, password):
    response = client.post("/admin/login", data={"email": email, "password": password, "csrf_token": _csrf(client)})
    assert response.status_code == 401
    assert "Incorrect e-mail or password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, owner):
    response = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_login_is_rate_limited_after_ten_failures(client, owner):
    token = _csrf(client)
    for _ in range(10):
        client.post("/admin/login", data={"email": "owner@example.com", "password": "nope nope", "csrf_token": token})
    response = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_sign_out_needs_a_post_with_csrf_and_ends_the_session(client, owner):
    client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": _csrf(client)})
    assert client.get("/admin/logout").status_code == 405
    html = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302
