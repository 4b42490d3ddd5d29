import re

import pytest
from sqlalchemy import select

from storefront.domain import staff
from storefront.models import AuditLog, StaffRole
from tests.fixtures.factories import make_staff_user

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new long password"
TOO_MANY = "Too many failed attempts. For your security, please wait 15 minutes before trying again."


def csrf_token_in(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _csrf(client, page: str = "/admin/login") -> str:
    return csrf_token_in(client.get(page).get_data(as_text=True))


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": _csrf(client)},
                       **kwargs)


def from_address(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


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


# --- Rate limits ----------------------------------------------------------------------------------------------


def test_one_address_guessing_many_accounts_is_stopped_after_ten_failures(client, owner):
    for n in range(10):
        guess = sign_in(client, f"guess{n}@example.com", "wrong password", **from_address("203.0.113.7"))
        assert guess.status_code == 401
    blocked = sign_in(client, "owner@example.com", PASSWORD, **from_address("203.0.113.7"))
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    # Someone else, elsewhere, is not affected.
    assert sign_in(client, "owner@example.com", PASSWORD, **from_address("198.51.100.1")).status_code == 302


def test_one_account_guessed_from_many_addresses_is_stopped_after_ten_failures(client, db, owner):
    make_staff_user(db.session, email="colleague@example.com", password=PASSWORD)
    for n in range(10):
        # Capitals and spaces do not make it another account.
        email = "OWNER@example.com " if n % 2 else "owner@example.com"
        assert sign_in(client, email, "wrong password", **from_address(f"192.0.2.{n + 1}")).status_code == 401
    blocked = sign_in(client, "owner@example.com", PASSWORD, **from_address("192.0.2.200"))
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.get_data(as_text=True)
    # Another account is not locked by the attack on this one.
    assert sign_in(client, "colleague@example.com", PASSWORD, **from_address("192.0.2.201")).status_code == 302


def test_nine_failures_still_let_the_right_password_in(client, owner):
    for _ in range(9):
        sign_in(client, "owner@example.com", "wrong password")
    assert sign_in(client, "owner@example.com", PASSWORD).status_code == 302


def test_signing_in_successfully_does_not_count_towards_the_limit(client, owner):
    for _ in range(12):
        assert sign_in(client, "owner@example.com", PASSWORD).status_code == 302
        client.post("/admin/logout", data={"csrf_token": _csrf(client, "/admin/account")})
    assert sign_in(client, "owner@example.com", PASSWORD).status_code == 302


def test_chinese_staff_see_the_rate_limit_page_in_chinese(client, owner):
    chinese = {"headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}
    for _ in range(10):
        sign_in(client, "owner@example.com", "wrong password", **chinese)
    blocked = sign_in(client, "owner@example.com", PASSWORD, **chinese)
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "请求过于频繁" in html
    assert '<html lang="zh-CN"' in html


# --- Where sign-in leads -------------------------------------------------------------------------------------


def test_sign_in_returns_to_the_admin_page_that_asked_for_it(client, owner):
    asked = client.get("/admin/account")
    assert "/admin/login" in asked.headers["Location"]
    form = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/admin/account"' in form
    response = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                 "next": "/admin/account", "csrf_token": csrf_token_in(form)})
    assert response.headers["Location"].endswith("/admin/account")


@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/admin/", "/\\evil.example", "/cart"])
def test_sign_in_never_sends_anyone_outside_the_admin(client, owner, target):
    response = client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                 "next": target, "csrf_token": _csrf(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_a_form_opened_before_signing_in_is_refused_after(client, owner):
    """A fresh session on sign-in: nothing an attacker planted before it survives."""
    before = _csrf(client)
    sign_in(client, "owner@example.com", PASSWORD)
    response = client.post("/admin/account/two-factor", data={"csrf_token": before})
    assert response.status_code == 400


# --- Security headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/admin/login", "/admin/password-reset", "/admin/password-reset/not-a-token"])
def test_sign_in_and_reset_pages_carry_security_headers(client, store, page):
    response = client.get(page, base_url="https://shop.example")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "no-store" in response.headers["Cache-Control"]


def test_the_rate_limit_page_carries_security_headers_too(client, owner):
    for _ in range(10):
        sign_in(client, "owner@example.com", "wrong password")
    blocked = sign_in(client, "owner@example.com", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_http_only_and_same_site(client, owner):
    response = sign_in(client, "owner@example.com", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- CSRF on every form --------------------------------------------------------------------------------------

SIGNED_OUT_POSTS = ["/admin/login", "/admin/login/cancel", "/admin/password-reset"]
SIGNED_IN_POSTS = ["/admin/logout", "/admin/account/password", "/admin/account/two-factor",
                   "/admin/account/two-factor/confirm", "/admin/account/two-factor/cancel",
                   "/admin/account/two-factor/disable"]


@pytest.mark.parametrize("url", SIGNED_OUT_POSTS + SIGNED_IN_POSTS + ["reset-link"])
def test_every_sign_in_and_account_form_refuses_a_post_without_its_csrf_token(client, db, owner, url):
    if url == "reset-link":
        url = "/admin/password-reset/" + staff.password_reset_token(owner, client.application.config["SECRET_KEY"])
    if url in SIGNED_IN_POSTS:
        sign_in(client, "owner@example.com", PASSWORD)
    response = client.post(url, data={"email": "owner@example.com", "password": PASSWORD, "code": "123456",
                                      "current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    db.session.expire_all()
    assert staff.authenticate(db.session, "owner@example.com", PASSWORD) is not None
    assert owner.totp_secret is None


# --- Changing the password -----------------------------------------------------------------------------------


def _change_password(client, current: str, new: str, confirm: str | None = None):
    return client.post("/admin/account/password", data={
        "current_password": current, "new_password": new, "confirm": new if confirm is None else confirm,
        "csrf_token": _csrf(client, "/admin/account"),
    })


def test_changing_the_password_signs_out_every_other_session(app, client, db, owner):
    other_device = app.test_client()
    sign_in(other_device, "owner@example.com", PASSWORD)
    assert other_device.get("/admin/").status_code == 200
    sign_in(client, "owner@example.com", PASSWORD)

    response = _change_password(client, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    page = client.get("/admin/account")
    assert page.status_code == 200
    assert "Your password has been changed. You have been signed out everywhere else." in page.get_data(as_text=True)
    assert "/admin/login" in other_device.get("/admin/").headers["Location"]
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.password_changed"))
    assert (entry.staff_user_id, entry.entity_id, entry.ip_address) == (owner.id, str(owner.id), "127.0.0.1")
    assert owner.password_hash not in str(entry.before) + str(entry.after)
    client.post("/admin/logout", data={"csrf_token": _csrf(client, "/admin/account")})
    assert sign_in(client, "owner@example.com", PASSWORD).status_code == 401
    assert sign_in(client, "owner@example.com", NEW_PASSWORD).status_code == 302


def test_changing_the_password_needs_the_current_one(app, client, owner):
    sign_in(client, "owner@example.com", PASSWORD)
    response = _change_password(client, "not my password", NEW_PASSWORD)
    assert response.status_code == 422
    assert "That password is not correct." in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "owner@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize("new, confirm, message", [
    ("short pass", "short pass", "Use between 12 and 1024 characters."),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same."),
])
def test_a_weak_or_mistyped_new_password_is_refused(app, client, owner, new, confirm, message):
    sign_in(client, "owner@example.com", PASSWORD)
    response = _change_password(client, PASSWORD, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "owner@example.com", PASSWORD).status_code == 302


def test_guessing_the_current_password_on_the_account_page_is_rate_limited(client, owner):
    sign_in(client, "owner@example.com", PASSWORD)
    for _ in range(10):
        assert _change_password(client, "a wrong guess!", NEW_PASSWORD).status_code == 422
    blocked = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.get_data(as_text=True)


def test_every_staff_role_can_open_their_own_account_page(client, db, store):
    for role in StaffRole:
        user = make_staff_user(db.session, role=role)
        sign_in(client, user.email, PASSWORD)
        page = client.get("/admin/account")
        assert page.status_code == 200, role
        assert user.email in page.get_data(as_text=True)
        client.post("/admin/logout", data={"csrf_token": _csrf(client, "/admin/account")})


def test_a_signed_out_visitor_is_asked_to_sign_in_in_the_admin_s_own_words(client, store):
    turned_away = client.get("/admin/account")
    page = client.get(turned_away.headers["Location"]).get_data(as_text=True)
    assert "Please sign in to open this page." in page
    assert "Please log in to access this page." not in page
