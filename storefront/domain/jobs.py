"""Background work through one `enqueue(fn, *args)`: RQ with Redis, otherwise inline after the request.

Jobs are addressed by dotted path ("storefront.domain.fx.refresh_rates") so that a worker can run
them in its own process with its own app context. `PERIODIC` lists what the worker's schedule runs.
"""
from __future__ import annotations

import importlib
import logging
from typing import Any, Callable

from flask import Flask, after_this_request, current_app, has_app_context, has_request_context

log = logging.getLogger(__name__)
QUEUE_NAME = "clipper"

# (dotted path of a job function taking no arguments, interval in seconds); later areas add theirs.
PERIODIC: list[tuple[str, int]] = [
    ("storefront.domain.fx.refresh_rates_job", 86400),
    ("storefront.domain.orders.actions.expire_overdue_job", 300),
    ("storefront.domain.search.service.sync_index_job", 60),
    ("storefront.domain.tracking.sync.sync_tracking_job", 900),
    ("storefront.domain.tracking.exceptions.detect_exceptions_job", 3600),
    ("storefront.domain.tracking.exceptions.exception_digest_job", 86400),
    ("storefront.domain.marketing.feeds.regenerate_feeds_job", 21600),
    ("storefront.domain.marketing.abandoned.send_abandoned_checkout_emails_job", 600),
]


def dotted_path(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.rpartition(".")
    return getattr(importlib.import_module(module), name)


def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url)


def queue(app: Flask | None = None):
    from rq import Queue

    app = app or current_app
    return Queue(QUEUE_NAME, connection=redis_connection(app.config["CLIPPER"].redis_url))


def enqueue(fn: Callable[..., Any] | str, *args: Any) -> None:
    """Run `fn(*args)` in the background: on the RQ queue when Redis is configured, else inline after the
    current request has been answered (or right away outside a request)."""
    target = fn if isinstance(fn, str) else dotted_path(fn)
    app = current_app._get_current_object()
    if app.config["CLIPPER"].redis_url:
        queue(app).enqueue(run_job, target, *args, job_timeout=600, result_ttl=3600, failure_ttl=7 * 86400)
        return
    if has_request_context():

        @after_this_request
        def _after(response):
            response.call_on_close(lambda: run_inline(app, target, args))
            return response

        return
    run_job(target, *args)


def run_inline(app: Flask, target: str, args: tuple[Any, ...]) -> None:
    with app.app_context():
        try:
            run_job(target, *args)
        except Exception:  # an inline job must not break the response that scheduled it
            log.exception("background job %s failed", target)


_worker_app: Flask | None = None


def run_job(target: str, *args: Any) -> Any:
    """Entry point of every job: make sure an app context exists, call the target, commit its work."""
    from storefront.domain.database import begin_writing
    from storefront.extensions import db

    if has_app_context():
        try:
            begin_writing(db.session)
            result = resolve(target)(*args)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
    global _worker_app
    if _worker_app is None:
        from storefront import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return run_job(target, *args)
