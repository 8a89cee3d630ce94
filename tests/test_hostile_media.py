"""Hostile videos (issue 15): a video must have something to play.

Every hostile file is made here, in memory: boxes that only look like a video.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from core import evidence
from core.evidence import EvidenceError
from tests.photos import make_video


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
