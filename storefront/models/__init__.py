"""All models, imported here so Alembic and the app see the whole schema."""
from storefront.models.base import Base, utcnow
from storefront.models.cart import Cart, CartLine
from storefront.models.catalog import (
    Collection,
    CollectionKind,
    CollectionProduct,
    CollectionSort,
    CollectionTranslation,
    InventoryPolicy,
    Product,
    ProductImage,
    ProductMarketRestriction,
    ProductOption,
    ProductOptionValue,
    ProductStatus,
    ProductTag,
    ProductTranslation,
    Variant,
    VariantMarketPrice,
)
from storefront.models.content import Page, PageKind, PageTranslation, Redirect
from storefront.models.customer import Customer, CustomerAddress, Subscriber, SubscriberStatus
from storefront.models.inventory import InventoryLevel, InventoryReservation, Location, StockMovement
from storefront.models.marketing import (
    Campaign,
    CampaignChannel,
    CampaignLink,
    DiscountAmount,
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    LandingKind,
    Visit,
)
from storefront.models.order import (
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from storefront.models.shipping import (
    BoxPreset,
    CarrierAccount,
    CarrierAccountLocation,
    LabelBatch,
    ServiceLevel,
    Shipment,
    ShipmentException,
    ShipmentLine,
    ShipmentStatus,
    ShippingRate,
    ShippingRateBracket,
    ShippingZone,
    ShippingZoneCountry,
    TrackingEvent,
)
from storefront.models.staff import AuditLog, StaffRole, StaffUser
from storefront.models.store import DutiesPolicy, FxRate, FxSource, Market, MarketCountry, RoundingRule, StoreSettings, TaxRate
from storefront.models.system import SearchIndexChange, SearchQueryStat, WebhookEvent

__all__ = [name for name in dir() if not name.startswith("_")]
