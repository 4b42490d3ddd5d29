"""Team changes in the domain: the store keeps an active owner even when two owners act on each other at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.domain import staff_accounts
from storefront.domain.staff_accounts import AccountChangeRefused, AccountError
from storefront.models import AuditLog, StaffRole, StaffUser
from tests.fixtures.factories import make_staff_user


@pytest.fixture
def partners(db, store):
    return (make_staff_user(db.session, email="ann@example.com", role=StaffRole.OWNER),
            make_staff_user(db.session, email="bob@example.com", role=StaffRole.OWNER))


@pytest.mark.parametrize("action, kwargs", [(staff_accounts.deactivate, {}),
                                            (staff_accounts.change_role, {"role": "admin"})])
def test_two_owners_removing_each_other_leave_one_owner(db, partners, action, kwargs):
    ann, bob = partners
    # Bob's request loaded him as an owner before Ann's change landed.
    bobs_request = Session(bind=db.session.connection(), join_transaction_mode="create_savepoint")
    bob_as_loaded = bobs_request.get(StaffUser, bob.id)

    action(db.session, actor=ann, user_id=bob.id, ip_address=None, **kwargs)
    db.session.flush()
    with pytest.raises(AccountChangeRefused) as refused:
        action(bobs_request, actor=bob_as_loaded, user_id=ann.id, ip_address=None, **kwargs)

    assert refused.value.code == AccountError.LAST_OWNER
    db.session.refresh(ann)
    assert (ann.role, ann.active) == (StaffRole.OWNER, True)
    assert len(db.session.scalars(select(AuditLog)).all()) == 1
    bobs_request.close()


def test_nobody_changes_their_own_account(db, partners):
    ann, _ = partners
    with pytest.raises(AccountChangeRefused) as refused:
        staff_accounts.deactivate(db.session, actor=ann, user_id=ann.id, ip_address=None)
    assert refused.value.code == AccountError.OWN_ACCOUNT


def test_an_unknown_role_is_refused(db, partners):
    ann, bob = partners
    with pytest.raises(AccountChangeRefused) as refused:
        staff_accounts.change_role(db.session, actor=ann, user_id=bob.id, role="emperor", ip_address=None)
    assert refused.value.code == AccountError.UNKNOWN_ROLE
    assert bob.role == StaffRole.OWNER


def test_setting_the_same_value_again_records_nothing(db, partners):
    ann, bob = partners
    staff_accounts.change_role(db.session, actor=ann, user_id=bob.id, role="owner", ip_address=None)
    staff_accounts.set_admin_locale(db.session, user=ann, locale="zh-CN", ip_address=None)
    staff_accounts.set_admin_locale(db.session, user=ann, locale="zh-CN", ip_address=None)
    assert [entry.action for entry in db.session.scalars(select(AuditLog))] == ["staff.locale_changed"]
