"""Newsletter: sign-up with explicit consent and double opt-in, one-click unsubscribe (RFC 8058), and the
subscriber list with its CSV export.

A sign-up is a pending subscriber until the link in the confirmation e-mail is opened; every answer to a
sign-up is the same whatever the address's state, so the form tells nobody who subscribes. For a pending
subscriber `updated_at` is when the last confirmation e-mail went: it rate-limits re-sending and dates the
link. Unsubscribe links are signed with the app's secret key (they cannot be forged and never expire), and
every marketing e-mail carries one, visibly and in its List-Unsubscribe headers.
"""
from __future__ import annotations

import csv
import enum
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.domain import mail, staff
from storefront.domain.seo import locale_path
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.models import Campaign, Customer, Subscriber, SubscriberStatus, utcnow

CONFIRM_TEMPLATE = "newsletter_confirm"
CONFIRM_LINK_LIFETIME = timedelta(days=7)
RESEND_INTERVAL = timedelta(minutes=10)
UNSUBSCRIBE_SALT = "newsletter-unsubscribe"
CONSENT_SOURCE = "newsletter double opt-in"
WITHDRAWAL_SOURCE = "newsletter unsubscribe"
MAX_SOURCE_LENGTH = 60
MAX_TOKEN_LENGTH = 200
PER_PAGE = 50
CSV_COLUMNS = ("email", "locale", "status", "source", "campaign", "subscribed_at", "confirmed_at",
               "unsubscribed_at")
# Cells a spreadsheet would run as a formula start with one of these (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class NewsletterErrorCode(str, enum.Enum):
    CONSENT_REQUIRED = "consent_required"
    INVALID_EMAIL = "invalid_email"
    UNKNOWN_LINK = "unknown_link"
    EXPIRED_LINK = "expired_link"


class NewsletterError(Exception):
    def __init__(self, code: NewsletterErrorCode) -> None:
        super().__init__(code.value)
        self.code = code

    @property
    def status(self) -> int:
        return 422 if self.code in (NewsletterErrorCode.CONSENT_REQUIRED, NewsletterErrorCode.INVALID_EMAIL) else 404


def normalize_email(email: str | None) -> str:
    return staff.normalize_email(email or "")


def _valid_email(email: str | None) -> str:
    try:
        return staff.validate_email(email or "")
    except staff.StaffValidationError:
        raise NewsletterError(NewsletterErrorCode.INVALID_EMAIL) from None


def find_subscriber(session: Session, email: str | None) -> Subscriber | None:
    address = normalize_email(email)
    return session.scalar(select(Subscriber).where(Subscriber.email == address)) if address else None


def has_opted_out(session: Session, email: str | None) -> bool:
    """The address unsubscribed: no marketing e-mail may go to it."""
    subscriber = find_subscriber(session, email)
    return subscriber is not None and subscriber.status is SubscriberStatus.UNSUBSCRIBED


# -- sign-up and double opt-in -----------------------------------------------------------------------------------
def subscribe(session: Session, email: str | None, *, locale: str, source: str | None = None,
              campaign_id: int | None = None, consent: bool, now: datetime | None = None) -> Subscriber:
    """Sign an address up (pending) and send the double opt-in e-mail in `locale`. Signing up again while
    pending sends the e-mail again (at most once per RESEND_INTERVAL, silently); a confirmed address gets
    nothing. Without explicit consent nothing happens."""
    if not consent:
        raise NewsletterError(NewsletterErrorCode.CONSENT_REQUIRED)
    address = _valid_email(email)
    now = now or utcnow()
    source = (source or "").strip()[:MAX_SOURCE_LENGTH] or None
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        campaign_id = None  # a form can send any number: only a real campaign is kept
    subscriber = find_subscriber(session, address)
    if subscriber is None:
        subscriber = Subscriber(email=address, locale=locale, status=SubscriberStatus.PENDING,
                                confirm_token=_new_token(), source=source, campaign_id=campaign_id, created_at=now,
                                updated_at=now)
        added = _add(session, subscriber)
        if added is not subscriber:  # signed up at the same moment elsewhere: that sign-up sends the e-mail
            return added
    elif subscriber.status is SubscriberStatus.CONFIRMED:
        return subscriber
    elif subscriber.status is SubscriberStatus.PENDING and subscriber.updated_at > now - RESEND_INTERVAL:
        return subscriber
    else:
        if subscriber.status is SubscriberStatus.UNSUBSCRIBED or _link_expired(subscriber, now):
            subscriber.confirm_token = _new_token()
        subscriber.status = SubscriberStatus.PENDING
        subscriber.locale = locale
        subscriber.source = source or subscriber.source
        subscriber.campaign_id = campaign_id or subscriber.campaign_id
        subscriber.updated_at = now
        session.flush()
    mail.enqueue_email(CONFIRM_TEMPLATE, subscriber.email, locale, token=subscriber.confirm_token,
                       valid_days=CONFIRM_LINK_LIFETIME.days)
    return subscriber


def _add(session: Session, subscriber: Subscriber) -> Subscriber:
    """Store a new subscriber; when the same address was stored at the same moment by another request (the
    unique index decides), that row is the subscriber."""
    try:
        with session.begin_nested():
            session.add(subscriber)
            session.flush()
    except IntegrityError:
        existing = find_subscriber(session, subscriber.email)
        if existing is None:
            raise
        return existing
    return subscriber


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _link_expired(subscriber: Subscriber, now: datetime) -> bool:
    return subscriber.updated_at <= now - CONFIRM_LINK_LIFETIME


def confirm(session: Session, token: str | None, *, now: datetime | None = None) -> Subscriber:
    """The double opt-in link was opened: the address is subscribed, and its customer (if any) accepts
    marketing from now on. Opening the link again changes nothing."""
    now = now or utcnow()
    token = (token or "").strip()
    subscriber = session.scalar(select(Subscriber).where(Subscriber.confirm_token == token)
                                .with_for_update()) if 0 < len(token) <= 64 else None
    if subscriber is None or subscriber.status is SubscriberStatus.UNSUBSCRIBED:
        raise NewsletterError(NewsletterErrorCode.UNKNOWN_LINK)
    if subscriber.status is SubscriberStatus.CONFIRMED:
        return subscriber
    if _link_expired(subscriber, now):
        raise NewsletterError(NewsletterErrorCode.EXPIRED_LINK)
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    customer = _customer(session, subscriber.email)
    if customer is not None:
        customer.accepts_marketing = True
        customer.marketing_consent_at = now
        customer.marketing_consent_source = CONSENT_SOURCE
    session.flush()
    return subscriber


def _customer(session: Session, email: str) -> Customer | None:
    return session.scalar(select(Customer).where(func.lower(Customer.email) == normalize_email(email)))


# -- unsubscribing -------------------------------------------------------------------------------------------------
def _serializer(secret_key: str | None) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key or current_app.config["CLIPPER"].secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(email: str, *, secret_key: str | None = None) -> str:
    """The signed token of an address's unsubscribe link (the same every time; it does not expire)."""
    return _serializer(secret_key).dumps(normalize_email(email))


def email_for_unsubscribe_token(token: str | None, *, secret_key: str | None = None) -> str:
    """The address an unsubscribe link was made for; a forged or damaged link is an unknown link."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NewsletterError(NewsletterErrorCode.UNKNOWN_LINK)
    try:
        email = _serializer(secret_key).loads(token)
    except BadSignature:
        raise NewsletterError(NewsletterErrorCode.UNKNOWN_LINK) from None
    if not isinstance(email, str) or "@" not in email:
        raise NewsletterError(NewsletterErrorCode.UNKNOWN_LINK)
    return email


def unsubscribe(session: Session, token: str | None, *, now: datetime | None = None,
                secret_key: str | None = None) -> Subscriber:
    """Stop every marketing e-mail to the link's address: the subscriber (created if the address never signed
    up, e.g. someone who only got an abandoned-checkout e-mail) is unsubscribed and its customer no longer
    accepts marketing. Unsubscribing twice changes nothing."""
    email = email_for_unsubscribe_token(token, secret_key=secret_key)
    now = now or utcnow()
    subscriber = find_subscriber(session, email)
    if subscriber is None:
        subscriber = _add(session, Subscriber(email=email, status=SubscriberStatus.UNSUBSCRIBED,
                                              source=WITHDRAWAL_SOURCE, unsubscribed_at=now, created_at=now))
    if subscriber.status is not SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.confirm_token = None
    customer = _customer(session, email)
    if customer is not None and customer.accepts_marketing:
        customer.accepts_marketing = False
        customer.marketing_consent_at = now
        customer.marketing_consent_source = WITHDRAWAL_SOURCE
    session.flush()
    return subscriber


def unsubscribe_url(email: str, locale: str | None = None) -> str:
    """The absolute unsubscribe link on the shop's public URL, in `locale` (else the store's language)."""
    app = current_app._get_current_object()
    settings = app.config["CLIPPER"]
    default_locale = load_store_settings(db.session).default_locale
    locale = locale if locale in settings.locales else default_locale
    root = (settings.public_url or mail.LOCAL_SHOP_URL).rstrip("/")
    with app.test_request_context(base_url=root + locale_path("/", locale, default_locale)):
        return url_for("newsletter.unsubscribe", token=unsubscribe_token(email), _external=True)


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def list_unsubscribe_headers(email: str, *, locale: str | None = None) -> dict[str, str]:
    """RFC 2369 + RFC 8058 headers: mail programs show an "Unsubscribe" button that POSTs to the link."""
    return _unsubscribe_headers(unsubscribe_url(email, locale))


def send_marketing_email(template: str, to: str, locale: str, **context: Any) -> EmailMessage:
    """Send a marketing e-mail now, with the List-Unsubscribe headers and the `unsubscribe_url` its template
    shows as a visible link. Callers check `has_opted_out` first."""
    url = unsubscribe_url(to, locale)
    return mail.send_email(template, to, locale, headers=_unsubscribe_headers(url), unsubscribe_url=url, **context)


# -- the list and its export -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SubscriberPage:
    rows: list[Subscriber]
    total: int
    page: int
    pages: int
    counts: dict[SubscriberStatus, int]


def _status(value: SubscriberStatus | str | None) -> SubscriberStatus | None:
    if value is None or isinstance(value, SubscriberStatus):
        return value
    try:
        return SubscriberStatus(value)
    except ValueError:
        return None


def _filtered(status: SubscriberStatus | str | None, query: str = ""):
    stmt = select(Subscriber)
    wanted = _status(status)
    if wanted is not None:
        stmt = stmt.where(Subscriber.status == wanted)
    text = (query or "").strip()
    if text:
        stmt = stmt.where(or_(Subscriber.email.icontains(text, autoescape=True),
                              Subscriber.source.icontains(text, autoescape=True)))
    return stmt


def list_subscribers(session: Session, *, status: SubscriberStatus | str | None = None, query: str = "",
                     page: int = 1, per_page: int = PER_PAGE) -> SubscriberPage:
    """Subscribers newest first, filtered by state and by e-mail or source, with the count in each state."""
    stmt = _filtered(status, query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = list(session.scalars(stmt.order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
                                .offset((page - 1) * per_page).limit(per_page)))
    counts = {state: 0 for state in SubscriberStatus}
    for state, count in session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status)):
        counts[state] = count
    return SubscriberPage(rows=rows, total=total, page=page, pages=pages, counts=counts)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = value.value if isinstance(value, enum.Enum) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def subscribers_csv(session: Session, status: SubscriberStatus | str | None = None) -> str:
    """Every subscriber (or those in one state) as CSV: e-mail, language, state, source, campaign, and when
    they signed up, confirmed and unsubscribed (ISO 8601, UTC)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    stmt = (_filtered(status).add_columns(Campaign.name).outerjoin(Campaign, Campaign.id == Subscriber.campaign_id)
            .order_by(Subscriber.created_at, Subscriber.id))
    for subscriber, campaign_name in session.execute(stmt):
        writer.writerow([_cell(v) for v in (
            subscriber.email, subscriber.locale, subscriber.status, subscriber.source, campaign_name,
            subscriber.created_at, subscriber.confirmed_at, subscriber.unsubscribed_at)])
    return out.getvalue()
