"""Product pictures drawn locally with Pillow: one per product and colour, no downloads."""
from __future__ import annotations

import hashlib

from PIL import Image, ImageColor, ImageDraw

SIZE = 1080


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)  # type: ignore[return-value]


def _tint(rgb: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    return tuple(int(c + (255 - c) * amount) for c in rgb)  # type: ignore[return-value]


def draw_product(motif: str, hex_color: str, seed: str) -> Image.Image:
    """A clean studio-style picture of `motif` in `hex_color`; `seed` varies the backdrop."""
    color = ImageColor.getrgb(hex_color if hex_color.startswith("#") else "#7a8a99")
    h = int(hashlib.sha256(seed.encode()).hexdigest()[:6], 16)
    backdrop = _tint(((h >> 16) & 255, (h >> 8) & 255, h & 255), 0.86)
    image = Image.new("RGB", (SIZE, SIZE), backdrop)
    draw = ImageDraw.Draw(image)
    # floor shadow
    draw.ellipse((250, 880, 830, 960), fill=_shade(backdrop, 0.88))
    dark, light = _shade(color, 0.7), _tint(color, 0.35)
    DRAWERS.get(motif, _box)(draw, color, dark, light)
    return image


def _shirt(d, c, dark, light, sleeves=True, hood=False):
    body = [(330, 300), (440, 250), (640, 250), (750, 300), (750, 880), (330, 880)]
    d.polygon(body, fill=c)
    if sleeves:
        d.polygon([(330, 300), (200, 470), (270, 530), (330, 450)], fill=dark)
        d.polygon([(750, 300), (880, 470), (810, 530), (750, 450)], fill=dark)
    if hood:
        d.ellipse((430, 160, 650, 340), fill=dark)
        d.rectangle((520, 340, 560, 520), fill=light)
    else:
        d.ellipse((470, 225, 610, 305), fill=_tint(c, 0.6))


def _hoodie(d, c, dark, light):
    _shirt(d, c, dark, light, hood=True)


def _dress(d, c, dark, light):
    d.polygon([(450, 250), (630, 250), (660, 450), (800, 900), (280, 900), (420, 450)], fill=c)
    d.rectangle((420, 440, 660, 470), fill=dark)


def _cap(d, c, dark, light):
    d.pieslice((300, 330, 780, 810), 180, 360, fill=c)
    d.ellipse((270, 540, 900, 640), fill=dark)
    d.ellipse((520, 320, 560, 360), fill=light)


def _bag(d, c, dark, light):
    d.arc((400, 180, 680, 460), 180, 360, fill=dark, width=28)
    d.rounded_rectangle((300, 320, 780, 880), radius=60, fill=c)
    d.rounded_rectangle((380, 420, 700, 520), radius=20, fill=dark)


def _wallet(d, c, dark, light):
    d.rounded_rectangle((260, 380, 820, 760), radius=40, fill=c)
    d.rounded_rectangle((260, 380, 820, 520), radius=40, fill=dark)
    d.ellipse((700, 500, 760, 560), fill=light)


def _scarf(d, c, dark, light):
    for i in range(6):
        d.rectangle((300 + i * 80, 220, 360 + i * 80, 880), fill=c if i % 2 else dark)


def _charger(d, c, dark, light):
    d.rounded_rectangle((360, 330, 720, 800), radius=50, fill=c)
    d.rectangle((430, 230, 470, 330), fill=(180, 180, 180))
    d.rectangle((610, 230, 650, 330), fill=(180, 180, 180))
    d.rounded_rectangle((470, 640, 610, 690), radius=10, fill=dark)


def _cable(d, c, dark, light):
    d.arc((220, 260, 860, 900), 200, 520, fill=c, width=36)
    d.rounded_rectangle((470, 200, 610, 320), radius=20, fill=dark)


def _earbuds(d, c, dark, light):
    d.rounded_rectangle((330, 430, 750, 800), radius=150, fill=c)
    d.line((330, 600, 750, 600), fill=dark, width=10)
    d.ellipse((420, 280, 520, 380), fill=light)
    d.ellipse((560, 280, 660, 380), fill=light)


def _powerbank(d, c, dark, light):
    d.rounded_rectangle((370, 220, 710, 880), radius=60, fill=c)
    for i in range(4):
        d.ellipse((500 + i * 22, 760, 516 + i * 22, 776), fill=light)


def _case(d, c, dark, light):
    d.rounded_rectangle((380, 180, 700, 900), radius=70, fill=c)
    d.rounded_rectangle((420, 220, 560, 380), radius=40, fill=dark)


def _lamp(d, c, dark, light):
    d.polygon([(400, 230), (680, 230), (760, 450), (320, 450)], fill=c)
    d.rectangle((525, 450, 555, 820), fill=dark)
    d.ellipse((400, 800, 680, 880), fill=dark)


def _mug(d, c, dark, light):
    d.rounded_rectangle((330, 340, 690, 840), radius=40, fill=c)
    d.arc((620, 440, 820, 700), 270, 90, fill=dark, width=40)
    d.ellipse((330, 310, 690, 380), fill=light)


def _plant(d, c, dark, light):
    for box in ((380, 180, 540, 480), (520, 160, 680, 470), (450, 120, 610, 430)):
        d.ellipse(box, fill=(70, 130, 80))
    d.polygon([(370, 470), (710, 470), (660, 860), (420, 860)], fill=c)


def _pillow(d, c, dark, light):
    d.rounded_rectangle((230, 300, 850, 820), radius=120, fill=c)
    d.line((300, 560, 780, 560), fill=dark, width=8)


def _bottle(d, c, dark, light):
    d.rounded_rectangle((420, 320, 660, 880), radius=70, fill=c)
    d.rectangle((490, 210, 590, 330), fill=dark)
    d.rectangle((440, 520, 640, 660), fill=light)


def _jar(d, c, dark, light):
    d.rounded_rectangle((340, 400, 740, 860), radius=60, fill=c)
    d.rounded_rectangle((360, 320, 720, 420), radius=20, fill=dark)


def _tube(d, c, dark, light):
    d.polygon([(420, 220), (660, 220), (620, 800), (460, 800)], fill=c)
    d.rounded_rectangle((440, 790, 640, 880), radius=20, fill=dark)


def _mask(d, c, dark, light):
    d.ellipse((330, 200, 750, 860), fill=c)
    d.ellipse((420, 420, 500, 470), fill=dark)
    d.ellipse((580, 420, 660, 470), fill=dark)
    d.ellipse((490, 680, 590, 720), fill=dark)


def _mat(d, c, dark, light):
    d.rounded_rectangle((200, 620, 880, 760), radius=30, fill=c)
    d.ellipse((700, 520, 900, 780), fill=dark)
    d.ellipse((740, 560, 860, 740), fill=light)


def _tent(d, c, dark, light):
    d.polygon([(540, 240), (880, 860), (200, 860)], fill=c)
    d.polygon([(540, 480), (640, 860), (440, 860)], fill=dark)


def _watch(d, c, dark, light):
    d.rounded_rectangle((470, 160, 610, 920), radius=30, fill=dark)
    d.ellipse((380, 380, 700, 700), fill=c)
    d.ellipse((410, 410, 670, 670), fill=(245, 245, 240))
    d.line((540, 540, 540, 450), fill=(30, 30, 30), width=10)
    d.line((540, 540, 610, 560), fill=(30, 30, 30), width=8)


def _box(d, c, dark, light):
    d.rounded_rectangle((320, 320, 760, 860), radius=30, fill=c)
    d.rectangle((320, 420, 760, 460), fill=dark)


DRAWERS = {
    "shirt": _shirt, "hoodie": _hoodie, "dress": _dress, "cap": _cap, "bag": _bag, "wallet": _wallet,
    "scarf": _scarf, "charger": _charger, "cable": _cable, "earbuds": _earbuds, "powerbank": _powerbank,
    "case": _case, "lamp": _lamp, "mug": _mug, "plant": _plant, "pillow": _pillow, "bottle": _bottle,
    "jar": _jar, "tube": _tube, "mask": _mask, "mat": _mat, "bottle-sport": _bottle, "tent": _tent,
    "watch": _watch,
}
