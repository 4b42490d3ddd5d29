"""Stripe keys kept by the admin, sealed at rest; the CLIPPER_STRIPE_* environment variables win over them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storefront.domain import secrets_box
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin.errors import Problems, SettingsErrorCode
from storefront.domain.store_admin.events import Editor, settings_updated
from storefront.domain.store_admin.store import ENTITY, check_version, claim_version
from storefront.models import StoreSettings
from storefront.settings import Settings

PUBLISHABLE_PREFIXES = ("pk_test_", "pk_live_")
SECRET_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")
WEBHOOK_PREFIXES = ("whsec_",)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StripeKeys:
    """The keys payments use: each from the environment when set there, else from the admin."""

    publishable_key: str | None
    secret_key: str | None
    webhook_secret: str | None


def _unseal(secret_key: str, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return secrets_box.unseal(secret_key, token)
    except secrets_box.UnreadableSecret:
        return None


def stripe_keys(session: Session, settings: Settings) -> StripeKeys:
    if settings.stripe_secret_key and settings.stripe_webhook_secret:
        return StripeKeys(None, settings.stripe_secret_key, settings.stripe_webhook_secret)
    store = session.get(StoreSettings, 1)
    if store is None:
        return StripeKeys(None, settings.stripe_secret_key, settings.stripe_webhook_secret)
    return StripeKeys(
        publishable_key=store.stripe_publishable_key,
        secret_key=settings.stripe_secret_key or _unseal(settings.secret_key, store.stripe_secret_key_encrypted),
        webhook_secret=settings.stripe_webhook_secret
        or _unseal(settings.secret_key, store.stripe_webhook_secret_encrypted),
    )


@dataclass(frozen=True)
class SavedSecret:
    """A stored secret as the admin may show it: masked, never whole."""

    saved: bool
    masked: str
    unreadable: bool
    from_environment: bool


@dataclass(frozen=True)
class PaymentSettings:
    publishable_key: str | None
    secret_key: SavedSecret
    webhook_secret: SavedSecret


def _saved(secret_key: str, token: str | None, environment_value: str | None) -> SavedSecret:
    value = _unseal(secret_key, token)
    return SavedSecret(saved=bool(token), masked=secrets_box.masked(value), unreadable=bool(token) and value is None,
                       from_environment=bool(environment_value))


def payment_settings(store: StoreSettings, settings: Settings) -> PaymentSettings:
    return PaymentSettings(
        publishable_key=store.stripe_publishable_key,
        secret_key=_saved(settings.secret_key, store.stripe_secret_key_encrypted, settings.stripe_secret_key),
        webhook_secret=_saved(settings.secret_key, store.stripe_webhook_secret_encrypted,
                              settings.stripe_webhook_secret),
    )


def _key(raw: str | None, prefixes: tuple[str, ...], field: str, problems: Problems) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not value.startswith(prefixes) or len(value) > MAX_KEY_LENGTH or any(c.isspace() for c in value):
        problems.add(field, SettingsErrorCode.INVALID_STRIPE_KEY, prefix=" / ".join(prefixes))
    return value


def _fingerprint(secret_key: str, token: str | None) -> str | None:
    """What the audit log keeps of a secret: its mask, so a change shows without revealing the key."""
    if not token:
        return None
    return secrets_box.masked(_unseal(secret_key, token)) or "unreadable"


def save_stripe_keys(session: Session, editor: Editor, *, version: int, sealing_key: str,
                     publishable_key: str | None, secret_key: str | None, webhook_secret: str | None,
                     remove_secret_key: bool = False, remove_webhook_secret: bool = False) -> StoreSettings:
    """A blank secret keeps the one saved; a new one replaces it. Secrets are sealed with `sealing_key`
    (the app's CLIPPER_SECRET_KEY) before they reach the database."""
    store = load_store_settings(session)
    check_version(store, version)
    problems = Problems()
    publishable = _key(publishable_key, PUBLISHABLE_PREFIXES, "publishable_key", problems)
    secret = _key(secret_key, SECRET_PREFIXES, "secret_key", problems)
    webhook = _key(webhook_secret, WEBHOOK_PREFIXES, "webhook_secret", problems)
    problems.raise_if_any()

    def audited(s: StoreSettings) -> dict:
        return {"stripe_publishable_key": s.stripe_publishable_key,
                "stripe_secret_key": _fingerprint(sealing_key, s.stripe_secret_key_encrypted),
                "stripe_webhook_secret": _fingerprint(sealing_key, s.stripe_webhook_secret_encrypted)}

    before = audited(store)
    store = claim_version(session, version)
    store.stripe_publishable_key = publishable
    if secret:
        store.stripe_secret_key_encrypted = secrets_box.seal(sealing_key, secret)
    elif remove_secret_key:
        store.stripe_secret_key_encrypted = None
    if webhook:
        store.stripe_webhook_secret_encrypted = secrets_box.seal(sealing_key, webhook)
    elif remove_webhook_secret:
        store.stripe_webhook_secret_encrypted = None
    settings_updated(session, editor=editor, entity_type=ENTITY, entity_id=1, before=before, after=audited(store),
                     action="payments")
    session.flush()
    return store
