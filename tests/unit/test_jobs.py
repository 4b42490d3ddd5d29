"""Background jobs run inline without Redis and through RQ with it."""
from __future__ import annotations

from sqlalchemy import select

from storefront import create_app
from storefront.domain import jobs
from storefront.models import StoreSettings
from tests.fixtures.factories import make_store

LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}


def rename_store(name: str) -> None:
    """A job with a visible effect: it changes the store name and relies on run_job to commit."""
    from storefront.extensions import db

    db.session.scalar(select(StoreSettings)).name = name


def test_without_redis_a_job_runs_right_away_outside_a_request(db, store):
    jobs.enqueue(rename_store, "Renamed inline")
    db.session.expire_all()
    assert db.session.get(StoreSettings, 1).name == "Renamed inline"


def test_without_redis_a_job_runs_after_the_response_is_sent(app_config, tmp_path):
    from flask_migrate import upgrade

    from storefront.extensions import db

    app = create_app({**app_config, **LOCAL_STORAGE, "database_url": f"sqlite:///{tmp_path / 'inline.db'}"})
    seen_during_request: list[str] = []

    @app.get("/__enqueue")
    def enqueue_view():
        jobs.enqueue(rename_store, "Renamed after response")
        seen_during_request.append(db.session.get(StoreSettings, 1).name)
        return "queued"

    with app.app_context():
        upgrade()
        make_store(db.session)
        db.session.commit()
    response = app.test_client().get("/__enqueue", buffered=False)
    assert response.status_code == 200
    assert seen_during_request == ["Test Shop"]
    response.close()
    with app.app_context():
        assert db.session.get(StoreSettings, 1).name == "Renamed after response"
        db.engine.dispose()


def test_with_redis_a_job_is_queued_and_run_by_a_worker(app_config, redis_url, tmp_path):
    from flask_migrate import upgrade
    from rq import SimpleWorker

    from storefront.extensions import db

    app = create_app({**app_config, **LOCAL_STORAGE, "redis_url": redis_url,
                      "database_url": f"sqlite:///{tmp_path / 'jobs.db'}"})
    with app.app_context():
        upgrade()
        make_store(db.session)
        db.session.commit()
        queue = jobs.queue(app)
        queue.empty()
        jobs.enqueue(rename_store, "Renamed by RQ")
        assert queue.count == 1
        assert db.session.get(StoreSettings, 1).name == "Test Shop"
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        db.session.expire_all()
        assert db.session.get(StoreSettings, 1).name == "Renamed by RQ"
        db.engine.dispose()
