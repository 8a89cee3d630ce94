"""Inspection photos and videos for the tests, built in memory.

- ``make_image(width, height, seed=…)``: the picture alone (a Pillow image): a gradient sky and a dozen
  large shapes placed by ``seed``, so two seeds give clearly different pictures (and perceptual hashes),
  plus fine grain so a 4000×3000 JPEG weighs about what a phone photo does;
- ``make_exif(taken_at=…, gps=…, device=…, orientation=…)``: EXIF as a phone writes it (time in the Exif
  IFD, GPS as degrees/minutes/seconds rationals with N/S/E/W references, Make and Model as UTF-8);
- ``encode(image, fmt, exif=…)``: the file's bytes, as JPEG, PNG or HEIC;
- ``make_photo(…)``: all three at once;
- ``make_video(…)``: the bytes of a tiny MP4 or QuickTime file with the boxes a player reads (one video track
  with its duration, sample description and frame table) and placeholder bytes for its frames.
"""

from __future__ import annotations

import io
import random
import struct
from datetime import datetime

import pillow_heif
from PIL import Image, ImageChops, ImageDraw
from PIL.TiffImagePlugin import IFDRational

pillow_heif.register_heif_opener()

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4

DEFAULT_DEVICE = ("示例", "Phone 12")
GRAIN = 40  # grain amplitude (grey levels): makes a 4000×3000 JPEG weigh ~4.5 MB like a phone photo; too fine to move a hash


def make_image(width: int = 800, height: int = 600, *, seed: int = 0) -> Image.Image:
    """An RGB picture ``width`` × ``height`` whose content depends only on ``seed``."""
    rng = random.Random(seed)
    image = _gradient(width, height, rng)
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    for _ in range(rng.randint(8, 14)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        x, y = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        w, h = rng.uniform(0.15, 0.6) * side, rng.uniform(0.15, 0.6) * side
        shape = rng.choice(("ellipse", "rectangle", "polygon"))
        if shape == "ellipse":
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        elif shape == "rectangle":
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.polygon([(x + rng.uniform(0, w), y + rng.uniform(0, h)) for _ in range(rng.randint(3, 6))],
                         fill=colour)
    return _add_grain(image, rng)


def _gradient(width: int, height: int, rng: random.Random) -> Image.Image:
    top = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    bottom = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    mask = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR, expand=True)
    mask = mask.crop((64, 64, mask.width - 64, mask.height - 64)).resize((width, height))
    return Image.composite(bottom, top, mask)


def _add_grain(image: Image.Image, rng: random.Random) -> Image.Image:
    # Seeded bytes rather than Image.effect_noise, which draws from C's unseeded rand().
    grain = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
    grain = grain.point(lambda v: v * GRAIN // 255)
    rgb_grain = Image.merge("RGB", (grain, grain, grain))
    return ImageChops.add(image, rgb_grain, scale=1.0, offset=-GRAIN // 2)


def make_exif(*, taken_at: str | None = None, gps: tuple[float, float] | None = None,
              device: tuple[str, str] | None = DEFAULT_DEVICE, orientation: int | None = None) -> Image.Exif:
    """EXIF for a photo: ``taken_at`` ISO local time, ``gps`` (lat, lon) in decimal degrees, ``device`` (make, model)."""
    exif = Image.Exif()
    if device is not None:
        # Chinese phones write UTF-8 into these ASCII fields; Pillow would turn non-ASCII str into '?'.
        exif[MAKE], exif[MODEL] = (part.encode("utf-8") for part in device)
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if taken_at is not None:
        stamp = datetime.fromisoformat(taken_at).strftime("%Y:%m:%d %H:%M:%S")
        exif[DATETIME] = stamp
        exif_ifd = exif.get_ifd(EXIF_IFD)
        exif_ifd[DATETIME_ORIGINAL] = exif_ifd[DATETIME_DIGITIZED] = stamp
    if gps is not None:
        lat, lon = gps
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd[GPS_LAT_REF], gps_ifd[GPS_LAT] = ("N" if lat >= 0 else "S"), _dms(lat)
        gps_ifd[GPS_LON_REF], gps_ifd[GPS_LON] = ("E" if lon >= 0 else "W"), _dms(lon)
    return exif


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """|degrees| as (degrees, minutes, seconds) rationals, seconds to 1/10000 as phones write them."""
    value = abs(degrees)
    whole = int(value)
    minutes = int((value - whole) * 60)
    seconds = (value - whole - minutes / 60) * 3600
    return IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 10000), 10000)


def encode(image: Image.Image, fmt: str = "JPEG", *, exif: Image.Exif | None = None, quality: int = 90) -> bytes:
    """``image`` saved as ``fmt`` ("JPEG", "PNG" or "HEIC") with ``exif``."""
    options: dict = {"exif": exif.tobytes()} if exif is not None and len(exif) else {}
    fmt = fmt.upper()
    if fmt == "JPEG":
        options["quality"] = quality
    elif fmt in ("HEIC", "HEIF"):
        # x265's fastest preset: three times quicker, and the tests look at metadata, not compression.
        fmt, options["quality"], options["enc_params"] = "HEIF", quality, {"preset": "ultrafast"}
    elif fmt == "PNG":
        options["compress_level"] = 1  # the grain makes full compression slow for nothing
    else:
        raise ValueError(f"unsupported test format {fmt!r}")
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def make_photo(width: int = 800, height: int = 600, *, seed: int = 0, fmt: str = "JPEG",
               taken_at: str | None = None, gps: tuple[float, float] | None = None,
               device: tuple[str, str] | None = DEFAULT_DEVICE, quality: int = 90,
               orientation: int | None = None) -> bytes:
    """The bytes of a photo: :func:`make_image` content with :func:`make_exif` metadata, as ``fmt``."""
    exif = make_exif(taken_at=taken_at, gps=gps, device=device, orientation=orientation)
    return encode(make_image(width, height, seed=seed), fmt, exif=exif, quality=quality)


def make_video(brand: bytes | None = b"isom", payload: int = 64, *, handler: bytes = b"vide",
               seconds: float = 2.0, frames: int = 1) -> bytes:
    """An 'ftyp' box (major ``brand``; b"qt  " for QuickTime, None for none, as before QuickTime had it), an 'mdat'
    box of ``payload`` bytes and a 'moov' box describing one track of ``handler`` type ("vide", "soun") lasting
    ``seconds``, whose ``frames`` frames share the payload. Phones write 'moov' last, as here."""
    ftyp = _box(b"ftyp", brand, struct.pack(">I", 0x200), brand, b"mp42") if brand else b""
    mdat = _box(b"mdat", bytes(range(256)) * (payload // 256) + bytes(payload % 256))
    timescale, duration = 1000, round(seconds * 1000)
    unity = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)  # identity transformation matrix
    sample_entry = _box(b"avc1", bytes(6), struct.pack(">H", 1), bytes(16), struct.pack(">HH", 320, 240),
                        struct.pack(">II", 0x480000, 0x480000), bytes(4), struct.pack(">H", 1), bytes(32),
                        struct.pack(">Hh", 24, -1))
    tables = _box(b"stbl",
                  _box(b"stsd", struct.pack(">II", 0, 1), sample_entry),
                  _box(b"stts", struct.pack(">IIII", 0, 1, frames, duration // max(frames, 1))),
                  _box(b"stsc", struct.pack(">IIIII", 0, 1, 1, frames, 1)),
                  _box(b"stsz", struct.pack(">III", 0, payload // max(frames, 1), frames)),
                  _box(b"stco", struct.pack(">III", 0, 1, len(ftyp) + 8)))
    media = _box(b"mdia",
                 _box(b"mdhd", struct.pack(">IIIIIHH", 0, 0, 0, timescale, duration, 0x55C4, 0)),
                 _box(b"hdlr", struct.pack(">II4s", 0, 0, handler), bytes(12), b"Handler\x00"),
                 _box(b"minf", _box(b"vmhd", struct.pack(">IHHHH", 1, 0, 0, 0, 0)),
                      _box(b"dinf", _box(b"dref", struct.pack(">II", 0, 1), _box(b"url ", struct.pack(">I", 1)))),
                      tables))
    track = _box(b"trak",
                 _box(b"tkhd", struct.pack(">IIIIII", 3, 0, 0, 1, 0, duration), bytes(8), struct.pack(">hhHH", 0, 0, 0, 0),
                      unity, struct.pack(">II", 320 << 16, 240 << 16)),
                 media)
    movie = _box(b"moov",
                 _box(b"mvhd", struct.pack(">IIIII", 0, 0, 0, timescale, duration), struct.pack(">IH", 0x10000, 0x100),
                      bytes(10), unity, bytes(24), struct.pack(">I", 2)),
                 track)
    return ftyp + mdat + movie


def _box(kind: bytes, *parts: bytes) -> bytes:
    """An ISO base media box: its size, its four-letter type, then ``parts``."""
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload
