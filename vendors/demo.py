"""Fictional legal documents for the demo data (`manage.py demo_data`), drawn locally with Pillow.

Nothing here is a real document or a real person: every image says CONTOH (sample) in large
letters, and the NIKs use serials 9xxx on made-up dates of birth.
"""

import datetime as dt
import io
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SAMPLE_MARK = "CONTOH — BUKAN KTP ASLI"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    # DejaVu Sans (most Linux systems) has the em dash; Pillow's built-in font lacks it.
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        pass
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError, TypeError):  # Pillow without FreeType: one small bitmap font
        return ImageFont.load_default()


def _text(text: str) -> str:
    """`text` as the available font can draw it."""
    font = _font(20)
    if isinstance(font, ImageFont.FreeTypeFont) and "DejaVu" in str(font.path):
        return text
    return text.replace("—", "-")


def demo_nik(*, region_code: str, kecamatan: str, birth: dt.date, female: bool, serial: str) -> str:
    """A NIK that passes vendors.validators.normalize_nik: region (4), kecamatan (2), DDMMYY with
    day + 40 for women (6), serial (4, fictional 9xxx)."""
    day = birth.day + 40 if female else birth.day
    nik = f"{region_code}{kecamatan}{day:02d}{birth:%m%y}{serial}"
    assert len(nik) == 16 and nik.isdigit() and serial != "0000", nik
    return nik


def _jpeg(image: Image.Image) -> io.BytesIO:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=85)
    out.seek(0)
    return out


def _watermark(image: Image.Image, text: str) -> None:
    """A large diagonal translucent stamp across the image."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.text(
        (image.width // 2, image.height // 2),
        _text(text),
        font=_font(36),
        fill=(200, 0, 0, 110),
        anchor="mm",
    )
    layer = layer.rotate(20, center=(image.width // 2, image.height // 2))
    image.alpha_composite(layer)


def ktp_card(
    *,
    nik: str,
    name: str,
    birth_place: str,
    birth: dt.date,
    female: bool,
    address: str,
    kecamatan: str,
    region: str,
    blurred: bool = False,
) -> io.BytesIO:
    """A 640x400 JPEG shaped like an e-KTP, marked CONTOH — BUKAN KTP ASLI. `blurred` gives the
    unreadable photo a moderator rejects."""
    card = Image.new("RGBA", (640, 400), (170, 205, 235, 255))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 639, 399), outline=(60, 90, 140), width=4)
    draw.text((320, 22), "PROVINSI JAWA TIMUR", font=_font(20), fill=(20, 20, 20), anchor="mm")
    draw.text((320, 46), region.upper(), font=_font(20), fill=(20, 20, 20), anchor="mm")
    rows = [
        ("NIK", nik),
        ("Nama", name.upper()),
        ("Tempat/Tgl Lahir", f"{birth_place.upper()}, {birth:%d-%m-%Y}"),
        ("Jenis Kelamin", "PEREMPUAN" if female else "LAKI-LAKI"),
        ("Alamat", address.upper()[:34]),
        ("Kecamatan", kecamatan.upper()),
        ("Agama", "-"),
        ("Pekerjaan", "WIRASWASTA"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    ]
    y = 80
    for label, value in rows:
        size = 22 if label == "NIK" else 15
        draw.text((24, y), label, font=_font(size), fill=(20, 20, 20))
        draw.text((190, y), f": {value}", font=_font(size), fill=(20, 20, 20))
        y += 34 if label == "NIK" else 26
    # Photo placeholder: a silhouette, not a face.
    draw.rectangle((480, 90, 610, 260), fill=(200, 30, 40), outline=(60, 60, 60), width=2)
    draw.ellipse((515, 110, 575, 175), fill=(235, 225, 215))
    draw.pieslice((495, 175, 595, 300), 180, 360, fill=(235, 225, 215))
    draw.text((545, 285), "CONTOH", font=_font(14), fill=(20, 20, 20), anchor="mm")
    draw.rectangle((0, 358, 639, 399), fill=(200, 0, 0, 255))
    draw.text((320, 379), _text(SAMPLE_MARK), font=_font(24), fill=(255, 255, 255), anchor="mm")
    _watermark(card, SAMPLE_MARK)
    if blurred:
        card = card.filter(ImageFilter.GaussianBlur(4))
    return _jpeg(card)


def selfie(*, name: str) -> io.BytesIO:
    """A placeholder for the selfie holding the KTP: a silhouette holding a small sample card."""
    image = Image.new("RGBA", (480, 640), (225, 232, 240, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((170, 90, 310, 250), fill=(120, 95, 80))
    draw.pieslice((90, 250, 390, 640), 180, 360, fill=(60, 110, 160))
    draw.rectangle((90, 445, 390, 640), fill=(60, 110, 160))
    # The sample card held in front of the chest.
    draw.rounded_rectangle(
        (150, 400, 330, 512), radius=8, fill=(170, 205, 235), outline=(40, 40, 40)
    )
    draw.text((240, 440), "KTP CONTOH", font=_font(18), fill=(20, 20, 20), anchor="mm")
    draw.text((240, 470), name.upper()[:20], font=_font(12), fill=(20, 20, 20), anchor="mm")
    draw.text((240, 40), "CONTOH SWAFOTO DENGAN KTP", font=_font(22), fill=(200, 0, 0), anchor="mm")
    draw.text((240, 600), "BUKAN FOTO ASLI", font=_font(22), fill=(255, 255, 255), anchor="mm")
    return _jpeg(image)


def business_photo(*, shop_name: str, colour: tuple[int, int, int] = (200, 120, 40)) -> io.BytesIO:
    """A drawn shop front with the shop's name on its sign."""
    image = Image.new("RGBA", (800, 600), (180, 215, 240, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 470, 799, 599), fill=(150, 150, 150))  # street
    draw.rectangle((120, 170, 680, 470), fill=(245, 235, 215), outline=(90, 70, 50), width=3)
    for i in range(8):  # striped awning
        fill = colour if i % 2 == 0 else (250, 250, 250)
        draw.polygon(
            [(100 + i * 75, 170), (175 + i * 75, 170), (175 + i * 75, 215), (100 + i * 75, 215)],
            fill=fill,
        )
    draw.rectangle((160, 95, 640, 160), fill=(60, 60, 60))
    draw.text((400, 128), shop_name[:32], font=_font(28), fill=(255, 255, 255), anchor="mm")
    draw.rectangle((180, 260, 380, 470), fill=(120, 80, 50))  # door
    draw.rectangle((430, 250, 640, 400), fill=(210, 230, 245), outline=(90, 70, 50), width=3)
    draw.text((400, 540), "FOTO CONTOH USAHA", font=_font(24), fill=(255, 255, 255), anchor="mm")
    return _jpeg(image)
