"""The audit log for owners (/admin/audit): who changed what, with the values before and after."""
from __future__ import annotations

from flask import render_template, request

from admin.permissions import Area, admin_blueprint
from storefront.domain import audit_queries, staff_accounts
from storefront.extensions import db

bp = admin_blueprint("admin_audit", __name__, Area.AUDIT)


@bp.get("/audit")
def index():
    entity_type = request.args.get("entity_type", "").strip() or None
    staff_user_id = request.args.get("staff_user", type=int)
    page = request.args.get("page", 1, type=int)
    result = audit_queries.search(db.session, entity_type=entity_type, staff_user_id=staff_user_id, page=page)
    return render_template("admin/audit/index.html", result=result, entity_type=entity_type,
                           staff_user_id=staff_user_id, entity_types=audit_queries.entity_types(db.session),
                           staff_users=staff_accounts.list_staff(db.session))
