"""The `clipper` command: Flask's CLI group over create_app() plus the shop's own commands."""
from __future__ import annotations

import logging
import os
import secrets
import socket
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from storefront.settings import SUPPORTED_LOCALES, ConfigurationError, Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class UsageError(click.ClickException):
    """A one-line error with exit status 2 (bad input, not a crash)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _create_cli_app() -> Flask:
    """The app for CLI commands; a missing secret key is only refused by `serve`.

    Without CLIPPER_SECRET_KEY, commands on a demo instance use the demo's key (carrier credentials are sealed
    with it: `clipper tracking sync` must read them); elsewhere a throwaway key, as they sign nothing.
    """
    from storefront import create_app

    try:
        Settings.load()
    except ConfigurationError:
        demo_key = Settings.load({"testing": True}).instance_path / "secret_key"
        if demo_key.is_file():
            return create_app({"secret_key": demo_key.read_text().strip()})
        return create_app({"secret_key": secrets.token_urlsafe(48)})
    return create_app()


def main() -> None:
    """Console-script entry point."""
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        os.environ.setdefault("CLIPPER_DEMO", "1")
    group = FlaskGroup(create_app=_create_cli_app, add_version_option=False, load_dotenv=False,
                       help="Clipper storefront: run `clipper demo` for a demo shop.")
    try:
        group.main(prog_name="clipper")
    except ConfigurationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except OperationalError as exc:
        click.echo(f"Error: cannot reach the database ({_short_db_error(exc)}) at {_database_url()}", err=True)
        sys.exit(2)


def _database_url() -> str:
    from storefront.domain.database import safe_url

    try:
        return safe_url(Settings.load({"testing": True}).database_url)
    except Exception:
        return "(unknown)"


def _short_db_error(exc: OperationalError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(fx_group)
    app.cli.add_command(mail_group)
    app.cli.add_command(serve_command)
    app.cli.add_command(users)
    app.cli.add_command(worker_command)
    app.cli.add_command(search_group)
    app.cli.add_command(orders_group)
    app.cli.add_command(tracking_group)


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _check_database() -> None:
    from storefront.domain import database
    from storefront.extensions import db

    try:
        database.ping(db.engine)
    except OperationalError as exc:
        url = database.safe_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
        raise UsageError(f"cannot reach the database at {url} ({_short_db_error(exc)})") from None


@click.command("demo")
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Set up the demo store and exit.")
@click.option("--workers", default=None, type=click.IntRange(1, 64))
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, workers: int | None) -> None:
    """Migrate, seed the demo store if empty, build the search index, then serve it."""
    from flask_migrate import upgrade

    from storefront.demo import seed

    if not no_serve:
        ensure_port_free(host, port)
    _check_database()
    settings = current_app.config["CLIPPER"]
    upgrade()
    result = seed.seed_demo_store(settings)
    from storefront.domain.search import service
    from storefront.extensions import db

    if result.created or not service.index_for(settings).exists():
        indexed = service.rebuild(db.session, settings)
        click.echo(f"Search index: {indexed} products.")
    url = f"http://{host}:{port}/"
    click.echo(f"Clipper demo shop: {url}")
    click.echo(f"Admin: {url}admin/")
    if result.created:
        click.echo(f"  e-mail:   {result.admin_email}")
        click.echo(f"  password: {result.admin_password}")
        click.echo(f"Seeded {result.summary}.")
    else:
        click.echo(f"  e-mail:   {result.admin_email} (the store already existed; its password was printed when "
                   "it was created — `clipper users reset-password EMAIL` sets a new one)")
        if result.summary:
            click.echo(f"Added {result.summary}.")
    if not no_serve:
        os.environ["CLIPPER_DEMO"] = "1"
        os.environ.setdefault("CLIPPER_INSTANCE_PATH", str(settings.instance_path))
        os.environ.setdefault("CLIPPER_PUBLIC_URL", url.rstrip("/"))  # links in e-mails point at this shop
        if not settings.stripe_secret_key:
            _start_demo_payments(host, port)
        if not settings.carrier_api_base:
            _start_demo_carriers()
        if not settings.redis_url:
            _start_demo_tracking()
        _run_gunicorn(host, port, workers)


def _start_demo_payments(host: str, port: int) -> None:
    """No Stripe key in demo mode: a local fake Stripe (same HTTP API as the tests') with a hosted checkout
    page whose Pay button sends a correctly signed webhook, so a purchase can be made end to end."""
    from storefront.integrations.stripe_gateway.fake import FakeStripe

    fake = FakeStripe(webhook_url=f"http://{host}:{port}/webhooks/stripe")
    fake.start()
    os.environ["CLIPPER_STRIPE_SECRET_KEY"] = "sk_test_clipper_demo"
    os.environ["CLIPPER_STRIPE_API_BASE"] = fake.base_url
    os.environ["CLIPPER_STRIPE_WEBHOOK_SECRET"] = fake.webhook_secret
    click.echo(f"Payments: demo checkout at {fake.base_url} (no real money; set CLIPPER_STRIPE_SECRET_KEY for Stripe)")


def _start_demo_carriers() -> None:
    """No CLIPPER_CARRIER_API_BASE in demo mode: local fake DHL, FedEx, UPS and USPS APIs for the demo carrier
    accounts, whose parcels move on by themselves (label → picked up → in transit → customs → out for delivery
    → delivered, one step every two minutes) so tracking shows progress while you watch."""
    from datetime import timedelta

    from storefront.integrations.carriers.fake import FakeCarriers

    fake = FakeCarriers(auto_progress=True, progress_step=timedelta(minutes=2))
    fake.start()
    os.environ["CLIPPER_CARRIER_API_BASE"] = fake.url
    click.echo(f"Carriers: demo carrier APIs at {fake.url} (no real parcels; set CLIPPER_CARRIER_API_BASE for others)")


# Without Redis there is no worker to run the schedule: the demo syncs tracking itself, often, so parcels booked
# in the admin move on the shopper's order page while you watch.
DEMO_TRACKING_JOBS = (("storefront.domain.tracking.sync.sync_tracking_job", 60),
                      ("storefront.domain.tracking.exceptions.detect_exceptions_job", 300))


def demo_tracking_loop() -> None:
    """Run DEMO_TRACKING_JOBS forever (in its own process: gunicorn forks, threads and forks do not mix)."""
    import time

    from storefront.domain.jobs import run_job

    due = {target: 0.0 for target, _ in DEMO_TRACKING_JOBS}
    while True:
        for target, every in DEMO_TRACKING_JOBS:
            if time.monotonic() >= due[target]:
                due[target] = time.monotonic() + every
                try:
                    run_job(target)
                except Exception:  # a failed round is logged and tried again next time
                    logging.getLogger(__name__).exception("demo job %s failed", target)
        time.sleep(5)


def _start_demo_tracking() -> None:
    import multiprocessing

    multiprocessing.get_context("spawn").Process(target=demo_tracking_loop, name="demo-tracking", daemon=True).start()
    click.echo("Tracking: synced every minute (run `clipper worker` with CLIPPER_REDIS_URL for the full schedule)")


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Default: 2 × CPU cores + 1, at most 8.")
@with_appcontext
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Serve the shop with gunicorn (access log on stdout)."""
    Settings.load()  # the workers' create_app() will insist on a real secret key: say so now
    ensure_port_free(host, port)
    _check_database()
    _run_gunicorn(host, port, workers)


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_options(host: str, port: int, workers: int | None) -> dict:
    """The gunicorn settings `clipper serve` uses (bench/ serves its baseline app with the same)."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": 4,
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }


def _run_gunicorn(host: str, port: int, workers: int | None) -> None:
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(host, port, workers)

    class ClipperServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from storefront import create_app

            return create_app()

    ClipperServer().run()


@click.group("users")
def users() -> None:
    """Manage staff users."""


@users.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--role", default="staff", show_default=True, help="owner, admin or staff.")
@with_appcontext
def users_create(email: str, password: str, role: str) -> None:
    """Create a staff user who can sign in at /admin/login."""
    from storefront.domain import staff
    from storefront.extensions import db

    _check_database()
    try:
        user = staff.create_staff_user(db.session, email, password, role)
        db.session.commit()
    except staff.StaffValidationError as exc:
        db.session.rollback()
        raise UsageError(str(exc)) from None
    click.echo(f"Created {user.role.value} {user.email}")


@users.command("reset-password")
@click.argument("email")
@click.option("--password", default=None, help="Default: a new random password, printed once.")
@with_appcontext
def users_reset_password(email: str, password: str | None) -> None:
    """Set a new password for a staff user (ends their open sessions)."""
    from storefront.domain import staff
    from storefront.extensions import db

    _check_database()
    new_password = password or staff.generate_password()
    try:
        staff.set_password(db.session, email, new_password)
        db.session.commit()
    except staff.StaffValidationError as exc:
        db.session.rollback()
        raise UsageError(str(exc)) from None
    click.echo(f"New password for {staff.normalize_email(email)}: {new_password}" if not password
               else f"Password changed for {staff.normalize_email(email)}")


@click.group("mail")
def mail_group() -> None:
    """Shop e-mail."""


@mail_group.command("test")
@click.argument("email")
@click.option("--locale", default=None, type=click.Choice(SUPPORTED_LOCALES),
              help="Language of the e-mail. Default: the store's default language.")
@with_appcontext
def mail_test(email: str, locale: str | None) -> None:
    """Send a test e-mail to EMAIL through CLIPPER_MAIL_URL (in demo mode or without it: a file in instance/mail/)."""
    from storefront.domain import mail
    from storefront.domain.store import StoreNotSetUp, load_store_settings
    from storefront.extensions import db
    from storefront.integrations.mailer import MailError, mailer_for

    _check_database()
    try:
        store = load_store_settings(db.session)
        mailer = mailer_for(current_app.config["CLIPPER"])
        mail.send_email("test", email, locale or store.default_locale)
    except StoreNotSetUp:
        raise UsageError("the store has not been set up yet: run `clipper demo` or create the store") from None
    except MailError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"Sent a test e-mail to {email} via {mailer}")


@click.group("fx")
def fx_group() -> None:
    """Exchange rates."""


@fx_group.command("refresh")
@with_appcontext
def fx_refresh() -> None:
    """Store the ECB daily reference rates (from CLIPPER_FX_FEED_URL)."""
    from storefront.domain import fx
    from storefront.extensions import db
    from storefront.integrations.fx_rates import FxFeedError

    _check_database()
    try:
        result = fx.refresh_and_publish(db.session, current_app.config["CLIPPER"].fx_feed_url)
    except FxFeedError as exc:
        db.session.rollback()
        raise UsageError(str(exc)) from None
    click.echo(f"ECB rates of {result.rate_date.isoformat()}: {len(result.currencies)} currencies "
               f"({result.added} new)")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--no-schedule", is_flag=True, help="Do not run periodic jobs (run them on one worker only).")
@with_appcontext
def worker_command(burst: bool, no_schedule: bool) -> None:
    """Run background jobs from Redis (RQ) and, unless --no-schedule, the periodic schedule."""
    from storefront.domain import jobs

    settings = current_app.config["CLIPPER"]
    if not settings.redis_url:
        raise UsageError("CLIPPER_REDIS_URL is not set: without Redis, jobs run inline in the web process")
    from rq import Worker

    connection = jobs.redis_connection(settings.redis_url)
    try:
        connection.ping()
    except Exception as exc:
        raise UsageError(f"cannot reach Redis at {settings.redis_url}: {exc}") from None
    scheduler = None
    if not no_schedule and not burst and jobs.PERIODIC:
        import multiprocessing

        scheduler = multiprocessing.Process(target=_run_schedule, args=(settings.redis_url,), daemon=True)
        scheduler.start()
    try:
        Worker([jobs.QUEUE_NAME], connection=connection).work(burst=burst)
    finally:
        if scheduler is not None:
            scheduler.terminate()


def _run_schedule(redis_url: str) -> None:
    from rq.cron import CronScheduler

    from storefront.domain import jobs

    scheduler = CronScheduler(connection=jobs.redis_connection(redis_url))
    for target, interval in jobs.PERIODIC:
        scheduler.register(jobs.run_job, jobs.QUEUE_NAME, args=(target,), interval=interval, name=target)
    scheduler.start()


@click.group("search")
def search_group() -> None:
    """The built-in search index."""


@search_group.command("reindex")
@with_appcontext
def search_reindex() -> None:
    """Rebuild the search index from the database and swap it in atomically."""
    from storefront.domain.search import service
    from storefront.extensions import db

    _check_database()
    settings = current_app.config["CLIPPER"]
    with click.progressbar(length=1, label="Indexing products", show_pos=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        count = service.rebuild(db.session, settings, progress)
    click.echo(f"Indexed {count} products in {len(settings.locales)} languages.")


@click.group("orders")
def orders_group() -> None:
    """Orders."""


@orders_group.command("expire")
@with_appcontext
def orders_expire() -> None:
    """Release the stock of unpaid orders whose reservation time has passed (also a periodic job)."""
    from storefront.domain.orders import actions
    from storefront.extensions import db

    _check_database()
    count = actions.expire_overdue(db.session)
    db.session.commit()
    click.echo(f"Expired {count} unpaid order{'s' if count != 1 else ''}.")


@click.group("tracking")
def tracking_group() -> None:
    """Parcel tracking."""


@tracking_group.command("sync")
@click.option("--limit", default=None, type=click.IntRange(1), help="Check at most N shipments.")
@click.option("--all", "check_all", is_flag=True, help="Check every open shipment now, not only those due.")
@with_appcontext
def tracking_sync(limit: int | None, check_all: bool) -> None:
    """Ask the carriers about open shipments and record new tracking events (also a periodic job)."""
    from storefront.domain.tracking import sync
    from storefront.extensions import db

    _check_database()
    report = sync.sync_tracking(db.session, limit=limit, force=check_all)
    click.echo(f"Checked {report.checked} shipment{'s' if report.checked != 1 else ''}: {report.new_events} new "
               f"event{'s' if report.new_events != 1 else ''}, {report.delivered} delivered, "
               f"{report.not_scanned} not yet scanned.")
    for problem in report.problems:
        click.echo(f"Carrier trouble, will retry later: {problem}", err=True)


@tracking_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def tracking_import(file: Path) -> None:
    """Record tracking events from a CSV file with the columns tracking_number, occurred_at (ISO 8601 with UTC
    offset), status, description, location, code. All or nothing."""
    from storefront.domain.tracking import sync
    from storefront.domain.tracking.errors import TrackingImportError
    from storefront.extensions import db

    _check_database()
    try:
        report = sync.import_events_csv(db.session, file.read_bytes())
    except TrackingImportError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem.message, err=True)
        raise UsageError(f"{file.name}: nothing was imported; fix the rows above and run it again") from None
    db.session.commit()
    click.echo(f"Imported {file.name}: {report.new_events} new event{'s' if report.new_events != 1 else ''} on "
               f"{report.shipments} shipment{'s' if report.shipments != 1 else ''} "
               f"({report.duplicates} already recorded).")
