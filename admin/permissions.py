"""Who may do what in the admin: areas, the roles that reach them, and the blueprint that enforces it."""
from __future__ import annotations

import enum

from flask import Blueprint, abort, g, request
from flask_login import current_user

from storefront.extensions import login_manager
from storefront.models import StaffRole

ADMIN_LOCALES = ("en", "zh-CN")


class Area(str, enum.Enum):
    DASHBOARD = "dashboard"
    ORDERS = "orders"
    INVENTORY = "inventory"
    PRODUCTS = "products"
    CONTENT = "content"
    CUSTOMERS = "customers"
    SETTINGS = "settings"
    PAYMENTS = "payments"
    STAFF = "staff"
    AUDIT = "audit"


ROLE_AREAS: dict[StaffRole, frozenset[Area]] = {
    StaffRole.OWNER: frozenset(Area),
    StaffRole.ADMIN: frozenset(Area) - {Area.STAFF, Area.PAYMENTS, Area.AUDIT},
    StaffRole.STAFF: frozenset({Area.DASHBOARD, Area.ORDERS, Area.INVENTORY}),
}


def can(user, area: Area) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    extra = {Area(p) for p in (user.permissions or []) if p in Area._value2member_map_}
    return area in ROLE_AREAS.get(user.role, frozenset()) or area in extra


def admin_ui_locale(user) -> str:
    """The staff user's own choice, else the browser's preference between English and Chinese."""
    if getattr(user, "locale", None) in ADMIN_LOCALES:
        return user.locale
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default="en")
    return "zh-CN" if best in ("zh-CN", "zh") else "en"


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def secure_admin_response(response):
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def admin_blueprint(name: str, import_name: str, area: Area) -> Blueprint:
    """A blueprint under /admin whose every view needs a signed-in staff user allowed into `area`."""
    bp = Blueprint(name, import_name, url_prefix="/admin", template_folder="templates")

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        g.ui_locale = admin_ui_locale(current_user)
        if not can(current_user, area):
            abort(403)
        return None

    bp.after_request(secure_admin_response)
    return bp
