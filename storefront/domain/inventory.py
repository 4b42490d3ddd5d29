"""Stock reservations: atomic, never below zero, even with many checkouts at once.

A reservation is one conditional UPDATE (`reserved = reserved + n WHERE on_hand - reserved >= n`):
on PostgreSQL the row lock makes concurrent checkouts queue and re-check; on SQLite writes are
serialised. The CHECK constraint (reserved <= on_hand) is the last line of defence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront.domain.catalog.stock import LocationInfo
from storefront.models import InventoryLevel, InventoryReservation, StockMovement, Variant, utcnow


@dataclass(frozen=True)
class Reserved:
    variant_id: int
    location_id: int
    quantity: int


def location_preference(locations: tuple[LocationInfo, ...], country: str | None) -> list[LocationInfo]:
    """Warehouses that ship to `country`, the one in that country first (the overseas warehouse)."""
    shipping = [loc for loc in locations if loc.ships_to_country(country)]
    return sorted(shipping, key=lambda loc: (loc.country_code != country, list(locations).index(loc)))


def reserve(session: Session, variant: Variant, quantity: int, locations: tuple[LocationInfo, ...],
            country: str | None) -> Reserved | None:
    """Hold `quantity` units in one warehouse that ships to `country`; None when none has them."""
    for location in location_preference(locations, country):
        result = session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.variant_id == variant.id, InventoryLevel.location_id == location.id,
                   InventoryLevel.on_hand - InventoryLevel.reserved >= quantity)
            .values(reserved=InventoryLevel.reserved + quantity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return Reserved(variant.id, location.id, quantity)
    return None


def record_reservations(session: Session, order_id: int, held: list[Reserved], expires_at: datetime) -> None:
    for item in held:
        session.add(InventoryReservation(order_id=order_id, variant_id=item.variant_id, location_id=item.location_id,
                                         quantity=item.quantity, expires_at=expires_at))


def open_reservations(session: Session, order_id: int) -> list[InventoryReservation]:
    return list(session.scalars(select(InventoryReservation).where(
        InventoryReservation.order_id == order_id, InventoryReservation.released_at.is_(None))
        .order_by(InventoryReservation.id)))


def release(session: Session, order_id: int) -> int:
    """Give held units back (payment failed, session expired). Idempotent: released rows stay released."""
    released = 0
    for reservation in open_reservations(session, order_id):
        session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.variant_id == reservation.variant_id,
                   InventoryLevel.location_id == reservation.location_id,
                   InventoryLevel.reserved >= reservation.quantity)
            .values(reserved=InventoryLevel.reserved - reservation.quantity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        reservation.released_at = utcnow()
        released += reservation.quantity
    return released


def commit_sale(session: Session, order_id: int, reference: str) -> list[int]:
    """A paid order takes its held units out of stock for good; returns the variant ids touched."""
    touched = []
    for reservation in open_reservations(session, order_id):
        session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.variant_id == reservation.variant_id,
                   InventoryLevel.location_id == reservation.location_id)
            .values(on_hand=InventoryLevel.on_hand - reservation.quantity,
                    reserved=InventoryLevel.reserved - reservation.quantity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.add(StockMovement(variant_id=reservation.variant_id, location_id=reservation.location_id,
                                  delta=-reservation.quantity, reason="sale", reference=reference))
        reservation.released_at = utcnow()
        touched.append(reservation.variant_id)
    return touched


def restock(session: Session, variant_id: int, location_id: int, quantity: int, reference: str) -> None:
    session.execute(
        update(InventoryLevel)
        .where(InventoryLevel.variant_id == variant_id, InventoryLevel.location_id == location_id)
        .values(on_hand=InventoryLevel.on_hand + quantity, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.add(StockMovement(variant_id=variant_id, location_id=location_id, delta=quantity, reason="return",
                              reference=reference))
