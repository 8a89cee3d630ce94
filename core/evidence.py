"""Inspection evidence (核查影像): checking, describing and storing photos and videos. Files only, no database.

- :func:`inspect` checks an upload (type, size, that the bytes really are a photo or a playable MP4/MOV video)
  and describes it: SHA-256, EXIF time, GPS position and device, perceptual hash. Refusals are
  :class:`EvidenceError` with a Chinese message naming the file and what to do.
- Photos are measured by their header before any pixel is decoded. A JPEG as cameras write it (baseline) is
  decoded at 1/2–1/8 scale, which costs little whatever its size, up to MAX_PHOTO_PIXELS; every other photo
  (PNG, HEIC, progressive JPEG) can only be decoded whole and is refused above MAX_WHOLE_DECODE_PIXELS.
  Thumbnail and hash are made from a copy reduced to at most twice the thumbnail size.
- :func:`ingest` does the same and stores the file under a root directory, content-addressed so the
  same bytes are kept once whoever uploads them and however often::

      root/originals/ab/ab12…ef.jpg    the uploaded bytes, unchanged (the evidence itself)
      root/thumbnails/ab/ab12…ef.jpg   a JPEG for display, upright, longest side THUMBNAIL_SIZE

  Originals are written atomically and never overwritten, so a stored file always matches its name.
  Videos get no thumbnail: nothing here decodes video. Their container is read with mutagen (boxes only,
  never the picture) to check that it holds a video track with a duration and frames.
- :func:`hamming` tells how alike two photos look (distance of their perceptual hashes; at or below
  NEAR_DUPLICATE_BITS they are the same picture re-saved or resized) and :func:`distance_km` how far
  apart two GPS positions are.

The perceptual hash is the DCT hash of ``imagehash.phash`` (the upright picture in grey, squashed to
32×32, 2-D DCT-II, the 8×8 lowest frequencies compared with their median; bits row by row, first bit
highest), computed in pure Python to avoid numpy/scipy.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PureWindowsPath

import pillow_heif
from mutagen.mp4 import Atom, AtomError, Atoms
from PIL import Image, ImageOps

from core import storage

pillow_heif.register_heif_opener()

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".heic", ".heif")
VIDEO_EXTENSIONS = (".mp4", ".mov")
MAX_PHOTO_BYTES = 64 * 1024 * 1024  # a detailed 200-megapixel phone JPEG weighs 35–50 MB
MAX_VIDEO_BYTES = 200 * 1024 * 1024
# The largest photos decoded, in pixels, checked on the header. Measured on a 2-core machine (bench/photo_bench.py):
# a baseline JPEG, what phone cameras write up to 200 MP (16320×12240), is decoded at 1/8 scale: a 200 MP one of
# 27 MB takes 0.7 s and 45 MB with its own bytes; 250 MP leaves room above the largest phone sensors. A photo
# decoded whole costs 4 bytes a pixel (PNG) to 7 (HEIC), a progressive JPEG 3–6 (libjpeg keeps every coefficient
# at any scale): 200 MP would take 0.6–1.4 GB. 60 MP (420 MB at worst) admits the 48–50 MP HEIC photos of phones.
MAX_PHOTO_PIXELS = 250_000_000
MAX_WHOLE_DECODE_PIXELS = 60_000_000
# A phone video has a few dozen boxes (a fragmented one a few per second); mutagen makes a Python object of
# each, and 200 MB of empty 8-byte boxes would be 25 million of them (measured: 1 million take 3 s and 240 MB).
MAX_VIDEO_BOXES = 10_000
MAX_VIDEO_SECONDS = 24 * 3600  # longer, in at most 200 MB, is a damaged or forged header
THUMBNAIL_SIZE = 640  # longest side, px
THUMBNAIL_QUALITY = 85
PHOTO = "照片"
VIDEO = "视频"
# Measured on the test photos (tests/test_evidence.py): a copy re-saved at JPEG quality 60 or as PNG
# differs from its original by 0 bits, re-saved as HEIC or halved in size by 0–2, brightened 10 % by 0–4;
# twenty different pictures are 20–42 bits apart pairwise (31 on average; unrelated pictures give ~32).
# 8 leaves room on both sides.
NEAR_DUPLICATE_BITS = 8

_MB = 1024 * 1024
# Pillow format → stored extension and MIME type. The extension comes from the bytes, not the upload's
# name, so the same bytes always have one content address (and "photo.png" holding a JPEG is stored as .jpg).
_PHOTO_FORMATS = {
    "JPEG": (".jpg", "image/jpeg"),
    "MPO": (".jpg", "image/jpeg"),  # JPEG with extra frames (depth maps), as many phones write them
    "PNG": (".png", "image/png"),
    "HEIF": (".heic", "image/heic"),
}
_OPENERS = ["JPEG", "PNG", "HEIF"]  # Pillow's JPEG opener also returns the MPO ones
# Pillow refuses, on opening, pictures of over twice this many pixels (its own default would refuse 200 MP
# phone photos); between the two, :func:`_decode` refuses them itself with the file's size in the message.
# Nothing else in the app decodes uploaded pictures.
Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS
# JPEG frames that libjpeg decodes scan line by scan line (sequential DCT, Huffman or arithmetic coded) when
# their first scan holds every colour component. Others keep the whole image's coefficients in memory.
_STREAMED_JPEG_FRAMES = (0xC0, 0xC1, 0xC9)
_LOSSLESS_JPEG_FRAMES = (0xC3, 0xC7, 0xCB, 0xCF)  # no DCT, so no reduced decode
_JPEG_MARKER = re.compile(rb"\xff([\x01-\xfe])")
_REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F")  # Image.reduce averages these correctly
_MP4 = (".mp4", "video/mp4")
_MOV = (".mov", "video/quicktime")
# Files from before QuickTime had an 'ftyp' box start with one of these.
_OLD_QUICKTIME_BOXES = (b"moov", b"mdat", b"wide")

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_DATETIME_ORIGINAL, _DATETIME_DIGITIZED = 0x9003, 0x9004
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_EXIF_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")

_HASH_INPUT = 32  # side of the grey square the hash is taken of
_HASH_SIDE = 8  # 8×8 lowest frequencies → 64 bits
_COSINES = [[math.cos(math.pi * u * (2 * x + 1) / (2 * _HASH_INPUT)) for x in range(_HASH_INPUT)]
            for u in range(_HASH_SIDE)]

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


class EvidenceError(ValueError):
    """An upload that cannot be used as evidence; the message (Chinese) names the file and what to do."""


@dataclass(frozen=True)
class Inspected:
    """What an upload is: ``kind`` PHOTO or VIDEO; ``ext``/``mime`` from its bytes (".jpg", ".png", ".heic",
    ".mp4", ".mov"); ``width``/``height`` as displayed (EXIF orientation applied), None for videos;
    ``taken_at`` ISO local time or ''; ``lat``/``lon`` decimal degrees or None; ``device`` "Make Model" or '';
    ``phash`` 16 hex digits, '' for videos."""

    sha256: str
    kind: str
    ext: str
    mime: str
    size: int
    width: int | None
    height: int | None
    taken_at: str
    lat: float | None
    lon: float | None
    device: str
    phash: str


def inspect(data: bytes, filename: str) -> Inspected:
    """Check an upload (its bytes and the name it came with) and describe it; raises :class:`EvidenceError`."""
    return _examine(data, filename)[0]


def ingest(data: bytes, filename: str, root: Path) -> Inspected:
    """:func:`inspect` an upload, then store the original and, for a photo, its thumbnail under ``root``.

    Storing what is already there changes nothing, so ingesting the same bytes twice is harmless.
    """
    inspected, upright = _examine(data, filename)
    _write_once(original_path(root, inspected.sha256, inspected.ext), data, durable=True)
    if upright is not None:
        target = thumbnail_path(root, inspected.sha256)
        if not target.exists():
            _write_once(target, _thumbnail_jpeg(upright), durable=False)
    return inspected


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_original(root: Path, sha256: str, ext: str, data: bytes) -> None:
    """Keep a file that is not a photo or video (a document) the same way: under its SHA-256, once."""
    _write_once(original_path(root, sha256, ext), data, durable=True)


def original_path(root: Path, sha256: str, ext: str) -> Path:
    """Where the uploaded bytes with this SHA-256 are kept: ``root/originals/ab/ab…{ext}``."""
    return root / "originals" / sha256[:2] / f"{sha256}{ext}"


def thumbnail_path(root: Path, sha256: str) -> Path:
    """Where the display JPEG of the photo with this SHA-256 is kept: ``root/thumbnails/ab/ab….jpg``."""
    return root / "thumbnails" / sha256[:2] / f"{sha256}.jpg"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two perceptual hashes (16 hex digits each): 0 … 64."""
    if len(a) != 2 * _HASH_SIDE or len(b) != 2 * _HASH_SIDE:
        raise ValueError(f"感知哈希应为 16 位十六进制数，收到 {a!r} 和 {b!r}（视频没有感知哈希）")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points in decimal degrees (haversine, mean earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def parse_exif_datetime(value: str) -> str:
    """An EXIF time ("2023:11:02 10:31:05") as ISO ("2023-11-02T10:31:05"); '' when missing or not a real time.

    Sub-seconds and a trailing time zone are ignored; cameras without a set clock write zeros or blanks.
    """
    match = _EXIF_DATETIME.match(str(value or "").strip("\x00 "))
    if not match:
        return ""
    try:
        return datetime(*map(int, match.groups())).isoformat()
    except ValueError:
        return ""


# ── checking an upload ────────────────────────────────────────────────────────────────────────────


def _examine(data: bytes, filename: str) -> tuple[Inspected, Image.Image | None]:
    """The description of an upload and, for a photo, the upright picture (decoded once, reduced)."""
    name = PureWindowsPath(filename).name or filename  # also strips a "C:\…\" path some browsers send
    suffix = PureWindowsPath(name).suffix.lower()
    if not data:
        raise EvidenceError(f"文件“{name}”是空的（0 字节）。请重新选择文件，或重新拍摄后上传。")
    if suffix in PHOTO_EXTENSIONS:
        kind, limit = PHOTO, MAX_PHOTO_BYTES
    elif suffix in VIDEO_EXTENSIONS:
        kind, limit = VIDEO, MAX_VIDEO_BYTES
    else:
        raise EvidenceError(
            f"文件“{name}”的类型（{suffix or '无扩展名'}）不能作为核查影像。"
            f"可上传的照片：{'、'.join(PHOTO_EXTENSIONS)}；视频：{'、'.join(VIDEO_EXTENSIONS)}。"
        )
    if len(data) > limit:
        advice = "请压缩或降低分辨率后再上传" if kind == PHOTO else "请剪短或以较低清晰度导出后再上传"
        raise EvidenceError(f"文件“{name}”有 {_megabytes(len(data))} MB，超过{kind}上限 {_megabytes(limit)} MB。{advice}。")
    sha256 = hashlib.sha256(data).hexdigest()
    if kind == VIDEO:
        ext, mime = _video_type(data, name)
        _check_playable(data, name)
        return Inspected(sha256, VIDEO, ext, mime, len(data), None, None, "", None, None, "", ""), None
    image, (ext, mime), stored_size = _decode(data, name)
    taken_at, lat, lon, device, orientation = _metadata(image)
    image = _reduced(image)  # the full-size picture is let go before any copy of it is made
    upright = ImageOps.exif_transpose(image)
    width, height = stored_size[::-1] if orientation in (5, 6, 7, 8) else stored_size
    inspected = Inspected(sha256, PHOTO, ext, mime, len(data), width, height, taken_at, lat, lon, device,
                          _phash(upright))
    return inspected, upright


def _megabytes(size: int) -> str:
    """Size in MB rounded up to 0.1, so a file just over the limit never reads as equal to it."""
    return f"{math.ceil(size / _MB * 10) / 10:g}"


# ── videos ────────────────────────────────────────────────────────────────────────────────────────


def _video_type(data: bytes, name: str) -> tuple[str, str]:
    """Extension and MIME type of an MP4/MOV container, from its first box; EvidenceError if it is not one."""
    box_size = int.from_bytes(data[:4], "big") if len(data) >= 8 else -1
    box_type = data[4:8]
    if box_type == b"ftyp" and 16 <= box_size <= len(data):
        return _MOV if data[8:12] == b"qt  " else _MP4
    if box_type in _OLD_QUICKTIME_BOXES and (box_size in (0, 1) or box_size >= 8):
        return _MOV
    raise EvidenceError(
        f"文件“{name}”不是有效的 MP4/MOV 视频（可能已损坏，或只是改了扩展名）。请上传手机或相机拍摄的原始视频文件。"
    )


class _BoxReader(io.BytesIO):
    """The upload as a file for mutagen, failing once it has read MAX_VIDEO_BOXES box headers."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        if self.reads > MAX_VIDEO_BOXES:
            raise OSError("too many boxes")  # mutagen turns it into AtomError
        return super().read(size)


def _check_playable(data: bytes, name: str) -> None:
    """EvidenceError unless the MP4/MOV container holds a video track with a duration and frames.

    Only the boxes are read (mutagen), never the picture, so what plays is up to the browser's decoder;
    this refuses what no player could show: junk behind a header, a cut-off file, sound alone.
    """
    reader = _BoxReader(data)
    try:
        problem = _video_problem(Atoms(reader), reader, len(data))
    except (AtomError, KeyError, IndexError, struct.error, RecursionError):
        problem = "文件结构异常（数据块过多）" if reader.reads > MAX_VIDEO_BOXES else "文件结构已损坏或不完整（可能没有传完整）"
    if problem:
        raise EvidenceError(f"文件“{name}”不是可以播放的视频：{problem}。请上传手机或相机拍摄的原始视频文件。")


def _video_problem(boxes: Atoms, reader: _BoxReader, size: int) -> str:
    """What keeps the container from playing, in Chinese, or '' if nothing does."""
    top = {box.name for box in boxes.atoms}
    if any(box.offset + box.length > size for box in boxes.atoms):
        return "文件不完整（可能没有传完整，或已损坏）"
    if b"moov" not in top:
        return "缺少影片信息（可能录制时中断，或文件不完整）"
    moov = boxes[b"moov"]
    videos = [trak for trak in moov.findall(b"trak") if _payload(trak, reader, b"mdia", b"hdlr")[8:12] == b"vide"]
    if not videos:
        return "里面没有视频画面（可能只有声音）"
    if b"moof" in top and any(box.name == b"mvex" for box in moov.children):
        return ""  # fragmented: durations and frames are in the fragments that follow
    seconds = _seconds(_payload(videos[0], reader, b"mdia", b"mdhd"))
    if not 0 < seconds <= MAX_VIDEO_SECONDS:
        return "视频时长为 0" if seconds <= 0 else f"视频时长不合理（{seconds / 3600:.0f} 小时）"
    tables = videos[0][b"mdia", b"minf", b"stbl"]
    descriptions = int.from_bytes(_payload(tables, reader, b"stsd")[4:8], "big")
    sizes = next((box for box in tables.children if box.name in (b"stsz", b"stz2")), None)
    frames = int.from_bytes(_payload(sizes, reader)[8:12], "big") if sizes else 0
    if not descriptions or not frames or b"mdat" not in top:
        return "视频轨道里没有画面"
    return ""


def _payload(box: Atom, reader: _BoxReader, *path: bytes) -> bytes:
    """The bytes inside the box at ``path`` below ``box``; KeyError if it is missing, AtomError if cut off."""
    complete, payload = box[path].read(reader)
    if not complete:
        raise AtomError(f"{box.name!r} {path} cut off")
    return payload


def _seconds(mdhd: bytes) -> float:
    """The duration in a media header's payload, in seconds (version 1 has 64-bit times, version 0 32-bit)."""
    timescale, duration = struct.unpack_from(">IQ", mdhd, 20) if mdhd[0] == 1 else struct.unpack_from(">II", mdhd, 12)
    return duration / timescale if timescale else 0.0


# ── photos ────────────────────────────────────────────────────────────────────────────────────────


_UNREADABLE = (OSError, SyntaxError, ValueError, RuntimeError, EOFError, struct.error)  # Pillow's and libheif's


def _decode(data: bytes, name: str) -> tuple[Image.Image, tuple[str, str], tuple[int, int]]:
    """The decoded photo, its (extension, MIME type) and its stored pixel size; EvidenceError if it is not a
    photo or has more pixels than it may.

    The size is read from the header first. A JPEG is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling)
    to no less than THUMBNAIL_SIZE, which is all the thumbnail and the hash need: ~10× faster than a full
    12-megapixel decode, and a 200-megapixel one takes no more memory than a 3-megapixel picture.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=_OPENERS)
    except Image.DecompressionBombError as exc:
        raise EvidenceError(_too_many_pixels(name, None, MAX_PHOTO_PIXELS, "")) from exc
    except _UNREADABLE as exc:
        raise EvidenceError(_not_a_photo(name)) from exc
    stored_size, kind = image.size, _PHOTO_FORMATS[image.format or ""]
    frame = _jpeg_frame(data) if image.format in ("JPEG", "MPO") else None
    streamed = frame is not None and frame[0] in _STREAMED_JPEG_FRAMES and frame[1]
    limit = MAX_PHOTO_PIXELS if streamed else MAX_WHOLE_DECODE_PIXELS
    if stored_size[0] * stored_size[1] > limit:
        label = {"PNG": "PNG 照片", "HEIF": "HEIC 照片"}.get(image.format or "", "渐进式等特殊编码的 JPEG 照片")
        raise EvidenceError(_too_many_pixels(name, stored_size, limit, "" if streamed else label))
    try:
        if image.format in ("JPEG", "MPO") and not (frame and frame[0] in _LOSSLESS_JPEG_FRAMES):
            image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        image.load()
    except _UNREADABLE as exc:
        raise EvidenceError(_not_a_photo(name)) from exc
    return image, kind, stored_size


def _jpeg_frame(data: bytes) -> tuple[int, bool] | None:
    """The start-of-frame marker of a JPEG (0xC0 baseline, 0xC2 progressive …) and whether its first scan
    holds every colour component, read from the marker segments before the first scan; None if not found.

    libjpeg decodes line by line only a sequential frame whose first scan is interleaved; for any other it
    keeps the whole image's DCT coefficients (2 bytes a sample) in memory, however much it scales down.
    """
    position, frame = 2, None
    while (found := _JPEG_MARKER.search(data, position)) is not None:  # skips fill bytes and junk, as libjpeg does
        marker, start = found[1][0], found.end()
        length = int.from_bytes(data[start:start + 2], "big")
        segment = data[start + 2:start + length]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and len(segment) >= 6:
            frame = marker, segment[5]  # SOFn: precision, height, width, number of components
        elif marker == 0xDA:  # SOS: number of components in this scan first
            return (frame[0], segment[:1] == bytes([frame[1]])) if frame and segment else None
        position = start + length
    return None


def _reduced(image: Image.Image) -> Image.Image:
    """``image`` shrunk by a whole factor (each block of pixels averaged) until its shorter side is less than
    twice THUMBNAIL_SIZE, the most the thumbnail and the hash need; as it is when already that small."""
    factor = min(image.size) // THUMBNAIL_SIZE
    if factor < 2:
        return image
    if image.mode in ("1", "P", "PA"):  # bits and palette indices cannot be averaged
        image = image.convert("RGBA" if image.has_transparency_data else "L" if image.mode == "1" else "RGB")
    return image.reduce(factor) if image.mode in _REDUCIBLE_MODES else image


def _not_a_photo(name: str) -> str:
    return (f"文件“{name}”不是能打开的照片（可能已损坏、没有传完整，或只是改了扩展名）。"
            "请上传相机或手机拍摄的原始照片（JPG、PNG 或 HEIC）。")


def _too_many_pixels(name: str, size: tuple[int, int] | None, limit: int, decoded_whole: str) -> str:
    """The refusal of a photo over ``limit`` pixels; ``decoded_whole`` names its kind when it has the lower limit."""
    found = f"有 {size[0]}×{size[1]} 像素（{_pixels(size[0] * size[1])}）" if size else f"超过 {_pixels(2 * limit)}"
    if decoded_whole:
        return (f"文件“{name}”{found}。{decoded_whole}要整张读入内存才能处理，最多 {_pixels(limit)}。"
                f"请上传手机相机拍摄的 JPEG 原图（最多 {_pixels(MAX_PHOTO_PIXELS)}），或缩小到 {_pixels(limit)}以内后再上传。")
    return (f"文件“{name}”{found}，超过照片上限 {_pixels(limit)}（手机相机最高约 2 亿像素）。"
            "请缩小后再上传。")


def _pixels(count: int) -> str:
    """A pixel count as phones advertise it: "2 亿像素", "1.69 亿像素", "6000 万像素"."""
    if count >= 100_000_000:
        return f"{count / 100_000_000:.3g} 亿像素"
    return f"{round(count / 10_000)} 万像素"


# ── EXIF ──────────────────────────────────────────────────────────────────────────────────────────


def _metadata(image: Image.Image) -> tuple[str, float | None, float | None, str, int]:
    """(taken_at, lat, lon, device, orientation) from a photo's EXIF; blanks where absent."""
    try:
        exif = image.getexif()
        exif_ifd, gps_ifd = exif.get_ifd(_EXIF_IFD), exif.get_ifd(_GPS_IFD)
    except Exception:  # noqa: BLE001 — a damaged EXIF block must not make a good photo unusable
        return "", None, None, "", 1
    taken_at = next(filter(None, (parse_exif_datetime(_text(v)) for v in (
        exif_ifd.get(_DATETIME_ORIGINAL), exif.get(_DATETIME_ORIGINAL),
        exif_ifd.get(_DATETIME_DIGITIZED), exif.get(_DATETIME),
    ))), "")
    lat, lon = _gps(gps_ifd)
    make, model = _text(exif.get(_MAKE)), _text(exif.get(_MODEL))
    # Many phones repeat the make in the model ("HUAWEI" + "HUAWEI P30"); say it once.
    device = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    orientation = exif.get(_ORIENTATION, 1)
    return taken_at, lat, lon, device, orientation if isinstance(orientation, int) else 1


def _text(value: object) -> str:
    """An EXIF text field as str. Phones write UTF-8 into ASCII fields, which Pillow reads as Latin-1."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = str(value)
        try:
            text = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return text.strip("\x00 \t\r\n")


def _gps(gps_ifd: dict) -> tuple[float | None, float | None]:
    """Decimal degrees (S and W negative) from the GPS IFD; (None, None) if missing, out of range or 0/0."""
    lat = _degrees(gps_ifd.get(_GPS_LAT), gps_ifd.get(_GPS_LAT_REF), "S")
    lon = _degrees(gps_ifd.get(_GPS_LON), gps_ifd.get(_GPS_LON_REF), "W")
    # 0/0 is what a phone writes when it had no fix.
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None
    return round(lat, 7), round(lon, 7)


def _degrees(value: object, ref: object, negative_ref: str) -> float | None:
    """Degrees/minutes/seconds (or plain degrees) as one number, negative for ``negative_ref``; None if unusable."""
    try:
        parts = [float(p) for p in value] if isinstance(value, (tuple, list)) else [float(value)]  # type: ignore[arg-type]
        degrees = sum(p / 60**i for i, p in enumerate(parts[:3]))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(degrees) or any(p < 0 for p in parts):
        return None
    return -degrees if _text(ref).upper().startswith(negative_ref) else degrees


# ── hash and thumbnail ────────────────────────────────────────────────────────────────────────────


def _phash(upright: Image.Image) -> str:
    """64-bit DCT perceptual hash of a picture as 16 hex digits (imagehash.phash's recipe)."""
    grey = upright.convert("L").resize((_HASH_INPUT, _HASH_INPUT), Image.Resampling.LANCZOS)
    pixels = grey.tobytes()
    rows = [pixels[y * _HASH_INPUT:(y + 1) * _HASH_INPUT] for y in range(_HASH_INPUT)]
    # Only the 8 lowest frequencies of each axis are needed: DCT down the columns, then along the rows.
    columns = [[sum(c[y] * rows[y][x] for y in range(_HASH_INPUT)) for x in range(_HASH_INPUT)] for c in _COSINES]
    low = [sum(cv[x] * column[x] for x in range(_HASH_INPUT)) for column in columns for cv in _COSINES]
    median = sorted(low)[len(low) // 2 - 1:len(low) // 2 + 1]
    threshold = (median[0] + median[1]) / 2
    bits = 0
    for coefficient in low:
        bits = (bits << 1) | (coefficient > threshold)
    return f"{bits:016x}"


def _thumbnail_jpeg(upright: Image.Image) -> bytes:
    """JPEG bytes of the upright picture in RGB, longest side at most THUMBNAIL_SIZE."""
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        # Transparent parts on white, as a viewer shows them, rather than on black.
        rgba = upright.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, "white")
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = upright.convert("RGB")
    rgb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # Keep the colour profile: phone photos are often Display P3 and look dull without it.
    rgb.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, icc_profile=upright.info.get("icc_profile"))
    return buffer.getvalue()


# ── storage ───────────────────────────────────────────────────────────────────────────────────────


def _write_once(path: Path, data: bytes, *, durable: bool) -> None:
    """Write ``data`` to ``path`` unless it exists: via a temporary file and os.replace, so that a reader
    (or a crash) never sees half a file. ``durable`` also forces the bytes to disk before the rename."""
    if path.exists():
        return
    with storage.replacing(path, durable) as f:
        f.write(data)
