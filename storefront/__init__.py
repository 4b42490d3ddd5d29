"""Clipper's shop application: the app factory."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from flask import Flask

from storefront.settings import PROJECT_ROOT, Settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the WSGI app; `config` overrides settings (field names) or Flask keys (upper case)."""
    settings = Settings.load(config)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        instance_relative_config=False,
        static_folder=None,
    )
    configure_settings(app, settings, config or {})
    configure_logging(app, settings)
    init_extensions(app)
    register_domain_events()
    register_locale_prefixes(app)
    register_blueprints(app)
    register_theme_loader(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def configure_settings(app: Flask, settings: Settings, config: Mapping[str, Any]) -> None:
    app.config.update(settings.flask_config())
    # Flask / extension keys given directly (e.g. WTF_CSRF_ENABLED in tests) win.
    app.config.update({k: v for k, v in config.items() if k.isupper() and k not in {"TESTING"}})


def configure_logging(app: Flask, settings: Settings) -> None:
    """Only our own loggers: the host (gunicorn, the CLI, tests) owns the root logger."""
    for name in (app.logger.name, "admin"):
        logging.getLogger(name).setLevel(settings.log_level)


def init_extensions(app: Flask) -> None:
    from storefront import extensions as ext
    from storefront.domain import database
    from storefront.web.locale_prefix import babel_locale

    ext.db.init_app(app)
    database.configure_engine_events(app)
    ext.migrate.init_app(app, ext.db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                         compare_type=True)
    ext.babel.init_app(app, locale_selector=babel_locale, timezone_selector=lambda: "UTC")
    ext.csrf.init_app(app)
    ext.login_manager.init_app(app)
    ext.limiter.init_app(app)
    ext.cache.init_app(app)
    ext.compress.init_app(app)


def register_domain_events() -> None:
    """Session events the domain relies on whoever saves: old URLs of renamed products keep working, and the
    search index and cached pages follow every catalogue change."""
    from storefront.domain.catalog import changes
    from storefront.domain.seo import redirects

    redirects.register_handle_redirects()
    changes.register_change_tracking()


def register_locale_prefixes(app: Flask) -> None:
    from storefront.web.locale_prefix import LocalePrefixMiddleware

    settings: Settings = app.config["CLIPPER"]
    app.wsgi_app = LocalePrefixMiddleware(app.wsgi_app, settings.locales, default_locale="en")


def register_blueprints(app: Flask) -> None:
    from admin import register_admin
    from storefront.web import (assets, cart, catalog, catalog_json, checkout, health, localization, marketing, orders,
                                pages, search, seo, webhooks)

    app.register_blueprint(health.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(localization.bp)
    app.register_blueprint(catalog_json.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(cart.bp)
    app.register_blueprint(checkout.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(seo.bp)
    app.register_blueprint(marketing.bp)
    from storefront.web import feeds
    app.register_blueprint(feeds.bp)
    from storefront.web import newsletter
    app.register_blueprint(newsletter.bp)
    app.register_blueprint(newsletter.recovery_bp)
    register_admin(app)


def register_theme_loader(app: Flask) -> None:
    from storefront.web.theming import ThemeLoader

    app.jinja_loader = ThemeLoader(PROJECT_ROOT / "themes")
    app.jinja_env.auto_reload = True  # lets ThemeLoader's uptodate() notice a theme switch


def register_error_handlers(app: Flask) -> None:
    from storefront.web import errors

    errors.register(app)


def register_template_helpers(app: Flask) -> None:
    from storefront.web import structured_data, template_helpers

    template_helpers.register(app)
    structured_data.register(app)


def register_cli(app: Flask) -> None:
    from storefront import cli

    cli.register(app)
