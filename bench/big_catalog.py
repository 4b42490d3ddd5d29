"""Generate a large, realistic-sounding multilingual catalogue for benchmarks (never for the demo).

Titles combine a material, an adjective and a product noun, with each language's own words and
word order, so the index sees the vocabulary and stemming load of a real shop.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storefront.models import InventoryLevel, Location, Product, ProductStatus, ProductTranslation, Variant, utcnow

NOUNS = [  # en, de, fr, es, ja, zh-CN
    ("T-Shirt", "T-Shirt", "t-shirt", "camiseta", "Tシャツ", "T恤"),
    ("Hoodie", "Kapuzenpullover", "sweat à capuche", "sudadera", "パーカー", "连帽衫"),
    ("Jacket", "Jacke", "veste", "chaqueta", "ジャケット", "夹克"),
    ("Dress", "Kleid", "robe", "vestido", "ワンピース", "连衣裙"),
    ("Backpack", "Rucksack", "sac à dos", "mochila", "リュック", "双肩包"),
    ("Wallet", "Geldbörse", "portefeuille", "cartera", "財布", "钱包"),
    ("Scarf", "Schal", "écharpe", "bufanda", "スカーフ", "围巾"),
    ("Charger", "Ladegerät", "chargeur", "cargador", "充電器", "充电器"),
    ("Cable", "Kabel", "câble", "cable", "ケーブル", "数据线"),
    ("Power Bank", "Powerbank", "batterie externe", "batería externa", "モバイルバッテリー", "充电宝"),
    ("Earbuds", "Ohrhörer", "écouteurs", "auriculares", "イヤホン", "耳机"),
    ("Phone Case", "Handyhülle", "coque de téléphone", "funda de móvil", "スマホケース", "手机壳"),
    ("Desk Lamp", "Schreibtischlampe", "lampe de bureau", "lámpara de escritorio", "デスクランプ", "台灯"),
    ("Mug", "Becher", "tasse", "taza", "マグカップ", "马克杯"),
    ("Teapot", "Teekanne", "théière", "tetera", "急須", "茶壶"),
    ("Cutting Board", "Schneidebrett", "planche à découper", "tabla de cortar", "まな板", "砧板"),
    ("Pillow Cover", "Kissenbezug", "housse de coussin", "funda de cojín", "クッションカバー", "抱枕套"),
    ("Towel", "Handtuch", "serviette", "toalla", "タオル", "毛巾"),
    ("Candle", "Kerze", "bougie", "vela", "キャンドル", "蜡烛"),
    ("Serum", "Serum", "sérum", "sérum", "美容液", "精华液"),
    ("Face Mask", "Gesichtsmaske", "masque visage", "mascarilla facial", "フェイスマスク", "面膜"),
    ("Sunscreen", "Sonnencreme", "crème solaire", "protector solar", "日焼け止め", "防晒霜"),
    ("Yoga Mat", "Yogamatte", "tapis de yoga", "esterilla de yoga", "ヨガマット", "瑜伽垫"),
    ("Water Bottle", "Trinkflasche", "gourde", "botella de agua", "水筒", "水壶"),
    ("Tent", "Zelt", "tente", "tienda de campaña", "テント", "帐篷"),
    ("Hammock", "Hängematte", "hamac", "hamaca", "ハンモック", "吊床"),
    ("Watch", "Uhr", "montre", "reloj", "腕時計", "手表"),
    ("Sunglasses", "Sonnenbrille", "lunettes de soleil", "gafas de sol", "サングラス", "太阳镜"),
    ("Socks", "Socken", "chaussettes", "calcetines", "靴下", "袜子"),
    ("Cap", "Kappe", "casquette", "gorra", "キャップ", "棒球帽"),
]
MATERIALS = [
    ("Organic Cotton", "Bio-Baumwoll", "en coton bio", "de algodón orgánico", "オーガニックコットン", "有机棉"),
    ("Linen", "Leinen", "en lin", "de lino", "リネン", "亚麻"),
    ("Merino Wool", "Merinowoll", "en laine mérinos", "de lana merino", "メリノウール", "美利奴羊毛"),
    ("Recycled Nylon", "Recycling-Nylon", "en nylon recyclé", "de nailon reciclado", "リサイクルナイロン", "再生尼龙"),
    ("Bamboo", "Bambus", "en bambou", "de bambú", "竹製", "竹制"),
    ("Leather", "Leder", "en cuir", "de cuero", "レザー", "真皮"),
    ("Stoneware", "Steingut", "en grès", "de gres", "陶器", "粗陶"),
    ("Silicone", "Silikon", "en silicone", "de silicona", "シリコン", "硅胶"),
    ("Stainless Steel", "Edelstahl", "en acier inoxydable", "de acero inoxidable", "ステンレス", "不锈钢"),
    ("Cashmere", "Kaschmir", "en cachemire", "de cachemira", "カシミヤ", "羊绒"),
]
ADJECTIVES = [
    ("Lightweight", "Leichte", "léger", "ligero", "軽量", "轻量"),
    ("Classic", "Klassische", "classique", "clásico", "クラシック", "经典"),
    ("Compact", "Kompakte", "compact", "compacto", "コンパクト", "紧凑型"),
    ("Waterproof", "Wasserdichte", "imperméable", "impermeable", "防水", "防水"),
    ("Minimalist", "Minimalistische", "minimaliste", "minimalista", "ミニマル", "极简"),
    ("Travel", "Reise-", "de voyage", "de viaje", "トラベル", "旅行"),
    ("Everyday", "Alltags-", "du quotidien", "para el día a día", "デイリー", "日常"),
    ("Premium", "Premium-", "premium", "prémium", "プレミアム", "高级"),
    ("Soft", "Weiche", "doux", "suave", "やわらか", "柔软"),
    ("Foldable", "Faltbare", "pliable", "plegable", "折りたたみ", "可折叠"),
]
VENDORS = ["Harbor & Loom", "Northwake", "Ampwell", "Kiyo Labs", "Ember & Oak", "Fern & Finch", "Koru Active",
           "Haneul Botanics", "Linden Row", "Kestrel Studio"]
LOCALES = ("en", "de", "fr", "es", "ja", "zh-CN")


def title_in(locale_index: int, adjective, material, noun, number: int) -> str:
    a, m, n = adjective[locale_index], material[locale_index], noun[locale_index]
    if locale_index == 0:
        return f"{a} {m} {n} {number}"
    if locale_index == 1:
        return f"{a}{'' if a.endswith('-') else ' '}{m}{n.lower() if not n[0].isupper() else '-' + n} {number}"
    if locale_index in (2, 3):
        return f"{n.capitalize()} {a} {m} {number}"
    return f"{a}{m}{n} {number}"


def generate(session: Session, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    location = Location(code=f"BENCH-{seed}", name="Bench warehouse", country_code="CN", ships_to=["*"])
    session.add(location)
    session.flush()
    now = utcnow()
    for start in range(0, count, 1000):
        products, translations, variants, words = [], [], [], []
        batch = range(start, min(start + 1000, count))
        for i in batch:
            noun, material, adjective = rng.choice(NOUNS), rng.choice(MATERIALS), rng.choice(ADJECTIVES)
            words.append((noun, material, adjective))
            products.append({
                "handle": f"bench-{seed}-{i}", "status": ProductStatus.ACTIVE, "title": title_in(0, adjective, material, noun, i),
                "description_html": f"<p>{title_in(0, adjective, material, noun, i)} for everyday use. "
                                    f"Made with care from {material[0].lower()}.</p>",
                "vendor": rng.choice(VENDORS), "product_type": noun[0], "certifications": [],
                "featured": False, "published_at": now - timedelta(minutes=i), "created_at": now, "updated_at": now,
            })
        ids = session.execute(insert(Product).returning(Product.id), products).scalars().all()
        for product_id, i, (noun, material, adjective) in zip(ids, batch, words):
            for index, locale in enumerate(LOCALES[1:], start=1):
                translations.append({
                    "product_id": product_id, "locale": locale, "handle": f"bench-{seed}-{i}-{locale.lower()}",
                    "title": title_in(index, adjective, material, noun, i), "description_html": "",
                    "created_at": now, "updated_at": now,
                })
            for position in range(1, rng.randint(1, 3) + 1):
                variants.append({"product_id": product_id, "position": position, "sku": f"B{seed}-{i}-{position}",
                                 "price": rng.randint(500, 20000), "weight_grams": rng.randint(50, 3000),
                                 "option1": ("S", "M", "L")[position - 1], "created_at": now, "updated_at": now})
        session.execute(insert(ProductTranslation), translations)
        variant_ids = session.execute(insert(Variant).returning(Variant.id), variants).scalars().all()
        session.execute(insert(InventoryLevel), [
            {"variant_id": vid, "location_id": location.id, "on_hand": rng.randint(0, 50), "reserved": 0,
             "updated_at": now} for vid in variant_ids])
    session.flush()
