"""A live shop on a loopback port, with its own database, for Playwright + Debian chromium."""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.serving import make_server

from storefront import create_app
from storefront.domain.images import store_image
from storefront.domain.search import service as search_service
from storefront.extensions import cache, db
from storefront.models import DutiesPolicy, FxRate, ProductImage, RoundingRule, TaxRate
from tests.fixtures.factories import make_market, make_option, make_product, make_store

LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


class ClosedWhenSent:
    """A response body that is closed as soon as its last byte is written, once.

    Without Redis, jobs run "after the response" from the response's close() (storefront/domain/jobs.py), as
    gunicorn always calls it. werkzeug's development server (3.1) calls it only after draining the socket, and
    skips it when the browser resets the connection meanwhile (Chromium sometimes does after a POST answered
    by a redirect): the job is then silently lost. Closing on the last byte gives the tests gunicorn's behaviour.
    """

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._body
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close = getattr(self._body, "close", None)
            if close is not None:
                close()


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
    server = make_server("127.0.0.1", 0, lambda environ, start: ClosedWhenSent(live_app(environ, start)),
                         threaded=True)
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


@pytest.fixture(scope="session")
def shop(live_app):
    """A store with EU (EUR, VAT shown) and UK (GBP) markets and a T-shirt in two colours and three sizes."""
    with live_app.app_context():
        make_store(db.session, name="Browser Shop", theme_settings={
            "hero": {"heading": {"en": "Hello", "de": "Willkommen im Laden"}}})
        make_market(db.session, "INTL", currency="USD", is_default=True)
        make_market(db.session, "EU", currency="EUR", default_locale="de", countries=["DE", "FR", "AT"],
                    price_adjustment_bp=200, rounding_rule=RoundingRule.ENDING_95, tax_inclusive=True,
                    duties_policy=DutiesPolicy.DDP)
        make_market(db.session, "GB", currency="GBP", countries=["GB"], rounding_rule=RoundingRule.ENDING_99,
                    tax_inclusive=True, duties_policy=DutiesPolicy.DDP)
        for quote, rate in {"USD": "1.0562", "GBP": "0.83465"}.items():
            db.session.add(FxRate(base="EUR", quote=quote, rate=Decimal(rate), rate_date=date(2026, 11, 27)))
        db.session.add_all([TaxRate(country_code="DE", rate=Decimal("19")),
                            TaxRate(country_code="GB", rate=Decimal("20"))])
        sizes, colours = ["S", "M", "XL"], {"Black": "#1b1b1b", "Red": "#c8553d"}
        variants = [{"option1": s, "option2": c, "price": 2990 if s == "XL" else 2490}
                    for s in sizes for c in colours]
        product = make_product(db.session, title="Crew Tee", translations={"de": "Rundhals-Shirt", "fr": "T-shirt col rond"}, variants=variants,
                               featured=True)
        make_option(db.session, product, "Size", sizes, position=1)
        colour_option = make_option(db.session, product, "Color", list(colours), position=2)
        for value in colour_option.values:
            value.translations = {"de": {"Black": "Schwarz", "Red": "Rot"}[value.value]}
        for position, (colour, hex_colour) in enumerate(colours.items(), start=1):
            stored = store_image(live_app.config["CLIPPER"].media_path, Image.new("RGB", (720, 720), hex_colour),
                                 f"products/tee-{colour.lower()}")
            image = ProductImage(product_id=product.id, position=position, key=stored.key, width=stored.width,
                                 height=stored.height, sizes=stored.sizes, alt=f"Crew Tee {colour}",
                                 alt_translations={"de": f"Rundhals-Shirt in {'Schwarz' if colour == 'Black' else 'Rot'}"})
            db.session.add(image)
            db.session.flush()
            for variant in product.variants:
                if variant.option2 == colour:
                    variant.image_id = image.id
        db.session.commit()
        search_service.rebuild(db.session, live_app.config["CLIPPER"])
        cache.clear()
