"""ECB reference rates: refreshing from the feed, cross rates and overrides, the CLI, the job and /healthz."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from storefront import create_app
from storefront.domain import fx, jobs
from storefront.integrations.fx_rates import FxFeedError
from storefront.models import FxRate, FxSource
from tests.fakes.ecb import BROKEN_PATH, CANNED_RATE_DATE, DAILY_PATH, ERROR_PATH

CANNED_CURRENCIES = 29
RATE_DATE = date.fromisoformat(CANNED_RATE_DATE)
LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}


def stored_rates(session) -> int:
    return session.scalar(select(func.count()).select_from(FxRate))


@pytest.fixture
def feed_url(app, monkeypatch, ecb_feed):
    """Point the app's settings at the fake feed, as CLIPPER_FX_FEED_URL would, and return a setter."""

    def point_to(path: str) -> str:
        url = f"{ecb_feed}{path}"
        monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(app.config["CLIPPER"], fx_feed_url=url))
        return url

    return point_to


def test_refreshing_stores_each_days_rates_once(db, ecb_feed):
    first = fx.refresh_rates(db.session, f"{ecb_feed}{DAILY_PATH}")
    assert first.rate_date == RATE_DATE
    assert first.added == CANNED_CURRENCIES
    assert {"USD", "JPY", "GBP"} <= set(first.currencies)
    again = fx.refresh_rates(db.session, f"{ecb_feed}{DAILY_PATH}")
    assert again == dataclasses.replace(first, added=0)
    assert stored_rates(db.session) == CANNED_CURRENCIES


@pytest.mark.parametrize("path", [BROKEN_PATH, ERROR_PATH, "/missing.xml"])
def test_a_broken_feed_raises_and_stores_nothing(db, ecb_feed, path):
    with pytest.raises(FxFeedError):
        fx.refresh_rates(db.session, f"{ecb_feed}{path}")
    assert stored_rates(db.session) == 0


def test_dollar_to_yen_is_a_cross_rate_through_the_euro(db, ecb_feed):
    fx.refresh_rates(db.session, f"{ecb_feed}{DAILY_PATH}")
    table = fx.load_rate_table(db.session)
    assert table.rate_date == RATE_DATE
    assert table.rate("USD", "JPY") == Decimal("162.48") / Decimal("1.0562")
    assert table.rate("EUR", "USD") == Decimal("1.0562")
    assert table.rate("GBP", "EUR") == 1 / Decimal("0.83465")
    with pytest.raises(fx.MissingRate):
        table.rate("USD", "XAU")


def test_a_manual_override_wins_until_it_expires(db, ecb_feed):
    fx.refresh_rates(db.session, f"{ecb_feed}{DAILY_PATH}")
    expires = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    db.session.add(FxRate(base="USD", quote="JPY", rate=Decimal("150"), rate_date=RATE_DATE,
                          source=FxSource.MANUAL, expires_at=expires))
    db.session.flush()

    before = fx.load_rate_table(db.session, now=expires - timedelta(minutes=1))
    assert before.rate("USD", "JPY") == Decimal("150")
    assert before.rate("JPY", "USD") == 1 / Decimal("150")
    with time_machine.travel(expires + timedelta(minutes=1), tick=False):
        after = fx.load_rate_table(db.session)
    assert after.rate("USD", "JPY") == Decimal("162.48") / Decimal("1.0562")


def test_clipper_fx_refresh_reports_the_rates_it_stored(runner, db, feed_url):
    feed_url(DAILY_PATH)
    first = runner.invoke(args=["fx", "refresh"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == f"ECB rates of {CANNED_RATE_DATE}: {CANNED_CURRENCIES} currencies (29 new)"
    again = runner.invoke(args=["fx", "refresh"])
    assert again.stdout.strip() == f"ECB rates of {CANNED_RATE_DATE}: {CANNED_CURRENCIES} currencies (0 new)"
    assert stored_rates(db.session) == CANNED_CURRENCIES


@pytest.mark.parametrize("path, fragment", [(BROKEN_PATH, "not valid XML"), (ERROR_PATH, "500")])
def test_clipper_fx_refresh_explains_a_broken_feed_in_one_line(runner, db, feed_url, path, fragment):
    url = feed_url(path)
    result = runner.invoke(args=["fx", "refresh"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0]
    if path == ERROR_PATH:
        assert url in lines[0]
    assert "Traceback" not in result.output
    assert stored_rates(db.session) == 0


def test_the_daily_job_refreshes_from_the_configured_feed(db, feed_url):
    assert ("storefront.domain.fx.refresh_rates_job", 86400) in jobs.PERIODIC
    feed_url(DAILY_PATH)
    result = jobs.run_job("storefront.domain.fx.refresh_rates_job")
    assert result.added == CANNED_CURRENCIES
    assert fx.latest_rate_date(db.session) == RATE_DATE


def test_healthz_warns_when_no_rates_were_ever_fetched(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "warning"
    assert response.json["fx_rates"] == "missing"


@pytest.mark.parametrize(
    "today, fx_rates, status",
    [
        ("2026-11-27", "ok", "ok"),
        ("2026-12-01", "ok", "ok"),  # Friday's rates over a long weekend: still fresh
        ("2026-12-02", f"stale: last rates from {CANNED_RATE_DATE}", "warning"),
    ],
)
def test_healthz_reports_how_fresh_the_rates_are(client, db, ecb_feed, today, fx_rates, status):
    fx.refresh_rates(db.session, f"{ecb_feed}{DAILY_PATH}")
    with time_machine.travel(datetime.fromisoformat(f"{today}T18:00:00+00:00"), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["fx_rates"] == fx_rates
    assert response.json["status"] == status


def test_healthz_skips_the_rates_when_the_database_is_down(app_config):
    broken = create_app({**app_config, **LOCAL_STORAGE,
                         "database_url": "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
                         "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["down"] == ["database"]
    assert "fx_rates" not in response.json
