"""The admin shell's assets: its static files under /admin/static/ (versioned URLs, cached for a year) and the
template helpers its layout uses."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, g, request, send_from_directory, url_for

from admin import navigation
from admin.permissions import ADMIN_LOCALES, secure_admin_response
from storefront.domain.money import format_money

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"

bp = Blueprint("admin_assets", __name__, url_prefix="/admin")
bp.after_request(secure_admin_response)
bp.add_app_template_global(navigation.menu, "admin_menu")
bp.add_app_template_global(ADMIN_LOCALES, "ADMIN_LOCALES")


@lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _version(filename: str) -> str:
    path = STATIC / filename
    return _digest(path, path.stat().st_mtime_ns)


@bp.get("/static/<path:filename>")
def static_file(filename: str):
    response = send_from_directory(STATIC, filename)
    # Only the current version's URL may be cached for good; a stale ?v= is revalidated every time.
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == _version(filename) else "no-cache"
    return response


@bp.app_template_global()
def admin_static(filename: str) -> str:
    """The URL of an admin static file, carrying its content hash so a changed file gets a new URL."""
    return url_for("admin_assets.static_file", filename=filename, v=_version(filename))


@bp.app_template_filter()
def admin_money(amount: int | None, currency: str) -> str:
    """Minor units as the staff user's language writes money: 12345 USD → "$123.45"."""
    if amount is None:
        return ""
    return format_money(amount, currency, g.get("ui_locale") or "en")
