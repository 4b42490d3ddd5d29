"""Markets, taxes, warehouses and shipping of the demo seller (Shenzhen + New Jersey)."""
from __future__ import annotations

from decimal import Decimal

EUROZONE = ["AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU",
            "LV", "MT", "NL", "PT", "SI", "SK"]

# code, name, currency, default locale, locales, countries, adjustment (bp), rounding, tax-inclusive, duties
MARKETS = [
    ("US", "United States", "USD", "en", ["en", "es"], ["US", "PR"], 0, "none", False, "DAP"),
    ("EU", "Eurozone", "EUR", "de", ["de", "fr", "es", "en"], EUROZONE, 200, "ending_95", True, "DDP"),
    ("GB", "United Kingdom", "GBP", "en", ["en"], ["GB"], 200, "ending_99", True, "DDP"),
    ("JP", "Japan", "JPY", "ja", ["ja", "en"], ["JP"], 300, "nearest_10", True, "DAP"),
    ("CA", "Canada", "CAD", "en", ["en", "fr"], ["CA"], 100, "ending_99", False, "DAP"),
    ("AU", "Australia", "AUD", "en", ["en"], ["AU"], 200, "ending_95", True, "DAP"),
    ("INTL", "Rest of world", "USD", "en", ["en", "zh-CN", "ja", "es", "fr", "de"], [], 0, "none", False, "DAP"),
]

# Where a market's typical order goes (the rest of the world: a country no market lists).
MAIN_COUNTRIES = {"US": "US", "EU": "DE", "GB": "GB", "JP": "JP", "CA": "CA", "AU": "AU", "INTL": "CH"}

# Standard VAT/GST rates (percent). EU countries outside the eurozone sell in USD but still owe VAT.
TAX_RATES: list[tuple[str, str | None, str, Decimal, bool]] = [
    *[(cc, None, "VAT", Decimal(r), True) for cc, r in {
        "AT": "20", "BE": "21", "BG": "20", "CY": "19", "DE": "19", "EE": "24", "ES": "21", "FI": "25.5",
        "FR": "20", "GR": "24", "HR": "25", "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21",
        "MT": "18", "NL": "21", "PT": "23", "SI": "22", "SK": "23", "PL": "23", "CZ": "21", "SE": "25",
        "DK": "25", "HU": "27", "RO": "21",
    }.items()],
    ("GB", None, "VAT", Decimal("20"), True),
    ("JP", None, "JCT", Decimal("10"), True),
    ("AU", None, "GST", Decimal("10"), True),
    ("NZ", None, "GST", Decimal("15"), True),
    ("CH", None, "MWST", Decimal("8.1"), True),
    ("NO", None, "MVA", Decimal("25"), True),
    ("CA", None, "GST", Decimal("5"), False),
    ("CA", "ON", "HST", Decimal("13"), False),
    ("CA", "QC", "GST+QST", Decimal("14.975"), False),
    ("CA", "BC", "GST+PST", Decimal("12"), False),
    ("CA", "NS", "HST", Decimal("14"), False),
]

# Low-value import schemes: VAT collected at checkout at or below these (minor units, currency).
IMPORT_THRESHOLDS = {"GB": (13500, "GBP"), "AU": (100000, "AUD"), "NZ": (100000, "NZD")}
EU_IOSS_THRESHOLD = (15000, "EUR")
EU_MEMBERS = set(EUROZONE) | {"PL", "CZ", "SE", "DK", "HU", "RO"}

LOCATIONS = [
    {"code": "CN-SZX", "name": "Shenzhen warehouse", "country_code": "CN", "ships_to": ["*"], "is_default": True,
     "address": {"address1": "Building 3, Fuhai Industrial Park, Bao'an", "city": "Shenzhen",
                 "province_code": "GD", "postal_code": "518103", "country_code": "CN"}},
    {"code": "US-EWR", "name": "New Jersey warehouse", "country_code": "US", "ships_to": ["US", "CA"],
     "is_default": False,
     "address": {"address1": "150 Raritan Commerce Drive", "city": "Edison", "province_code": "NJ",
                 "postal_code": "08837", "country_code": "US"}},
]

# Weight brackets (grams) and USD prices per service; converted into each market's currency.
BRACKETS = [250, 500, 1000, 2000, 5000, 10000]
SERVICES = [
    # name translations, level, carrier hint, service hint, min/max days, USD prices, free over USD
    ({"en": "Express (DHL Express)", "de": "Express (DHL Express)", "fr": "Express (DHL Express)",
      "es": "Exprés (DHL Express)", "ja": "速達 (DHL Express)", "zh-CN": "特快 (DHL Express)"},
     "express", "mydhl", "mydhl_express_worldwide", 3, 6,
     ["19.90", "24.90", "34.90", "49.90", "84.90", "134.90"], None),
    ({"en": "Dedicated line (YunExpress)", "de": "Direktlinie (YunExpress)", "fr": "Ligne directe (YunExpress)",
      "es": "Línea directa (YunExpress)", "ja": "専用ライン (YunExpress)", "zh-CN": "专线 (云途物流)"},
     "dedicated_line", "yunexpress", "yunexpress_standard", 7, 12,
     ["6.90", "9.90", "14.90", "23.90", "44.90", "74.90"], "59.00"),
    ({"en": "Postal (China Post ePacket)", "de": "Post (China Post ePacket)", "fr": "Postal (China Post ePacket)",
      "es": "Correo (China Post ePacket)", "ja": "郵便 (China Post ePacket)", "zh-CN": "邮政小包 (中国邮政 e邮宝)"},
     "postal", "chinapost", "chinapost_epacket", 10, 20, ["3.90", "5.90", "9.90", "16.90"], None),
]
US_WAREHOUSE_SERVICE = (
    {"en": "US warehouse ground", "de": "Versand aus US-Lager", "fr": "Envoi depuis l'entrepôt américain",
     "es": "Envío terrestre desde almacén en EE. UU.", "ja": "米国倉庫から陸送", "zh-CN": "美国仓发货（陆运）"},
    "standard", "usps", "ground_advantage", 2, 5, ["5.95", "5.95", "7.95", "10.95", "16.95", "24.95"], "49.00",
)

# Carrier accounts of the demo seller: test mode, made-up credentials. `clipper demo` points the API carriers at
# local fake carriers; the forwarders price by their default rate tables and label parcels themselves.
# carrier, account label, ships from (location codes), account settings
CARRIER_ACCOUNTS = [
    ("mydhl", "Demo account", ["CN-SZX", "US-EWR"],
     {"currency": "USD", "default_service": "mydhl_express_worldwide"}),
    ("fedex", "Demo account", ["CN-SZX", "US-EWR"],
     {"currency": "USD", "default_service": "fedex_international_priority"}),
    ("ups", "Demo account", ["CN-SZX", "US-EWR"], {"currency": "USD", "default_service": "ups_worldwide_saver"}),
    ("usps_international", "Demo account", ["US-EWR"],
     {"currency": "USD", "default_service": "usps_priority_mail_international"}),
    ("yunexpress", "Demo account", ["CN-SZX"], {}),
    ("fourpx", "Demo account", ["CN-SZX"], {}),
    ("chinapost", "Demo account", ["CN-SZX"], {}),
]
# Values for credential fields a carrier asks for; any other field gets "demo-<field name>".
DEMO_CREDENTIALS = {"account_number": "960123456", "customer_code": "HLG-DEMO-01"}

# name, inner length × width × height (mm), packaging weight (g), max load (g), default. Packing takes the default
# box when the goods fit, else the smallest box that takes them.
BOX_PRESETS = [
    ("Small mailer box", 220, 160, 80, 90, 2000, True),
    ("Medium mailer box", 310, 230, 120, 180, 5000, False),
    ("Large mailer box", 410, 310, 190, 320, 15000, False),
    ("Poly mailer bag", 350, 250, 30, 20, 2000, False),
]

# Customs registration for EU imports (the IOSS number is on the store already): a German EORI, "DE" + 15 digits.
EORI_NUMBER = "DE472019385716204"

# The one live rate: DHL Express to the Eurozone is quoted by DHL at checkout, plus 10 %; its brackets stay
# as the fallback when DHL is down or slow.
LIVE_RATE = {"market": "EU", "carrier": "mydhl", "service": "mydhl_express_worldwide", "margin_bp": 1000}

STORE_THEME_SETTINGS = {
    "announcement": {
        "en": "Free tracked shipping over US$59 · Duties included for the EU and UK",
        "de": "Kostenloser Versand mit Sendungsverfolgung ab 59 US$ · Zölle für EU und UK inklusive",
        "fr": "Livraison suivie offerte dès 59 $ US · Droits de douane inclus pour l'UE et le Royaume-Uni",
        "es": "Envío con seguimiento gratis desde 59 US$ · Aranceles incluidos para la UE y el Reino Unido",
        "ja": "59米ドル以上で追跡付き送料無料・EU/英国は関税込み",
        "zh-CN": "满 59 美元免运费（可追踪）· 欧盟及英国包税",
    },
    "hero": {
        "heading": {
            "en": "Well-made goods, shipped to your door", "de": "Gut gemachte Dinge, bis an Ihre Tür geliefert",
            "fr": "Des objets bien faits, livrés chez vous", "es": "Productos bien hechos, hasta tu puerta",
            "ja": "丁寧につくられた品を、あなたのもとへ", "zh-CN": "用心之作，送货到家",
        },
        "subheading": {
            "en": "Prices in your currency, taxes shown up front, tracked delivery worldwide.",
            "de": "Preise in Ihrer Währung, Steuern von Anfang an ausgewiesen, weltweiter Versand mit Tracking.",
            "fr": "Prix dans votre devise, taxes affichées d'emblée, livraison suivie dans le monde entier.",
            "es": "Precios en tu moneda, impuestos claros desde el principio y envío con seguimiento a todo el mundo.",
            "ja": "お客様の通貨で表示、税金も明示、世界中へ追跡付きでお届けします。",
            "zh-CN": "以您的货币标价，税费一目了然，全球可追踪配送。",
        },
    },
}

EXTRA_COLLECTIONS = [
    {"handle": "sale", "kind": "smart", "rules": [{"field": "tag", "relation": "equals", "value": "sale"}],
     "translations": {
         "en": ("Sale", "sale", "<p>Limited-time prices on favourites across the shop.</p>"),
         "de": ("Sale", "sale", "<p>Lieblingsstücke aus dem ganzen Shop – für kurze Zeit reduziert.</p>"),
         "fr": ("Soldes", "soldes", "<p>Des prix réduits pour une durée limitée sur nos favoris.</p>"),
         "es": ("Rebajas", "rebajas", "<p>Precios por tiempo limitado en los favoritos de la tienda.</p>"),
         "ja": ("セール", "sale", "<p>人気アイテムを期間限定価格で。</p>"),
         "zh-CN": ("特惠", "sale", "<p>全店人气好物限时特价。</p>"),
     }},
    {"handle": "new-arrivals", "kind": "smart", "rules": [{"field": "tag", "relation": "equals", "value": "new"}],
     "translations": {
         "en": ("New arrivals", "new-arrivals", "<p>Just landed in our Shenzhen and New Jersey warehouses.</p>"),
         "de": ("Neuheiten", "neuheiten", "<p>Frisch eingetroffen in unseren Lagern in Shenzhen und New Jersey.</p>"),
         "fr": ("Nouveautés", "nouveautes", "<p>Tout juste arrivés dans nos entrepôts de Shenzhen et du New Jersey.</p>"),
         "es": ("Novedades", "novedades", "<p>Recién llegados a nuestros almacenes de Shenzhen y Nueva Jersey.</p>"),
         "ja": ("新着アイテム", "new-arrivals", "<p>深圳とニュージャージーの倉庫に届いたばかりの新商品。</p>"),
         "zh-CN": ("新品上架", "new-arrivals", "<p>深圳仓与新泽西仓刚刚到货的新品。</p>"),
     }},
]
