"""The store owner's panel under /admin/."""
from __future__ import annotations

from flask import Flask

from storefront.domain.staff import load_user
from storefront.extensions import db, login_manager


def register_admin(app: Flask) -> None:
    from admin import account, assets, audit, auth, customers, dashboard, inventory, orders, staff

    login_manager.login_view = "admin_auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(lambda session_id: load_user(db.session, session_id))
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(staff.language_bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(inventory.bp)
    from admin import content, products
    app.register_blueprint(products.bp)
    app.register_blueprint(content.bp)
    from admin import csv_io
    app.register_blueprint(csv_io.bp)
    from admin import settings
    settings.register(app)
    from admin import carrier_labels, settings_carriers
    app.register_blueprint(settings_carriers.bp)
    app.add_template_global(carrier_labels.credential_label, "credential_label")
    from admin import fulfillment
    app.register_blueprint(fulfillment.bp)
    from admin import marketing_feeds
    app.register_blueprint(marketing_feeds.bp)
    from admin import marketing_subscribers
    app.register_blueprint(marketing_subscribers.bp)
    from admin import marketing
    app.register_blueprint(marketing.bp)
    from admin import discounts
    app.register_blueprint(discounts.bp)
