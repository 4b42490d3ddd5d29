"""The store owner's panel under /admin/."""
from __future__ import annotations

from flask import Flask

from storefront.domain.staff import load_user
from storefront.extensions import db, login_manager


def register_admin(app: Flask) -> None:
    from admin import auth, dashboard

    login_manager.login_view = "admin_auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(lambda session_id: load_user(db.session, session_id))
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
