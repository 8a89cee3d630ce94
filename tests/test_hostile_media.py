"""Hostile photos and videos (issue 15): image bombs are refused from their header, large phone photos are
decoded reduced, and a video must have something to play.

Every hostile file is made here, in memory and cheaply: the 13000×13000 PNG of the issue from one deflated
band of rows repeated, a 200-megapixel JPEG from one strip of restart intervals repeated, headers that claim
a size their data does not have, boxes that only look like a video.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from core import evidence
from core.evidence import NEAR_DUPLICATE_BITS, EvidenceError
from tests.photos import encode, make_exif, make_image, make_video
from tests.test_evidence import reference_phash

ROOT = Path(__file__).resolve().parent.parent
GREEN = (90, 140, 60)


def black_png(width: int, height: int) -> bytes:
    """A black RGB PNG, ``height`` a multiple of 100, made without its pixels in memory: deflate flushed after a
    band of rows starts afresh, so the band's compressed bytes can be repeated; the checksum runs over every row."""
    band = bytes(1 + 3 * width) * 100  # each row: filter byte 0, then black pixels
    deflate = zlib.compressobj(9)
    first = deflate.compress(band) + deflate.flush(zlib.Z_FULL_FLUSH)  # begins with the zlib header
    again = deflate.compress(band) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(height // 100):
        checksum = zlib.adler32(band, checksum)
    stream = first + again * (height // 100 - 1) + b"\x03\x00" + checksum.to_bytes(4, "big")  # empty last block
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", stream) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def solid_jpeg(width: int, height: int, colour: tuple[int, int, int] = GREEN, **options) -> bytes:
    """A baseline JPEG of one colour, made from a strip two blocks high: with a restart marker after every row of
    blocks each row's coded bytes are the same, so the picture is the strip's header and its first row repeated."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, 32), colour).save(buffer, "JPEG", quality=90, restart_marker_rows=1, **options)
    strip = buffer.getvalue()
    scan = strip.index(b"\xff\xda")
    rows_start = scan + 2 + int.from_bytes(strip[scan + 2:scan + 4], "big")
    row = strip[rows_start:strip.index(b"\xff\xd0", rows_start)]
    frame = strip.index(b"\xff\xc0")
    header = strip[:frame + 5] + struct.pack(">HH", height, width) + strip[frame + 9:rows_start]
    rows = -(-height // 16)  # 4:2:0, so a row of blocks is 16 pixels high
    return header + b"".join(row + bytes([0xFF, 0xD0 + i % 8]) for i in range(rows - 1)) + row + b"\xff\xd9"


def claiming(data: bytes, width: int, height: int) -> bytes:
    """A small PNG, JPEG or HEIC whose header is changed to claim ``width`` × ``height``; its data stays small."""
    size = struct.pack(">II", width, height)
    if data.startswith(b"\x89PNG"):
        header = data[12:16] + size + data[24:29]
        return data[:12] + header + struct.pack(">I", zlib.crc32(header)) + data[33:]
    if data.startswith(b"\xff\xd8"):
        frame = next(data.index(marker) for marker in (b"\xff\xc0", b"\xff\xc2", b"\xff\xc3") if marker in data)
        return data[:frame + 5] + struct.pack(">HH", height, width) + data[frame + 9:]
    extent = data.index(b"ispe")  # HEIF: the image's spatial extent property
    return data[:extent + 8] + size + data[extent + 16:]


def lossless(jpeg: bytes) -> bytes:
    """The JPEG with its frame marked lossless (SOF3): libjpeg cannot scale such a frame down."""
    frame = jpeg.index(b"\xff\xc0")
    return jpeg[:frame + 1] + b"\xc3" + jpeg[frame + 2:]


def _no_decoding(self: ImageFile.ImageFile) -> None:
    raise AssertionError(f"{self.format} {self.size} was decoded")


# ── image bombs ───────────────────────────────────────────────────────────────────────────────────


def test_the_png_bomb_of_the_issue_is_refused_from_its_header(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = black_png(13000, 13000)
    assert len(bomb) < 1024 * 1024
    monkeypatch.setattr(ImageFile.ImageFile, "load", _no_decoding)
    with pytest.raises(EvidenceError) as refused:
        evidence.inspect(bomb, "炸弹.png")
    message = str(refused.value)
    assert "文件“炸弹.png”有 13000×13000 像素（1.69 亿像素）。PNG 照片要整张读入内存才能处理，最多 6000 万像素。" in message
    assert "请上传手机相机拍摄的 JPEG 原图（最多 2.5 亿像素），或缩小到 6000 万像素以内后再上传。" in message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("small", "size", "expected"), [
    (lambda: encode(make_image(64, 48), "PNG"), (20000, 20000), "有 20000×20000 像素（4 亿像素）。PNG 照片要整张读入内存"),
    (lambda: encode(Image.new("RGB", (640, 480), GREEN), "HEIC"), (12000, 9000),
     "有 12000×9000 像素（1.08 亿像素）。HEIC 照片要整张读入内存才能处理，最多 6000 万像素"),
    (lambda: _progressive(make_image(64, 48)), (16320, 12240),
     "有 16320×12240 像素（2 亿像素）。渐进式等特殊编码的 JPEG 照片要整张读入内存才能处理，最多 6000 万像素"),
    (lambda: lossless(encode(make_image(64, 48))), (10000, 8000), "有 10000×8000 像素（8000 万像素）。渐进式等特殊编码的"),
    (lambda: encode(make_image(64, 48)), (20000, 15000), "有 20000×15000 像素（3 亿像素），超过照片上限 2.5 亿像素（手机相机"),
    (lambda: encode(make_image(64, 48)), (65000, 65000), "超过 5 亿像素，超过照片上限 2.5 亿像素"),
    (lambda: encode(make_image(64, 48), "PNG"), (60000, 60000), "超过 5 亿像素，超过照片上限 2.5 亿像素"),
], ids=["PNG", "HEIC", "progressive JPEG", "lossless JPEG", "JPEG over the limit", "JPEG of 4 gigapixels",
        "PNG of 3.6 gigapixels"])
def test_headers_claiming_too_many_pixels_are_refused_before_decoding(
        monkeypatch: pytest.MonkeyPatch, small, size: tuple[int, int], expected: str) -> None:
    data = claiming(small(), *size)
    monkeypatch.setattr(ImageFile.ImageFile, "load", _no_decoding)
    with pytest.raises(EvidenceError, match="“巨幅照片.jpg”") as refused:
        evidence.inspect(data, "巨幅照片.jpg")
    assert expected in str(refused.value)


def _progressive(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, progressive=True)
    return buffer.getvalue()


# Measured: ingesting the 200-megapixel JPEG grows the process by ~20 MB; decoding it whole would take 800 MB,
# the PNG bomb 680 MB.
BUDGET = 256 * 1024 * 1024
CHILD = """
import resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from PIL import Image
from core import evidence
# The address space may grow by BUDGET from here on: more raises MemoryError.
size = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + int(sys.argv[2]), size + int(sys.argv[2])))
path, root = Path(sys.argv[3]), Path(sys.argv[4])
try:
    seen = evidence.ingest(path.read_bytes(), path.name, root)
except evidence.EvidenceError as refused:
    print("refused", refused)
else:
    with Image.open(evidence.thumbnail_path(root, seen.sha256)) as thumbnail:
        print("stored", seen.width, seen.height, *thumbnail.size, *thumbnail.getpixel((10, 10)))
"""


def ingest_with_memory_budget(data: bytes, filename: str, tmp_path: Path) -> str:
    """What a fresh Python printed after ingesting ``data`` with its memory capped at BUDGET above its start."""
    upload = tmp_path / filename
    upload.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(BUDGET), str(upload), str(tmp_path / "evidence")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmSize from /proc (Linux)")


@needs_proc
def test_a_200_megapixel_phone_photo_is_decoded_reduced_within_a_small_memory_budget(tmp_path: Path) -> None:
    photo = solid_jpeg(16320, 12240, exif=make_exif(orientation=6).tobytes())
    assert ingest_with_memory_budget(photo, "IMG_200MP.jpg", tmp_path).split()[:5] == [
        "stored", "12240", "16320", "480", "640"]


@needs_proc
def test_the_png_bomb_is_refused_within_a_small_memory_budget(tmp_path: Path) -> None:
    assert ingest_with_memory_budget(black_png(13000, 13000), "炸弹.png", tmp_path).startswith(
        "refused 文件“炸弹.png”有 13000×13000 像素")


def test_a_40_megapixel_jpeg_gives_its_size_and_a_thumbnail(tmp_path: Path) -> None:
    seen = evidence.ingest(solid_jpeg(7296, 5472), "IMG_40MP.jpg", tmp_path)
    assert (seen.width, seen.height) == (7296, 5472)
    with Image.open(evidence.thumbnail_path(tmp_path, seen.sha256)) as thumbnail:
        assert thumbnail.size == (640, 480)
        assert all(abs(a - b) <= 4 for a, b in zip(thumbnail.getpixel((320, 240)), GREEN))


# ── the reduced copy ──────────────────────────────────────────────────────────────────────────────


def test_a_large_png_is_hashed_like_its_full_size_and_its_jpeg() -> None:
    for seed in range(3):
        picture = make_image(2600, 1950, seed=seed)
        png = evidence.inspect(encode(picture, "PNG"), "a.png").phash  # reduced by 4 before hashing
        jpeg = evidence.inspect(encode(picture), "a.jpg").phash  # decoded at 1/4 scale
        assert evidence.hamming(png, reference_phash(picture)) <= 2
        assert evidence.hamming(png, jpeg) <= 2 < NEAR_DUPLICATE_BITS


def test_a_large_png_keeps_its_orientation(tmp_path: Path) -> None:
    picture = make_image(2000, 1500, seed=5)
    seen = evidence.ingest(encode(picture, "PNG", exif=make_exif(orientation=6)), "a.png", tmp_path)
    assert (seen.width, seen.height) == (1500, 2000)
    upright = picture.transpose(Image.Transpose.ROTATE_270)
    assert evidence.hamming(seen.phash, reference_phash(upright)) <= 2
    with Image.open(evidence.thumbnail_path(tmp_path, seen.sha256)) as thumbnail:
        assert thumbnail.size == (480, 640)


def test_a_large_palette_png_is_reduced_in_colours_not_indices(tmp_path: Path) -> None:
    # Columns alternately red (index 0) and blue (index 200); averaging the indices would give 100, green.
    palette = [0] * 768
    palette[0:3], palette[300:303], palette[600:603] = (255, 0, 0), (0, 255, 0), (0, 0, 255)
    stripes = Image.new("P", (1400, 1400))
    stripes.putpalette(palette)
    stripes.putdata([0 if x % 2 == 0 else 200 for _ in range(1400) for x in range(1400)])
    seen = evidence.ingest(encode(stripes, "PNG"), "stripes.png", tmp_path)
    with Image.open(evidence.thumbnail_path(tmp_path, seen.sha256)) as thumbnail:
        red, green, blue = thumbnail.getpixel((320, 320))
    assert red > 90 and blue > 90 and green < 40


# ── videos ────────────────────────────────────────────────────────────────────────────────────────


def box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


FTYP = make_video()[:24]


def nested(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = box(b"trak", inner)
    return inner


@pytest.mark.parametrize(("data", "problem"), [
    (FTYP + b"junk" * 50, "文件不完整"),
    (FTYP + box(b"mdat", bytes(64)), "缺少影片信息（可能录制时中断，或文件不完整）"),  # what passed as a video before
    (make_video()[:-100], "不完整"),
    (make_video(handler=b"soun"), "里面没有视频画面（可能只有声音）"),
    (make_video(seconds=0), "视频时长为 0"),
    (make_video(seconds=100 * 3600), "视频时长不合理（100 小时）"),
    (make_video(frames=0), "视频轨道里没有画面"),
    (FTYP + box(b"moov", box(b"free") * 20_000), "文件结构异常（数据块过多）"),
    (FTYP + box(b"moov", nested(5000)), "文件结构已损坏或不完整"),
], ids=["junk behind ftyp", "no moov", "cut off", "sound only", "no duration", "absurd duration", "no frames",
        "box flood", "boxes nested 5000 deep"])
def test_what_cannot_play_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(EvidenceError) as refused:
        evidence.inspect(data, "现场.mp4")
    message = str(refused.value)
    assert message.startswith("文件“现场.mp4”不是可以播放的视频：") and problem in message
    assert message.endswith("请上传手机或相机拍摄的原始视频文件。")


def test_a_video_is_stored_only_when_it_can_play(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError):
        evidence.ingest(FTYP + b"junk" * 50, "现场.mp4", tmp_path)
    assert not any(tmp_path.rglob("*.mp4"))
    seen = evidence.ingest(make_video(b"qt  "), "IMG_0001.MOV", tmp_path)
    assert evidence.original_path(tmp_path, seen.sha256, ".mov").read_bytes() == make_video(b"qt  ")
