"""Secrets at rest (carrier credentials, Stripe keys): Fernet with a key derived from CLIPPER_SECRET_KEY."""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class UnreadableSecret(ValueError):
    """Encrypted with another secret key (the key was rotated) or damaged."""


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"clipper-secrets:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, value: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def unseal(secret_key: str, token: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("this secret was sealed with another CLIPPER_SECRET_KEY") from None


def masked(value: str | None, visible: int = 4) -> str:
    """sk_live_…abcd: enough to recognise a key, not to use it."""
    if not value:
        return ""
    return value[: min(8, len(value) // 3)] + "…" + value[-visible:]
