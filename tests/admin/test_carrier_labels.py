"""Carriers' credential field labels reach the translation catalogue and show in the staff user's language."""
from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.extract import extract_from_file
from flask_babel import force_locale

import admin.carrier_labels
from admin.carrier_labels import credential_label
from storefront.integrations import carriers

SPECS = carriers.carrier_specs()
USPS_LABELS = ["Consumer key (client ID)", "Consumer secret", "EPS account number", "Customer registration ID (CRID)",
               "Mailer ID (MID)", "Manifest MID (if different)"]


def extracted_messages() -> set[str]:
    """What pybabel extracts from admin/carrier_labels.py with the keywords the README's command uses."""
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    return {message for _line, message, _comments, _context
            in extract_from_file("python", admin.carrier_labels.__file__, keywords=keywords)}


def labels_on(html: str) -> list[str]:
    return [unescape(text).strip() for text in re.findall(r'<label for="cred_[a-z_]+">([^<]+)', html)]


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_every_credential_label_of_every_carrier_is_in_the_catalogue(spec):
    missing = {field.label for field in spec.credential_fields} - extracted_messages()
    assert not missing, f"add to admin/carrier_labels.py: {sorted(missing)}"


def test_a_label_in_the_catalogue_is_translated_and_one_that_is_not_shows_as_given(app):
    with app.test_request_context(), force_locale("zh_CN"):
        assert credential_label("Password") == "密码"
        assert credential_label("Courier PIN") == "Courier PIN"


def test_the_account_form_labels_each_credential(admin_client):
    html = admin_client.get("/admin/settings/carriers/new/usps_international").get_data(as_text=True)

    assert labels_on(html) == USPS_LABELS


def test_the_chinese_admin_labels_each_credential_as_the_catalogue_translates_it(staff_client, db, app):
    signed_in = staff_client("owner")
    signed_in.staff_user.locale = "zh-CN"
    db.session.flush()

    html = signed_in.get("/admin/settings/carriers/new/usps_international").get_data(as_text=True)

    assert '<html lang="zh-CN"' in html
    with app.test_request_context(), force_locale("zh_CN"):
        assert labels_on(html) == [credential_label(label) for label in USPS_LABELS]
