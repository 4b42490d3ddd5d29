"""A live shop on a loopback port, with its own database, for Playwright + Debian chromium."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from storefront import create_app

LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, app_config):
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("live")
    app = create_app({**app_config, **LOCAL_STORAGE, "instance_path": str(instance),
                      "database_url": f"sqlite:///{instance / 'live.db'}", "media_path": str(instance / "media")})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    yield page
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)
    context.close()
