"""Helpers for browser tests that need a shop of their own: an app on its own database (PostgreSQL when the
suite runs on it, through `fresh_database`, else an SQLite file), served on a loopback port by werkzeug in a
thread, a desktop browser that counts as a shopper, and signing in to the admin."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Expect
from werkzeug.serving import make_server

from tests.e2e.conftest import LOCAL_STORAGE, ClosedWhenSent

# Headless Chromium calls itself "HeadlessChrome", which the shop (rightly) counts as a bot: shoppers in these
# tests present an ordinary desktop Chrome.
DESKTOP_CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/130.0.0.0 Safari/537.36")
# Playwright's waits (actions, navigations, assertions) on a busy two-core machine.
PATIENCE_MS = 20_000
# Playwright's expect() with PATIENCE_MS instead of its 5 s default, without changing the shared one.
expect = Expect()
expect.set_options(timeout=PATIENCE_MS)


def make_live_app(app_config: dict[str, Any], instance: Path, database_url: str, **settings: Any) -> Flask:
    """A migrated app on `database_url`, files under `instance`, with `settings` (e.g. fakes' URLs) on top."""
    from flask_migrate import upgrade

    from storefront import create_app

    app = create_app({**app_config, **LOCAL_STORAGE, "instance_path": str(instance), "database_url": database_url,
                      "media_path": str(instance / "media"), **settings})
    with app.app_context():
        upgrade()
    return app


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` on a free loopback port (threaded, like a real server); yields its base URL."""
    from storefront.extensions import db

    def wsgi(environ, start_response):
        return ClosedWhenSent(app(environ, start_response))

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()  # so the database can be dropped


def sign_in(page, base: str, email: str, password: str) -> None:
    """Sign in at /admin/login as a member of staff would."""
    page.goto(f"{base}/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form[action='/admin/login'] button[type=submit]").click()
