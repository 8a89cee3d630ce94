"""Hostile backups: zip bombs and lying sizes are refused before they fill the disk, and a refused restore
leaves the current data as it was. The hostile zips are built here, from a real backup of the demo data."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

from core import backup, config
from tests.test_backup import (data_dir, db_file, demo_template, no_restore_happened,  # noqa: F401  (fixtures)
                               stored_files, table_digests)

BOMB = 200 * 1024 * 1024  # zeros: deflated to some 200 KB, about 1000:1
MB = 1024 * 1024


@pytest.fixture
def good(data_dir: Path, tmp_path: Path) -> Path:  # noqa: F811
    """A real backup of the demo data directory."""
    archive = tmp_path / "good.zip"
    backup.create_backup(db_file(data_dir), data_dir, archive)
    return archive


def written_during(work: Callable[[], Any]) -> tuple[Any, int]:
    """What ``work`` returns (or the exception it raised) and the bytes this process wrote meanwhile
    (Linux counts every write(2) in /proc/self/io), so that what reaches the disk is measured, not guessed."""
    def wchar() -> int:
        return int(next(line for line in Path("/proc/self/io").read_text().splitlines()
                        if line.startswith("wchar:")).split()[1])

    before = wchar()
    try:
        result: Any = work()
    except backup.BackupError as error:
        result = error
    return result, wchar() - before


def with_member(source: Path, target: Path, name: str, size: int, *, reseal: bool = False) -> Path:
    """A copy of the backup ``source`` whose member ``name`` is ``size`` zero bytes, deflated (streamed, never
    whole in memory). ``reseal`` lists them in the manifest too, as a forger who knows the format would."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        manifest = json.loads(zin.read(backup.MANIFEST))
        for info in zin.infolist():
            if info.filename == name:
                bomb = zipfile.ZipInfo(name)
                bomb.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(bomb, "w") as out:
                    for start in range(0, size, MB):
                        chunk = bytes(min(MB, size - start))
                        digest.update(chunk)
                        out.write(chunk)
            elif info.filename != backup.MANIFEST:
                zout.writestr(info, zin.read(info))
        if reseal:
            for entry in manifest["files"]:
                if entry["path"] == name:
                    entry.update(size=size, sha256=digest.hexdigest())
        if name != backup.MANIFEST:
            zout.writestr(backup.MANIFEST, json.dumps(manifest, ensure_ascii=False))
    return target


def declaring(archive: Path, name: str, size: int) -> Path:
    """Edit the uncompressed size that ``archive`` declares for ``name``, in its local header and in the
    central directory, leaving the data (and its CRC) as they are: a member that lies about its size."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(name)
        central = zf.start_dir
    struct.pack_into("<I", data, info.header_offset + 22, size)
    while data[central:central + 4] == b"PK\x01\x02":
        lengths = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46:central + 46 + lengths[0]] == name.encode():
            struct.pack_into("<I", data, central + 24, size)
        central += 46 + sum(lengths)
    archive.write_bytes(bytes(data))
    return archive


def refused_restore_changes_nothing(archive: Path, data_dir: Path, expected: str) -> None:  # noqa: F811
    """Restoring ``archive`` is refused with ``expected`` in the message, writes little, changes nothing."""
    before = table_digests(db_file(data_dir)), stored_files(data_dir)
    refused, written = written_during(lambda: backup.restore_backup(archive, data_dir))
    assert isinstance(refused, backup.BackupError) and expected in str(refused), refused
    assert written < MB
    assert (table_digests(db_file(data_dir)), stored_files(data_dir)) == before
    assert no_restore_happened(data_dir)


def test_a_real_backup_compresses_far_below_the_ratio_refused(good: Path) -> None:
    with zipfile.ZipFile(good) as zf:
        ratios = {info.filename: info.file_size / info.compress_size for info in zf.infolist() if info.compress_size}
    assert max(ratios.values()) < backup.MAX_RATIO / 5, ratios
    assert backup.check_backup(good) == []


def test_a_bomb_in_place_of_the_database_is_refused_before_it_inflates(good: Path, data_dir: Path,  # noqa: F811
                                                                       tmp_path: Path) -> None:
    bomb = with_member(good, tmp_path / "bomb.zip", config.DB_FILENAME, BOMB)
    assert bomb.stat().st_size < 3 * MB

    problems, written = written_during(lambda: backup.check_backup(bomb))

    assert written < MB, f"{written / MB:.0f} MB written before the bomb was refused"
    assert any("文件大小与清单不符" in problem and config.DB_FILENAME in problem for problem in problems), problems
    refused_restore_changes_nothing(bomb, data_dir, "文件大小与清单不符")


def test_a_bomb_listed_in_its_manifest_is_refused_by_its_ratio(good: Path, data_dir: Path,  # noqa: F811
                                                               tmp_path: Path) -> None:
    bomb = with_member(good, tmp_path / "bomb.zip", config.DB_FILENAME, BOMB, reseal=True)

    problems, written = written_during(lambda: backup.check_backup(bomb))

    assert written < MB, f"{written / MB:.0f} MB written before the bomb was refused"
    assert any("压缩比为" in problem and "疑似压缩炸弹" in problem for problem in problems), problems
    refused_restore_changes_nothing(bomb, data_dir, "疑似压缩炸弹")


def test_a_bomb_as_the_manifest_is_refused_without_reading_it(good: Path, data_dir: Path,  # noqa: F811
                                                              tmp_path: Path) -> None:
    bomb = with_member(good, tmp_path / "bomb.zip", backup.MANIFEST, 40 * MB)  # under the manifest's size limit
    with pytest.raises(backup.BackupError, match="文件清单压缩比为"):
        backup.read_manifest(bomb)
    assert any("疑似压缩炸弹" in problem for problem in backup.check_backup(bomb))
    (data_dir / "backups").mkdir(exist_ok=True)
    bomb.rename(data_dir / "backups" / "bomb.zip")
    [listed] = backup.list_backups(data_dir)  # the settings page lists the backups folder
    assert "疑似压缩炸弹" in listed["error"]


def test_a_member_that_inflates_beyond_its_declared_size_stops_there(good: Path, data_dir: Path,  # noqa: F811
                                                                     tmp_path: Path) -> None:
    """The zip and the manifest both say the database has its real size; its data inflates to 200 MB."""
    with zipfile.ZipFile(good) as zf:
        real = zf.getinfo(config.DB_FILENAME).file_size
    liar = declaring(with_member(good, tmp_path / "liar.zip", config.DB_FILENAME, BOMB), config.DB_FILENAME, real)

    problems, written = written_during(lambda: backup.check_backup(liar))

    assert written < real + MB
    assert any(config.DB_FILENAME in problem and ("已损坏" in problem or "多于其声明" in problem)
               for problem in problems), problems
    refused_restore_changes_nothing(liar, data_dir, config.DB_FILENAME)


def test_the_byte_counter_stops_at_the_declared_size_whatever_the_zip_reader_yields(good: Path,
                                                                                    tmp_path: Path) -> None:
    """Python's zip reader stops at the size in the central directory; the counter does not rely on it."""
    bomb = with_member(good, tmp_path / "bomb.zip", config.DB_FILENAME, 8 * MB)
    out = tmp_path / "out.db"
    with zipfile.ZipFile(bomb) as zf, pytest.raises(backup._Overflow):
        backup._hash_member(zf, config.DB_FILENAME, out, 100_000)
    assert out.stat().st_size <= 100_000


@pytest.mark.parametrize("limit, expected", [
    ("MAX_DATABASE_BYTES", "超过上限"),
    ("MAX_FILE_BYTES", "超过上限"),
    ("MAX_TOTAL_BYTES", "超过上限"),
])
def test_sizes_over_the_limits_are_refused_before_reading(good: Path, data_dir: Path,  # noqa: F811
                                                          monkeypatch: pytest.MonkeyPatch, limit: str,
                                                          expected: str) -> None:
    monkeypatch.setattr(backup, limit, 10_000)
    problems, written = written_during(lambda: backup.check_backup(good))
    assert written < 100_000 and any(expected in problem for problem in problems), problems
    refused_restore_changes_nothing(good, data_dir, expected)


def test_a_restore_that_would_not_fit_on_the_disk_is_refused(good: Path, data_dir: Path,  # noqa: F811
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    free = backup.DISK_RESERVE + 100_000  # less than the demo database and its photos
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda path: type("Usage", (), {"free": free})())
    refused_restore_changes_nothing(good, data_dir, "磁盘空间不足")
