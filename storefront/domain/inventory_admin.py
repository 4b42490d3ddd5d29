"""Stock as staff manage it: levels per variant and warehouse, adjustments with a reason, transfers, locations.

Every change is one conditional UPDATE, like checkout reservations (storefront.domain.inventory): stock that
is not there is never taken, and the CHECK constraints stay the last line of defence. Each change leaves a
StockMovement (the variant's history) and an audit entry.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storefront.domain import audit
from storefront.domain.catalog.changes import product_changed
from storefront.models import InventoryLevel, Location, Product, StaffUser, StockMovement, Variant, utcnow

PER_PAGE = 50
HISTORY_LIMIT = 100


class AdjustmentReason(str, enum.Enum):
    RECEIVED = "received"
    CORRECTION = "correction"
    DAMAGED = "damaged"
    RETURNED = "return"  # the same word refunds with restock write


# Which way each reason may move stock: receiving only adds, damage only removes, a correction either way.
REASON_SIGNS = {
    AdjustmentReason.RECEIVED: 1,
    AdjustmentReason.CORRECTION: 0,
    AdjustmentReason.DAMAGED: -1,
    AdjustmentReason.RETURNED: 1,
}
TRANSFER_OUT = "transfer_out"
TRANSFER_IN = "transfer_in"


class InventoryErrorCode(str, enum.Enum):
    NOT_ENOUGH_STOCK = "not_enough_stock"
    ZERO_CHANGE = "zero_change"
    WRONG_DIRECTION = "wrong_direction"
    SAME_LOCATION = "same_location"
    UNKNOWN_LOCATION = "unknown_location"
    UNKNOWN_VARIANT = "unknown_variant"
    DUPLICATE_LOCATION_CODE = "duplicate_location_code"


class InventoryError(Exception):
    def __init__(self, code: InventoryErrorCode, available: int | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.available = available


@dataclass(frozen=True)
class StockFilters:
    query: str = ""
    location_id: int | None = None
    low_stock_only: bool = False


@dataclass(frozen=True)
class StockPage:
    levels: list[InventoryLevel]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class MovementView:
    movement: StockMovement
    location: Location
    staff_email: str | None


def _levels(filters: StockFilters, threshold: int) -> Select:
    stmt = select(InventoryLevel).join(Variant, Variant.id == InventoryLevel.variant_id).join(
        Product, Product.id == Variant.product_id)
    text = filters.query.strip()
    if text:
        stmt = stmt.where(or_(Variant.sku.icontains(text, autoescape=True),
                              Product.title.icontains(text, autoescape=True)))
    if filters.location_id:
        stmt = stmt.where(InventoryLevel.location_id == filters.location_id)
    if filters.low_stock_only:
        stmt = stmt.where(Variant.track_inventory.is_(True),
                          InventoryLevel.on_hand - InventoryLevel.reserved <= threshold)
    return stmt


def list_levels(session: Session, filters: StockFilters, threshold: int, page: int = 1,
                per_page: int = PER_PAGE) -> StockPage:
    """Stock per variant × location; with `low_stock_only`, those with `threshold` or fewer available."""
    stmt = _levels(filters, threshold)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    ordered = stmt.order_by(Product.title, Variant.position, InventoryLevel.location_id).options(
        selectinload(InventoryLevel.variant).selectinload(Variant.product), selectinload(InventoryLevel.location))
    levels = list(session.scalars(ordered.offset((page - 1) * per_page).limit(per_page)))
    return StockPage(levels=levels, total=total, page=page, pages=pages)


def locations(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).order_by(Location.position, Location.name)))


def find_variant(session: Session, variant_id: int) -> Variant | None:
    return session.scalar(select(Variant).where(Variant.id == variant_id).options(
        selectinload(Variant.product), selectinload(Variant.inventory_levels).selectinload(InventoryLevel.location)))


def history(session: Session, variant_id: int, limit: int = HISTORY_LIMIT) -> list[MovementView]:
    """The variant's stock movements, newest first, with where and who."""
    rows = session.execute(
        select(StockMovement, Location, StaffUser.email)
        .join(Location, Location.id == StockMovement.location_id)
        .outerjoin(StaffUser, StaffUser.id == StockMovement.staff_user_id)
        .where(StockMovement.variant_id == variant_id)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc()).limit(limit))
    return [MovementView(movement, location, email) for movement, location, email in rows]


def _level_values(session: Session, variant_id: int, location_id: int) -> dict[str, int] | None:
    row = session.execute(select(InventoryLevel.on_hand, InventoryLevel.reserved).where(
        InventoryLevel.variant_id == variant_id, InventoryLevel.location_id == location_id)).first()
    return {"on_hand": row.on_hand, "reserved": row.reserved} if row else None


def _ensure_level(session: Session, variant_id: int, location_id: int) -> None:
    """Stock a variant at a location it was never kept at (two staff doing it at once both succeed)."""
    if _level_values(session, variant_id, location_id) is not None:
        return
    try:
        with session.begin_nested():
            session.add(InventoryLevel(variant_id=variant_id, location_id=location_id, on_hand=0, reserved=0))
    except IntegrityError:
        pass


def _add(session: Session, variant_id: int, location_id: int, quantity: int) -> None:
    session.execute(update(InventoryLevel)
                    .where(InventoryLevel.variant_id == variant_id, InventoryLevel.location_id == location_id)
                    .values(on_hand=InventoryLevel.on_hand + quantity, updated_at=utcnow())
                    .execution_options(synchronize_session=False))


def _take(session: Session, variant_id: int, location_id: int, quantity: int) -> None:
    """Remove `quantity` units nobody has reserved, or raise with what is available."""
    result = session.execute(
        update(InventoryLevel)
        .where(InventoryLevel.variant_id == variant_id, InventoryLevel.location_id == location_id,
               InventoryLevel.on_hand - InventoryLevel.reserved >= quantity)
        .values(on_hand=InventoryLevel.on_hand - quantity, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        values = _level_values(session, variant_id, location_id)
        available = values["on_hand"] - values["reserved"] if values else 0
        raise InventoryError(InventoryErrorCode.NOT_ENOUGH_STOCK, available=available)


def _check(session: Session, variant_id: int, *location_ids: int) -> Variant:
    variant = session.get(Variant, variant_id)
    if variant is None:
        raise InventoryError(InventoryErrorCode.UNKNOWN_VARIANT)
    for location_id in location_ids:
        if session.get(Location, location_id) is None:
            raise InventoryError(InventoryErrorCode.UNKNOWN_LOCATION)
    return variant


def adjust(session: Session, *, variant_id: int, location_id: int, delta: int, reason: AdjustmentReason,
           note: str | None = None, staff_user_id: int | None, ip_address: str | None = None) -> StockMovement:
    """Add (delta > 0) or remove (delta < 0) units on hand for a reason; removing never goes below what is
    reserved for unpaid orders."""
    if delta == 0:
        raise InventoryError(InventoryErrorCode.ZERO_CHANGE)
    sign = REASON_SIGNS[reason]
    if sign and (delta > 0) != (sign > 0):
        raise InventoryError(InventoryErrorCode.WRONG_DIRECTION)
    variant = _check(session, variant_id, location_id)
    before = _level_values(session, variant_id, location_id) or {"on_hand": 0, "reserved": 0}
    if delta > 0:
        _ensure_level(session, variant_id, location_id)
        _add(session, variant_id, location_id, delta)
    else:
        _take(session, variant_id, location_id, -delta)
    movement = StockMovement(variant_id=variant_id, location_id=location_id, delta=delta, reason=reason.value,
                             reference=note or None, staff_user_id=staff_user_id)
    session.add(movement)
    product_changed(session, variant.product_id)
    audit.record(session, staff_user_id=staff_user_id, action="inventory.adjusted", entity_type="inventory_level",
                 entity_id=f"{variant_id}:{location_id}", before=before,
                 after={**_level_values(session, variant_id, location_id), "delta": delta, "reason": reason.value,
                        "note": note}, ip_address=ip_address)
    return movement


def transfer(session: Session, *, variant_id: int, from_location_id: int, to_location_id: int, quantity: int,
             note: str | None = None, staff_user_id: int | None, ip_address: str | None = None) -> None:
    """Move units between warehouses in one transaction: all of them arrive or none leave."""
    if from_location_id == to_location_id:
        raise InventoryError(InventoryErrorCode.SAME_LOCATION)
    if quantity <= 0:
        raise InventoryError(InventoryErrorCode.ZERO_CHANGE)
    variant = _check(session, variant_id, from_location_id, to_location_id)
    before = {"from": _level_values(session, variant_id, from_location_id),
              "to": _level_values(session, variant_id, to_location_id)}
    _take(session, variant_id, from_location_id, quantity)
    _ensure_level(session, variant_id, to_location_id)
    _add(session, variant_id, to_location_id, quantity)
    reference = note or None
    session.add_all([
        StockMovement(variant_id=variant_id, location_id=from_location_id, delta=-quantity, reason=TRANSFER_OUT,
                      reference=reference, staff_user_id=staff_user_id),
        StockMovement(variant_id=variant_id, location_id=to_location_id, delta=quantity, reason=TRANSFER_IN,
                      reference=reference, staff_user_id=staff_user_id),
    ])
    product_changed(session, variant.product_id)
    audit.record(session, staff_user_id=staff_user_id, action="inventory.transferred", entity_type="variant",
                 entity_id=variant_id, before=before,
                 after={"from": _level_values(session, variant_id, from_location_id),
                        "to": _level_values(session, variant_id, to_location_id), "quantity": quantity,
                        "from_location_id": from_location_id, "to_location_id": to_location_id, "note": note},
                 ip_address=ip_address)


def create_location(session: Session, *, code: str, name: str, country_code: str, ships_to: list[str],
                    staff_user_id: int | None, ip_address: str | None = None) -> Location:
    """A new warehouse, listed after the others; `ships_to` holds country codes or "*" for everywhere."""
    code = code.strip().upper()
    if session.scalar(select(Location.id).where(func.upper(Location.code) == code)) is not None:
        raise InventoryError(InventoryErrorCode.DUPLICATE_LOCATION_CODE)
    position = (session.scalar(select(func.max(Location.position))) or 0) + 1
    location = Location(code=code, name=name.strip(), country_code=country_code.upper(),
                        ships_to=ships_to or ["*"], position=position)
    try:
        with session.begin_nested():
            session.add(location)
    except IntegrityError:
        raise InventoryError(InventoryErrorCode.DUPLICATE_LOCATION_CODE) from None
    audit.record(session, staff_user_id=staff_user_id, action="location.created", entity_type="location",
                 entity_id=location.id, after={"code": location.code, "name": location.name,
                                               "country_code": location.country_code, "ships_to": location.ships_to},
                 ip_address=ip_address)
    return location
