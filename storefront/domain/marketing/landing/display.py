"""Landing pages in the shop: the page in a locale, and its blocks made ready for the theme's sections with every
product, picture and campaign they show loaded at once."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.catalog.display import ProductCard, product_card
from storefront.domain.catalog.queries import load_products, visible_products
from storefront.domain.catalog.stock import LocationInfo
from storefront.domain.catalog.text import image_alt
from storefront.domain.content import PageView
from storefront.domain.marketing.landing.blocks import check_block, parse_utc, referenced_ids
from storefront.domain.marketing.landing.errors import LandingError
from storefront.domain.pricing import PricingContext
from storefront.domain.seo import summary
from storefront.models import (
    Campaign,
    Collection,
    CollectionProduct,
    CollectionTranslation,
    Page,
    PageTranslation,
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    utcnow,
)

log = logging.getLogger(__name__)


def find_page(session: Session, handle: str, locale: str, *, page_id: int | None = None) -> Page | None:
    """A published page by its handle in `locale` or its default handle; with `page_id` (a staff preview) that
    page whatever its state, as long as `handle` is one of its handles."""
    stmt = select(Page).options(selectinload(Page.translations))
    if page_id is not None:
        page = session.scalars(stmt.where(Page.id == page_id)).first()
        if page is None or handle not in {page.handle, *(tr.handle for tr in page.translations)}:
            return None
        return page
    translated = select(PageTranslation.page_id).where(PageTranslation.locale == locale,
                                                       PageTranslation.handle == handle)
    return session.scalars(
        stmt.where(Page.published.is_(True), or_(Page.handle == handle, Page.id.in_(translated)))
    ).first()


def page_view(page: Page, locale: str) -> PageView:
    """The page's copy in `locale`, falling back to the default locale's."""
    tr = next((t for t in page.translations if t.locale == locale), None)
    title = tr.title if tr else page.title
    return PageView(
        handle=tr.handle if tr else page.handle, kind=page.kind.value, title=title,
        body_html=tr.body_html if tr else page.body_html, blocks=stored_blocks(page, locale),
        seo_title=(tr.seo_title if tr else page.seo_title) or title,
        seo_description=(tr.seo_description if tr else page.seo_description) or "", noindex=page.noindex,
    )


def page_paths(page: Page, locales: list[str], default_locale: str) -> dict[str, str]:
    """The page's unprefixed path in each locale (its own handle there, else the default one)."""
    handles = {tr.locale: tr.handle for tr in page.translations}
    return {locale: f"/pages/{handles.get(locale, page.handle)}" for locale in locales}


def stored_blocks(page: Page, locale: str) -> list[Any]:
    """The locale's own blocks, else the default locale's."""
    own = next((tr.blocks for tr in page.translations if tr.locale == locale), None)
    return list(own or page.blocks or [])


@dataclass(frozen=True)
class UploadedImage:
    """A picture uploaded for a hero; the attributes are those snippets/image.html reads of a product picture."""

    key: str
    width: int
    height: int
    sizes: list[int]


@dataclass(frozen=True)
class Section:
    """One block ready for its theme section (sections/landing-<type>.html): its checked fields and what they
    point at. `number` counts the sections shown, from 1."""

    type: str
    number: int
    fields: dict[str, Any]
    image: UploadedImage | ProductImage | None = None
    image_alt: str = ""
    link_path: str | None = None
    cards: list[ProductCard] = field(default_factory=list)
    ends_at: datetime | None = None
    seconds_left: int = 0


@dataclass
class _Loaded:
    pictures: dict[int, ProductImage]
    campaign_ends: dict[int, datetime | None]
    grid_products: dict[int, list[Product]]
    handles: dict[tuple[str, str], str]


def _collection_members(session: Session, limits: dict[int, int]) -> dict[int, list[int]]:
    """The first visible products of each collection in its manual order, at most its limit: one query."""
    rank = func.row_number().over(partition_by=CollectionProduct.collection_id,
                                  order_by=(CollectionProduct.position, CollectionProduct.product_id)).label("rank")
    ranked = (select(CollectionProduct.collection_id, CollectionProduct.product_id, rank)
              .join(Product, Product.id == CollectionProduct.product_id)
              .where(visible_products().whereclause, CollectionProduct.collection_id.in_(limits))
              .subquery())
    members: dict[int, list[int]] = {cid: [] for cid in limits}
    for collection_id, product_id, position in session.execute(
        select(ranked.c.collection_id, ranked.c.product_id, ranked.c.rank)
        .where(ranked.c.rank <= max(limits.values())).order_by(ranked.c.collection_id, ranked.c.rank)
    ):
        if position <= limits[collection_id]:
            members[collection_id].append(product_id)
    return members


def _is_visible(product: Product) -> bool:
    return product.status is ProductStatus.ACTIVE and product.published_at is not None


def _localized_handles(session: Session, blocks: list[dict[str, Any]], locale: str) -> dict[tuple[str, str], str]:
    """(kind, default handle) → handle in `locale`, for hero buttons that link to a product or collection."""
    found: dict[tuple[str, str], str] = {}
    for kind, model, translation, owner in (
        ("product", Product, ProductTranslation, ProductTranslation.product_id),
        ("collection", Collection, CollectionTranslation, CollectionTranslation.collection_id),
    ):
        wanted = {b["button_link"] for b in blocks if b.get("button_link_kind") == kind}
        if not wanted:
            continue
        rows = session.execute(
            select(model.handle, translation.handle)
            .outerjoin(translation, and_(owner == model.id, translation.locale == locale))
            .where(model.handle.in_(wanted))
        ).all()
        found.update({(kind, handle): own or handle for handle, own in rows})
    return found


def _load(session: Session, blocks: list[dict[str, Any]], locale: str) -> _Loaded:
    """Everything the blocks point at, a fixed number of queries however many blocks there are."""
    pictures = referenced_ids(blocks, "hero", "product_image_id")
    campaigns = referenced_ids(blocks, "countdown", "campaign_id")
    grids = [(n, b) for n, b in enumerate(blocks) if b["type"] == "product_grid"]
    limits: dict[int, int] = {}
    for _n, grid in grids:
        if "collection_id" in grid:
            limits[grid["collection_id"]] = max(limits.get(grid["collection_id"], 0), grid["limit"])
    members = _collection_members(session, limits) if limits else {}
    wanted = {n: (members.get(grid["collection_id"], []) if "collection_id" in grid else grid["product_ids"])
              for n, grid in grids}
    all_ids = list(dict.fromkeys(pid for ids in wanted.values() for pid in ids))
    products = {p.id: p for p in load_products(session, all_ids, locale) if _is_visible(p)}
    return _Loaded(
        pictures={image.id: image for image in session.scalars(
            select(ProductImage).where(ProductImage.id.in_(pictures)))} if pictures else {},
        campaign_ends=dict(session.execute(
            select(Campaign.id, Campaign.ends_at).where(Campaign.id.in_(campaigns))).all()) if campaigns else {},
        grid_products={n: [products[pid] for pid in ids if pid in products][:blocks[n]["limit"]]
                       for n, ids in wanted.items()},
        handles=_localized_handles(session, blocks, locale),
    )


def _link_path(block: dict[str, Any], loaded: _Loaded) -> str | None:
    kind, link = block.get("button_link_kind"), block.get("button_link")
    if not link:
        return None
    if kind == "path":
        return link
    handle = loaded.handles.get((kind, link))
    return f"/{kind}s/{handle}" if handle else None


def blocks_for(session: Session, page: Page, locale: str, ctx: PricingContext, *,
               locations: tuple[LocationInfo, ...] = (), now: datetime | None = None) -> list[Section]:
    """The page's blocks in `locale` (or the default locale's) ready to render: product grids priced in the
    shopper's market, countdowns that have ended left out, and a stored block that no longer passes the checks
    skipped rather than breaking the page."""
    now = now or utcnow()
    blocks = []
    for index, raw in enumerate(stored_blocks(page, locale)):
        try:
            blocks.append(check_block(raw, index))
        except LandingError as exc:
            log.warning("page %s (%s): skipping %s", page.id, locale, exc)
    loaded = _load(session, blocks, locale)
    sections: list[Section] = []
    for n, block in enumerate(blocks):
        kind, number = block["type"], len(sections) + 1
        if kind == "hero":
            image = (UploadedImage(**block["image"]) if "image" in block
                     else loaded.pictures.get(block.get("product_image_id", 0)))
            alt = block.get("image_alt") or (image_alt(image, locale, "") if isinstance(image, ProductImage) else "")
            sections.append(Section(kind, number, block, image=image, image_alt=alt,
                                    link_path=_link_path(block, loaded)))
        elif kind == "product_grid":
            cards = [product_card(p, ctx, locale, locations) for p in loaded.grid_products[n]]
            if cards:
                sections.append(Section(kind, number, block, cards=cards))
        elif kind == "countdown":
            ends_at = parse_utc(block["ends_at"]) if "ends_at" in block else loaded.campaign_ends.get(
                block["campaign_id"])
            if ends_at is not None and ends_at > now:
                sections.append(Section(kind, number, block, ends_at=ends_at,
                                        seconds_left=int((ends_at - now).total_seconds())))
        else:
            sections.append(Section(kind, number, block))
    return sections


def faq_structured_data(sections: list[Section]) -> dict[str, Any] | None:
    """One schema.org FAQPage for every question the page's FAQ sections answer."""
    questions = [item for s in sections if s.type == "faq" for item in s.fields["items"]]
    if not questions:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [{"@type": "Question", "name": item["question"],
                        "acceptedAnswer": {"@type": "Answer", "text": item["answer"]}} for item in questions],
    }


def sections_summary(sections: list[Section]) -> str:
    """A description for search engines and link previews when the page has none: its first words."""
    for section in sections:
        text = section.fields.get("text") if section.type == "hero" else section.fields.get("html")
        if text:
            return summary(text)
    return ""


def hero_image(sections: list[Section]) -> tuple[UploadedImage | ProductImage | None, str]:
    """The first hero's picture and its alt text: what a shared link shows."""
    for section in sections:
        if section.type == "hero" and section.image is not None:
            return section.image, section.image_alt
    return None, ""
