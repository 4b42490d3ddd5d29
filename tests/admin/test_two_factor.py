"""Two-factor sign-in with an authenticator app (TOTP): enrolment on the account page, the code step at sign-in,
and owners made to enrol when the store requires it."""
import html as html_lib
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from storefront.domain import staff
from storefront.models import AuditLog, StaffRole
from tests.admin.test_auth import PASSWORD, TOO_MANY, csrf_token_in, from_address, sign_in
from tests.fixtures.factories import make_staff_user

WRONG_CODE = "That code is not correct or was already used. Wait for the next code and try again."
STEP = timedelta(seconds=30)


@pytest.fixture
def clock():
    """Frozen at the start of a 30-second TOTP step; `clock.shift(STEP)` moves to the next one."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc), tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner(db, store):
    return make_staff_user(db.session, email="owner@example.com", password=PASSWORD)


def _secret_key(client) -> str:
    return client.application.config["CLIPPER"].secret_key


def with_two_factor(db, client, user) -> pyotp.TOTP:
    """Turn two-factor sign-in on for `user` as if they had enrolled a step ago; returns their authenticator."""
    setup = staff.begin_totp_enrolment(db.session, user, _secret_key(client))
    authenticator = pyotp.TOTP(setup.secret)
    staff.confirm_totp_enrolment(db.session, user, authenticator.at(datetime.now(timezone.utc) - STEP),
                                 _secret_key(client))
    db.session.flush()
    return authenticator


def _page_csrf(client, page: str) -> str:
    return csrf_token_in(client.get(page).get_data(as_text=True))


def send_code(client, code: str, **kwargs):
    return client.post("/admin/login", data={"code": code, "csrf_token": _page_csrf(client, "/admin/login")},
                       **kwargs)


def _shown_secret(html: str) -> str:
    return re.search(r"<code data-totp-secret>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")


# --- Enrolment on the account page ---------------------------------------------------------------------------


def test_staff_member_turns_on_two_factor_by_scanning_a_qr_code_and_confirming_a_code(client, db, owner, clock):
    sign_in(client, "owner@example.com")
    page = client.get("/admin/account").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page

    started = client.post("/admin/account/two-factor", data={"csrf_token": csrf_token_in(page)})
    assert started.status_code == 302
    page = client.get("/admin/account").get_data(as_text=True)
    qr = re.search(r'<img src="data:image/svg\+xml;charset=utf-8,([^"]+)"', page)
    assert qr is not None, "the QR code is an inline SVG image, drawn by the shop itself"
    assert unquote(qr.group(1)).startswith("<svg")
    secret = _shown_secret(page)
    app_link = urlsplit(html_lib.unescape(re.search(r'<a href="(otpauth://[^"]+)"', page).group(1)))
    assert unquote(app_link.path) == "/Test Shop:owner@example.com"
    assert parse_qs(app_link.query)["secret"] == [secret]
    db.session.expire_all()
    assert owner.totp_enabled is False, "not in force before a code confirms the app has the secret"

    confirmed = client.post("/admin/account/two-factor/confirm", data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token_in(page)})

    assert confirmed.status_code == 302
    page = client.get("/admin/account").get_data(as_text=True)
    assert "Two-factor sign-in is on." in page
    assert "Turn off two-factor sign-in" in page
    db.session.expire_all()
    assert owner.totp_enabled is True
    assert secret not in owner.totp_secret, "the secret is stored sealed, not in clear"
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.two_factor_enabled"))
    assert entry.staff_user_id == owner.id
    assert (entry.before, entry.after) == ({"totp_enabled": False}, {"totp_enabled": True})


def test_the_qr_code_stays_the_same_until_the_set_up_is_confirmed(client, owner, clock):
    sign_in(client, "owner@example.com")
    client.post("/admin/account/two-factor", data={"csrf_token": _page_csrf(client, "/admin/account")})
    first = _shown_secret(client.get("/admin/account").get_data(as_text=True))
    client.post("/admin/account/two-factor", data={"csrf_token": _page_csrf(client, "/admin/account")})
    assert _shown_secret(client.get("/admin/account").get_data(as_text=True)) == first


def test_a_wrong_code_does_not_turn_on_two_factor(client, db, owner, clock):
    sign_in(client, "owner@example.com")
    client.post("/admin/account/two-factor", data={"csrf_token": _page_csrf(client, "/admin/account")})
    page = client.get("/admin/account").get_data(as_text=True)
    right = pyotp.TOTP(_shown_secret(page)).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post("/admin/account/two-factor/confirm", data={"code": wrong, "csrf_token": csrf_token_in(page)})

    assert response.status_code == 422
    assert WRONG_CODE in response.get_data(as_text=True)
    db.session.expire_all()
    assert owner.totp_enabled is False


def test_cancelling_the_set_up_forgets_the_secret(client, db, owner, clock):
    sign_in(client, "owner@example.com")
    client.post("/admin/account/two-factor", data={"csrf_token": _page_csrf(client, "/admin/account")})
    client.post("/admin/account/two-factor/cancel", data={"csrf_token": _page_csrf(client, "/admin/account")})
    page = client.get("/admin/account").get_data(as_text=True)
    assert "data-totp-secret" not in page
    db.session.expire_all()
    assert owner.totp_secret is None


# --- Signing in with a code ----------------------------------------------------------------------------------


def test_sign_in_asks_for_a_code_after_the_password(client, db, owner, clock):
    authenticator = with_two_factor(db, client, owner)

    after_password = sign_in(client, "owner@example.com")

    assert after_password.status_code == 302
    assert after_password.headers["Location"].endswith("/admin/login")
    assert client.get("/admin/").status_code == 302, "not signed in before the code"
    step = client.get("/admin/login").get_data(as_text=True)
    assert 'name="code"' in step and 'name="csrf_token"' in step
    assert 'name="password"' not in step

    signed_in = send_code(client, authenticator.now())

    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_keeps_the_door_shut(client, db, owner, clock):
    authenticator = with_two_factor(db, client, owner)
    sign_in(client, "owner@example.com")
    wrong = f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"

    response = send_code(client, wrong)

    assert response.status_code == 401
    assert WRONG_CODE in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_code_cannot_be_used_twice(app, client, db, owner, clock):
    authenticator = with_two_factor(db, client, owner)
    code = authenticator.now()
    sign_in(client, "owner@example.com")
    assert send_code(client, code).status_code == 302

    eavesdropper = app.test_client()
    sign_in(eavesdropper, "owner@example.com")
    replayed = send_code(eavesdropper, code)

    assert replayed.status_code == 401
    assert WRONG_CODE in replayed.get_data(as_text=True)
    assert eavesdropper.get("/admin/").status_code == 302


def test_an_older_code_is_refused_once_a_newer_one_was_used(client, db, owner, clock):
    authenticator = with_two_factor(db, client, owner)
    clock.shift(STEP * 2)
    now = datetime.now(timezone.utc)
    sign_in(client, "owner@example.com")
    assert send_code(client, authenticator.at(now)).status_code == 302
    client.post("/admin/logout", data={"csrf_token": _page_csrf(client, "/admin/account")})

    sign_in(client, "owner@example.com")
    assert send_code(client, authenticator.at(now - STEP)).status_code == 401


@pytest.mark.parametrize("steps_off, accepted", [(-1, True), (1, True), (-2, False), (2, False)])
def test_a_phone_clock_one_step_off_is_tolerated_but_not_two(client, db, owner, clock, steps_off, accepted):
    authenticator = with_two_factor(db, client, owner)
    clock.shift(STEP * 3)
    sign_in(client, "owner@example.com")
    response = send_code(client, authenticator.at(datetime.now(timezone.utc) + STEP * steps_off))
    assert (response.status_code == 302) is accepted
    assert (client.get("/admin/").status_code == 200) is accepted


def test_guessing_codes_is_rate_limited_per_account(client, db, owner, clock):
    authenticator = with_two_factor(db, client, owner)
    sign_in(client, "owner@example.com")
    wrong = f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"
    for n in range(10):
        assert send_code(client, wrong, **from_address(f"192.0.2.{n + 1}")).status_code == 401
    blocked = send_code(client, authenticator.now(), **from_address("192.0.2.99"))
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_the_code_step_expires_after_ten_minutes(client, db, owner, clock):
    with_two_factor(db, client, owner)
    sign_in(client, "owner@example.com")
    clock.shift(timedelta(minutes=11))
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'name="password"' in page
    assert 'name="code"' not in page


def test_use_another_account_goes_back_to_the_password_form(client, db, owner, clock):
    with_two_factor(db, client, owner)
    sign_in(client, "owner@example.com")
    response = client.post("/admin/login/cancel", data={"csrf_token": _page_csrf(client, "/admin/login")})
    assert response.status_code == 302
    assert 'name="password"' in client.get("/admin/login").get_data(as_text=True)


# --- Turning it off -------------------------------------------------------------------------------------------


def _turn_off(client, password: str, code: str):
    return client.post("/admin/account/two-factor/disable", data={
        "password": password, "code": code, "csrf_token": _page_csrf(client, "/admin/account")})


def _sign_in_with_code(client, authenticator: pyotp.TOTP) -> None:
    sign_in(client, "owner@example.com")
    assert send_code(client, authenticator.now()).status_code == 302


def test_turning_two_factor_off_takes_the_password_and_a_code(client, db, owner, clock):
    authenticator = with_two_factor(db, client, owner)
    _sign_in_with_code(client, authenticator)
    clock.shift(STEP)

    refused = _turn_off(client, "not my password", authenticator.now())
    assert refused.status_code == 422
    assert "That password is not correct." in refused.get_data(as_text=True)
    wrong = f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"
    assert _turn_off(client, PASSWORD, wrong).status_code == 422
    db.session.expire_all()
    assert owner.totp_enabled is True

    assert _turn_off(client, PASSWORD, authenticator.now()).status_code == 302
    assert "Two-factor sign-in is off." in client.get("/admin/account").get_data(as_text=True)
    assert db.session.scalar(select(AuditLog.staff_user_id).where(AuditLog.action == "staff.two_factor_disabled")) \
        == owner.id
    client.post("/admin/logout", data={"csrf_token": _page_csrf(client, "/admin/account")})
    assert sign_in(client, "owner@example.com").headers["Location"].endswith("/admin/")


# --- Owners when the store requires it ------------------------------------------------------------------------


def test_owner_must_set_up_two_factor_before_anything_else_when_the_store_requires_it(client, db, store, owner, clock):
    store.require_owner_2fa = True
    db.session.flush()

    after_password = sign_in(client, "owner@example.com")

    assert after_password.headers["Location"].endswith("/admin/login")
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/account").status_code == 302
    page = client.get("/admin/login").get_data(as_text=True)
    assert "Your store requires owners to confirm each sign-in with a code" in page
    assert "data:image/svg+xml" in page
    authenticator = pyotp.TOTP(_shown_secret(page))

    signed_in = send_code(client, authenticator.now())

    assert signed_in.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    db.session.expire_all()
    assert owner.totp_enabled is True
    account = client.get("/admin/account").get_data(as_text=True)
    assert "so it cannot be turned off" in account
    assert "Turn off two-factor sign-in" not in account


def test_the_store_requirement_does_not_apply_to_other_roles(client, db, store, clock):
    store.require_owner_2fa = True
    clerk = make_staff_user(db.session, email="clerk@example.com", role=StaffRole.STAFF)
    response = sign_in(client, clerk.email)
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_an_enrolled_owner_cannot_turn_off_what_the_store_requires(client, db, store, owner, clock):
    authenticator = with_two_factor(db, client, owner)
    store.require_owner_2fa = True
    db.session.flush()
    _sign_in_with_code(client, authenticator)
    clock.shift(STEP)

    response = _turn_off(client, PASSWORD, authenticator.now())

    assert response.status_code == 422
    assert "so it cannot be turned off" in response.get_data(as_text=True)
    db.session.expire_all()
    assert owner.totp_enabled is True
