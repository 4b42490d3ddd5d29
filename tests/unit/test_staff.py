import pytest

from storefront.domain import staff
from storefront.models import StaffRole
from tests.fixtures.factories import make_staff_user


def test_owner_is_created_with_an_argon2id_hash(db):
    user = staff.create_staff_user(db.session, " Owner@Example.COM ", "a-long-enough-password", "owner")
    assert user.email == "owner@example.com"
    assert user.role is StaffRole.OWNER
    assert user.password_hash.startswith("$argon2id$")
    assert "a-long-enough-password" not in user.password_hash


@pytest.mark.parametrize(
    "email, password, role, code",
    [
        ("not-an-email", "a-long-enough-password", "owner", staff.StaffError.INVALID_EMAIL),
        ("a@example.com", "short", "owner", staff.StaffError.PASSWORD_TOO_SHORT),
        ("a@example.com", "a-long-enough-password", "emperor", staff.StaffError.UNKNOWN_ROLE),
    ],
)
def test_bad_staff_input_is_refused_with_a_reason(db, email, password, role, code):
    with pytest.raises(staff.StaffValidationError) as info:
        staff.create_staff_user(db.session, email, password, role)
    assert info.value.code is code


def test_the_same_email_cannot_be_registered_twice(db):
    make_staff_user(db.session, email="dup@example.com")
    with pytest.raises(staff.StaffValidationError) as info:
        staff.create_staff_user(db.session, "DUP@example.com", "a-long-enough-password", "staff")
    assert info.value.code is staff.StaffError.DUPLICATE_EMAIL


def test_authentication_accepts_the_right_password_only(db):
    make_staff_user(db.session, email="sam@example.com", password="correct horse battery staple")
    assert staff.authenticate(db.session, "SAM@example.com", "correct horse battery staple") is not None
    assert staff.authenticate(db.session, "sam@example.com", "wrong password!!") is None
    assert staff.authenticate(db.session, "nobody@example.com", "correct horse battery staple") is None


def test_a_password_change_ends_existing_sessions(db):
    user = make_staff_user(db.session, email="pat@example.com")
    old_session_id = user.get_id()
    staff.set_password(db.session, "pat@example.com", "another long password")
    assert staff.load_user(db.session, old_session_id) is None
    assert staff.load_user(db.session, user.get_id()) == user
