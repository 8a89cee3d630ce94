"""Backups of the data, restoring one, and checking the live data (数据备份、恢复与完整性检查).

A backup is one zip, by default ``<data dir>/backups/绿矿核查备份-20231130-102000.zip``, laid out like
the data directory itself, so that unzipping it by hand gives a data directory the app can open::

    greenmine.db                        the database, copied with SQLite's online backup API
    evidence/originals/ab/ab12…ef.jpg   photos and videos, byte for byte
    evidence/thumbnails/ab/ab12…ef.jpg  their display JPEGs (small; restored as they were, not rebuilt)
    boundary.geojson                    the uploaded boundary, when there is one
    manifest.json                       written last: time, schema version, counts, the audit chain's
                                        head, and every other file's path, size and SHA-256

Why a zip rather than a tar: a zip has a central directory, so checking one member or reading the
manifest does not mean reading the whole archive; every member also carries a CRC; it opens with a
double click on the officials' Windows machines; and it is what the ministry package
(:mod:`core.package`) already uses. The database is deflated (SQLite pages compress 3–5×), photos and
videos are stored as they are (already compressed).

- :func:`create_backup` copies the database while the app keeps running (a reader in WAL mode blocks
  nobody), into a temporary file first, then streams it and the evidence files into a temporary zip
  next to the target, which replaces the target only once complete.
- :func:`check_backup` re-hashes every member against the manifest and opens the database copy;
  :func:`read_manifest` and :func:`list_backups` only read manifests (cheap).
- A backup may come from anywhere, so before any member is read its declared size is held against the
  manifest and the limits below (:func:`_size_problems`): a zip bomb is refused before it inflates, and
  what is extracted is counted as it streams, in case a declared size lies.
- :func:`restore_backup` (app stopped: :func:`database_in_use` says when it is not) makes the same
  checks while extracting into the data directory, moves the current data aside into
  ``backups/恢复前-<time>/`` and the restored data into place.
- :func:`check_data` checks the live data: SQLite's integrity and foreign keys, every evidence original
  against its SHA-256; :data:`DATA_CHECKS` lists the checks, so more can be added.

Command line (Chinese output, exit code 1 on problems)::

    python -m core.backup create [--to PATH]
    python -m core.backup check ARCHIVE
    python -m core.backup restore ARCHIVE [--yes]
    python -m core.backup verify
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from sqlite_utils import Database

from core import access, audit, basemap, config, storage
from core import db as dbmod

MANIFEST = "manifest.json"
FORMAT = "greenmine-backup"
FORMAT_VERSION = 1
BACKUPS_DIR = "backups"
EVIDENCE_DIR = "evidence"  # the folder of core.inspections.evidence_root()
EVIDENCE_FOLDERS = ("originals", "thumbnails")
EXTRA_FILES = (basemap.BOUNDARY_FILE,)  # small files an official uploaded, kept with the data
NAME_PREFIX = "绿矿核查备份-"
ASIDE_PREFIX = "恢复前-"
CHUNK = 1024 * 1024
STORED_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".mp4", ".mov"}  # compressed already
SHOWN = 10  # problems of one kind listed before "等共 N 处"

# Limits on what a backup may declare, checked before anything is inflated. Real ones are far below:
# uploads stop at 200 MB (a video), a province's database is tens of MB.
MAX_DATABASE_BYTES = 64 * 1024**3
MAX_FILE_BYTES = 2 * 1024**3      # an evidence file or the boundary
MAX_MANIFEST_BYTES = 64 * 1024**2  # some 400,000 files listed
MAX_TOTAL_BYTES = 1024**4          # everything together; and never more than the disk has free
DISK_RESERVE = 256 * 1024**2       # left free on the disk after extracting, for the database to go on
# Deflate reaches 1032:1 on zeros. Measured on backups of the demo data: the database deflates 6–9:1
# (60 to 3000 mines), 17:1 after two thirds of it was deleted (SQLite zeroes freed pages here), the
# manifest 3–4:1; photos and videos are stored, 1:1. Above the ratio, a member this large is a bomb.
MAX_RATIO = 100
RATIO_FROM_BYTES = 10 * 1024**2

Progress = Callable[[float, str], None]


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message (Chinese) says why and what to do."""


class _Overflow(Exception):
    """A member inflated to more bytes than it declared."""


@dataclass
class Findings:
    """What a check found: ``errors`` are damage to act on, ``notes`` are worth knowing but harmless."""

    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DataReport(Findings):
    """The result of :func:`check_data`: the findings of all checks and the names of the checks run."""

    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def app_schema_version() -> int:
    """The newest database schema this program knows (the last migration's number)."""
    return max(version for version, _, _ in dbmod.MIGRATIONS)


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUPS_DIR


def default_name(when: datetime | None = None) -> str:
    """'绿矿核查备份-20231130-102000.zip'."""
    return f"{NAME_PREFIX}{(when or datetime.now()).strftime('%Y%m%d-%H%M%S')}.zip"


def default_target(data_dir: Path, when: datetime | None = None) -> Path:
    """Where a backup goes unless told otherwise: ``<data dir>/backups/绿矿核查备份-….zip``."""
    return backups_dir(data_dir) / default_name(when)


def _quiet(share: float, text: str) -> None:
    pass


class _Throttled:
    """Passes progress on at most once per percent, so that thousands of files do not mean thousands
    of redraws of a progress bar."""

    def __init__(self, progress: Progress | None):
        self.progress = progress or _quiet
        self.last = -1.0

    def __call__(self, share: float, text: str, force: bool = False) -> None:
        if force or share - self.last >= 0.01:
            self.last = share
            self.progress(min(share, 1.0), text)


# ── create ────────────────────────────────────────────────────────────────────────────────────────


def create_backup(db_path: Path, data_dir: Path, target: Path | None = None,
                  progress: Progress | None = None, actor: str = access.SYSTEM) -> dict[str, Any]:
    """Write a backup of the database ``db_path`` and the evidence files under ``data_dir`` to ``target``
    (a .zip; default :func:`default_target`) and return its manifest.

    The app may keep running: the database is copied with SQLite's online backup API in one step, so
    the copy is the database as it was at one instant, including what is still only in the WAL.
    Evidence files are listed after that instant; originals are never deleted and are written before
    the row that refers to them, so every row in the copy finds its file. ``progress(share, text)``
    is called as the work goes (share from 0 to 1).

    The manifest's ``warnings`` (Chinese) list damage found on the way (an original missing or no
    longer matching its SHA-256, a database copy failing ``PRAGMA integrity_check``): the backup is
    still written, as the best copy there is. Raises BackupError when there is no database; ``target``
    is then left as it was, as on any failure.
    """
    access.require(actor, access.BACKUP)
    db_path, data_dir = Path(db_path), Path(data_dir)
    if not db_path.is_file():
        raise BackupError(f"没有找到数据库文件 {db_path}，没有可备份的数据。"
                          f"请检查数据目录设置（{config.ENV_DATA_DIR}）。")
    target = Path(target) if target is not None else default_target(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    advance = _Throttled(progress)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".备份中-"))
    try:
        advance(0.0, "正在复制数据库…", force=True)
        copy = work / config.DB_FILENAME
        created = dbmod.now()  # the moment of the database snapshot: what the backup holds
        database = _copy_database(db_path, copy)
        files = [(config.DB_FILENAME, copy), *_data_files(data_dir)]
        total = sum(_size(path) for _, path in files) or 1
        warnings = list(database.pop("warnings"))
        entries, done = [], 0
        with storage.replacing(target) as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
                for number, (name, path) in enumerate(files, start=1):
                    advance(0.05 + 0.93 * done / total, f"正在写入第 {number}/{len(files)} 个文件…")
                    entry = _add_file(zf, name, path)
                    if entry is None:
                        warnings.append(f"文件在备份过程中消失，未备份：{path}")
                        continue
                    entries.append(entry)
                    done += entry["size"]
                warnings += _evidence_warnings(database.pop("evidence"), entries)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "app": "绿矿核查",
                    "created_at": created,
                    "schema_version": database["schema_version"],
                    "sqlite_version": sqlite3.sqlite_version,
                    "data_dir": str(data_dir),
                    "database": {"path": config.DB_FILENAME, "integrity_check": database["integrity_check"]},
                    # The chain's head in the copy: a check finds a backup whose log was cut or rewritten,
                    # and the operator can hold the live log against it later.
                    "audit_head": database["audit_head"],
                    "counts": {**database["counts"], **_file_counts(entries)},
                    "warnings": warnings,
                    "files": entries,
                }
                advance(0.99, "正在写入文件清单…", force=True)
                info = _entry(MANIFEST, time.time(), zipfile.ZIP_DEFLATED)
                zf.writestr(info, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    database = dbmod.connect(db_path, migrate_schema=False)
    try:  # after the snapshot: the backup itself does not hold this entry (nor a database of an older program)
        if "audit_log" in database.table_names():
            audit.log(database, actor, "创建备份", target.name,
                      new={"created_at": created, "counts": manifest["counts"]})
    finally:
        database.close()
    advance(1.0, f"备份完成：{target.name}", force=True)
    return manifest


def _copy_database(source_path: Path, copy: Path) -> dict[str, Any]:
    """Copy the live database into ``copy`` (SQLite's backup API, all pages in one step) and describe
    the copy: its integrity check, schema version, row counts, the evidence files its rows name, the
    head of its audit chain (``{"seq", "hash"}``, None without an audit log)."""
    source = sqlite3.connect(source_path, timeout=15)
    target = sqlite3.connect(copy)
    try:
        _backup_pages(source, target, source_path)
        # The copy inherits WAL mode from the page header; a self-contained file is what belongs in a zip.
        target.execute("PRAGMA journal_mode = DELETE")
        result = [row[0] for row in target.execute("PRAGMA integrity_check")]
        tables = {row[0] for row in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {key: target.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] if table in tables else 0
                  for key, table in (("mines", "mines"), ("records", "records"), ("evidence_rows", "evidence"))}
        version = (target.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
                   if "schema_migrations" in tables else 0)
        evidence = (target.execute("SELECT DISTINCT sha256, ext FROM evidence"
                                   + (" UNION SELECT sha256, ext FROM followup_files" if "followup_files" in tables else "")
                                   ).fetchall() if "evidence" in tables else [])
        head = audit.head(Database(target))._asdict() if "audit_log" in tables else None
    finally:
        target.close()
        source.close()
    integrity = "ok" if result == ["ok"] else "；".join(result[:SHOWN])
    warnings = [] if integrity == "ok" else [f"数据库未通过完整性检查（PRAGMA integrity_check）：{integrity}"]
    return {"integrity_check": integrity, "schema_version": version, "counts": counts, "evidence": evidence,
            "audit_head": head, "warnings": warnings}


def _backup_pages(source: sqlite3.Connection, target: sqlite3.Connection, source_path: Path) -> None:
    # One step: the copy is one consistent snapshot. Step by step, every write made meanwhile by
    # another connection would restart the copy, which might then never finish.
    try:
        source.backup(target)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"数据库 {source_path} 无法读取（{error}），未能备份。"
                          "请运行 python -m core.backup verify 检查。") from None


def _data_files(data_dir: Path) -> list[tuple[str, Path]]:
    """The files of the data directory that go into a backup, as (path in the archive, path on disk),
    in a stable order. Hidden files (uploads still being written, ``.…part``) are left out."""
    found = []
    for folder in EVIDENCE_FOLDERS:
        base = data_dir / EVIDENCE_DIR / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                relative = path.relative_to(data_dir)
                if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                    found.append((relative.as_posix(), path))
    found += [(name, data_dir / name) for name in EXTRA_FILES if (data_dir / name).is_file()]
    return found


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _entry(name: str, mtime: float, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=max(time.localtime(mtime)[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _add_file(zf: zipfile.ZipFile, name: str, path: Path) -> dict[str, Any] | None:
    """Stream one file into the zip, hashing it on the way; its manifest entry (None if it vanished)."""
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        return None
    with stream:
        stat = os.fstat(stream.fileno())
        compress = zipfile.ZIP_STORED if path.suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
        info = _entry(name, stat.st_mtime, compress)
        info.file_size = stat.st_size  # lets zipfile decide on ZIP64 before writing
        digest, size = hashlib.sha256(), 0
        with zf.open(info, "w") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest()}


def _original_name(sha256: str, ext: str) -> str:
    return f"{EVIDENCE_DIR}/originals/{sha256[:2]}/{sha256}{ext}"


def _evidence_warnings(rows: list[tuple[str, str]], entries: list[dict[str, Any]]) -> list[str]:
    """Originals the database names but the backup lacks, and originals whose bytes no longer match
    the SHA-256 in their name."""
    stored = {entry["path"]: entry["sha256"] for entry in entries}
    missing = [_original_name(sha, ext) for sha, ext in rows if _original_name(sha, ext) not in stored]
    changed = [name for name, sha in stored.items()
               if name.startswith(f"{EVIDENCE_DIR}/originals/") and PurePosixPath(name).stem != sha]
    warnings = []
    if missing:
        warnings.append(f"数据库中登记的 {len(missing)} 个影像原件在数据目录中缺失，未能备份：{_some(missing)}")
    if changed:
        warnings.append(f"{len(changed)} 个影像原件与其 SHA-256 不符（上传后被改动），已按现状备份：{_some(changed)}")
    return warnings


def _file_counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    def under(folder: str) -> int:
        return sum(entry["path"].startswith(f"{EVIDENCE_DIR}/{folder}/") for entry in entries)

    return {"originals": under("originals"), "thumbnails": under("thumbnails"), "files": len(entries),
            "bytes": sum(entry["size"] for entry in entries)}


def _some(items: list[str]) -> str:
    shown = "、".join(items[:SHOWN])
    return shown if len(items) <= SHOWN else f"{shown} 等共 {len(items)} 处"


# ── read and check ────────────────────────────────────────────────────────────────────────────────


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup (cheap: the zip's directory and one member); raises BackupError."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return _manifest(zf, Path(archive).name)
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件：{archive}") from None
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"无法作为 zip 文件打开 {Path(archive).name}（不是备份文件，或已损坏）：{error}") from None


def _manifest(zf: zipfile.ZipFile, label: str) -> dict[str, Any]:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise BackupError(f"{label} 中没有文件清单 {MANIFEST}：不是本程序生成的备份，或已损坏。") from None
    refused = _declared_problem(info, MAX_MANIFEST_BYTES)
    if refused:
        raise BackupError(f"{label} 的文件清单{refused}")
    try:
        with zf.open(info) as stream:
            data = _read_at_most(stream, info.file_size)
        manifest = json.loads(data.decode("utf-8"))
    except _Overflow:
        raise BackupError(f"{label} 的文件清单解压出的数据多于其声明的大小，疑似被篡改，未继续读取。") from None
    except (OSError, ValueError, EOFError, zlib.error, zipfile.BadZipFile) as error:
        raise BackupError(f"{label} 的文件清单无法读取：{error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{label} 不是本程序生成的备份（文件清单格式不符）。")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(f"{label} 由较新版本的程序生成（备份格式 {manifest.get('format_version')}，本程序支持 "
                          f"{FORMAT_VERSION}）。请先升级程序再使用该备份。")
    return manifest


def list_backups(data_dir: Path) -> list[dict[str, Any]]:
    """The backups in ``<data dir>/backups/``, newest first: ``path``, ``size`` (bytes), ``created_at``
    and ``counts`` from the manifest (``error`` instead when the manifest cannot be read)."""
    found = []
    for path in sorted(backups_dir(data_dir).glob("*.zip"), key=lambda p: p.stat().st_mtime, reverse=True):
        item: dict[str, Any] = {"path": path, "size": path.stat().st_size}
        try:
            manifest = read_manifest(path)
            item.update(created_at=manifest.get("created_at", ""), counts=manifest.get("counts", {}))
        except BackupError as error:
            item["error"] = str(error)
        found.append(item)
    return found


def check_backup(archive: Path, workdir: Path | None = None) -> list[str]:
    """Check a backup: the problems found (Chinese), [] when it can be restored.

    Every file listed in the manifest is present with its size and SHA-256, nothing is missing or
    extra, no path would land outside the data directory, the database copy opens, passes
    ``PRAGMA integrity_check``, has a schema no newer than this program's and an audit log that still
    reaches the head the manifest names. The database copy is extracted for that into a temporary
    directory (inside ``workdir`` if given). Sizes and compression ratios are checked first
    (:func:`_size_problems`): a backup that declares too much is refused without inflating anything.
    """
    with tempfile.TemporaryDirectory(dir=workdir, prefix="greenmine-check-") as scratch:
        return _verify(Path(archive), Path(scratch), extract_all=False, advance=_Throttled(None))[0]


def _verify(archive: Path, staging: Path, extract_all: bool,
            advance: _Throttled) -> tuple[list[str], dict[str, Any] | None]:
    """The checks of :func:`check_backup`, extracting into ``staging`` as it hashes: the database only,
    or every file when ``extract_all``. Returns (problems, manifest)."""
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        return [f"找不到备份文件：{archive}"], None
    except (OSError, zipfile.BadZipFile) as error:
        return [f"无法作为 zip 文件打开（不是备份文件，或已损坏）：{error}"], None
    with zf:
        names = [info.filename for info in zf.infolist() if not info.is_dir()]
        problems = [f"备份中有重名文件：{name}" for name, times in Counter(names).items() if times > 1]
        try:
            manifest = _manifest(zf, archive.name)
            expected = {entry["path"]: (entry["sha256"], int(entry["size"])) for entry in manifest["files"]}
        except BackupError as error:
            return problems + [str(error)], None
        except (KeyError, TypeError, ValueError) as error:
            return problems + [f"文件清单无法读取：{error}"], None
        unsafe = [name for name in expected if not _allowed(name)]
        problems += [f"文件路径不允许（可能被篡改，恢复时会写到数据目录以外或覆盖其他文件）：{name}" for name in unsafe]
        if config.DB_FILENAME not in expected:
            problems.append(f"备份中没有数据库文件 {config.DB_FILENAME}")
        present = set(names)
        problems += [f"缺少文件：{name}" for name in expected if name not in unsafe and name not in present]
        problems += [f"清单中没有的文件：{name}" for name in sorted(present - set(expected) - {MANIFEST})]
        readable = {name: entry for name, entry in expected.items() if name not in unsafe and name in present}
        extracted = [name for name in readable if extract_all or name == config.DB_FILENAME]
        refused = _size_problems(zf, readable, extracted, staging)
        if refused:  # nothing is inflated from a backup that declares too much, or other sizes than its manifest
            return problems + refused, manifest
        total = sum(size for _, size in readable.values()) or 1
        done = 0
        for name, (sha256, size) in readable.items():
            advance(0.9 * done / total, f"正在检查 {name}…")
            destination = staging / name if name in extracted else None
            try:
                found_sha = _hash_member(zf, name, destination, size)
            except _Overflow:
                problems.append(f"文件解压出的数据多于其声明的 {size} 字节，疑似被篡改（压缩炸弹），已停止解压：{name}")
                continue
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
                problems.append(f"文件已损坏：{name}（{error}）")
                continue
            done += size
            if found_sha != sha256:
                problems.append(f"文件内容与清单不符（SHA-256 不同，可能被改动）：{name}")
            elif name == config.DB_FILENAME:
                problems += _check_database_copy(staging / name, manifest)
    return problems, manifest


def _size_problems(zf: zipfile.ZipFile, expected: dict[str, tuple[str, int]], extracted: list[str],
                   staging: Path) -> list[str]:
    """What is wrong with the sizes the zip declares for the members to be read (``expected``: path →
    (SHA-256, size) from the manifest), before any of them is inflated: a size other than the manifest's,
    over its limit or compressed beyond :data:`MAX_RATIO`; more in all than :data:`MAX_TOTAL_BYTES`; more
    to write (the members ``extracted``) than the disk of ``staging`` has free, less :data:`DISK_RESERVE`."""
    problems = []
    for name, (_, size) in expected.items():
        info = zf.getinfo(name)
        if info.file_size != size:
            problems.append(f"文件大小与清单不符（清单 {size} 字节，压缩包中声明 {info.file_size} 字节），"
                            f"可能被改动，未解压：{name}")
            continue
        refused = _declared_problem(info, MAX_DATABASE_BYTES if name == config.DB_FILENAME else MAX_FILE_BYTES)
        if refused:
            problems.append(f"文件{refused}：{name}")
    total = sum(size for _, size in expected.values())
    if total > MAX_TOTAL_BYTES:
        problems.append(f"备份声明解压后共 {_megabytes(total)}，超过上限 {_megabytes(MAX_TOTAL_BYTES)}，未解压。")
    to_write = sum(expected[name][1] for name in extracted)
    room = shutil.disk_usage(staging).free - DISK_RESERVE
    if to_write > room:
        problems.append(f"磁盘空间不足：解压需要 {_megabytes(to_write)}，{staging.parent} 所在磁盘可用 "
                        f"{_megabytes(max(room, 0))}（另须保留 {_megabytes(DISK_RESERVE)}），未解压。请先腾出磁盘空间。")
    return problems


def _declared_problem(info: zipfile.ZipInfo, limit: int) -> str:
    """Why a member must not be inflated ('' when it may): its declared size over ``limit``, or a
    compression ratio no real backup has. Worded to follow '文件' or '文件清单'."""
    if info.file_size > limit:
        return f"声明解压后有 {_megabytes(info.file_size)}，超过上限 {_megabytes(limit)}，未解压"
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (f"压缩比为 {info.file_size // max(info.compress_size, 1)}:1（声明解压后有 {_megabytes(info.file_size)}），"
                f"超过上限 {MAX_RATIO}:1，疑似压缩炸弹，未解压（本程序生成的备份一般不超过 20:1）")
    return ""


_PART = re.compile(r"^[^\\/:*?\"<>|\x00-\x1f]+$")


def _allowed(name: str) -> bool:
    """A member a restore may write: a relative path without '..' or '.', in a place the app keeps data."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") or not _PART.match(part)
                                                   for part in path.parts):
        return False
    if name in (config.DB_FILENAME, *EXTRA_FILES):
        return True
    return len(path.parts) >= 3 and path.parts[0] == EVIDENCE_DIR and path.parts[1] in EVIDENCE_FOLDERS


def _hash_member(zf: zipfile.ZipFile, name: str, destination: Path | None, declared: int) -> str:
    """SHA-256 of one member of ``declared`` bytes, streamed, written to ``destination`` on the way if
    given. Raises _Overflow, having written no more than ``declared`` bytes, when more come out;
    EOFError when fewer do."""
    digest, size = hashlib.sha256(), 0
    out = None
    if destination is not None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        out = destination.open("wb")
    try:
        with zf.open(name) as stream:
            # One byte beyond what was declared is enough to know it lied.
            while chunk := stream.read(min(CHUNK, declared - size + 1)):
                size += len(chunk)
                if size > declared:
                    raise _Overflow(name)
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
    finally:
        if out is not None:
            out.close()
    if size < declared:
        raise EOFError(f"只有 {size} 字节，少于声明的 {declared} 字节")
    return digest.hexdigest()


def _read_at_most(stream: Any, declared: int) -> bytes:
    """The bytes of a member of ``declared`` bytes, read into memory; _Overflow when more come out."""
    data = stream.read(declared + 1)
    if len(data) > declared:
        raise _Overflow()
    return data


def _chain_problems(copy: Database, listed: Any) -> list[str]:
    """The audit log of a database copy against the head its manifest lists ({"seq", "hash"} or None)."""
    if listed is None:
        return []
    try:
        kept = audit.parse_head(f"{int(listed['seq'])}:{listed['hash']}")
    except (audit.AuditError, KeyError, TypeError, ValueError):
        return [f"文件清单中的审计链头无法读取：{str(listed)[:80]}"]
    if "audit_log" not in copy.table_names():
        return [] if kept.seq == 0 else ["备份中的数据库没有审计日志"]
    return audit.check_head(copy, kept)


def _check_database_copy(path: Path, manifest: dict[str, Any]) -> list[str]:
    """The database copy opens, passes ``PRAGMA integrity_check``, is not from a newer program, and its
    audit log reaches the head the manifest names (backups of older programs name none)."""
    try:
        connection = sqlite3.connect(path)
        try:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            version = connection.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
            chain = _chain_problems(Database(connection), manifest.get("audit_head"))
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        return [f"备份中的数据库无法打开：{error}"]
    problems = [f"备份中的审计日志与文件清单记录的链头不符：{problem}" for problem in chain]
    if result != ["ok"]:
        problems.append(f"备份中的数据库未通过完整性检查：{'；'.join(result[:SHOWN])}")
    if version > app_schema_version():
        problems.append(f"备份来自较新版本的程序（数据库结构版本 {version}，本程序为 {app_schema_version()}）。"
                        "请先把程序升级到不低于备份时的版本，再恢复。")
    if version != manifest.get("schema_version"):
        problems.append(f"数据库结构版本（{version}）与文件清单（{manifest.get('schema_version')}）不符")
    return problems


# ── restore ───────────────────────────────────────────────────────────────────────────────────────


def database_in_use(db_path: Path, timeout: float = 1.0) -> str | None:
    """Why the database cannot be replaced now (Chinese), or None when nothing else is using it.

    Two signs: another process holds the database open (on Linux, SQLite keeps a shared lock on byte
    128 of the ``-shm`` file, the WAL "dead man switch", for as long as a connection is open: that is
    a running app even when idle); or a writer holds the database (``BEGIN IMMEDIATE`` does not get the
    write lock within ``timeout`` seconds). Call it with no connection to that database open in this
    process: closing the file it opens releases this process's own locks on it.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    if _open_elsewhere(db_path):
        return ("数据库正被另一个程序打开（很可能是正在运行的绿矿核查）。请先停止程序"
                "（在运行 scripts/run.sh 的终端按 Ctrl+C），再恢复。")
    try:
        connection = sqlite3.connect(db_path, timeout=timeout)
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return "数据库正在被写入（被另一个程序锁定）。请先停止程序，再恢复。"
    except sqlite3.DatabaseError:
        pass  # not a database any more: nothing can be using it, and a restore is the remedy
    finally:
        connection.close()
    return None


def _open_elsewhere(db_path: Path) -> bool:
    try:
        import fcntl
    except ImportError:  # not Linux/Unix: only the write-lock test applies
        return False
    try:
        handle = os.open(db_path.with_name(db_path.name + "-shm"), os.O_RDWR)
    except OSError:
        return False  # no -shm file: no connection in WAL mode is open
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    except OSError:
        return True
    else:
        fcntl.lockf(handle, fcntl.LOCK_UN, 1, 128)
        return False
    finally:
        os.close(handle)


def restore_backup(archive: Path, data_dir: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Replace the database and evidence files in ``data_dir`` with those of the backup ``archive``.

    **Stop the app first**: a running app would go on writing to the database moved aside. Refused
    (BackupError, Chinese message) when the database is in use (:func:`database_in_use`) or the backup
    has any of the problems :func:`check_backup` looks for; nothing is changed then.

    Steps: extract into a temporary folder inside ``data_dir`` while checking every file; move the
    current database (with its ``-wal`` and ``-shm``), ``evidence/`` and uploaded boundary into
    ``<data dir>/backups/恢复前-<time>/`` (so that the restore can be undone by moving them back); move
    the restored ones into place; migrate the restored database to this program's schema.

    Returns ``created_at`` and ``counts`` of the backup, ``moved_aside`` (the folder, or None when
    there was nothing to move) and ``migrations`` (schema versions applied now).
    """
    archive, data_dir = Path(archive), Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / config.DB_FILENAME
    advance = _Throttled(progress)
    busy = database_in_use(db_path)
    if busy:
        raise BackupError(busy)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".恢复中-"))
    try:
        advance(0.0, "正在检查并解压备份…", force=True)
        problems, manifest = _verify(archive, staging, extract_all=True, advance=advance)
        if problems or manifest is None:
            raise BackupError("备份文件未通过检查，没有恢复任何数据：\n" + "\n".join(f"- {p}" for p in problems))
        busy = database_in_use(db_path)  # again: checking a large backup takes a while
        if busy:
            raise BackupError(busy)
        advance(0.92, "正在替换数据…", force=True)
        aside = _swap_in(staging, data_dir)
        advance(0.96, "正在升级数据库结构…", force=True)
        database = dbmod.connect(db_path, migrate_schema=False)
        try:
            applied = dbmod.migrate(database)
            audit.log(database, "系统", "恢复备份", Path(archive).name,
                      new={"created_at": manifest.get("created_at", ""), "moved_aside": str(aside or "")})
        finally:
            database.close()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    advance(1.0, "恢复完成", force=True)
    return {"restored_from": str(archive), "created_at": manifest.get("created_at", ""),
            "counts": manifest.get("counts", {}), "moved_aside": aside, "migrations": applied}


def _swap_in(staging: Path, data_dir: Path) -> Path | None:
    """Move the current data aside and the staged data into place; put everything back on failure.
    Renames within one file system: instant, however many photos there are."""
    name = config.DB_FILENAME
    current = [name, f"{name}-wal", f"{name}-shm", f"{name}-journal", EVIDENCE_DIR, *EXTRA_FILES]
    aside = _aside_dir(data_dir)
    moved: list[tuple[Path, Path]] = []
    try:
        for item in current:
            source = data_dir / item
            if source.exists() or source.is_symlink():
                aside.mkdir(parents=True, exist_ok=True)
                os.replace(source, aside / item)
                moved.append((source, aside / item))
        for item in (name, EVIDENCE_DIR, *EXTRA_FILES):
            if (staging / item).exists():
                os.replace(staging / item, data_dir / item)
                moved.append((staging / item, data_dir / item))
    except BaseException:
        for origin, now_at in reversed(moved):
            os.replace(now_at, origin)
        raise
    return aside if aside.exists() else None


def _aside_dir(data_dir: Path) -> Path:
    base = backups_dir(data_dir) / f"{ASIDE_PREFIX}{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


# ── integrity of the live data ────────────────────────────────────────────────────────────────────

DataCheck = Callable[[Database, Path], Findings]  # (the live database, the data directory) → findings


def check_database_integrity(db: Database, data_dir: Path) -> Findings:
    """SQLite's own check of every page, index and constraint (``PRAGMA integrity_check``)."""
    result = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    if result == ["ok"]:
        return Findings()
    return Findings(errors=[f"数据库未通过完整性检查：{_some(result)}。请停止程序，用最近的备份恢复"
                            "（python -m core.backup restore 备份文件）。"])


def check_foreign_keys(db: Database, data_dir: Path) -> Findings:
    """Rows that refer to a row of another table that does not exist (``PRAGMA foreign_key_check``)."""
    rows = db.execute("PRAGMA foreign_key_check").fetchall()
    if not rows:
        return Findings()
    described = [f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在" for table, rowid, parent, _ in rows]
    return Findings(errors=[f"数据之间的引用不一致：{_some(described)}。请用最近的备份恢复，或联系维护人员。"])


def check_evidence_files(db: Database, data_dir: Path) -> Findings:
    """Every evidence row's original exists with the SHA-256 it was uploaded with (read in chunks).
    Originals no row refers to (a photo taken off a draft keeps its file) and leftover ``.part`` files
    of interrupted uploads are notes."""
    root = data_dir / EVIDENCE_DIR
    rows = db.execute(
        "SELECT e.sha256, e.ext, e.filename, COALESCE(m.name, '') || '”核查记录' FROM evidence e "
        "LEFT JOIN records r ON r.id = e.record_id LEFT JOIN mines m ON m.id = r.mine_id "
        "UNION ALL SELECT f.sha256, f.ext, f.filename, COALESCE(m.name, '') || '”整改跟踪' FROM followup_files f "
        "JOIN followup_steps s ON s.id = f.step_id JOIN rectifications c ON c.id = s.case_id "
        "LEFT JOIN mines m ON m.id = c.mine_id").fetchall()
    uses: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for sha256, ext, filename, mine in rows:
        uses.setdefault((sha256, ext), []).append((filename, mine))
    found = Findings()
    for (sha256, ext), where in uses.items():
        path = root / "originals" / sha256[:2] / f"{sha256}{ext}"
        filename, mine = where[0]
        described = f"“{mine}中的“{filename}”"
        if len(where) > 1:
            described += f"（另有 {len(where) - 1} 处引用同一文件）"
        if not path.is_file():
            found.errors.append(f"影像原件缺失：{described}，应在 {path}。请从备份恢复该文件。")
        elif _file_sha256(path) != sha256:
            found.errors.append(f"影像原件已被改动（SHA-256 与上传时不符）：{described}，{path}。请从备份恢复该文件。")
    expected = {f"{sha256}{ext}" for sha256, ext in uses}
    orphans, partials = [], []
    if (root / "originals").is_dir():
        for path in sorted((root / "originals").rglob("*")):
            if not path.is_file():
                continue
            if path.name.startswith("."):
                partials.append(path.name)
            elif path.name not in expected:
                orphans.append(path.name)
    if orphans:
        found.notes.append(f"有 {len(orphans)} 个影像原件没有核查记录引用（多为从草稿中删除的照片，原件按规定保留），"
                           f"不影响使用：{_some(orphans)}")
    if partials:
        found.notes.append(f"有 {len(partials)} 个中断上传留下的临时文件（.part），可以删除：{_some(partials)}")
    return found


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# The checks of the live data, in order: (name shown to users, check). More checks (such as the audit
# trail's hash chain) are added here.
def check_audit_chain(db: Database, data_dir: Path) -> Findings:
    """The audit trail's hash chain (core.audit): a changed or deleted entry is an error."""
    return Findings(errors=list(audit.verify(db).problems))


DATA_CHECKS: list[tuple[str, DataCheck]] = [
    ("数据库完整性", check_database_integrity),
    ("数据引用（外键）", check_foreign_keys),
    ("核查影像原件", check_evidence_files),
    ("审计日志链", check_audit_chain),
]


def check_data(db_path: Path, data_dir: Path, checks: list[tuple[str, DataCheck]] | None = None) -> DataReport:
    """Run ``checks`` (default :data:`DATA_CHECKS`) on the live database ``db_path`` and the data directory
    ``data_dir``; the app may keep running. Returns the errors and notes of all checks (Chinese) and the
    names of the checks run; ``report.ok`` when there is no error."""
    db_path, data_dir = Path(db_path), Path(data_dir)
    report = DataReport()
    if not db_path.is_file():
        report.errors.append(f"没有找到数据库文件 {db_path}。请检查数据目录设置（{config.ENV_DATA_DIR}）。")
        return report
    try:
        database = dbmod.connect(db_path, migrate_schema=False)
    except sqlite3.DatabaseError as error:
        report.errors.append(f"数据库无法打开：{error}。请用最近的备份恢复（python -m core.backup restore 备份文件）。")
        return report
    try:
        for name, check in checks if checks is not None else DATA_CHECKS:
            try:
                found = check(database, data_dir)
            except sqlite3.DatabaseError as error:
                found = Findings(errors=[f"{name}：检查时数据库出错（{error}）"])
            report.errors += found.errors
            report.notes += found.notes
            report.checks.append(name)
    finally:
        database.close()
    return report


# ── command line ──────────────────────────────────────────────────────────────────────────────────


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _describe(manifest: dict[str, Any]) -> str:
    counts = manifest.get("counts", {})
    return (f"创建于 {manifest.get('created_at', '?')}，数据库结构版本 {manifest.get('schema_version', '?')}；"
            f"矿山 {counts.get('mines', '?')} 座，核查记录 {counts.get('records', '?')} 份，"
            f"影像 {counts.get('evidence_rows', '?')} 条（原件 {counts.get('originals', '?')} 个）")


def _head_line(manifest: dict[str, Any]) -> str:
    """'审计日志链头：第 1234 条 9f3a…（…）' for a backup that names one, '' for those of older programs."""
    listed = manifest.get("audit_head")
    if not isinstance(listed, dict):
        return ""
    head = audit.Head(listed.get("seq", "?"), str(listed.get("hash", "")))
    return f"审计日志链头：{head.short()}（完整哈希见备份中的 {MANIFEST}，可与另行保存的链头核对）"


def _printer() -> Progress:
    shown = [-1]

    def show(share: float, text: str) -> None:
        tenth = int(share * 10)
        if tenth > shown[0]:
            shown[0] = tenth
            print(f"  {tenth * 10:3d}%  {text}", flush=True)

    return show


def _create(args: argparse.Namespace) -> int:
    data = config.data_dir()
    target = args.to
    if target is None:
        target = default_target(data)
    elif target.is_dir() or str(target).endswith(("/", os.sep)):
        target = target / default_name()
    started = time.monotonic()
    try:
        manifest = create_backup(config.db_path(), data, target, _printer())
    except BackupError as error:
        print(f"备份失败：{error}", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    print(f"备份完成：{target}")
    print(f"  {_describe(manifest)}")
    if line := _head_line(manifest):
        print(f"  {line}")
    print(f"  共 {counts['files']} 个文件，备份文件 {_megabytes(target.stat().st_size)}，"
          f"用时 {time.monotonic() - started:.1f} 秒；数据库副本完整性检查：{manifest['database']['integrity_check']}")
    if manifest["warnings"]:
        print("备份已写入，但发现以下问题（请运行 python -m core.backup verify 查看详情）：")
        for warning in manifest["warnings"]:
            print(f"  - {warning}")
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    problems = check_backup(args.archive)
    if problems:
        print(f"备份文件 {args.archive} 有 {len(problems)} 个问题，不能用于恢复：")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    manifest = read_manifest(args.archive)
    print(f"备份完好：{args.archive}")
    print(f"  {_describe(manifest)}")
    if line := _head_line(manifest):
        print(f"  {line}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    data = config.data_dir()
    try:
        manifest = read_manifest(args.archive)
    except BackupError as error:
        print(f"不能恢复：{error}", file=sys.stderr)
        return 1
    busy = database_in_use(config.db_path())
    if busy:
        print(f"不能恢复：{busy}", file=sys.stderr)
        return 1
    if not args.yes:
        print(f"将用备份 {args.archive}（{_describe(manifest)}）")
        print(f"替换数据目录 {data} 中的数据库和核查影像。")
        print(f"当前的数据库和影像将移到 {backups_dir(data)}/{ASIDE_PREFIX}<时间>/，需要时可以移回。请确认程序已停止。")
        try:
            answer = input("输入 yes 继续：")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("已取消，没有改动任何数据。")
            return 1
    try:
        result = restore_backup(args.archive, data, _printer())
    except BackupError as error:
        print(f"不能恢复：{error}", file=sys.stderr)
        return 1
    print(f"恢复完成：{_describe(manifest)}。")
    if result["moved_aside"]:
        print(f"  恢复前的数据库和影像已移到 {result['moved_aside']}。")
    if result["migrations"]:
        print(f"  数据库结构已升级（{', '.join(map(str, result['migrations']))}）。")
    print("  现在可以启动程序（bash scripts/run.sh）。")
    return 0


def _verify_live(args: argparse.Namespace) -> int:
    data = config.data_dir()
    print(f"正在检查数据目录 {data}…", flush=True)
    report = check_data(config.db_path(), data)
    for note in report.notes:
        print(f"提示：{note}")
    if report.errors:
        print(f"发现 {len(report.errors)} 个问题：")
        for error in report.errors:
            print(f"  - {error}")
        return 1
    print(f"数据完好（已检查：{'、'.join(report.checks)}）。")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.backup", description="绿矿核查：数据备份、恢复与完整性检查")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")
    create = commands.add_parser("create", help="备份数据库和核查影像（程序运行时也可以备份）")
    create.add_argument("--to", type=Path, metavar="路径",
                        help=f"备份文件或文件夹（默认：数据目录下的 {BACKUPS_DIR}/{NAME_PREFIX}<时间>.zip）")
    create.set_defaults(run=_create)
    check = commands.add_parser("check", help="检查备份文件是否完好、能否用于恢复")
    check.add_argument("archive", type=Path, metavar="备份文件")
    check.set_defaults(run=_check)
    restore = commands.add_parser("restore", help="用备份替换当前数据（须先停止程序）")
    restore.add_argument("archive", type=Path, metavar="备份文件")
    restore.add_argument("--yes", action="store_true", help="不再询问")
    restore.set_defaults(run=_restore)
    verify = commands.add_parser("verify", help="检查当前数据：数据库完整性、数据引用、影像原件")
    verify.set_defaults(run=_verify_live)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    config.keep_files_private()
    sys.exit(main())
