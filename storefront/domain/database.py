"""Engine-level behaviour: SQLite pragmas and database reachability checks."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, scoped_session

from storefront.extensions import db


def configure_engine_events(app: Flask) -> None:
    """SQLite: WAL, foreign keys, a busy timeout and real transactions on every connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin: SAVEPOINTs then work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if make_url(str(engine.url)).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_INTENT)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_INTENT = "clipper_write_intent"


def begin_writing(session: Session) -> None:
    """Start the session's transaction as a writer. On SQLite this takes the write lock up front, so that two
    transactions never both read and then both try to write (SQLite fails that at once with "database is
    locked" instead of waiting): writers queue. Other databases use row locks and need nothing here."""
    real = session() if isinstance(session, scoped_session) else session
    if real.get_bind().dialect.name == "sqlite" and real.get_transaction() is None:
        real.connection(execution_options={WRITE_INTENT: True})


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def safe_url(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)
