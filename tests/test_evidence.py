"""core.evidence: checking, describing and storing inspection photos and videos."""

from __future__ import annotations

import io
import itertools
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance
from PIL.TiffImagePlugin import IFDRational

from core import evidence
from core.evidence import NEAR_DUPLICATE_BITS, PHOTO, VIDEO, EvidenceError
from tests.photos import DATETIME, GPS_IFD, GPS_LAT, encode, make_exif, make_image, make_photo, make_video

WUHAN = (30.5928, 114.3055)
YICHANG = (30.6919, 111.2865)


def reencoded(data: bytes, change=lambda image: image, **options) -> bytes:
    """The photo decoded, changed by ``change`` and saved again as JPEG (no EXIF)."""
    return encode(change(Image.open(io.BytesIO(data)).convert("RGB")), **options)


# ── EXIF ──────────────────────────────────────────────────────────────────────────────────────────


def test_jpeg_time_position_and_device() -> None:
    data = make_photo(taken_at="2023-11-02T10:31:05", gps=WUHAN)
    seen = evidence.inspect(data, "IMG_0001.JPG")
    assert (seen.kind, seen.ext, seen.mime, seen.size) == (PHOTO, ".jpg", "image/jpeg", len(data))
    assert (seen.width, seen.height) == (800, 600)
    assert seen.taken_at == "2023-11-02T10:31:05"
    assert seen.lat == pytest.approx(WUHAN[0], abs=1e-6) and seen.lon == pytest.approx(WUHAN[1], abs=1e-6)
    assert seen.device == "示例 Phone 12"
    assert len(seen.phash) == 16 and int(seen.phash, 16) >= 0


def test_jpeg_without_position_or_exif() -> None:
    seen = evidence.inspect(make_photo(taken_at="2024-05-01T08:00:00"), "a.jpg")
    assert (seen.taken_at, seen.lat, seen.lon, seen.device) == ("2024-05-01T08:00:00", None, None, "示例 Phone 12")
    bare = evidence.inspect(make_photo(device=None), "b.jpeg")
    assert (bare.taken_at, bare.lat, bare.lon, bare.device, bare.ext) == ("", None, None, "", ".jpg")


@pytest.mark.parametrize(("fmt", "filename", "ext", "mime"), [
    ("HEIC", "IMG_1234.HEIC", ".heic", "image/heic"),
    ("HEIC", "IMG_1234.heif", ".heic", "image/heic"),
    ("PNG", "截图.png", ".png", "image/png"),
])
def test_heic_and_png_exif(fmt: str, filename: str, ext: str, mime: str) -> None:
    data = make_photo(fmt=fmt, taken_at="2023-11-02T10:31:05", gps=YICHANG, device=("华为", "Mate 60"))
    seen = evidence.inspect(data, filename)
    assert (seen.kind, seen.ext, seen.mime, seen.width, seen.height) == (PHOTO, ext, mime, 800, 600)
    assert seen.taken_at == "2023-11-02T10:31:05"
    assert (seen.lat, seen.lon) == (pytest.approx(YICHANG[0], abs=1e-6), pytest.approx(YICHANG[1], abs=1e-6))
    assert seen.device == "华为 Mate 60"


@pytest.mark.parametrize("position", [(-33.8688, -70.6693), (-12.4634, 130.8456), (51.5072, -0.1276)])
def test_south_and_west_are_negative(position: tuple[float, float]) -> None:
    seen = evidence.inspect(make_photo(gps=position), "a.jpg")
    assert (seen.lat, seen.lon) == (pytest.approx(position[0], abs=1e-6), pytest.approx(position[1], abs=1e-6))


def test_gps_without_a_fix_counts_as_absent() -> None:
    seen = evidence.inspect(make_photo(gps=(0.0, 0.0)), "a.jpg")
    assert (seen.lat, seen.lon) == (None, None)


def test_unreadable_gps_counts_as_absent() -> None:
    exif = make_exif(gps=WUHAN)
    exif.get_ifd(GPS_IFD)[GPS_LAT] = (IFDRational(30, 0), IFDRational(0, 0), IFDRational(0, 0))
    seen = evidence.inspect(encode(make_image(), exif=exif), "a.jpg")
    assert (seen.lat, seen.lon) == (None, None)


def test_damaged_exif_still_gives_a_photo() -> None:
    jpeg = encode(make_image())
    junk = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x01" * 40
    damaged = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk + jpeg[2:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about the corrupt block
        seen = evidence.inspect(damaged, "a.jpg")
    assert (seen.width, seen.taken_at, seen.lat, seen.device) == (800, "", None, "")
    assert seen.phash == evidence.inspect(jpeg, "a.jpg").phash


def test_time_falls_back_to_datetime_when_original_is_missing() -> None:
    exif = make_exif()
    exif[DATETIME] = "2022:07:15 16:20:00"
    assert evidence.inspect(encode(make_image(), exif=exif), "a.jpg").taken_at == "2022-07-15T16:20:00"


def test_make_repeated_in_model_is_said_once() -> None:
    assert evidence.inspect(make_photo(device=("HUAWEI", "HUAWEI P30")), "a.jpg").device == "HUAWEI P30"


@pytest.mark.parametrize(("value", "expected"), [
    ("2023:11:02 10:31:05", "2023-11-02T10:31:05"),
    ("2023:11:02 10:31:05\x00", "2023-11-02T10:31:05"),
    ("2023-11-02 10:31:05.123+08:00", "2023-11-02T10:31:05"),
    ("0000:00:00 00:00:00", ""),
    ("    :  :     :  :  ", ""),
    ("2023:02:30 10:31:05", ""),
    ("", ""),
])
def test_parse_exif_datetime(value: str, expected: str) -> None:
    assert evidence.parse_exif_datetime(value) == expected


# ── refusals ──────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("data", "filename"), [
    (b"\xe7\x8e\xb0\xe5\x9c\xba\xe8\xae\xb0\xe5\xbd\x95\n", "现场.jpg"),  # a text file renamed
    (make_photo()[:5000], "现场.jpg"),  # cut off in transfer
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "现场.png"),  # a format that is not accepted
    (make_video(), "现场.heic"),
])
def test_what_is_not_a_photo_is_refused(data: bytes, filename: str) -> None:
    with pytest.raises(EvidenceError, match="现场") as refused:
        evidence.inspect(data, filename)
    assert "不是能打开的照片" in str(refused.value) and "JPG、PNG 或 HEIC" in str(refused.value)


def test_empty_file_is_refused() -> None:
    with pytest.raises(EvidenceError, match="“a.jpg”是空的"):
        evidence.inspect(b"", "a.jpg")


@pytest.mark.parametrize("filename", ["现场.gif", "记录.pdf", "无扩展名"])
def test_unknown_extension_is_refused_with_the_allowed_ones(filename: str) -> None:
    with pytest.raises(EvidenceError) as refused:
        evidence.inspect(make_photo(), filename)
    message = str(refused.value)
    assert filename in message and ".jpg" in message and ".heic" in message and ".mp4" in message


def test_oversized_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "MAX_PHOTO_BYTES", 512 * 1024)
    monkeypatch.setattr(evidence, "MAX_VIDEO_BYTES", 1024)
    photo = make_photo(1600, 1200)
    assert len(photo) > 512 * 1024
    with pytest.raises(EvidenceError, match=r"“大.jpg”有 \d+(\.\d)? MB，超过照片上限 0.5 MB。请压缩"):
        evidence.inspect(photo, "大.jpg")
    with pytest.raises(EvidenceError, match="超过视频上限"):
        evidence.inspect(make_video(payload=2000), "长.mp4")
    assert evidence.inspect(make_video(payload=100), "短.mp4").kind == VIDEO


# ── videos ────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("data", "filename", "ext", "mime"), [
    (make_video(), "clip.mp4", ".mp4", "video/mp4"),
    (make_video(b"mp42"), "CLIP.MP4", ".mp4", "video/mp4"),
    (make_video(b"qt  "), "IMG_0002.MOV", ".mov", "video/quicktime"),
    (make_video(brand=None), "old.mov", ".mov", "video/quicktime"),  # QuickTime before 'ftyp'
])
def test_videos_are_accepted(data: bytes, filename: str, ext: str, mime: str) -> None:
    seen = evidence.inspect(data, filename)
    assert (seen.kind, seen.ext, seen.mime, seen.size) == (VIDEO, ext, mime, len(data))
    assert (seen.width, seen.height, seen.taken_at, seen.lat, seen.lon, seen.device, seen.phash) == (
        None, None, "", None, None, "", "")


@pytest.mark.parametrize("data", [b"this is not a video at all", make_photo(), b"\x00\x00\x00\x04ftyp", bytes(64)])
def test_fake_videos_are_refused(data: bytes) -> None:
    with pytest.raises(EvidenceError, match="“现场.mp4”不是有效的 MP4/MOV 视频"):
        evidence.inspect(data, "现场.mp4")


# ── storage ───────────────────────────────────────────────────────────────────────────────────────


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_original_is_stored_unchanged_at_its_content_address_once(tmp_path: Path) -> None:
    data = make_photo(taken_at="2023-11-02T10:31:05", gps=WUHAN)
    first = evidence.ingest(data, "a.jpg", tmp_path)
    stored = evidence.original_path(tmp_path, first.sha256, ".jpg")
    assert stored == tmp_path / "originals" / first.sha256[:2] / f"{first.sha256}.jpg"
    assert stored.read_bytes() == data
    inode = stored.stat().st_ino

    again = evidence.ingest(data, "same photo again.JPEG", tmp_path)
    assert again == first == evidence.inspect(data, "a.jpg")
    assert stored.stat().st_ino == inode  # not rewritten
    assert stored_files(tmp_path) == sorted([stored, evidence.thumbnail_path(tmp_path, first.sha256)])


def test_extension_comes_from_the_bytes(tmp_path: Path) -> None:
    seen = evidence.ingest(make_photo(fmt="PNG"), "photo.jpg", tmp_path)
    assert (seen.ext, seen.mime) == (".png", "image/png")
    assert evidence.original_path(tmp_path, seen.sha256, ".png").exists()


def test_multi_picture_jpeg_is_a_jpeg() -> None:
    buffer = io.BytesIO()
    make_image(seed=1).save(buffer, "MPO", save_all=True, append_images=[make_image(seed=2)])
    seen = evidence.inspect(buffer.getvalue(), "dual.jpg")
    assert (seen.ext, seen.mime, seen.width, seen.height) == (".jpg", "image/jpeg", 800, 600)
    assert seen.phash == evidence.inspect(make_photo(seed=1, quality=75), "one.jpg").phash


def test_video_is_stored_without_thumbnail(tmp_path: Path) -> None:
    data = make_video()
    seen = evidence.ingest(data, "clip.mp4", tmp_path)
    assert stored_files(tmp_path) == [evidence.original_path(tmp_path, seen.sha256, ".mp4")]
    assert evidence.original_path(tmp_path, seen.sha256, ".mp4").read_bytes() == data


def test_refused_upload_stores_nothing(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError):
        evidence.ingest(b"not a photo", "a.jpg", tmp_path)
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize(("size", "fmt", "expected"), [
    ((1600, 1200), "JPEG", (640, 480)),
    ((4000, 3000), "JPEG", (640, 480)),
    ((450, 800), "HEIC", (360, 640)),
    ((300, 200), "PNG", (300, 200)),  # small pictures are not enlarged
])
def test_thumbnail_is_a_jpeg_within_the_size(tmp_path: Path, size: tuple[int, int], fmt: str,
                                             expected: tuple[int, int]) -> None:
    seen = evidence.ingest(make_photo(*size, fmt=fmt), f"a.{fmt.lower()}", tmp_path)
    with Image.open(evidence.thumbnail_path(tmp_path, seen.sha256)) as thumbnail:
        assert (thumbnail.format, thumbnail.mode, thumbnail.size) == ("JPEG", "RGB", expected)
        assert max(thumbnail.size) <= evidence.THUMBNAIL_SIZE


def test_transparent_png_thumbnail_is_on_white(tmp_path: Path) -> None:
    seen = evidence.ingest(encode(Image.new("RGBA", (100, 80), (255, 0, 0, 0)), "PNG"), "a.png", tmp_path)
    with Image.open(evidence.thumbnail_path(tmp_path, seen.sha256)) as thumbnail:
        assert all(channel > 240 for channel in thumbnail.getpixel((50, 40)))


def test_orientation_is_applied(tmp_path: Path) -> None:
    # Orientation 6: the sensor's landscape pixels are shown turned 90° clockwise, i.e. as a portrait.
    seen = evidence.ingest(make_photo(800, 600, orientation=6), "portrait.jpg", tmp_path)
    assert (seen.width, seen.height) == (600, 800)
    with Image.open(evidence.thumbnail_path(tmp_path, seen.sha256)) as thumbnail:
        assert thumbnail.size == (480, 640)
        assert thumbnail.getexif().get(0x0112, 1) == 1  # no orientation left for a viewer to apply twice


def test_hash_is_of_the_upright_picture() -> None:
    upright = make_image(seed=4)
    turned = encode(upright.transpose(Image.Transpose.ROTATE_90), exif=make_exif(orientation=6))
    assert evidence.hamming(evidence.inspect(encode(upright), "a.jpg").phash,
                            evidence.inspect(turned, "b.jpg").phash) <= NEAR_DUPLICATE_BITS
    assert evidence.hamming(evidence.inspect(encode(upright), "a.jpg").phash,
                            evidence.inspect(encode(upright.transpose(Image.Transpose.ROTATE_90)), "c.jpg").phash
                            ) > NEAR_DUPLICATE_BITS


# ── perceptual hash ───────────────────────────────────────────────────────────────────────────────


COPIES = {
    "JPEG quality 60": lambda data: reencoded(data, quality=60),
    "half size": lambda data: reencoded(data, lambda im: im.resize((im.width // 2, im.height // 2))),
    "10 % brighter": lambda data: reencoded(data, lambda im: ImageEnhance.Brightness(im).enhance(1.1)),
    "as PNG": lambda data: reencoded(data, fmt="PNG"),
}


@pytest.mark.parametrize("copy", COPIES)
def test_copies_of_a_photo_are_near_duplicates(copy: str) -> None:
    for seed in range(6):
        original = make_photo(seed=seed)
        copied = COPIES[copy](original)
        distance = evidence.hamming(evidence.inspect(original, "a.jpg").phash, evidence.inspect(copied, "copy.jpg").phash)
        assert distance <= NEAR_DUPLICATE_BITS, (seed, distance)


def test_different_photos_are_far_apart() -> None:
    hashes = [evidence.inspect(make_photo(seed=seed), "a.jpg").phash for seed in range(20)]
    distances = [evidence.hamming(a, b) for a, b in itertools.combinations(hashes, 2)]
    assert min(distances) > NEAR_DUPLICATE_BITS
    assert 24 <= sum(distances) / len(distances) <= 40  # unrelated pictures differ in about half the bits


def reference_phash(image: Image.Image) -> str:
    """imagehash.phash's recipe with numpy, the DCT-II taken through an FFT (Makhoul) rather than cosines."""
    pixels = np.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=float)

    def dct(x: np.ndarray, axis: int) -> np.ndarray:
        x = np.moveaxis(x, axis, -1)
        n = x.shape[-1]
        v = np.concatenate([x[..., ::2], x[..., 1::2][..., ::-1]], axis=-1)
        y = 2 * np.real(np.exp(-1j * np.pi * np.arange(n) / (2 * n)) * np.fft.fft(v, axis=-1))
        return np.moveaxis(y, -1, axis)

    low = dct(dct(pixels, 0), 1)[:8, :8]
    bits = "".join("1" if b else "0" for b in (low > np.median(low)).flatten())
    return f"{int(bits, 2):016x}"


def test_hash_matches_a_reference_dct() -> None:
    for seed in range(5):
        data = make_photo(320, 240, seed=seed, fmt="PNG")
        assert evidence.inspect(data, "a.png").phash == reference_phash(Image.open(io.BytesIO(data)))


def test_hamming() -> None:
    assert evidence.hamming("0000000000000000", "0000000000000000") == 0
    assert evidence.hamming("0000000000000000", "ffffffffffffffff") == 64
    assert evidence.hamming("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError, match="视频没有感知哈希"):
        evidence.hamming("", "0000000000000000")


# ── distance ──────────────────────────────────────────────────────────────────────────────────────


def test_distance_km() -> None:
    assert evidence.distance_km(*WUHAN, *YICHANG) == pytest.approx(289, abs=3)
    assert evidence.distance_km(*YICHANG, *WUHAN) == pytest.approx(evidence.distance_km(*WUHAN, *YICHANG))
    assert evidence.distance_km(*WUHAN, *WUHAN) == 0
    # A quarter of the equator.
    assert evidence.distance_km(0, 0, 0, 90) == pytest.approx(2 * 3.141592653589793 * 6371.0088 / 4)
