"""Owners read the audit log at /admin/audit: newest first, 50 to a page, filtered by what changed and by whom."""
from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.domain import audit
from storefront.models import StaffRole, utcnow
from tests.fixtures.admin import table_rows
from tests.fixtures.factories import make_staff_user


@pytest.fixture
def clerk(db, store):
    return make_staff_user(db.session, email="clerk@example.com", role=StaffRole.STAFF)


def record(db, *, who, entity_type="product", entity_id=1, before=None, after=None, minutes_ago=0, action=None):
    entry = audit.record(db.session, staff_user_id=who.id if who else None, action=action or f"{entity_type}.updated",
                         entity_type=entity_type, entity_id=entity_id, before=before, after=after,
                         ip_address="203.0.113.9")
    entry.created_at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.flush()
    return entry


def test_owner_reads_who_changed_what_with_the_values_before_and_after(db, admin_client, clerk):
    record(db, who=clerk, entity_id=7, before={"title": "Mug", "price": 1990}, after={"title": "Big mug", "price": 2490},
           minutes_ago=5)
    record(db, who=None, entity_type="order", entity_id=42, after={"status": "paid"}, action="order.paid")

    rows = table_rows(admin_client.get("/admin/audit").get_data(as_text=True), "audit-log")

    assert [row[1:4] for row in rows] == [["System", "order.paid", "order #42"],
                                          ["clerk@example.com", "product.updated", "product #7"]]
    assert rows[1][4] == "title before: Mug → after: Big mug price before: 1990 → after: 2490"
    assert rows[0][4] == "status after: paid"
    assert rows[1][5] == "203.0.113.9"


def test_filter_by_what_changed_and_by_who_changed_it(db, admin_client, clerk):
    record(db, who=clerk, entity_type="product", entity_id=1)
    record(db, who=clerk, entity_type="order", entity_id=2)
    record(db, who=admin_client.staff_user, entity_type="product", entity_id=3)

    products = table_rows(admin_client.get("/admin/audit?entity_type=product").get_data(as_text=True), "audit-log")
    assert sorted(row[3] for row in products) == ["product #1", "product #3"]

    by_clerk = admin_client.get(f"/admin/audit?staff_user={clerk.id}").get_data(as_text=True)
    assert sorted(row[3] for row in table_rows(by_clerk, "audit-log")) == ["order #2", "product #1"]
    assert f'<option value="{clerk.id}" selected>clerk@example.com</option>' in by_clerk

    both = admin_client.get(f"/admin/audit?entity_type=order&staff_user={clerk.id}").get_data(as_text=True)
    assert [row[3] for row in table_rows(both, "audit-log")] == ["order #2"]
    assert "1 entry" in both


def test_the_log_shows_50_entries_a_page(db, admin_client, clerk):
    for n in range(55):
        record(db, who=clerk, entity_id=n, minutes_ago=n)

    first = admin_client.get("/admin/audit").get_data(as_text=True)
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)

    assert len(table_rows(first, "audit-log")) == 50
    assert table_rows(first, "audit-log")[0][3] == "product #0"
    assert "Page 1 of 2" in first
    assert 'href="/admin/audit?page=2"' in first
    assert [row[3] for row in table_rows(second, "audit-log")] == [f"product #{n}" for n in range(50, 55)]
    assert "55 entries" in second
    assert table_rows(admin_client.get("/admin/audit?page=99").get_data(as_text=True), "audit-log") == \
        table_rows(second, "audit-log")


def test_page_links_keep_the_filters(db, admin_client, clerk):
    for n in range(51):
        record(db, who=clerk, entity_type="order", entity_id=n)
    html = admin_client.get(f"/admin/audit?entity_type=order&staff_user={clerk.id}").get_data(as_text=True)
    assert f'href="/admin/audit?entity_type=order&amp;staff_user={clerk.id}&amp;page=2"' in html


def test_an_empty_log_says_so(admin_client):
    assert "Nothing has been recorded yet." in admin_client.get("/admin/audit").get_data(as_text=True)


def test_filters_that_match_nothing_say_so_and_odd_parameters_are_ignored(db, admin_client, clerk):
    record(db, who=clerk)
    html = admin_client.get("/admin/audit?entity_type=nothing&staff_user=abc&page=x").get_data(as_text=True)
    assert "No entries match these filters." in html
