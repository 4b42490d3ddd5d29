"""Password reset by an e-mailed one-time link, delivered through a real SMTP server."""
import dataclasses
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from storefront.domain import staff
from storefront.models import AuditLog
from tests.admin.test_auth import NEW_PASSWORD, PASSWORD, csrf_token_in, sign_in
from tests.fixtures.factories import make_staff_user

SENT = "If a staff account uses that e-mail address, we have sent it a link to choose a new password."
GONE = "The password reset link has expired or was already used."
LINK = re.compile(r"https?://\S+/admin/password-reset/\S+")


@pytest.fixture
def mailbox(app, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(app.config["CLIPPER"], mail_url=smtp_server.url))
    return smtp_server


@pytest.fixture
def owner(db, store):
    return make_staff_user(db.session, email="owner@example.com", password=PASSWORD)


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc), tick=False) as traveller:
        yield traveller


def ask_for_reset(client, email: str, **kwargs):
    token = csrf_token_in(client.get("/admin/password-reset").get_data(as_text=True))
    return client.post("/admin/password-reset", data={"email": email, "csrf_token": token}, **kwargs)


def reset_link(message) -> str:
    """The path of the link in the text part, which must be the same link as the HTML button."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = LINK.search(text).group(0)
    assert f'href="{link}"' in html
    return urlsplit(link).path


def choose_password(client, path: str, password: str, confirm: str | None = None):
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    return client.post(path, data={"new_password": password, "confirm": password if confirm is None else confirm,
                                   "csrf_token": token})


def test_staff_member_gets_a_reset_e_mail_and_chooses_a_new_password(client, db, owner, mailbox):
    response = ask_for_reset(client, "Owner@Example.com")

    assert response.status_code == 200
    assert SENT in response.get_data(as_text=True)
    [message] = mailbox.messages
    assert message["To"] == "owner@example.com"
    assert "Reset your password for the Test Shop admin" in message["Subject"]
    path = reset_link(message)

    form = client.get(path)
    assert form.status_code == 200
    assert 'name="new_password"' in form.get_data(as_text=True)
    done = choose_password(client, path, NEW_PASSWORD)

    assert done.status_code == 302
    assert done.headers["Location"].endswith("/admin/login")
    assert "Sign in with your new password." in client.get("/admin/login").get_data(as_text=True)
    assert sign_in(client, "owner@example.com", PASSWORD).status_code == 401
    assert sign_in(client, "owner@example.com", NEW_PASSWORD).status_code == 302
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.password_reset"))
    assert (entry.staff_user_id, entry.ip_address) == (owner.id, "127.0.0.1")


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, owner, mailbox):
    known = ask_for_reset(client, "owner@example.com")
    unknown = ask_for_reset(client, "stranger@example.com")

    assert unknown.status_code == known.status_code == 200
    assert unknown.get_data(as_text=True) == known.get_data(as_text=True)
    assert [m["To"] for m in mailbox.messages] == ["owner@example.com"]


def test_a_deactivated_account_gets_no_reset_e_mail(client, db, owner, mailbox):
    owner.active = False
    db.session.flush()
    assert SENT in ask_for_reset(client, "owner@example.com").get_data(as_text=True)
    assert mailbox.messages == []


def test_the_reset_link_works_only_once(client, owner, mailbox):
    ask_for_reset(client, "owner@example.com")
    path = reset_link(mailbox.messages[0])
    assert choose_password(client, path, NEW_PASSWORD).status_code == 302

    again = client.get(path)
    assert again.status_code == 410
    assert GONE in again.get_data(as_text=True)
    token = csrf_token_in(client.get("/admin/login").get_data(as_text=True))
    another = "yet another long password"
    reused = client.post(path, data={"new_password": another, "confirm": another, "csrf_token": token})
    assert reused.status_code == 410
    assert sign_in(client, "owner@example.com", NEW_PASSWORD).status_code == 302


def test_asking_twice_and_using_one_link_spends_the_other(client, owner, mailbox, clock):
    ask_for_reset(client, "owner@example.com")
    clock.shift(timedelta(minutes=1))
    ask_for_reset(client, "owner@example.com")
    first, second = (reset_link(m) for m in mailbox.messages)
    assert first != second
    assert choose_password(client, second, NEW_PASSWORD).status_code == 302
    assert client.get(first).status_code == 410


@pytest.mark.parametrize("minutes_later, works", [(59, True), (61, False)])
def test_the_reset_link_expires_after_an_hour(client, owner, mailbox, clock, minutes_later, works):
    ask_for_reset(client, "owner@example.com")
    path = reset_link(mailbox.messages[0])
    clock.shift(timedelta(minutes=minutes_later))

    page = client.get(path)

    assert (page.status_code == 200) is works
    assert (GONE in page.get_data(as_text=True)) is not works


@pytest.mark.parametrize("mangle", [
    lambda path: path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"),
    lambda path: path.rsplit("/", 1)[0] + "/not-a-token",
])
def test_a_tampered_reset_link_is_refused(client, owner, mailbox, mangle):
    ask_for_reset(client, "owner@example.com")
    page = client.get(mangle(reset_link(mailbox.messages[0])))
    assert page.status_code == 410
    assert GONE in page.get_data(as_text=True)


def test_a_reset_link_made_with_another_secret_key_is_refused(client, owner):
    forged = staff.password_reset_token(owner, "someone-elses-secret-key-that-is-long-enough-000")
    assert client.get(f"/admin/password-reset/{forged}").status_code == 410


def test_a_short_new_password_is_refused_and_the_link_still_works(client, owner, mailbox):
    ask_for_reset(client, "owner@example.com")
    path = reset_link(mailbox.messages[0])

    refused = choose_password(client, path, "too short")

    assert refused.status_code == 422
    assert "Use between 12 and 1024 characters." in refused.get_data(as_text=True)
    assert client.get(path).status_code == 200
    assert sign_in(client, "owner@example.com", PASSWORD).status_code == 302


def test_resetting_the_password_signs_out_every_session(app, client, owner, mailbox):
    laptop = app.test_client()
    sign_in(laptop, "owner@example.com", PASSWORD)
    assert laptop.get("/admin/").status_code == 200

    ask_for_reset(client, "owner@example.com")
    choose_password(client, reset_link(mailbox.messages[0]), NEW_PASSWORD)

    assert "/admin/login" in laptop.get("/admin/").headers["Location"]


def test_a_new_password_does_not_skip_the_second_factor(client, db, owner, mailbox, clock):
    secret_key = client.application.config["CLIPPER"].secret_key
    setup = staff.begin_totp_enrolment(db.session, owner, secret_key)
    staff.confirm_totp_enrolment(db.session, owner, pyotp.TOTP(setup.secret).now(), secret_key)
    db.session.flush()
    ask_for_reset(client, "owner@example.com")
    choose_password(client, reset_link(mailbox.messages[0]), NEW_PASSWORD)

    after_password = sign_in(client, "owner@example.com", NEW_PASSWORD)

    assert after_password.headers["Location"].endswith("/admin/login")
    assert client.get("/admin/").status_code == 302
    assert 'name="code"' in client.get("/admin/login").get_data(as_text=True)


def test_reset_requests_for_one_address_are_limited_to_five_an_hour(client, owner, mailbox):
    for n in range(5):
        asked = ask_for_reset(client, "owner@example.com", environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"})
        assert asked.status_code == 200
    blocked = ask_for_reset(client, "owner@example.com", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert blocked.status_code == 429
    assert "Too many reset requests. Please wait an hour before trying again." in blocked.get_data(as_text=True)
    assert len(mailbox.messages) == 5


def test_reset_requests_from_one_address_are_limited_to_five_an_hour(client, owner, mailbox):
    for n in range(5):
        ask_for_reset(client, f"someone{n}@example.com", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    blocked = ask_for_reset(client, "owner@example.com", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert blocked.status_code == 429
    assert mailbox.messages == []


def test_a_reset_request_without_its_csrf_token_sends_nothing(client, owner, mailbox):
    response = client.post("/admin/password-reset", data={"email": "owner@example.com"})
    assert response.status_code == 400
    assert mailbox.messages == []


def test_a_chinese_speaking_staff_member_gets_a_link_that_opens(client, db, owner, mailbox):
    owner.locale = "zh-CN"
    db.session.flush()
    ask_for_reset(client, "owner@example.com")
    path = reset_link(mailbox.messages[0])
    assert choose_password(client, path, NEW_PASSWORD).status_code == 302
    assert sign_in(client, "owner@example.com", NEW_PASSWORD).status_code == 302
