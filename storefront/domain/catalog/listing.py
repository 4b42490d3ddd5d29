"""Collection listings: filters (option values, price, availability), facet counts, sorting and pages.

Candidates are read as plain rows in a few queries (no ORM objects), priced in Python with the one
pricing service, filtered and sorted; only the products of the requested page are then loaded.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Mapping, Sequence

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from storefront.domain.catalog.queries import visible_products
from storefront.domain.catalog.stock import LocationInfo
from storefront.domain.money import minor_exponent
from storefront.domain.pricing import FixedPrice, PricingContext, market_compare_at, market_price
from storefront.models import (
    Collection,
    CollectionProduct,
    CollectionTranslation,
    InventoryLevel,
    InventoryPolicy,
    Order,
    OrderLine,
    PaymentStatus,
    Product,
    ProductMarketRestriction,
    ProductOption,
    ProductOptionValue,
    ProductTranslation,
    Variant,
    VariantMarketPrice,
)

PER_PAGE = 24
MAX_PAGE = 10_000
SORTS = ("manual", "best-selling", "title-ascending", "title-descending", "price-ascending", "price-descending",
         "created-descending", "created-ascending")
OPTION_FILTER_PREFIX = "filter.v.option."
# Product-level filters, Shopify's names: filter.p.vendor, filter.p.product_type; and our filter.p.collection.
ATTRIBUTE_FILTERS = ("collection", "product_type", "vendor")


@dataclass(frozen=True)
class ListingQuery:
    sort: str = "manual"
    page: int = 1
    per_page: int = PER_PAGE
    options: dict[str, frozenset[str]] = field(default_factory=dict)
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool = False
    attributes: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def is_filtered(self) -> bool:
        return (bool(self.options) or bool(self.attributes) or self.price_min is not None
                or self.price_max is not None or self.in_stock)


def _positive_int(raw: str | None) -> int | None:
    # isdecimal, not isdigit: int() rejects digits such as "²" that isdigit accepts.
    if raw is None or not raw.strip().isdecimal():
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_PAGE else None


def _money_bound(raw: str | None, currency: str) -> int | None:
    """A price typed in major units ("12.50", "12,50") as minor units; junk and negatives are ignored."""
    if not raw:
        return None
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > 10**9:
        return None
    return int(value.scaleb(minor_exponent(currency)))


def parse_listing_query(args: Mapping[str, Sequence[str]], currency: str, default_sort: str = "manual") -> ListingQuery:
    """Read Shopify-style parameters (sort_by, page, filter.v.option.<name>, filter.v.price.gte/lte,
    filter.v.availability); anything malformed falls back to the default rather than failing."""
    def first(name: str) -> str | None:
        values = args.get(name) or []
        return values[0] if values else None

    sort = first("sort_by")
    options: dict[str, frozenset[str]] = {}
    for key, values in args.items():
        if key.startswith(OPTION_FILTER_PREFIX) and len(key) <= 80:
            name = key[len(OPTION_FILTER_PREFIX):].strip().lower()
            chosen = frozenset(v for v in values if v and len(v) <= 120)
            if name and chosen:
                options[name] = chosen
    attributes = {}
    for name in ATTRIBUTE_FILTERS:
        chosen = frozenset(v for v in args.get(f"filter.p.{name}") or [] if v and len(v) <= 120)
        if chosen:
            attributes[name] = chosen
    low, high = _money_bound(first("filter.v.price.gte"), currency), _money_bound(first("filter.v.price.lte"), currency)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return ListingQuery(
        sort=sort if sort in SORTS else (default_sort if default_sort in SORTS else "manual"),
        page=_positive_int(first("page")) or 1,
        options=options,
        price_min=low,
        price_max=high,
        in_stock=first("filter.v.availability") == "1",
        attributes=attributes,
    )


@dataclass
class _Variant:
    id: int
    options: tuple[str | None, ...]
    price: int
    compare_at: int | None
    available: bool


@dataclass
class _Candidate:
    id: int
    title: str
    position: int
    created: datetime | None
    variants: list[_Variant] = field(default_factory=list)
    sold: int = 0
    attrs: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    active: bool


@dataclass(frozen=True)
class OptionFacet:
    key: str
    label: str
    values: list[FacetValue]


@dataclass(frozen=True)
class Listing:
    product_ids: list[int]
    total: int
    page: int
    pages: int
    query: ListingQuery
    option_facets: list[OptionFacet]
    attribute_facets: list[OptionFacet]
    price_low: int
    price_high: int
    in_stock_count: int


def collection_scope(collection_id: int | None) -> Select:
    """Product ids (with their manual position) in a collection, or in the whole catalogue for None."""
    base = visible_products().with_only_columns(Product.id)
    if collection_id is None:
        return base.add_columns(literal(0).label("position"))
    return base.join(CollectionProduct, CollectionProduct.product_id == Product.id).where(
        CollectionProduct.collection_id == collection_id
    ).add_columns(CollectionProduct.position.label("position"))


def build_listing(session: Session, scope: Select, ctx: PricingContext, locale: str,
                  locations: tuple[LocationInfo, ...], query: ListingQuery, facets: bool = True) -> Listing:
    """Filter, count facets (unless `facets` is False and the query needs none), sort and paginate."""
    scope_sq = scope.subquery()
    candidates = _load_candidates(session, scope_sq, ctx, locale, locations, query.sort)
    if facets or query.options:
        option_keys, option_labels, value_labels = _load_option_names(session, scope_sq, locale)
    else:
        option_keys, option_labels, value_labels = {}, {}, {}
    if facets or query.attributes:
        attribute_labels = _load_attributes(session, scope_sq, candidates, locale)
    else:
        attribute_labels = {name: {} for name in ATTRIBUTE_FILTERS}

    def attributes_match(candidate: _Candidate, ignore: str | None) -> bool:
        return all(candidate.attrs.get(name, set()) & chosen
                   for name, chosen in query.attributes.items() if f"p.{name}" != ignore)

    def variant_matches(candidate: _Candidate, v: _Variant, ignore: str | None = None) -> bool:
        for key, chosen in query.options.items():
            if key == ignore:
                continue
            position = option_keys.get((candidate.id, key))
            if position is None or v.options[position - 1] not in chosen:
                return False
        if query.in_stock and not v.available:
            return False
        if query.price_min is not None and v.price < query.price_min:
            return False
        if query.price_max is not None and v.price > query.price_max:
            return False
        return True

    def matches(candidate: _Candidate, ignore: str | None = None) -> bool:
        return attributes_match(candidate, ignore) and any(variant_matches(candidate, v, ignore)
                                                           for v in candidate.variants)

    matching = [c for c in candidates.values() if matches(c)]
    facets = _option_facets(candidates, option_keys, option_labels, value_labels, query, matches)
    attribute_facets = _attribute_facets(candidates, attribute_labels, query, matches)
    all_prices = [v.price for c in candidates.values() for v in c.variants]
    ordered = _sort(matching, query.sort)
    pages = max(1, -(-len(ordered) // query.per_page))
    page = query.page if query.page <= pages else 1
    start = (page - 1) * query.per_page
    return Listing(
        product_ids=[c.id for c in ordered[start:start + query.per_page]], total=len(ordered), page=page, pages=pages,
        query=query, option_facets=facets, attribute_facets=attribute_facets, price_low=min(all_prices, default=0),
        price_high=max(all_prices, default=0),
        in_stock_count=sum(1 for c in candidates.values() if any(v.available for v in c.variants)),
    )


def _load_candidates(session: Session, scope_sq, ctx: PricingContext, locale: str,
                     locations: tuple[LocationInfo, ...], sort: str) -> dict[int, _Candidate]:
    title = func.coalesce(ProductTranslation.title, Product.title)
    rows = session.execute(
        select(Product.id, title, scope_sq.c.position, Product.published_at)
        .join(scope_sq, scope_sq.c.id == Product.id)
        .outerjoin(ProductTranslation, (ProductTranslation.product_id == Product.id) & (ProductTranslation.locale == locale))
        .where(Product.id.not_in(select(ProductMarketRestriction.product_id)
                                 .where(ProductMarketRestriction.market_id == ctx.market.id)))
    ).all()
    candidates = {pid: _Candidate(pid, t or "", pos or 0, created) for pid, t, pos, created in rows}
    if not candidates:
        return candidates
    shipping = [loc.id for loc in locations if loc.ships_to_country(ctx.country)]
    stock = dict(session.execute(
        select(InventoryLevel.variant_id, func.sum(InventoryLevel.on_hand - InventoryLevel.reserved))
        .join(Variant, Variant.id == InventoryLevel.variant_id)
        .where(Variant.product_id.in_(select(scope_sq.c.id)), InventoryLevel.location_id.in_(shipping or [-1]))
        .group_by(InventoryLevel.variant_id)
    ).all())
    fixed = {vid: FixedPrice(price, compare) for vid, price, compare in session.execute(
        select(VariantMarketPrice.variant_id, VariantMarketPrice.price, VariantMarketPrice.compare_at_price)
        .join(Variant, Variant.id == VariantMarketPrice.variant_id)
        .where(Variant.product_id.in_(select(scope_sq.c.id)), VariantMarketPrice.market_id == ctx.market.id,
               VariantMarketPrice.currency == ctx.currency)
    )}
    for row in session.execute(
        select(Variant.id, Variant.product_id, Variant.option1, Variant.option2, Variant.option3, Variant.price,
               Variant.compare_at_price, Variant.track_inventory, Variant.inventory_policy)
        .where(Variant.product_id.in_(select(scope_sq.c.id))).order_by(Variant.product_id, Variant.position)
    ):
        candidate = candidates.get(row.product_id)
        if candidate is None:
            continue
        price = market_price(ctx, row.price, fixed.get(row.id))
        available = (not row.track_inventory or (stock.get(row.id) or 0) > 0
                     or row.inventory_policy == InventoryPolicy.CONTINUE)
        candidate.variants.append(_Variant(
            row.id, (row.option1, row.option2, row.option3), price,
            market_compare_at(ctx, row.compare_at_price, price, fixed.get(row.id)), available,
        ))
    if sort == "best-selling":
        sold = session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity)).join(Order)
            .where(Order.payment_status.in_([PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED]),
                   OrderLine.product_id.in_(select(scope_sq.c.id)))
            .group_by(OrderLine.product_id)
        )
        for product_id, quantity in sold:
            if product_id in candidates:
                candidates[product_id].sold = int(quantity or 0)
    return {pid: c for pid, c in candidates.items() if c.variants}


def _load_attributes(session: Session, scope_sq, candidates: dict[int, _Candidate], locale: str) -> dict[str, dict[str, str]]:
    """Fill each candidate's vendor, product type and collections; return the display label of each value."""
    labels: dict[str, dict[str, str]] = {name: {} for name in ATTRIBUTE_FILTERS}
    for product_id, vendor, product_type in session.execute(
        select(Product.id, Product.vendor, Product.product_type).where(Product.id.in_(select(scope_sq.c.id)))
    ):
        candidate = candidates.get(product_id)
        if candidate is None:
            continue
        if vendor:
            candidate.attrs.setdefault("vendor", set()).add(vendor)
            labels["vendor"][vendor] = vendor
        if product_type:
            candidate.attrs.setdefault("product_type", set()).add(product_type)
            labels["product_type"][product_type] = product_type
    title = func.coalesce(CollectionTranslation.title, Collection.title)
    for product_id, collection_id, collection_title in session.execute(
        select(CollectionProduct.product_id, Collection.id, title)
        .join(Collection, Collection.id == CollectionProduct.collection_id)
        .outerjoin(CollectionTranslation, (CollectionTranslation.collection_id == Collection.id)
                   & (CollectionTranslation.locale == locale))
        .where(CollectionProduct.product_id.in_(select(scope_sq.c.id)), Collection.published.is_(True))
    ):
        candidate = candidates.get(product_id)
        if candidate is not None:
            candidate.attrs.setdefault("collection", set()).add(str(collection_id))
            labels["collection"][str(collection_id)] = collection_title
    return labels


def _attribute_facets(candidates, labels: dict[str, dict[str, str]], query: ListingQuery, matches) -> list[OptionFacet]:
    facets = []
    for name in ATTRIBUTE_FILTERS:
        counts: dict[str, int] = {}
        for candidate in candidates.values():
            if matches(candidate, ignore=f"p.{name}"):
                for value in candidate.attrs.get(name, ()):
                    counts[value] = counts.get(value, 0) + 1
        chosen = query.attributes.get(name, frozenset())
        values = sorted((FacetValue(v, labels[name].get(v, v), counts.get(v, 0), v in chosen)
                         for v in labels[name] if counts.get(v) or v in chosen),
                        key=lambda fv: (-fv.count, fv.label.casefold()))
        if len(values) > 1 or chosen:
            facets.append(OptionFacet(key=name, label=name, values=values))
    return facets


def _load_option_names(session: Session, scope_sq, locale: str):
    """Option positions per (product, option key) and display labels, keyed by the default-locale name."""
    keys: dict[tuple[int, str], int] = {}
    labels: dict[str, str] = {}
    value_labels: dict[tuple[str, str], str] = {}
    rows = session.execute(
        select(ProductOption.product_id, ProductOption.position, ProductOption.name, ProductOption.name_translations,
               ProductOptionValue.value, ProductOptionValue.translations)
        .join(ProductOptionValue, ProductOptionValue.option_id == ProductOption.id)
        .where(ProductOption.product_id.in_(select(scope_sq.c.id)))
        .order_by(ProductOption.position, ProductOptionValue.position)
    )
    for product_id, position, name, name_tr, value, value_tr in rows:
        key = name.strip().lower()
        keys[(product_id, key)] = position
        labels.setdefault(key, (name_tr or {}).get(locale) or name)
        value_labels.setdefault((key, value), (value_tr or {}).get(locale) or value)
    return keys, labels, value_labels


def _option_facets(candidates, option_keys, option_labels, value_labels, query: ListingQuery, matches) -> list[OptionFacet]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    order: dict[str, list[str]] = defaultdict(list)
    for (key, value) in value_labels:
        order[key].append(value)
    for key in option_labels:
        for candidate in candidates.values():
            position = option_keys.get((candidate.id, key))
            if position is None or not matches(candidate, ignore=key):
                continue
            for value in {v.options[position - 1] for v in candidate.variants if v.options[position - 1]}:
                counts[key][value] = counts[key].get(value, 0) + 1
    facets = []
    for key, label in option_labels.items():
        values = [FacetValue(v, value_labels[(key, v)], counts[key].get(v, 0), v in query.options.get(key, ()))
                  for v in order[key] if counts[key].get(v) or v in query.options.get(key, ())]
        values.sort(key=_facet_order)
        if len(values) > 1 or any(v.active for v in values):
            facets.append(OptionFacet(key=key, label=label, values=values))
    return facets


CLOTHING_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "2XL", "XXXL", "3XL")


def _facet_order(value: FacetValue) -> tuple:
    """Clothing sizes in size order, then the values most products have, then alphabetically."""
    upper = value.value.upper()
    if upper in CLOTHING_SIZES:
        return (0, CLOTHING_SIZES.index(upper), "")
    return (1, -value.count, value.label.casefold())


def _sort(candidates: list[_Candidate], sort: str) -> list[_Candidate]:
    def low(c: _Candidate) -> int:
        return min(v.price for v in c.variants)

    keys = {
        "manual": lambda c: (c.position, c.id),
        "best-selling": lambda c: (-c.sold, c.position, c.id),
        "title-ascending": lambda c: (c.title.casefold(), c.id),
        "title-descending": lambda c: (c.title.casefold(), c.id),
        "price-ascending": lambda c: (low(c), c.id),
        "price-descending": lambda c: (low(c), c.id),
        "created-descending": lambda c: (c.created.timestamp() if c.created else 0, c.id),
        "created-ascending": lambda c: (c.created.timestamp() if c.created else 0, c.id),
    }
    return sorted(candidates, key=keys[sort], reverse=sort in {"title-descending", "price-descending",
                                                                "created-descending"})


SEARCH_SORTS = ("relevance", "price-ascending", "price-descending", "created-descending")


def ranked_scope(product_ids: list[int]) -> Select:
    """Search results as a listing scope: position is the relevance rank."""
    rank = case({pid: position for position, pid in enumerate(product_ids)}, value=Product.id, else_=len(product_ids)) \
        if product_ids else literal(0)
    return visible_products().with_only_columns(Product.id).where(Product.id.in_(product_ids)).add_columns(
        rank.label("position"))
