"""Shared fixtures: app, db (a transaction per test), client, runner; services required in CI."""
from __future__ import annotations

import os

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import text

pytest_plugins = ["tests.fixtures.services", "tests.fixtures.factories", "tests.fixtures.admin", "tests.fixtures.mail", "tests.fakes.ecb", "tests.fakes.smtp", "tests.fakes.stripe", "tests.fakes.carriers", "tests.fixtures.shipping"]

TEST_SECRET = "test-secret-key-that-is-long-enough-for-clipper-0123456789"


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("CLIPPER_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_database(engine) -> None:
    """Start each run from an empty database so the migrations are what builds the schema."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    instance = tmp_path_factory.mktemp("instance")
    return {
        "testing": True,
        "instance_path": str(instance),
        "database_url": test_database_url(tmp_path_factory),
        "secret_key": TEST_SECRET,
        "redis_url": None,
        "RATELIMIT_ENABLED": True,
    }


@pytest.fixture(scope="session")
def app(app_config):
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.extensions import db as _db

    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _reset_database(_db.engine)
        upgrade()
        _db.engine.dispose()
    return app


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and `g`), as in production, although the test holds one."""

    def open(self, *args, **kwargs):
        # Buffered, so the response is closed as a WSGI server would: jobs run "after the response" then.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy picks engines itself; in tests every session must use the test's connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db(app):
    """A session whose work is rolled back after the test, even if the code under test commits."""
    from storefront.extensions import db as _db

    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"class_": ConnectionBoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    from storefront.extensions import cache, limiter

    limiter.reset()
    with app.app_context():
        cache.clear()
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()
