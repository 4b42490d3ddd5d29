"""Seed the demo store from the data files in demo/data (only into an empty database)."""
from __future__ import annotations

import itertools
import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.demo import shipping as demo_shipping
from storefront.demo import store_setup as setup
from storefront.demo.pictures import draw_product
from storefront.domain import fx, staff
from storefront.domain.images import StoredImage, store_image
from storefront.domain.marketing import landing
from storefront.domain.money import minor_exponent, to_minor
from storefront.domain.store import store_exists
from storefront.extensions import db
from storefront.integrations.fx_rates import parse_ecb_xml
from storefront.models import (
    Campaign,
    CampaignChannel,
    CampaignLink,
    Collection,
    CollectionKind,
    CollectionProduct,
    CollectionTranslation,
    DiscountAmount,
    DiscountCode,
    DiscountKind,
    DutiesPolicy,
    InventoryLevel,
    LandingKind,
    Location,
    Market,
    MarketCountry,
    Page,
    PageKind,
    PageTranslation,
    Product,
    ProductImage,
    ProductMarketRestriction,
    ProductOption,
    ProductOptionValue,
    ProductStatus,
    ProductTag,
    ProductTranslation,
    RoundingRule,
    ServiceLevel,
    ShippingRate,
    ShippingRateBracket,
    ShippingZone,
    ShippingZoneCountry,
    StaffRole,
    StaffUser,
    StoreSettings,
    TaxRate,
    Variant,
    VariantMarketPrice,
    utcnow,
)
from storefront.settings import SUPPORTED_LOCALES, Settings

DATA = Path(__file__).parent / "data"
OWNER_EMAIL = "owner@harborloom.example"
BASE_CURRENCY = "USD"
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "h2", "h3", "a", "br"}


@dataclass(frozen=True)
class SeedResult:
    created: bool
    admin_email: str
    admin_password: str | None
    summary: str


def seed_demo_store(settings: Settings) -> SeedResult:
    """Fill an empty database with the demo store; an existing demo store only gets the shipping setup it lacks,
    any other store is left untouched."""
    session = db.session
    if store_exists(session):
        owner = session.scalar(select(StaffUser.email).where(StaffUser.role == StaffRole.OWNER).order_by(StaffUser.id))
        added = {}
        if owner == OWNER_EMAIL:  # a demo store seeded before its shipping desk existed gets it now
            try:
                added = demo_shipping.seed_shipping(session, settings.secret_key)
                added.update(seed_landing_blocks(session, keep_valid=True))
                session.commit()
            except BaseException:
                session.rollback()
                raise
        return SeedResult(False, owner or OWNER_EMAIL, None, _summary(added))
    try:
        counts = DemoSeeder(session, settings.media_path).run()
        counts.update(demo_shipping.seed_shipping(session, settings.secret_key))
        password = staff.generate_password()
        staff.create_staff_user(session, OWNER_EMAIL, password, StaffRole.OWNER)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SeedResult(True, OWNER_EMAIL, password, _summary(counts))


def _demo_block(session: Session, block: dict[str, Any]) -> dict[str, Any]:
    """A block of the data files, where products, collections and campaigns go by handle or name, with their ids."""
    block = dict(block)
    if "image_product" in block:
        block["product_image_id"] = session.scalar(
            select(ProductImage.id).join(Product, Product.id == ProductImage.product_id)
            .where(Product.handle == block.pop("image_product")).order_by(ProductImage.position, ProductImage.id))
    if "collection" in block:
        block["collection_id"] = session.scalar(select(Collection.id).where(Collection.handle == block.pop("collection")))
    if "campaign" in block:
        block["campaign_id"] = session.scalar(select(Campaign.id).where(Campaign.name == block.pop("campaign")))
    return block


def seed_landing_blocks(session: Session, *, keep_valid: bool = False) -> dict[str, int]:
    """The landing pages' blocks from the data files, in every locale. With `keep_valid` (a demo store seeded
    before) only blocks that no longer pass the checks are replaced, so running the demo again changes nothing."""
    replaced = 0
    for path in sorted((DATA / "pages").glob("*.json")):
        spec = load_json(path)
        page = session.scalar(select(Page).where(Page.handle == spec["handle"]).options(selectinload(Page.translations)))
        if page is None:
            continue
        rows = {"en": page, **{tr.locale: tr for tr in page.translations}}
        for locale, text in spec["translations"].items():
            row = rows.get(locale)
            if row is None or "blocks" not in text:
                continue
            if keep_valid:
                try:
                    landing.validate_blocks(row.blocks, session=session)
                    continue
                except landing.LandingError:
                    pass
            row.blocks = landing.validate_blocks([_demo_block(session, b) for b in text["blocks"]], session=session)
            replaced += len(row.blocks)
    session.flush()
    return {"landing page sections": replaced} if replaced else {}


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def sanitize(html: str) -> str:
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}})


def sku_code(value: str) -> str:
    code = re.sub(r"[^A-Z0-9]", "", value.upper())
    return code[:12] or "X"


def ean13(seed: str) -> str:
    digits = "20" + str(int.from_bytes(seed.encode(), "big") % 10**10).zfill(10)
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


class DemoSeeder:
    def __init__(self, session: Session, media_root: Path, render_pictures: bool = True) -> None:
        self.session = session
        self.media_root = media_root
        self.render_pictures = render_pictures
        self.counts: dict[str, int] = {}
        self.markets: dict[str, Market] = {}
        self.locations: dict[str, Location] = {}
        self.rates = fx.RateTable(rates={})

    def _count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def run(self) -> dict[str, int]:
        self.store()
        self.fx_rates()
        self.markets_and_taxes()
        self.locations_and_shipping()
        products_by_handle = self.catalog()
        pages = self.pages()
        self.campaigns(pages, products_by_handle)
        self._count("landing page sections", sum(seed_landing_blocks(self.session).values()))
        self.automatic_discounts()
        self.session.flush()
        return self.counts

    # -- store, FX, markets -------------------------------------------------------------------
    def store(self) -> None:
        self.session.add(StoreSettings(
            id=1, name="Harbor & Loom Goods", legal_name="Harbor & Loom Trading Co., Ltd.",
            base_currency=BASE_CURRENCY, default_locale="en", enabled_locales=list(SUPPORTED_LOCALES),
            theme="default", theme_settings=setup.STORE_THEME_SETTINGS, contact_email="hello@harborloom.example",
            contact_phone="+1 732-555-0148",
            address={"address1": "Room 1806, Block B, 88 Gangwan Avenue, Nanshan", "city": "Shenzhen",
                     "province_code": "GD", "postal_code": "518054", "country_code": "CN"},
            ioss_number="IM5280001234", uk_vat_number="GB123456789",
            search_synonyms=[["tee", "t-shirt", "tshirt"], ["hoodie", "sweatshirt"], ["charger", "adapter"],
                             ["bag", "backpack", "tote"]],
        ))

    def fx_rates(self) -> None:
        reference = parse_ecb_xml((DATA / "ecb-eurofxref-daily.xml").read_bytes())
        self._count("FX rates", fx.store_reference_rates(self.session, reference))
        self.rates = fx.RateTable(rates=reference.rates, rate_date=reference.rate_date)

    def usd_to(self, amount_usd: str, currency: str, adjustment_bp: int = 0) -> int:
        """A demo amount converted from USD and rounded up to a whole unit of `currency`."""
        rate = self.rates.rate(BASE_CURRENCY, currency)
        value = Decimal(amount_usd) * rate * (1 + Decimal(adjustment_bp) / 10000)
        step = Decimal(10) if minor_exponent(currency) == 0 else Decimal(1)
        whole = (value / step).to_integral_value(rounding=ROUND_CEILING) * step
        return to_minor(whole, currency)

    def markets_and_taxes(self) -> None:
        for position, (code, name, currency, locale, locales, countries, adj, rounding, inclusive, duties) in enumerate(
            setup.MARKETS
        ):
            market = Market(
                code=code, name=name, currency=currency, default_locale=locale, locales=locales,
                price_adjustment_bp=adj, rounding_rule=RoundingRule(rounding), tax_inclusive=inclusive,
                duties_policy=DutiesPolicy(duties), is_default=(code == "INTL"), position=position,
                countries=[MarketCountry(country_code=c) for c in countries],
            )
            self.session.add(market)
            self.markets[code] = market
            self._count("markets")
        for country, region, name, rate, inclusive in setup.TAX_RATES:
            threshold = setup.IMPORT_THRESHOLDS.get(country)
            if country in setup.EU_MEMBERS:
                threshold = setup.EU_IOSS_THRESHOLD
            self.session.add(TaxRate(
                country_code=country, region=region, name=name, rate=rate, inclusive_display=inclusive,
                import_threshold=threshold[0] if threshold else None,
                import_threshold_currency=threshold[1] if threshold else None,
            ))
            self._count("tax rates")
        self.session.flush()

    def locations_and_shipping(self) -> None:
        for position, spec in enumerate(setup.LOCATIONS):
            location = Location(position=position, **spec)
            self.session.add(location)
            self.locations[spec["code"]] = location
        self.session.flush()
        for position, (code, name, currency, *_rest) in enumerate(setup.MARKETS):
            market = self.markets[code]
            zone = ShippingZone(name=name, is_fallback=(code == "INTL"), position=position,
                                countries=[ShippingZoneCountry(country_code=c) for c in market.country_codes])
            services = list(setup.SERVICES)
            if code == "US":
                services.insert(0, setup.US_WAREHOUSE_SERVICE)
            for rate_position, (names, level, carrier, service, min_d, max_d, prices, free_over) in enumerate(services):
                from_us = carrier == "usps"
                zone.rates.append(ShippingRate(
                    name=names["en"], name_translations=names, service_level=ServiceLevel(level),
                    carrier_hint=carrier, service_hint=service, currency=currency,
                    location_id=self.locations["US-EWR" if from_us else "CN-SZX"].id,
                    free_over=self.usd_to(free_over, currency) if free_over else None,
                    min_days=min_d, max_days=max_d, position=rate_position,
                    brackets=[ShippingRateBracket(max_weight_grams=w, price=self.usd_to(p, currency))
                              for w, p in zip(setup.BRACKETS, prices)],  # postal stops at 2 kg
                ))
                self._count("shipping rates")
            self.session.add(zone)
            self._count("shipping zones")

    # -- catalogue ----------------------------------------------------------------------------
    def catalog(self) -> dict[str, Product]:
        files = sorted((DATA / "catalog").glob("*.json"))
        products: dict[str, Product] = {}
        pictures: list[tuple[ProductImage, str, str, str]] = []
        now = utcnow()
        for collection_position, path in enumerate(files):
            data = load_json(path)
            collection = self._collection(data["collection"], collection_position)
            for position, spec in enumerate(data["products"]):
                product, product_pictures = self._product(spec, now - timedelta(days=len(products) * 3))
                products[product.handle] = product
                pictures += product_pictures
                collection.products.append(CollectionProduct(product=product, position=position))
        for offset, spec in enumerate(setup.EXTRA_COLLECTIONS, start=len(files)):
            self._extra_collection(spec, offset, products)
        self.session.flush()
        if self.render_pictures:
            self._render_pictures(pictures)
        else:  # tests that only need the catalogue's words skip the slow drawing
            for image, *_ in pictures:
                image.key, image.width, image.height, image.sizes = f"products/unrendered-{image.id}", 1080, 1080, [360]
        return products

    def _collection(self, spec: dict[str, Any], position: int) -> Collection:
        en = spec["translations"]["en"]
        collection = Collection(
            handle=spec["handle"], kind=CollectionKind.MANUAL, title=en["title"],
            description_html=sanitize(en.get("description", "")), seo_title=en.get("seo_title"),
            seo_description=en.get("seo_description"), featured=True, position=position,
        )
        for locale, tr in spec["translations"].items():
            if locale == "en":
                continue
            collection.translations.append(CollectionTranslation(
                locale=locale, handle=tr.get("handle") or spec["handle"], title=tr["title"],
                description_html=sanitize(tr.get("description", "")), seo_title=tr.get("seo_title"),
                seo_description=tr.get("seo_description"),
            ))
        self.session.add(collection)
        self._count("collections")
        return collection

    def _extra_collection(self, spec: dict[str, Any], position: int, products: dict[str, Product]) -> None:
        title, handle, description = spec["translations"]["en"]
        collection = Collection(handle=handle, kind=CollectionKind(spec["kind"]), rules=spec["rules"], title=title,
                                description_html=description, position=position)
        for locale, (tr_title, tr_handle, tr_description) in spec["translations"].items():
            if locale != "en":
                collection.translations.append(CollectionTranslation(
                    locale=locale, handle=tr_handle, title=tr_title, description_html=tr_description))
        wanted = {r["value"] for r in spec["rules"] if r["field"] == "tag"}
        members = [p for p in products.values() if wanted & set(p.tag_names)]
        collection.products = [CollectionProduct(product=p, position=i) for i, p in enumerate(members)]
        self.session.add(collection)
        self._count("collections")

    def _product(self, spec: dict[str, Any], published_at) -> tuple[Product, list[tuple[ProductImage, str, str, str]]]:
        en = spec["translations"]["en"]
        tags = set(spec.get("tags", []))
        if spec.get("compare_at_price"):
            tags.add("sale")
        if published_at > utcnow() - timedelta(days=30):
            tags.add("new")
        product = Product(
            handle=spec["handle"], status=ProductStatus.ACTIVE, title=en["title"],
            description_html=sanitize(en["description"]), seo_title=en.get("seo_title"),
            seo_description=en.get("seo_description"), vendor=spec.get("vendor"), product_type=spec.get("product_type"),
            hs_code=spec.get("hs_code"), origin_country=spec.get("origin_country", "CN"),
            customs_description=spec.get("customs_description"), certifications=spec.get("certifications", []),
            featured=bool(spec.get("featured")), published_at=published_at,
            tags=[ProductTag(tag=t.lower()) for t in sorted(tags)],
        )
        for locale, tr in spec["translations"].items():
            if locale == "en":
                continue
            product.translations.append(ProductTranslation(
                locale=locale, handle=tr.get("handle") or spec["handle"], title=tr["title"],
                description_html=sanitize(tr["description"]), seo_title=tr.get("seo_title"),
                seo_description=tr.get("seo_description"),
            ))
        for code in spec.get("restricted_markets", []):
            if code in self.markets:
                product.restrictions.append(ProductMarketRestriction(market_id=self.markets[code].id,
                                                                     reason="carrier restriction"))
        value_prices: dict[tuple[int, str], str] = {}
        color_values: list[tuple[str, str, dict[str, str]]] = []
        for position, option_spec in enumerate(spec.get("options", [])[:3], start=1):
            names = option_spec["name"]
            option = ProductOption(position=position, name=names["en"],
                                   name_translations={k: v for k, v in names.items() if k != "en"})
            for value_position, value in enumerate(option_spec["values"]):
                option.values.append(ProductOptionValue(
                    position=value_position, value=value["value"], translations=value.get("translations", {}),
                    swatch_hex=value.get("hex"),
                ))
                if value.get("price"):
                    value_prices[(position, value["value"])] = value["price"]
                if value.get("hex"):
                    color_values.append((value["value"], value["hex"], value.get("translations", {})))
            product.options.append(option)
        self.session.add(product)
        self.session.flush()

        image_spec = spec.get("image", {})
        motif = image_spec.get("motif", "box")
        pictures: list[tuple[ProductImage, str, str, str]] = []
        image_for_color: dict[str, ProductImage] = {}
        shots = color_values or [(None, image_spec.get("color", "#5b6c7d"), {})]
        for position, (color, hex_color, color_tr) in enumerate(shots, start=1):
            alt_translations = {
                locale: f"{tr['title']} – {color_tr.get(locale, color)}" if color else tr["title"]
                for locale, tr in spec["translations"].items() if locale != "en"
            }
            image = ProductImage(product_id=product.id, position=position, key=f"pending-{product.id}-{position}",
                                 width=0, height=0, alt=f"{en['title']} – {color}" if color else en["title"],
                                 alt_translations=alt_translations)
            self.session.add(image)
            pictures.append((image, motif, hex_color, f"{spec['handle']}:{color}"))
            if color:
                image_for_color[color] = image
            self._count("images")
        self.session.flush()

        option_lists = [[v.value for v in option.values] for option in product.options] or [[None]]
        base_price = to_minor(spec["price"], BASE_CURRENCY)
        compare_at = to_minor(spec["compare_at_price"], BASE_CURRENCY) if spec.get("compare_at_price") else None
        dims = spec.get("dimensions_mm") or [None, None, None]
        for position, combo in enumerate(itertools.product(*option_lists), start=1):
            values = [v for v in combo if v is not None]
            price = base_price
            for index, value in enumerate(values, start=1):
                if (index, value) in value_prices:
                    price = to_minor(value_prices[(index, value)], BASE_CURRENCY)
            sku = "-".join([spec["sku_prefix"], *(sku_code(v) for v in values)])
            image = next((image_for_color[v] for v in values if v in image_for_color), None)
            variant = Variant(
                product_id=product.id, position=position, sku=sku, barcode=ean13(sku),
                option1=values[0] if len(values) > 0 else None, option2=values[1] if len(values) > 1 else None,
                option3=values[2] if len(values) > 2 else None, price=price,
                compare_at_price=compare_at if compare_at and compare_at > price else None,
                weight_grams=int(spec.get("weight_grams", 250)), length_mm=dims[0], width_mm=dims[1],
                height_mm=dims[2], image_id=image.id if image else pictures[0][0].id,
            )
            for market_code, amount in spec.get("market_prices", {}).items():
                market = self.markets.get(market_code)
                if market:
                    variant.market_prices.append(VariantMarketPrice(market_id=market.id, currency=market.currency,
                                                                    price=int(amount)))
            self._stock(variant, sku)
            product.variants.append(variant)
            self._count("variants")
        self._count("products")
        self._count("product translations", len(product.translations))
        return product, pictures

    def _stock(self, variant: Variant, sku: str) -> None:
        rng = random.Random(sku)
        roll = rng.random()
        if roll < 0.07:
            cn, us = 0, 0  # sold out
        elif roll < 0.17:
            cn, us = rng.randint(1, 3), 0  # low stock
        else:
            cn, us = rng.randint(12, 160), (rng.randint(4, 40) if rng.random() < 0.55 else 0)
        variant.inventory_levels.append(InventoryLevel(location_id=self.locations["CN-SZX"].id, on_hand=cn))
        variant.inventory_levels.append(InventoryLevel(location_id=self.locations["US-EWR"].id, on_hand=us))

    def _render_pictures(self, pictures: list[tuple[ProductImage, str, str, str]]) -> None:
        """Draw and encode every picture; Pillow releases the GIL while encoding, so threads help."""

        def render(item: tuple[ProductImage, str, str, str]) -> StoredImage:
            _image, motif, hex_color, seed = item
            return store_image(self.media_root, draw_product(motif, hex_color, seed), f"products/{seed.split(':')[0]}")

        with ThreadPoolExecutor(max_workers=4) as pool:
            for (image, *_), stored in zip(pictures, pool.map(render, pictures)):
                image.key, image.width, image.height, image.sizes = stored.key, stored.width, stored.height, stored.sizes

    # -- content and marketing ----------------------------------------------------------------
    def pages(self) -> dict[str, Page]:
        pages: dict[str, Page] = {}
        for path in sorted((DATA / "pages").glob("*.json")):
            spec = load_json(path)
            en = spec["translations"]["en"]
            page = Page(
                handle=spec["handle"], kind=PageKind(spec.get("kind", "content")), title=en["title"],
                body_html=sanitize(en.get("body", "")), blocks=[], seo_title=en.get("seo_title"),
                seo_description=en.get("seo_description"), noindex=bool(spec.get("noindex")),
            )
            for locale, tr in spec["translations"].items():
                if locale == "en":
                    continue
                page.translations.append(PageTranslation(
                    locale=locale, handle=tr.get("handle") or spec["handle"], title=tr["title"],
                    body_html=sanitize(tr.get("body", "")), blocks=[],
                    seo_title=tr.get("seo_title"), seo_description=tr.get("seo_description"),
                ))
            self.session.add(page)
            pages[page.handle] = page
            self._count("pages")
        self.session.flush()
        return pages

    def campaigns(self, pages: dict[str, Page], products: dict[str, Product]) -> None:
        path = DATA / "campaigns.json"
        if not path.is_file():
            return
        now = utcnow()
        for spec in load_json(path)["campaigns"]:
            discount = None
            if spec.get("discount"):
                d = spec["discount"]
                kind = DiscountKind(d["kind"])
                discount = DiscountCode(
                    code=d["code"].upper(), title=spec["name"], kind=kind,
                    value=int(d["value"]) * 100 if kind == DiscountKind.PERCENTAGE else to_minor(d["value"], BASE_CURRENCY),
                    minimum_subtotal=to_minor(d["minimum_subtotal_usd"], BASE_CURRENCY) if d.get("minimum_subtotal_usd") else None,
                    starts_at=now + timedelta(days=spec.get("starts_in_days", 0)),
                    ends_at=now + timedelta(days=spec.get("ends_in_days", 30)),
                    once_per_customer=True,
                )
                self.session.add(discount)
                self.session.flush()
                self._count("discount codes")
            landing = pages.get(spec.get("landing_page", ""))
            campaign = Campaign(
                name=spec["name"], channel=CampaignChannel(spec.get("channel", "other")),
                utm_source=spec.get("utm_source"), utm_medium=spec.get("utm_medium"),
                utm_campaign=spec.get("utm_campaign"), utm_content=spec.get("utm_content"),
                landing_kind=LandingKind.PAGE if landing else LandingKind.HOME,
                landing_page_id=landing.id if landing else None,
                discount_code_id=discount.id if discount else None,
                starts_at=now + timedelta(days=spec.get("starts_in_days", 0)),
                ends_at=now + timedelta(days=spec.get("ends_in_days", 30)),
                budget=to_minor(spec["budget_usd"], BASE_CURRENCY) if spec.get("budget_usd") else None,
                budget_currency=BASE_CURRENCY if spec.get("budget_usd") else None,
            )
            for link in spec.get("links", []):
                campaign.links.append(CampaignLink(code=link["code"], label=link.get("label"),
                                                   influencer=link.get("influencer"), locale=link.get("locale"),
                                                   commission_bp=link.get("commission_bp")))
            self.session.add(campaign)
            if discount is not None:
                self.session.flush()
                discount.campaign_id = campaign.id  # orders using the code count for the campaign
            self._count("campaigns")

    def automatic_discounts(self) -> None:
        """10 % off orders of 80 in the shopper's currency (¥12,000 in Japan); other currencies convert $80."""
        minimums = {"EUR": "80", "GBP": "80", "CAD": "80", "AUD": "80", "JPY": "12000"}
        self.session.add(DiscountCode(
            code="AUTO-10-OVER-80", title="Spend 80, save 10 %", kind=DiscountKind.PERCENTAGE, value=1000,
            minimum_subtotal=to_minor("80", BASE_CURRENCY), is_automatic=True,
            amounts=[DiscountAmount(currency=currency, amount=0, minimum_subtotal=to_minor(minimum, currency))
                     for currency, minimum in minimums.items()],
        ))
        self._count("automatic discounts")
