"""Owners manage staff accounts at /admin/staff; every staff user picks the admin's language."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.models import AuditLog, StaffRole, StaffUser
from tests.fixtures.admin import PASSWORD, csrf_token, sign_in, table_rows
from tests.fixtures.factories import make_staff_user

TEMPORARY_PASSWORD = "temporary-pass-1234"


def audit_entries(db, action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def staff_user(db, email: str) -> StaffUser:
    db.session.expire_all()
    return db.session.scalar(select(StaffUser).where(StaffUser.email == email))


def post(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


def test_owner_adds_a_staff_member_who_can_then_sign_in(app, db, admin_client):
    response = post(admin_client, "/admin/staff",
                    {"email": "New.Person@Example.com", "role": "staff", "password": TEMPORARY_PASSWORD})
    assert response.status_code == 302
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "new.person@example.com can now sign in with the temporary password." in page
    row = next(row for row in table_rows(page, "staff-users") if row[0] == "new.person@example.com")
    assert row[2] == "Active"
    assert staff_user(db, "new.person@example.com").role == StaffRole.STAFF

    [entry] = audit_entries(db, "staff.created")
    assert entry.staff_user_id == admin_client.staff_user.id
    assert entry.after == {"email": "new.person@example.com", "role": "staff", "active": True}
    assert entry.ip_address == "127.0.0.1"

    newcomer = app.test_client()
    sign_in(newcomer, "new.person@example.com", TEMPORARY_PASSWORD)
    assert newcomer.get("/admin/").status_code == 200


@pytest.mark.parametrize("data, message", [
    ({"email": "short@example.com", "role": "staff", "password": "too-short"}, "at least 12 characters"),
    ({"email": "not-an-address", "role": "staff", "password": TEMPORARY_PASSWORD}, "Enter a valid e-mail address."),
    ({"email": "owner-twin@example.com", "role": "staff", "password": TEMPORARY_PASSWORD},
     "A staff member with this e-mail already exists."),
    ({"email": "someone@example.com", "role": "emperor", "password": TEMPORARY_PASSWORD}, "Not a valid choice"),
])
def test_invalid_invitation_is_shown_again_with_the_problem_and_creates_nobody(db, staff_client, data, message):
    owner = staff_client("owner", email="owner-twin@example.com")
    count_before = len(db.session.scalars(select(StaffUser)).all())
    response = post(owner, "/admin/staff", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{data["email"]}"' in html
    assert TEMPORARY_PASSWORD not in html
    assert len(db.session.scalars(select(StaffUser)).all()) == count_before
    assert audit_entries(db, "staff.created") == []


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_only_owners_open_the_staff_screen(db, staff_client, role):
    client = staff_client(role)
    assert client.get("/admin/staff").status_code == 403
    response = post(client, "/admin/staff", {"email": "sneaky@example.com", "role": "owner",
                                             "password": TEMPORARY_PASSWORD})
    assert response.status_code == 403
    assert staff_user(db, "sneaky@example.com") is None


def test_owner_changes_a_role_and_the_change_is_audited(db, admin_client):
    clerk = make_staff_user(db.session, email="clerk@example.com", role=StaffRole.STAFF)
    response = post(admin_client, f"/admin/staff/{clerk.id}/role", {"role": "admin"})
    assert response.status_code == 302
    assert "clerk@example.com now has the role Admin." in admin_client.get("/admin/staff").get_data(as_text=True)
    assert staff_user(db, "clerk@example.com").role == StaffRole.ADMIN

    [entry] = audit_entries(db, "staff.role_changed")
    assert (entry.entity_type, entry.entity_id) == ("staff_user", str(clerk.id))
    assert (entry.before, entry.after) == ({"role": "staff"}, {"role": "admin"})
    assert entry.staff_user_id == admin_client.staff_user.id


def test_deactivated_user_is_signed_out_and_cannot_sign_in_again(app, db, staff_client):
    owner = staff_client("owner")
    clerk = staff_client("staff", email="leaving@example.com")
    assert clerk.get("/admin/").status_code == 200

    response = post(owner, f"/admin/staff/{clerk.staff_user.id}/deactivate", {})

    assert response.status_code == 302
    assert "leaving@example.com was deactivated and signed out." in owner.get("/admin/staff").get_data(as_text=True)
    assert staff_user(db, "leaving@example.com").active is False
    assert clerk.get("/admin/").status_code == 302
    retry = app.test_client()
    attempt = retry.post("/admin/login", data={"email": "leaving@example.com", "password": PASSWORD,
                                               "csrf_token": csrf_token(retry)})
    assert attempt.status_code != 302
    [entry] = audit_entries(db, "staff.deactivated")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})


def test_reactivated_user_can_sign_in_again(app, db, admin_client):
    clerk = make_staff_user(db.session, email="back@example.com", role=StaffRole.STAFF)
    post(admin_client, f"/admin/staff/{clerk.id}/deactivate", {})
    post(admin_client, f"/admin/staff/{clerk.id}/reactivate", {})
    assert staff_user(db, "back@example.com").active is True
    sign_in(app.test_client(), "back@example.com")
    assert [e.action for e in db.session.scalars(select(AuditLog).where(AuditLog.entity_id == str(clerk.id))
                                                 .order_by(AuditLog.id))] == ["staff.deactivated", "staff.reactivated"]


def test_owner_cannot_demote_or_deactivate_themselves(db, admin_client):
    me = admin_client.staff_user
    for path, data in [(f"/admin/staff/{me.id}/role", {"role": "staff"}), (f"/admin/staff/{me.id}/deactivate", {})]:
        response = post(admin_client, path, data)
        assert response.status_code == 302
        page = admin_client.get("/admin/staff").get_data(as_text=True)
        assert "You cannot change your own role or deactivate yourself." in page
        assert 'role="alert"' in page
    refreshed = staff_user(db, me.email)
    assert (refreshed.role, refreshed.active) == (StaffRole.OWNER, True)
    assert db.session.scalars(select(AuditLog)).all() == []


def test_a_staff_manager_who_is_not_an_owner_cannot_make_or_unmake_owners(db, staff_client):
    # An admin trusted with the staff screen (an extra permission) must not raise anyone, themselves included,
    # to owner, nor demote or lock out the owners.
    owner = make_staff_user(db.session, email="the-owner@example.com", role=StaffRole.OWNER)
    clerk = make_staff_user(db.session, email="clerk3@example.com", role=StaffRole.STAFF)
    manager = staff_client("admin")
    manager.staff_user.permissions = ["staff"]
    db.session.flush()

    for path, data in [(f"/admin/staff/{owner.id}/role", {"role": "admin"}), (f"/admin/staff/{owner.id}/deactivate", {}),
                       (f"/admin/staff/{clerk.id}/role", {"role": "owner"})]:
        post(manager, path, data)
        assert "Only owners can add, change or deactivate owners." in manager.get("/admin/staff").get_data(as_text=True)
    invite = post(manager, "/admin/staff", {"email": "puppet@example.com", "role": "owner",
                                            "password": TEMPORARY_PASSWORD})
    assert invite.status_code == 422
    assert "Only owners can add, change or deactivate owners." in invite.get_data(as_text=True)

    assert (staff_user(db, "the-owner@example.com").role, staff_user(db, "the-owner@example.com").active) == \
        (StaffRole.OWNER, True)
    assert staff_user(db, "clerk3@example.com").role == StaffRole.STAFF
    assert staff_user(db, "puppet@example.com") is None
    post(manager, f"/admin/staff/{clerk.id}/role", {"role": "admin"})
    assert staff_user(db, "clerk3@example.com").role == StaffRole.ADMIN


def test_an_owner_can_be_demoted_while_another_owner_remains(db, admin_client):
    partner = make_staff_user(db.session, email="partner@example.com", role=StaffRole.OWNER)
    post(admin_client, f"/admin/staff/{partner.id}/role", {"role": "admin"})
    assert staff_user(db, "partner@example.com").role == StaffRole.ADMIN


def test_staff_changes_without_csrf_token_are_refused(db, admin_client):
    clerk = make_staff_user(db.session, email="clerk2@example.com", role=StaffRole.STAFF)
    attempts = [
        ("/admin/staff", {"email": "forged@example.com", "role": "owner", "password": TEMPORARY_PASSWORD}),
        (f"/admin/staff/{clerk.id}/role", {"role": "owner"}),
        (f"/admin/staff/{clerk.id}/deactivate", {}),
        ("/admin/account/language", {"locale": "zh-CN"}),
    ]
    for path, data in attempts:
        assert admin_client.post(path, data=data).status_code == 400, path
    assert staff_user(db, "forged@example.com") is None
    refreshed = staff_user(db, "clerk2@example.com")
    assert (refreshed.role, refreshed.active) == (StaffRole.STAFF, True)
    assert staff_user(db, admin_client.staff_user.email).locale is None
    assert db.session.scalars(select(AuditLog)).all() == []


def test_staff_actions_are_posts_only(admin_client, db):
    clerk = make_staff_user(db.session, role=StaffRole.STAFF)
    assert admin_client.get(f"/admin/staff/{clerk.id}/deactivate").status_code == 405


def test_changing_an_unknown_user_is_not_found(admin_client):
    assert post(admin_client, "/admin/staff/999999/deactivate", {}).status_code == 404


def test_language_switch_to_chinese_persists_for_the_user(app, db, staff_client):
    clerk = staff_client("staff", email="linguist@example.com")
    assert '<html lang="en"' in clerk.get("/admin/").get_data(as_text=True)

    response = post(clerk, "/admin/account/language", {"locale": "zh-CN", "next": "/admin/?days=90"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/?days=90")
    assert staff_user(db, "linguist@example.com").locale == "zh-CN"
    assert '<html lang="zh-CN"' in clerk.get("/admin/").get_data(as_text=True)
    again = app.test_client()
    sign_in(again, "linguist@example.com")
    assert '<html lang="zh-CN"' in again.get("/admin/").get_data(as_text=True)
    [entry] = audit_entries(db, "staff.locale_changed")
    assert (entry.before, entry.after) == ({"locale": None}, {"locale": "zh-CN"})


def test_chosen_language_wins_over_the_browser_language(db, staff_client):
    clerk = staff_client("staff")
    post(clerk, "/admin/account/language", {"locale": "en"})
    html = clerk.get("/admin/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en"' in html


@pytest.mark.parametrize("locale", ["de", "klingon", ""])
def test_language_switch_refuses_languages_the_admin_does_not_speak(db, staff_client, locale):
    clerk = staff_client("staff")
    assert post(clerk, "/admin/account/language", {"locale": locale}).status_code == 400
    assert staff_user(db, clerk.staff_user.email).locale is None


@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/admin/", "/products/x",
                                    "/\\evil.example"])
def test_language_switch_never_sends_the_user_off_the_admin(staff_client, target):
    clerk = staff_client("staff")
    response = post(clerk, "/admin/account/language", {"locale": "zh-CN", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_signed_out_visitor_cannot_switch_language(client, store):
    response = client.post("/admin/account/language", data={"locale": "zh-CN", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
