"""Carriers' credential field labels in the staff user's language.

The carrier adapters (storefront/integrations/carriers) name their credential fields in plain English and know
nothing of Flask-Babel; the admin translates the label when it shows it. gettext only finds a string that is in
the catalogue, so every label is listed here for pybabel to extract (a test checks that none is missing).
Service names are left as the carriers write them: they are product names ("DHL Express Worldwide").
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

CREDENTIAL_LABELS = (
    _l("API key (username)"),
    _l("API secret (password)"),
    _l("Account number"),
    _l("API key"),
    _l("Secret key"),
    _l("Track API key (if different)"),
    _l("Track API secret key (if different)"),
    _l("Client ID"),
    _l("Client secret"),
    _l("Shipper (account) number"),
    _l("Consumer key (client ID)"),
    _l("Consumer secret"),
    _l("EPS account number"),
    _l("Customer registration ID (CRID)"),
    _l("Mailer ID (MID)"),
    _l("Manifest MID (if different)"),
    _l("Customer code"),
    _l("API token"),
)


def credential_label(text: str) -> str:
    """A carrier's credential field label ("API secret (password)") in the staff user's language."""
    return gettext(text)
