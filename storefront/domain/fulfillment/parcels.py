"""The parcel to book: weight from the variants plus the box, dimensions from a saved box preset."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.planning import line_label
from storefront.integrations.carriers import types as carrier_types
from storefront.models import BoxPreset, Order, OrderLine, Variant


@dataclass(frozen=True)
class Parcel:
    """A parcel as staff confirm it; only the weight is required when they type it in by hand."""

    weight_grams: int
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    box_preset_id: int | None = None
    box_name: str | None = None
    contents_weight_grams: int | None = None
    tare_weight_grams: int = 0

    def to_carrier(self) -> carrier_types.Parcel:
        return carrier_types.Parcel(weight_grams=self.weight_grams, length_mm=self.length_mm,
                                    width_mm=self.width_mm, height_mm=self.height_mm, packaging=self.box_name)

    def as_dict(self) -> dict:
        """What Shipment.parcel keeps."""
        return asdict(self)


def order_lines(order: Order, lines: dict[int, int]) -> list[tuple[OrderLine, int]]:
    """The order's lines named in `lines` with their quantities, in order-line order."""
    by_id = {line.id: line for line in order.lines}
    unknown = [line_id for line_id in lines if int(line_id) not in by_id]
    if unknown:
        raise FulfillmentError(FulfillmentErrorCode.UNKNOWN_LINE,
                               _("Order #%(number)s has no line %(line)s.", number=order.number, line=unknown[0]),
                               field=f"lines-{unknown[0]}")
    wanted = {int(line_id): int(quantity) for line_id, quantity in lines.items() if int(quantity) > 0}
    return [(line, wanted[line.id]) for line in order.lines if line.id in wanted]


def unit_weights(session: Session, order: Order, lines: dict[int, int]) -> dict[int, int]:
    """Grams per unit for each line, from the variant as it is now (the owner may just have fixed it), else
    as it was at checkout. A weightless variant is refused: carriers price and customs declare by weight."""
    chosen = order_lines(order, lines)
    variant_ids = [line.variant_id for line, _quantity in chosen if line.variant_id]
    variants = {v.id: v for v in session.scalars(select(Variant).where(Variant.id.in_(variant_ids)))} \
        if variant_ids else {}
    weights = {}
    for line, _quantity in chosen:
        variant = variants.get(line.variant_id)
        grams = variant.weight_grams if variant is not None else line.weight_grams
        if not grams or grams <= 0:
            raise FulfillmentError(
                FulfillmentErrorCode.MISSING_WEIGHT,
                _("Variant %(variant)s has no weight — enter its weight in grams on the product page.",
                  variant=line_label(line)),
                field=f"lines-{line.id}")
        weights[line.id] = grams
    return weights


def contents_weight(session: Session, order: Order, lines: dict[int, int]) -> int:
    weights = unit_weights(session, order, lines)
    return sum(weights[line.id] * quantity for line, quantity in order_lines(order, lines))


def draft_parcel(session: Session, order: Order, lines: dict[int, int], box_preset_id: int | None = None) -> Parcel:
    """The parcel for these lines: Σ variant weight × quantity + the box's own weight, and the box's size.
    The box is the one chosen, else the default box when the goods fit in it, else the smallest box that
    takes their weight; with no box presets at all the parcel has a weight and no dimensions."""
    contents = contents_weight(session, order, lines)
    box = choose_box(session, contents, box_preset_id)
    if box is None:
        return Parcel(weight_grams=contents, contents_weight_grams=contents)
    return Parcel(weight_grams=contents + box.tare_weight_grams, length_mm=box.length_mm, width_mm=box.width_mm,
                  height_mm=box.height_mm, box_preset_id=box.id, box_name=box.name,
                  contents_weight_grams=contents, tare_weight_grams=box.tare_weight_grams)


def _fits(box: BoxPreset, contents: int) -> bool:
    return box.max_weight_grams is None or contents + box.tare_weight_grams <= box.max_weight_grams


def choose_box(session: Session, contents: int, box_preset_id: int | None = None) -> BoxPreset | None:
    if box_preset_id is not None:
        box = session.get(BoxPreset, box_preset_id)
        if box is None:
            raise FulfillmentError(FulfillmentErrorCode.UNKNOWN_BOX,
                                   _("That box no longer exists; choose another one."), field="box_preset_id")
        if not _fits(box, contents):
            raise FulfillmentError(
                FulfillmentErrorCode.BOX_TOO_SMALL,
                _("The box %(box)s takes up to %(max)s g; these items and the box weigh %(weight)s g — choose a "
                  "bigger box or ship fewer items.", box=box.name, max=box.max_weight_grams,
                  weight=contents + box.tare_weight_grams),
                field="box_preset_id")
        return box
    boxes = session.scalars(select(BoxPreset).order_by(BoxPreset.id)).all()
    default = next((box for box in boxes if box.is_default), None)
    if default is not None and _fits(default, contents):
        return default
    fitting = [box for box in boxes if _fits(box, contents)]
    return min(fitting, key=lambda box: (box.length_mm * box.width_mm * box.height_mm, box.id), default=None)


def parcel_from(value: Parcel | carrier_types.Parcel | dict) -> Parcel:
    """A parcel from what a form or another service hands over, refused when its weight or size is not a
    positive whole number."""
    if isinstance(value, Parcel):
        parcel = value
    elif isinstance(value, carrier_types.Parcel):
        parcel = Parcel(weight_grams=value.weight_grams, length_mm=value.length_mm, width_mm=value.width_mm,
                        height_mm=value.height_mm, box_name=value.packaging)
    else:
        known = set(Parcel.__dataclass_fields__)
        parcel = Parcel(**{key: item for key, item in dict(value).items() if key in known})
    if not isinstance(parcel.weight_grams, int) or parcel.weight_grams <= 0:
        raise FulfillmentError(FulfillmentErrorCode.INVALID_PARCEL,
                               _("Enter the parcel's weight in grams."), field="weight_grams")
    for name in ("length_mm", "width_mm", "height_mm"):
        size = getattr(parcel, name)
        if size is not None and (not isinstance(size, int) or size <= 0):
            raise FulfillmentError(FulfillmentErrorCode.INVALID_PARCEL,
                                   _("Enter the parcel's length, width and height in millimetres."), field=name)
    return parcel
