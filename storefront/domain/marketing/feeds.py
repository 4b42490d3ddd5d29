"""Product feeds for ads and social: a Google Merchant Center feed and a Meta (Facebook/Instagram) catalogue feed
for every market and language the market offers, priced in the market's currency as the shop shows it.

Both are RSS 2.0 files with the `g:` namespace, one <item> per variant. Google's uses the plain RSS <title>,
<link> and <description> and Google's values (`in_stock`); Meta's is the XML format Meta documents for catalogue
data feeds (every field as `g:<field>`, `in stock`). Items are priced for the market's country that speaks the
feed's language (Germany for the Eurozone in German, France in French; the market's default language's country
otherwise): VAT shown as the shop shows it there, and the item's link carries that `?country=` and `?currency=`,
so the shopper lands on the same price. A market without countries of its own (the rest of the world) is priced
without VAT and has no g:shipping.

Files live under `<instance>/feeds/<kind>-<market code>-<locale>.xml`, rewritten atomically by
`regenerate_feeds_job` (every 6 hours, on demand from the admin) or on the first request for a missing one. Their
URLs carry the store's secret `feed_token`; links inside point to CLIPPER_PUBLIC_URL (127.0.0.1:8000 unset).
"""
from __future__ import annotations

import enum
import hmac
import io
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import XMLGenerator

from babel import Locale
from babel.core import get_global
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront.domain import audit, jobs
from storefront.domain.catalog.display import ProductView, VariantView, product_view
from storefront.domain.catalog.queries import product_load_options, visible_products
from storefront.domain.catalog.stock import LocationInfo, load_locations
from storefront.domain.fx import MissingRate, RateTable, load_rate_table
from storefront.domain.mail import LOCAL_SHOP_URL
from storefront.domain.markets import Localization, MarketInfo, fallback_market, load_markets
from storefront.domain.money import decimal_string
from storefront.domain.pricing import PricingContext, pricing_context
from storefront.domain.seo import locale_path, summary
from storefront.domain.shipping import PACKAGING_GRAMS, free_over, table_price, zone_for
from storefront.domain.store import load_store_settings
from storefront.domain.tax import load_tax_rates
from storefront.extensions import db
from storefront.models import (
    InventoryPolicy,
    Product,
    ProductMarketRestriction,
    ShippingRate,
    StoreSettings,
    utcnow,
)

log = logging.getLogger(__name__)

GOOGLE = "google"
META = "meta"
KINDS = (GOOGLE, META)
G_NS = "http://base.google.com/ns/1.0"
MAX_TITLE = 150  # Google's limit (Meta allows 200)
MAX_DESCRIPTION = 5000  # Google's limit (Meta allows 9999)
MAX_ADDITIONAL_IMAGES = 10
PRODUCTS_PER_QUERY = 200
# Google wants a date with `backorder`; the shop has no restock dates, so sold-out items that stay on sale
# (inventory policy "continue") are announced for this many days after the feed was built.
BACKORDER_DAYS = 14
ISO_MINUTE = "%Y-%m-%dT%H:%MZ"
ENTITY = "product_feeds"
# GTIN-13 prefixes of in-store and variable-measure numbers (2, UPC 02/04) and coupons (UPC 05, 98, 99).
_RESTRICTED_GTIN_13 = ("2", "02", "04", "05", "98", "99")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")
# Characters XML 1.0 cannot carry even escaped (control characters pasted from a spreadsheet, say).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SIZE_NAMES = frozenset({"size", "größe", "grösse", "groesse", "taille", "talla", "tamaño", "taglia", "tamanho",
                        "サイズ", "尺码", "尺寸", "大小"})
COLOR_NAMES = frozenset({"color", "colour", "farbe", "couleur", "colore", "cor", "カラー", "色", "颜色", "顏色"})


class FeedErrorCode(str, enum.Enum):
    UNKNOWN_FEED = "unknown_feed"  # no such kind, market or language
    NO_EXCHANGE_RATE = "no_exchange_rate"  # the market's currency has no rate: nothing can be priced


class FeedError(Exception):
    def __init__(self, code: FeedErrorCode, detail: str = "") -> None:
        super().__init__(f"{code.value}: {detail}" if detail else code.value)
        self.code = code


class Availability(str, enum.Enum):
    IN_STOCK = "in_stock"
    OUT_OF_STOCK = "out_of_stock"
    BACKORDER = "backorder"


META_AVAILABILITY = {Availability.IN_STOCK: "in stock", Availability.OUT_OF_STOCK: "out of stock",
                     Availability.BACKORDER: "available for order"}


@dataclass(frozen=True)
class FeedSpec:
    """One feed file: a kind (google, meta) for one market in one of its languages."""

    kind: str
    market: MarketInfo
    locale: str

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.market.code}-{self.locale}.xml"


@dataclass(frozen=True)
class FeedShipping:
    country: str
    service: str
    price: int


@dataclass(frozen=True)
class FeedItem:
    """One variant as both feeds describe it; amounts in minor units of `currency`."""

    id: str
    group_id: str
    title: str
    description: str
    link: str
    image_link: str
    additional_image_links: tuple[str, ...]
    availability: Availability
    availability_date: datetime | None
    price: int
    sale_price: int | None
    currency: str
    brand: str
    gtin: str | None
    mpn: str | None
    product_type: str | None
    size: str | None
    color: str | None
    weight_grams: int | None
    shipping: FeedShipping | None


# -- which feeds there are ---------------------------------------------------------------------------------------
def feed_markets(session: Session, store: StoreSettings) -> tuple[MarketInfo, ...]:
    """The active markets; a store that has configured none sells everywhere in its base currency."""
    return load_markets(session) or (fallback_market(store.base_currency, store.default_locale),)


def market_locales(market: MarketInfo, store: StoreSettings) -> list[str]:
    """The languages the market offers that the shop has switched on (its default language when it lists none)."""
    return [locale for locale in (market.locales or (market.default_locale,)) if locale in store.enabled_locales]


def list_feeds(session: Session) -> list[FeedSpec]:
    store = load_store_settings(session)
    return [FeedSpec(kind, market, locale) for market in feed_markets(session, store)
            for locale in market_locales(market, store) for kind in KINDS]


def find_feed(session: Session, kind: str, market_code: str, locale: str) -> FeedSpec | None:
    for spec in list_feeds(session):
        if (spec.kind, spec.market.code, spec.locale) == (kind, market_code, locale):
            return spec
    return None


def feed_country(market: MarketInfo, locale: str) -> str | None:
    """The market's country a feed in `locale` is priced and shipped for: the language's own country when the
    market has it (de → DE, fr → FR), else the country of the market's default language, else its first."""
    if not market.countries:
        return None
    for language in (locale, market.default_locale):
        country = _home_country(language)
        if country in market.countries:
            return country
    return sorted(market.countries)[0]


def _home_country(locale: str) -> str | None:
    parsed = Locale.parse(locale.replace("-", "_"))
    if parsed.territory:
        return parsed.territory
    likely = get_global("likely_subtags").get(parsed.language)
    return Locale.parse(likely).territory if likely else None


# -- the items ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    """What every item of one feed is priced, stocked, shipped and linked with."""

    store: StoreSettings
    market: MarketInfo
    locale: str
    country: str | None
    pricing: PricingContext
    rates: RateTable
    locations: tuple[LocationInfo, ...]
    zone_rates: tuple[ShippingRate, ...]
    root: str
    now: datetime


def _context(session: Session, spec: FeedSpec, root: str, now: datetime) -> _Context:
    store = load_store_settings(session)
    country = feed_country(spec.market, spec.locale)
    rates = load_rate_table(session, now)
    try:
        pricing = pricing_context(store.base_currency, Localization(spec.market, country, spec.market.currency),
                                  rates, load_tax_rates(session))
    except MissingRate as error:
        raise FeedError(FeedErrorCode.NO_EXCHANGE_RATE, str(error)) from None
    zone = zone_for(session, country) if country else None
    zone_rates = tuple(rate for rate in (zone.rates if zone else ()) if rate.active)
    return _Context(store, spec.market, spec.locale, country, pricing, rates, load_locations(session), zone_rates,
                    root.rstrip("/"), now)


def _products(session: Session, market: MarketInfo, locale: str) -> Iterator[Product]:
    """Active, published products that may be sold into `market`, a few queries per batch whatever their size."""
    sellable = visible_products().where(~Product.restrictions.any(ProductMarketRestriction.market_id == market.id))
    last_id = 0
    while True:
        # populate_existing: rows already in the session (another language's feed) get this language's copy.
        batch = session.scalars(
            sellable.where(Product.id > last_id).order_by(Product.id).limit(PRODUCTS_PER_QUERY)
            .options(*product_load_options(locale)).execution_options(populate_existing=True)
        ).all()
        yield from batch
        if len(batch) < PRODUCTS_PER_QUERY:
            return
        last_id = batch[-1].id


def feed_items(session: Session, spec: FeedSpec, *, root: str | None = None,
               now: datetime | None = None) -> Iterator[FeedItem]:
    """Every variant the market can buy that has a price and a picture, product by product."""
    ctx = _context(session, spec, root or site_root(), now or utcnow())
    for product in _products(session, spec.market, spec.locale):
        view = product_view(product, ctx.pricing, spec.locale, ctx.locations)
        policies = {variant.id: variant.inventory_policy for variant in product.variants}
        for variant in view.variants:
            item = _item(ctx, view, variant, policies[variant.id])
            if item is not None:
                yield item


def _item(ctx: _Context, view: ProductView, variant: VariantView, policy: InventoryPolicy) -> FeedItem | None:
    currency = ctx.pricing.currency
    images = _image_links(ctx, view, variant)
    if variant.price <= 0 or not images:
        return None
    title = view.text.title
    if variant.option_labels:
        title = f"{title} – {' / '.join(variant.option_labels)}"
    availability = _availability(variant, policy)
    gtin = valid_gtin(variant.barcode)
    return FeedItem(
        id=f"clipper_{variant.id}", group_id=f"clipper_{view.product.id}", title=_cap(title, MAX_TITLE),
        description=summary(view.text.description_html, MAX_DESCRIPTION) or _cap(view.text.title, MAX_DESCRIPTION),
        link=_product_link(ctx, view, variant), image_link=images[0],
        additional_image_links=tuple(images[1:1 + MAX_ADDITIONAL_IMAGES]), availability=availability,
        availability_date=ctx.now + timedelta(days=BACKORDER_DAYS) if availability is Availability.BACKORDER else None,
        price=variant.compare_at_price or variant.price,
        sale_price=variant.price if variant.compare_at_price else None, currency=currency,
        brand=view.product.vendor or ctx.store.name, gtin=gtin, mpn=None if gtin else variant.sku,
        product_type=view.product.product_type, size=_option_value(view, variant, SIZE_NAMES),
        color=_option_value(view, variant, COLOR_NAMES),
        weight_grams=variant.weight_grams if variant.requires_shipping and variant.weight_grams > 0 else None,
        shipping=_shipping(ctx, variant) if variant.requires_shipping else None,
    )


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _availability(variant: VariantView, policy: InventoryPolicy) -> Availability:
    if not variant.available:
        return Availability.OUT_OF_STOCK
    if variant.quantity is not None and variant.quantity <= 0 and policy is InventoryPolicy.CONTINUE:
        return Availability.BACKORDER
    return Availability.IN_STOCK


def _product_link(ctx: _Context, view: ProductView, variant: VariantView) -> str:
    """The product page in the feed's language, showing the variant, in the feed's market (a saved country
    choice wins over ?country=, but ?currency= still moves the shopper into a market that sells in it)."""
    path = locale_path(f"/products/{quote(view.text.handle, safe='')}", ctx.locale, ctx.store.default_locale)
    query = {"variant": variant.id}
    if ctx.country:
        query["country"] = ctx.country
    query["currency"] = ctx.pricing.currency
    return f"{ctx.root}{path}?{urlencode(query)}"


def _image_links(ctx: _Context, view: ProductView, variant: VariantView) -> list[str]:
    """The variant's picture (else the product's first) then the others: each as its largest JPEG."""
    first = view.image_for(variant)
    ordered = [first.image] if first else []
    ordered += [picture.image for picture in view.images if first is None or picture.image.id != first.image.id]
    return [f"{ctx.root}/media/{quote(image.key)}-{max(image.sizes)}.jpg" for image in ordered if image.sizes]


def _option_value(view: ProductView, variant: VariantView, names: frozenset[str]) -> str | None:
    for option in view.options:
        if {option.name.casefold(), option.label.casefold()} & names and option.position <= len(variant.option_labels):
            return variant.option_labels[option.position - 1]
    return None


def _shipping(ctx: _Context, variant: VariantView) -> FeedShipping | None:
    """The cheapest table price of the feed country's zone for this variant alone, as checkout prices a parcel
    of it (packaging included; free over the rate's threshold). Live carrier rates count with their table
    price: the feed is not worth a call to every carrier."""
    if ctx.country is None:
        return None
    parcel = variant.weight_grams + PACKAGING_GRAMS
    cheapest: tuple[int, int, str] | None = None
    for rate in ctx.zone_rates:
        try:
            threshold = free_over(rate, ctx.pricing, ctx.rates)
            price = 0 if threshold is not None and variant.price >= threshold else table_price(
                rate, parcel, ctx.pricing, ctx.rates)
        except MissingRate:
            continue
        if price is None:
            continue
        option = (price, rate.max_days, rate.name_translations.get(ctx.locale) or rate.name)
        if cheapest is None or option[:2] < cheapest[:2]:
            cheapest = option
    return FeedShipping(ctx.country, cheapest[2], cheapest[0]) if cheapest else None


def valid_gtin(barcode: str | None) -> str | None:
    """The barcode when it is a GTIN-8, -12 (UPC-A), -13 (EAN) or -14 with a correct check digit and outside the
    ranges GS1 keeps for in-store numbers and coupons (which Google refuses), else None."""
    code = (barcode or "").strip()
    if len(code) not in (8, 12, 13, 14) or not (code.isascii() and code.isdigit()):
        return None
    *body, check = (int(digit) for digit in code)
    total = sum(digit * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        return None
    restricted = code.startswith(("0", "2")) if len(code) == 8 else \
        code.zfill(13)[-13:].startswith(_RESTRICTED_GTIN_13)
    return None if restricted else code


# -- writing XML -------------------------------------------------------------------------------------------------
def price_text(amount: int, currency: str) -> str:
    """An amount as feeds write it, decimals as the currency's minor unit has them: "12.34 EUR", "1200 JPY"."""
    return f"{decimal_string(amount, currency)} {currency}"


class _Writer:
    """Streams elements to a binary file: text escaped by the XML generator, characters XML cannot hold dropped."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)

    def start(self, tag: str, attributes: dict[str, str] | None = None) -> None:
        self.xml.startElement(tag, attributes or {})
        self.xml.ignorableWhitespace("\n")

    def end(self, tag: str) -> None:
        self.xml.endElement(tag)
        self.xml.ignorableWhitespace("\n")

    def field(self, tag: str, value: str | int | None) -> None:
        if value is None or value == "":
            return
        self.xml.startElement(tag, {})
        self.xml.characters(_NOT_XML.sub("", str(value)))
        self.xml.endElement(tag)
        self.xml.ignorableWhitespace("\n")


def _item_fields(out: _Writer, item: FeedItem, kind: str) -> None:
    """Google takes title, description and link as plain RSS elements and its own availability words; Meta
    every field as g:<field> and its words."""
    rss = "" if kind == GOOGLE else "g:"
    out.field("g:id", item.id)
    out.field("g:item_group_id", item.group_id)
    out.field(f"{rss}title", item.title)
    out.field(f"{rss}description", item.description)
    out.field(f"{rss}link", item.link)
    out.field("g:image_link", item.image_link)
    for link in item.additional_image_links:
        out.field("g:additional_image_link", link)
    if kind == GOOGLE:
        out.field("g:availability", item.availability.value)
        if item.availability_date:
            out.field("g:availability_date", item.availability_date.astimezone(timezone.utc).strftime(ISO_MINUTE))
    else:
        out.field("g:availability", META_AVAILABILITY[item.availability])
    out.field("g:price", price_text(item.price, item.currency))
    if item.sale_price is not None:
        out.field("g:sale_price", price_text(item.sale_price, item.currency))
    out.field("g:brand", item.brand)
    out.field("g:gtin", item.gtin)
    out.field("g:mpn", item.mpn)
    if not item.gtin and not item.mpn:
        out.field("g:identifier_exists", "no")
    out.field("g:condition", "new")
    out.field("g:product_type", item.product_type)
    out.field("g:size", item.size)
    out.field("g:color", item.color)
    if item.weight_grams:
        out.field("g:shipping_weight", f"{item.weight_grams} g")
    if item.shipping:
        out.start("g:shipping")
        out.field("g:country", item.shipping.country)
        out.field("g:service", item.shipping.service)
        out.field("g:price", price_text(item.shipping.price, item.currency))
        out.end("g:shipping")


def write_feed(stream: IO[bytes], kind: str, items: Iterable[FeedItem], *, title: str, home: str) -> int:
    """The RSS document of `items` written to `stream`; returns how many items it holds."""
    out = _Writer(stream)
    out.xml.startDocument()
    out.start("rss", {"version": "2.0", "xmlns:g": G_NS})
    out.start("channel")
    out.field("title", title)
    out.field("link", home)
    out.field("description", title)
    count = 0
    for item in items:
        out.start("item")
        _item_fields(out, item, kind)
        out.end("item")
        count += 1
    out.end("channel")
    out.end("rss")
    out.xml.endDocument()
    return count


def _write_spec(stream: IO[bytes], session: Session, spec: FeedSpec, root: str | None, now: datetime | None) -> int:
    store = load_store_settings(session)
    root = (root or site_root()).rstrip("/")
    items = feed_items(session, spec, root=root, now=now)
    return write_feed(stream, spec.kind, items, title=f"{store.name} – {spec.market.name} ({spec.locale})",
                      home=root + locale_path("/", spec.locale, store.default_locale))


def _build(session: Session, kind: str, market: Any, locale: str, root: str | None, now: datetime | None) -> bytes:
    spec = find_feed(session, kind, market.code, locale)
    if spec is None:
        raise FeedError(FeedErrorCode.UNKNOWN_FEED, f"{kind}/{market.code}/{locale}")
    buffer = io.BytesIO()
    _write_spec(buffer, session, spec, root, now)
    return buffer.getvalue()


def build_google_feed(session: Session, market: Any, locale: str, *, root: str | None = None,
                      now: datetime | None = None) -> bytes:
    """The Google Merchant Center feed of `market` (a Market or MarketInfo) in `locale`."""
    return _build(session, GOOGLE, market, locale, root, now)


def build_meta_feed(session: Session, market: Any, locale: str, *, root: str | None = None,
                    now: datetime | None = None) -> bytes:
    """The Meta catalogue feed of `market` (a Market or MarketInfo) in `locale`."""
    return _build(session, META, market, locale, root, now)


# -- files -------------------------------------------------------------------------------------------------------
def site_root() -> str:
    """Where feed links point: the shop's public URL, else where `clipper demo` serves (as e-mails do)."""
    return (current_app.config["CLIPPER"].public_url or LOCAL_SHOP_URL).rstrip("/")


def feeds_folder() -> Path:
    return Path(current_app.config["CLIPPER"].instance_path) / "feeds"


def feed_path(kind: str, market: Any, locale: str) -> Path:
    """`<instance>/feeds/<kind>-<market code>-<locale>.xml` (`market` a Market or MarketInfo)."""
    for part in (kind, market.code, locale):
        if not _SAFE_NAME.fullmatch(part):
            raise FeedError(FeedErrorCode.UNKNOWN_FEED, f"{part!r} cannot name a feed file")
    return feeds_folder() / f"{kind}-{market.code}-{locale}.xml"


def generate_feed(session: Session, spec: FeedSpec, *, root: str | None = None, now: datetime | None = None) -> Path:
    """Write one feed file atomically: readers see the old file or the new one, never half of one."""
    path = feed_path(spec.kind, spec.market, spec.locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            count = _write_spec(stream, session, spec, root, now)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    log.info("product feed %s written: %d items", path.name, count)
    return path


def regenerate_feeds(session: Session, *, root: str | None = None, now: datetime | None = None) -> list[Path]:
    """Rewrite every feed, and remove the files of feeds that no longer exist (a market closed, a language
    dropped). A feed that cannot be priced (no exchange rate) keeps its previous file and is logged."""
    written = []
    for spec in list_feeds(session):
        try:
            written.append(generate_feed(session, spec, root=root, now=now))
        except FeedError as error:
            log.warning("product feed %s not written: %s", spec.filename, error)
    current = {spec.filename for spec in list_feeds(session)}
    folder = feeds_folder()
    if folder.is_dir():
        for old in folder.glob("*.xml"):
            if old.name not in current:
                old.unlink(missing_ok=True)
    return written


def regenerate_feeds_job() -> int:
    """The periodic job (jobs.PERIODIC, every 6 hours) and the admin's "Regenerate now"."""
    return len(regenerate_feeds(db.session))


def request_regeneration(session: Session, *, staff_user_id: int | None, ip_address: str | None = None) -> None:
    """Regenerate every feed in the background (after the response, or on the worker), noted in the audit log."""
    audit.record(session, staff_user_id=staff_user_id, action=f"{ENTITY}.regenerate", entity_type=ENTITY,
                 ip_address=ip_address)
    jobs.enqueue(regenerate_feeds_job)


def generated_at(spec: FeedSpec) -> datetime | None:
    """When the feed's file was last written; None when it has not been yet."""
    try:
        return datetime.fromtimestamp(feed_path(spec.kind, spec.market, spec.locale).stat().st_mtime, timezone.utc)
    except (FileNotFoundError, FeedError):
        return None


# -- the secret in feed URLs -------------------------------------------------------------------------------------
def feed_token(session: Session) -> str:
    """The store's feed token, created on first need (the caller commits)."""
    store = load_store_settings(session)
    if not store.feed_token:
        session.execute(update(StoreSettings).where(StoreSettings.id == 1, StoreSettings.feed_token.is_(None))
                        .values(feed_token=secrets.token_urlsafe(32)).execution_options(synchronize_session=False))
        session.refresh(store, ["feed_token"])
    return store.feed_token


def token_matches(session: Session, token: str | None) -> bool:
    """Whether `token` is the store's feed token, compared in constant time; False while there is none."""
    current = session.scalar(select(StoreSettings.feed_token).where(StoreSettings.id == 1))
    return bool(current and token) and hmac.compare_digest(current.encode(), token.encode())


def rotate_feed_token(session: Session, *, staff_user_id: int | None = None, ip_address: str | None = None) -> str:
    """A new feed token: every feed URL given out so far stops working (the caller commits). The audit log
    records the rotation, never the token."""
    store = load_store_settings(session)
    store.feed_token = secrets.token_urlsafe(32)
    audit.record(session, staff_user_id=staff_user_id, action=f"{ENTITY}.rotate_token", entity_type=ENTITY,
                 ip_address=ip_address)
    session.flush()
    return store.feed_token
