"""Discounts in the admin: creating and editing codes and automatic discounts, the checks that name what to fix,
the audit log, and who may open the screens."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from storefront.models import AuditLog, DiscountCode, DiscountKind
from tests.admin.test_products import submit, text
from tests.fixtures.admin import csrf_token, table_rows
from tests.fixtures.factories import make_discount_code

NEW = "/admin/discounts/new"

AUTOMATIC = {"code": "auto-10-over-80", "title": "Spend 80, save 10 %", "is_automatic": "y", "kind": "percentage",
             "percent": "10", "minimum": "80", "minimums": "EUR 80, JPY 12000"}


def create(client, changes: dict, page: str = NEW):
    return submit(client, NEW, text(client.get(page)), changes)


def edit(client, discount_id: int, changes: dict):
    action = f"/admin/discounts/{discount_id}/edit"
    return submit(client, action, text(client.get(action)), changes)


def only_discount(db) -> DiscountCode:
    db.session.expire_all()
    return db.session.scalars(select(DiscountCode)).one()


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(DiscountCode))


def test_owner_creates_an_automatic_discount_with_minimums_per_currency(admin_client, db):
    response = create(admin_client, AUTOMATIC, page=NEW + "?automatic=1")

    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/discounts")
    discount = only_discount(db)
    assert (discount.code, discount.title, discount.kind, discount.value) == (
        "AUTO-10-OVER-80", "Spend 80, save 10 %", DiscountKind.PERCENTAGE, 1000)
    assert discount.is_automatic and discount.active and discount.minimum_subtotal == 8000
    assert {a.currency: a.minimum_subtotal for a in discount.amounts} == {"EUR": 8000, "JPY": 12000}
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "discount_code.create")).one()
    assert entry.after["code"] == "AUTO-10-OVER-80" and entry.staff_user_id == admin_client.staff_user.id

    rows = table_rows(text(admin_client.get("/admin/discounts")), "discounts")
    assert rows[0][0].startswith("AUTO-10-OVER-80") and rows[0][1] == "Automatic"
    assert rows[0][3] == "$80.00 · €80.00, ¥12,000" and rows[0][-1] == "Running"


def automatic_switch(html: str) -> str:
    return re.search(r'<input[^>]*id="is_automatic"[^>]*>', html).group(0)


def test_the_new_automatic_discount_page_starts_with_automatic_ticked(admin_client, db):
    assert "checked" not in automatic_switch(text(admin_client.get(NEW)))
    assert "checked" in automatic_switch(text(admin_client.get(NEW + "?automatic=1")))


def test_a_kol_code_keeps_its_campaign_and_commission(admin_client, db):
    from storefront.domain.marketing import campaigns

    campaign = campaigns.create_campaign(db.session, campaigns.CampaignDraft(name="Spring"))
    db.session.flush()
    response = create(admin_client, {"code": "MIKA15", "kind": "fixed_amount", "amounts": "USD 15, EUR 14",
                                     "campaign_id": str(campaign.id), "commission_percent": "8.5",
                                     "usage_limit": "100", "once_per_customer": "y"})

    assert response.status_code == 302, text(response)
    discount = only_discount(db)
    assert (discount.kind, discount.value, discount.commission_bp, discount.campaign_id) == (
        DiscountKind.FIXED_AMOUNT, 1500, 850, campaign.id)
    assert {a.currency: a.amount for a in discount.amounts} == {"EUR": 1400, "USD": 1500}
    assert discount.usage_limit == 100 and discount.once_per_customer and not discount.is_automatic


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": ""}, "This field is required."),
    ({"percent": "150"}, "Enter a percentage between 0.01 and 100."),
    ({"percent": ""}, "This field is required."),
    ({"code": "no spaces!"}, "Use 3 to 64 letters, digits, - or _ for the code."),
    ({"minimums": "XYZ 80"}, "“XYZ” is not an ISO 4217 currency code."),
    ({"minimums": "JPY 80.5"}, "JPY amounts have at most 0 decimals."),
    ({"minimums": "EUR eighty"}, "Write each amount as a currency code and a number"),
    ({"starts_at": "2026-06-02T10:00", "ends_at": "2026-06-01T10:00"}, "The end must come after the start."),
    ({"usage_limit": "0"}, "Enter 1 or more, or leave it empty for no limit."),
    ({"commission_percent": "5"}, "An automatic discount is nobody's code: leave the commission empty."),
])
def test_bad_input_is_refused_with_words_saying_what_to_fix(admin_client, db, changes, message):
    response = create(admin_client, {**AUTOMATIC, **changes})

    assert response.status_code == 422
    assert message in unescape(text(response))
    assert count(db) == 0


def test_a_fixed_amount_needs_the_base_currency_and_an_amount_for_each_own_minimum(admin_client, db):
    no_base = create(admin_client, {"code": "TEN", "kind": "fixed_amount", "amounts": "EUR 10"})
    minimum_alone = create(admin_client, {"code": "TEN", "kind": "fixed_amount", "amounts": "USD 10",
                                          "minimums": "EUR 50"})

    assert no_base.status_code == 422 and "Give the amount in USD, the store's base currency" in unescape(text(no_base))
    assert "A minimum in EUR needs the amount off in EUR too." in unescape(text(minimum_alone))
    assert count(db) == 0


def test_a_code_already_taken_is_refused_in_any_case(admin_client, db):
    make_discount_code(db.session, "SPRING15")

    response = create(admin_client, {"code": "spring15", "kind": "percentage", "percent": "5"})

    assert response.status_code == 422 and "Another discount already uses the code SPRING15." in text(response)
    assert count(db) == 1


def test_editing_changes_the_value_and_window_and_is_audited(admin_client, db, store):
    create(admin_client, AUTOMATIC)
    discount = only_discount(db)

    response = edit(admin_client, discount.id, {"percent": "12.5", "minimums": "EUR 90",
                                                 "starts_at": "2026-06-01T09:00", "ends_at": "2026-06-30T18:00"})

    assert response.status_code == 302, text(response)
    discount = only_discount(db)
    assert discount.value == 1250 and {a.currency: a.minimum_subtotal for a in discount.amounts} == {"EUR": 9000}
    assert discount.starts_at.isoformat() == "2026-06-01T09:00:00+00:00"  # the test store keeps UTC
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "discount_code.update")).one()
    assert entry.before["value"] == 1000 and entry.after["value"] == 1250
    assert "code" not in entry.after  # only what changed

    form = unescape(text(admin_client.get(f"/admin/discounts/{discount.id}/edit")))
    assert 'value="12.5"' in form and "EUR 90.00" in form and 'value="2026-06-01T09:00"' in form


def test_editing_keeps_its_own_code_but_not_another_ones(admin_client, db):
    make_discount_code(db.session, "TAKEN")
    create(admin_client, AUTOMATIC)
    discount = db.session.scalars(select(DiscountCode).where(DiscountCode.code == "AUTO-10-OVER-80")).one()

    assert edit(admin_client, discount.id, {"title": "Ten off"}).status_code == 302
    refused = edit(admin_client, discount.id, {"code": "taken"})
    assert refused.status_code == 422 and "Another discount already uses the code TAKEN." in text(refused)


def test_an_unknown_discount_is_not_found(admin_client, db):
    assert admin_client.get("/admin/discounts/999999/edit").status_code == 404


def test_a_form_without_its_csrf_token_writes_nothing(admin_client, db):
    response = admin_client.post(NEW, data=AUTOMATIC)
    assert response.status_code == 400 and count(db) == 0


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("staff", 403)])
def test_who_may_open_the_discounts(staff_client, db, role, status):
    client = staff_client(role)
    assert client.get("/admin/discounts").status_code == status
    assert client.get(NEW).status_code == status


def test_staff_cannot_create_a_discount(staff_client, db):
    client = staff_client("staff")
    assert client.post(NEW, data={**AUTOMATIC, "csrf_token": csrf_token(client, "/admin/")}).status_code == 403
    assert count(db) == 0


def test_signed_out_visitors_are_sent_to_the_login(client, db, store):
    response = client.get("/admin/discounts")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
