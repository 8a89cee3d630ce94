"""Backups (one zip with a consistent database copy, the evidence files and a SHA-256 manifest), restoring
them, checking the live data, the command line, and the database surviving a writer killed mid-transaction."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from core import audit, backup, config, demo, inspections, registry
from core import db as dbmod
from core.access import System

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = '{"type": "FeatureCollection", "features": []}'


# ── fixtures and helpers ──────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory built once for the module: 60 demo mines, a campaign under way with records and
    real photos on disk, an uploaded boundary."""
    path = tmp_path_factory.mktemp("backup-template")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DATA_DIR, str(path))
        database = dbmod.connect(config.db_path())
        demo.load_demo(database, mines=60)
        demo.demo_campaign(database, today=date(2026, 11, 10))
        database.close()
    (path / "boundary.geojson").write_text(BOUNDARY, encoding="utf-8")
    return path


@pytest.fixture
def data_dir(demo_template: Path) -> Path:
    """This test's data directory (GREENMINE_DATA_DIR), filled with a copy of the demo template."""
    target = config.data_dir()
    shutil.copytree(demo_template, target, dirs_exist_ok=True)
    return target


def db_file(data_dir: Path) -> Path:
    return data_dir / config.DB_FILENAME


def table_digests(path: Path) -> dict[str, tuple[int, str]]:
    """Every table of the database: (row count, SHA-256 of its rows in rowid order)."""
    connection = sqlite3.connect(path)
    try:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        digests = {}
        for name in names:
            rows = connection.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall()
            digests[name] = (len(rows), hashlib.sha256(repr(rows).encode("utf-8")).hexdigest())
        return digests
    finally:
        connection.close()


def stored_files(data_dir: Path) -> dict[str, bytes]:
    """The evidence files and the boundary, by path relative to the data directory, with their bytes."""
    found = {path.relative_to(data_dir).as_posix(): path.read_bytes()
             for path in (data_dir / "evidence").rglob("*") if path.is_file()}
    boundary = data_dir / "boundary.geojson"
    if boundary.exists():
        found["boundary.geojson"] = boundary.read_bytes()
    return found


def count(path: Path, sql: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def evidence_rows(data_dir: Path) -> list[tuple[str, str, str]]:
    connection = sqlite3.connect(db_file(data_dir))
    try:
        return connection.execute("SELECT sha256, ext, filename FROM evidence ORDER BY id").fetchall()
    finally:
        connection.close()


def original(data_dir: Path, sha256: str, ext: str) -> Path:
    return data_dir / "evidence" / "originals" / sha256[:2] / f"{sha256}{ext}"


def rewrite(source: Path, target: Path, *, change: dict[str, Callable[[bytes], bytes]] | None = None,
            drop: tuple[str, ...] = (), add: dict[str, bytes] | None = None, reseal: bool = False) -> Path:
    """A copy of the zip ``source`` with members changed, dropped or added; ``reseal`` also updates the
    manifest so that it lists the new contents (a forgery that knows the format)."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(source) as zin:
        members = {name: zin.read(name) for name in zin.namelist() if name not in drop}
    for name, edit in change.items():
        members[name] = edit(members[name])
    members.update(add)
    if reseal:
        manifest = json.loads(members[backup.MANIFEST])
        manifest["files"] = [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                             for name, data in members.items() if name != backup.MANIFEST]
        members[backup.MANIFEST] = json.dumps(manifest).encode("utf-8")
    with zipfile.ZipFile(target, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return target


def edit_database(data: bytes, *statements: str) -> bytes:
    """The bytes of a database file after running ``statements`` on it."""
    scratch = Path(os.environ[config.ENV_DATA_DIR]) / "scratch.db"
    scratch.write_bytes(data)
    connection = sqlite3.connect(scratch)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()
    edited = scratch.read_bytes()
    scratch.unlink()
    return edited


def edit_manifest(**changes) -> Callable[[bytes], bytes]:
    """An edit for ``rewrite``: the manifest with keys changed (None: left out)."""
    def edit(data: bytes) -> bytes:
        manifest = {**json.loads(data), **changes}
        return json.dumps({key: value for key, value in manifest.items() if value is not None}).encode("utf-8")

    return edit


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m core.backup …`` in a child process, with this test's GREENMINE_DATA_DIR."""
    return subprocess.run([sys.executable, "-m", "core.backup", *args], cwd=ROOT, env=dict(os.environ),
                          input=stdin, capture_output=True, text=True, timeout=120)


def start_child(code: str, *args: str) -> subprocess.Popen:
    """A Python process running ``code`` from the project directory; its stdin stays open (a child
    that reads it waits there until it is closed or the child is killed)."""
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=dict(os.environ), text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_until(child: subprocess.Popen, wanted: str) -> None:
    """Read the child's lines until one equals ``wanted``; fail with its error output if it ends first."""
    while True:
        line = child.stdout.readline()
        if not line:
            child.wait()
            pytest.fail(f"child ended before printing {wanted!r}:\n{child.stderr.read()}")
        if line.strip() == wanted:
            return


def stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
    child.wait()
    for stream in (child.stdin, child.stdout, child.stderr):
        stream.close()


def no_restore_happened(data_dir: Path) -> bool:
    """Nothing moved aside and no extraction folder left behind."""
    return (not list(data_dir.glob(".恢复中-*"))
            and not list((data_dir / "backups").glob(f"{backup.ASIDE_PREFIX}*")))


# ── backup and restore ────────────────────────────────────────────────────────────────────────────


def test_a_backup_restores_the_same_data_into_an_emptied_data_directory(data_dir: Path, tmp_path: Path) -> None:
    tables, files = table_digests(db_file(data_dir)), stored_files(data_dir)
    assert tables["evidence"][0] > 0 and any(name.startswith("evidence/originals/") for name in files)
    shares: list[float] = []

    manifest = backup.create_backup(db_file(data_dir), data_dir, progress=lambda share, text: shares.append(share))

    [archive] = (data_dir / "backups").glob("绿矿核查备份-*.zip")
    assert re.fullmatch(r"绿矿核查备份-\d{8}-\d{6}\.zip", archive.name)
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
    assert manifest["database"]["integrity_check"] == "ok"
    assert manifest["schema_version"] == backup.app_schema_version()
    assert manifest["counts"]["mines"] == 60
    assert manifest["counts"]["records"] == tables["records"][0]
    assert manifest["counts"]["evidence_rows"] == tables["evidence"][0]
    assert manifest["warnings"] == []
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names[0] == config.DB_FILENAME and names[-1] == backup.MANIFEST
        assert set(names) == {config.DB_FILENAME, backup.MANIFEST, *files}
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    assert backup.check_backup(archive) == []

    kept = shutil.move(archive, tmp_path / archive.name)
    for child in data_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    assert list(data_dir.iterdir()) == []
    result = backup.restore_backup(Path(kept), data_dir)

    assert result["moved_aside"] is None and result["migrations"] == []
    restored = table_digests(db_file(data_dir))
    # The audit trail goes on: the restore itself is its newest entry, after those in the backup.
    audit_before, audit_after = tables.pop("audit_log"), restored.pop("audit_log")
    assert restored == tables and audit_after[0] == audit_before[0] + 1
    assert [row[0] for row in sqlite3.connect(db_file(data_dir)).execute(
        "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")] == ["恢复备份"]
    assert stored_files(data_dir) == files
    assert backup.check_data(db_file(data_dir), data_dir).ok
    assert not list(data_dir.glob(".恢复中-*"))


def test_the_backup_is_the_database_not_its_live_files(data_dir: Path) -> None:
    """The database in the zip is a single self-contained file (not in WAL mode), readable alone."""
    archive = data_dir / "b.zip"
    backup.create_backup(db_file(data_dir), data_dir, archive)
    with zipfile.ZipFile(archive) as zf:
        assert not any(name.endswith(("-wal", "-shm")) for name in zf.namelist())
        copy = Path(zf.extract(config.DB_FILENAME, data_dir / "unzipped"))
    assert copy.read_bytes()[18:20] == b"\x01\x01"  # rollback-journal file format, not WAL
    assert count(copy, "SELECT COUNT(*) FROM mines") == 60


def test_a_restore_moves_the_current_data_aside_so_that_it_can_be_undone(data_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    backup.create_backup(db_file(data_dir), data_dir, archive)
    database = dbmod.connect(db_file(data_dir))
    registry.upsert_mines(database, demo.generate(5, seed=99), System("测试"), "备份之后新增")
    database.close()
    stray = original(data_dir, "f" * 64, ".jpg")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"added after the backup")

    result = backup.restore_backup(archive, data_dir)

    aside = result["moved_aside"]
    assert aside.parent == data_dir / "backups" and aside.name.startswith("恢复前-")
    assert count(db_file(data_dir), "SELECT COUNT(*) FROM mines") == 60
    assert count(aside / config.DB_FILENAME, "SELECT COUNT(*) FROM mines") == 65
    assert not stray.exists() and (aside / stray.relative_to(data_dir)).read_bytes() == b"added after the backup"
    assert (aside / "boundary.geojson").exists() and (data_dir / "boundary.geojson").exists()


def test_the_backups_are_listed_newest_first(data_dir: Path) -> None:
    folder = data_dir / "backups"
    backup.create_backup(db_file(data_dir), data_dir, folder / "old.zip")
    backup.create_backup(db_file(data_dir), data_dir, folder / "new.zip")
    (folder / "broken.zip").write_bytes(b"not a zip")
    for age, name in enumerate(("broken.zip", "new.zip", "old.zip")):
        os.utime(folder / name, (1_700_000_000 - age, 1_700_000_000 - age))

    listed = backup.list_backups(data_dir)

    assert [item["path"].name for item in listed] == ["broken.zip", "new.zip", "old.zip"]
    assert "error" in listed[0] and listed[1]["counts"]["mines"] == 60 and listed[1]["created_at"]
    assert listed[1]["size"] == (folder / "new.zip").stat().st_size


def test_the_manifest_names_the_audit_head_of_the_database_copy(data_dir: Path) -> None:
    database = dbmod.connect(db_file(data_dir))
    before = audit.head(database)
    database.close()
    manifest = backup.create_backup(db_file(data_dir), data_dir, data_dir / "b.zip")
    assert manifest["audit_head"] == {"seq": before.seq, "hash": before.hash}  # the backup's own entry comes after
    assert backup.read_manifest(data_dir / "b.zip")["audit_head"] == manifest["audit_head"]


def test_a_backup_of_an_older_program_without_an_audit_head_still_checks(data_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    backup.create_backup(db_file(data_dir), data_dir, good)
    older = rewrite(good, tmp_path / "older.zip", change={backup.MANIFEST: edit_manifest(audit_head=None)}, reseal=True)
    assert "audit_head" not in backup.read_manifest(older)
    assert backup.check_backup(older) == []


def test_a_backup_of_a_data_directory_with_a_missing_original_says_so(data_dir: Path) -> None:
    sha256, ext, _ = evidence_rows(data_dir)[0]
    original(data_dir, sha256, ext).unlink()
    manifest = backup.create_backup(db_file(data_dir), data_dir, data_dir / "b.zip")
    assert len(manifest["warnings"]) == 1 and "缺失" in manifest["warnings"][0] and sha256 in manifest["warnings"][0]
    assert backup.check_backup(data_dir / "b.zip") == []  # the archive is whole; the data was not


def test_no_backup_without_a_database(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupError, match="没有找到数据库文件"):
        backup.create_backup(tmp_path / "greenmine.db", tmp_path, tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left


def test_a_failed_backup_leaves_the_previous_file_in_place(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = data_dir / "b.zip"
    target.write_bytes(b"the previous backup")

    def broken(zf, name, path):
        raise OSError("disk full")

    monkeypatch.setattr(backup, "_add_file", broken)
    with pytest.raises(OSError, match="disk full"):
        backup.create_backup(db_file(data_dir), data_dir, target)
    assert target.read_bytes() == b"the previous backup"
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".")] == []


def _first_original(archive: Path) -> str:
    with zipfile.ZipFile(archive) as zf:
        return next(name for name in zf.namelist() if name.startswith("evidence/originals/"))


# How a backup is spoilt → (the keyword arguments of ``rewrite`` given the good archive, the problem expected).
TAMPERING = {
    "changed": (lambda a: {"change": {_first_original(a): lambda data: data[:-1] + b"\x00"}}, "文件内容与清单不符"),
    "dropped": (lambda a: {"drop": (_first_original(a),)}, "缺少文件"),
    "added": (lambda a: {"add": {"evidence/originals/ab/extra.jpg": b"not listed"}}, "清单中没有的文件"),
    "database changed": (lambda a: {"change": {config.DB_FILENAME: lambda data: edit_database(
        data, "UPDATE mines SET name = '伪造' WHERE id = 1")}}, "文件内容与清单不符"),
    "path outside": (lambda a: {"add": {"../outside.txt": b"x"}, "reseal": True}, "文件路径不允许"),
    "newer schema": (lambda a: {"change": {config.DB_FILENAME: lambda data: edit_database(
        data, "INSERT INTO schema_migrations VALUES (999, 'future', '2099-01-01')")}, "reseal": True}, "较新版本"),
    "not a database": (lambda a: {"change": {config.DB_FILENAME: lambda data: b"x" * len(data)}, "reseal": True},
                       "数据库无法打开"),
    "no manifest": (lambda a: {"drop": (backup.MANIFEST,)}, "没有文件清单"),
    # The database's own audit chain verifies after its last entries are cut; the manifest's head does not.
    "audit log cut": (lambda a: {"change": {config.DB_FILENAME: lambda data: edit_database(
        data, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)")},
        "reseal": True}, "末尾的 2 条日志已被删除"),
    "audit head changed": (lambda a: {"change": {backup.MANIFEST: edit_manifest(
        audit_head={"seq": backup.read_manifest(a)["audit_head"]["seq"], "hash": "f" * 64})}, "reseal": True},
        "与文件清单记录的链头不符"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_a_tampered_backup_is_refused_and_nothing_is_restored(data_dir: Path, tmp_path: Path, how: str) -> None:
    good = tmp_path / "good.zip"
    backup.create_backup(db_file(data_dir), data_dir, good)
    edits, expected = TAMPERING[how]
    bad = rewrite(good, tmp_path / "bad.zip", **edits(good))
    before = table_digests(db_file(data_dir)), stored_files(data_dir)

    problems = backup.check_backup(bad)
    assert problems and any(expected in problem for problem in problems), problems
    with pytest.raises(backup.BackupError, match=expected):
        backup.restore_backup(bad, data_dir)

    assert (table_digests(db_file(data_dir)), stored_files(data_dir)) == before
    assert no_restore_happened(data_dir)
    assert not (data_dir.parent / "outside.txt").exists()


def test_a_byte_flipped_on_disk_is_found(data_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.zip"
    backup.create_backup(db_file(data_dir), data_dir, archive)
    name = _first_original(archive)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(name)
    data = bytearray(archive.read_bytes())
    data[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 100] ^= 0xFF  # in the photo's bytes
    archive.write_bytes(bytes(data))
    problems = backup.check_backup(archive)
    assert len(problems) == 1 and name in problems[0]


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"plain text")
    [problem] = backup.check_backup(tmp_path / "x.zip")
    assert "zip" in problem
    assert "找不到备份文件" in backup.check_backup(tmp_path / "missing.zip")[0]


WRITER = r"""
import sys
from core import db as dbmod, demo, registry
from core.access import System
database = dbmod.connect(sys.argv[1])
database.execute("PRAGMA wal_autocheckpoint = 0")  # committed batches stay in the WAL, not in the database file
rows = demo.generate(20000, seed=11)
for batch, start in enumerate(range(0, len(rows), 50), start=1):
    registry.upsert_mines(database, rows[start:start + 50], System("并发写入"), "并发写入")
    print(batch, flush=True)
"""


def test_a_backup_taken_while_another_process_writes_is_consistent(data_dir: Path, tmp_path: Path) -> None:
    """Another process commits batches of 50 mines (each with its history row) without checkpointing;
    the backup holds whole batches only, including those still only in the WAL."""
    writer = start_child(WRITER, str(db_file(data_dir)))
    try:
        read_until(writer, "3")
        manifest = backup.create_backup(db_file(data_dir), data_dir, tmp_path / "busy.zip")
    finally:
        stop(writer)

    assert backup.check_backup(tmp_path / "busy.zip") == []
    with zipfile.ZipFile(tmp_path / "busy.zip") as zf:
        copy = Path(zf.extract(config.DB_FILENAME, tmp_path / "copy"))
    mines = count(copy, "SELECT COUNT(*) FROM mines")
    added = count(copy, "SELECT COUNT(*) FROM mine_history WHERE actor = '并发写入'")
    assert mines == manifest["counts"]["mines"]
    assert mines - 60 == added and added % 50 == 0 and added >= 150


OPEN_AND_WAIT = r"""
import sys
from core import db as dbmod
database = dbmod.connect(sys.argv[1])
database.execute("SELECT COUNT(*) FROM mines").fetchone()
print("open", flush=True)
sys.stdin.read()
"""


def test_restore_is_refused_while_the_app_has_the_database_open(data_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.zip"
    backup.create_backup(db_file(data_dir), data_dir, archive)
    app = start_child(OPEN_AND_WAIT, str(db_file(data_dir)))
    try:
        read_until(app, "open")
        assert "另一个程序打开" in backup.database_in_use(db_file(data_dir))
        with pytest.raises(backup.BackupError, match="请先停止程序"):
            backup.restore_backup(archive, data_dir)
        result = run_cli("restore", str(archive), "--yes")
        assert result.returncode == 1 and "请先停止程序" in result.stderr
    finally:
        stop(app)
    assert no_restore_happened(data_dir)
    assert backup.database_in_use(db_file(data_dir)) is None


def test_a_database_locked_by_a_writer_is_in_use(data_dir: Path) -> None:
    writer = sqlite3.connect(db_file(data_dir), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert "正在被写入" in backup.database_in_use(db_file(data_dir), timeout=0.05)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert backup.database_in_use(db_file(data_dir)) is None


def test_a_restore_migrates_a_backup_from_an_older_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older = tmp_path / "older"
    older.mkdir()
    latest = backup.app_schema_version()
    with monkeypatch.context() as patch:
        patch.setattr(dbmod, "MIGRATIONS", dbmod.MIGRATIONS[:-1])
        dbmod.connect(older / config.DB_FILENAME).close()
        manifest = backup.create_backup(older / config.DB_FILENAME, older, tmp_path / "older.zip")
    assert manifest["schema_version"] == latest - 1
    assert backup.check_backup(tmp_path / "older.zip") == []

    result = backup.restore_backup(tmp_path / "older.zip", config.data_dir())

    assert result["migrations"] == [latest]
    assert count(config.db_path(), "SELECT MAX(version) FROM schema_migrations") == latest


# ── the live data ─────────────────────────────────────────────────────────────────────────────────


def test_check_data_passes_clean_data_and_names_its_checks(data_dir: Path) -> None:
    report = backup.check_data(db_file(data_dir), data_dir)
    assert report.ok and report.errors == [] and report.notes == []
    assert report.checks == [name for name, _ in backup.DATA_CHECKS]


def test_check_data_finds_a_missing_and_a_changed_original(data_dir: Path) -> None:
    (missing_sha, missing_ext, missing_name), (changed_sha, changed_ext, changed_name) = evidence_rows(data_dir)[:2]
    original(data_dir, missing_sha, missing_ext).unlink()
    with original(data_dir, changed_sha, changed_ext).open("ab") as f:
        f.write(b"\x00")
    orphan = original(data_dir, "e" * 64, ".jpg")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"no record refers to me")

    report = backup.check_data(db_file(data_dir), data_dir)

    assert not report.ok and len(report.errors) == 2
    missing, changed = report.errors
    assert "影像原件缺失" in missing and missing_name in missing and missing_sha in missing
    assert "已被改动" in changed and changed_name in changed and changed_sha in changed
    assert len(report.notes) == 1 and "没有核查记录引用" in report.notes[0] and orphan.name in report.notes[0]


def test_check_data_finds_broken_references(data_dir: Path) -> None:
    connection = sqlite3.connect(db_file(data_dir))
    connection.execute("INSERT INTO mine_history (mine_id, at, actor, action) "
                       "VALUES (99999, '2023-01-01', '某', '编辑')")
    connection.commit()
    connection.close()
    [error] = backup.check_data(db_file(data_dir), data_dir).errors
    assert "mine_history" in error and "mines" in error


def test_more_checks_can_be_added(data_dir: Path) -> None:
    def audit_chain(db, folder):
        assert folder == data_dir and db.execute("SELECT COUNT(*) FROM mines").fetchone()[0] == 60
        return backup.Findings(errors=["审计记录第 3 条被改动"], notes=["共 10 条"])

    report = backup.check_data(db_file(data_dir), data_dir, [*backup.DATA_CHECKS, ("审计记录", audit_chain)])
    assert report.errors == ["审计记录第 3 条被改动"] and report.notes == ["共 10 条"]
    assert report.checks[-1] == "审计记录"


def test_check_data_without_a_database(tmp_path: Path) -> None:
    report = backup.check_data(tmp_path / "greenmine.db", tmp_path)
    assert not report.ok and "没有找到数据库文件" in report.errors[0]


def test_the_evidence_folder_is_the_one_the_app_uses(data_dir: Path) -> None:
    assert inspections.evidence_root() == data_dir / backup.EVIDENCE_DIR


# ── command line ──────────────────────────────────────────────────────────────────────────────────


def test_the_command_line_backs_up_checks_and_restores(data_dir: Path, tmp_path: Path) -> None:
    tables = table_digests(db_file(data_dir))
    assert run_cli("verify").returncode == 0

    made = run_cli("create", "--to", str(tmp_path / "b.zip"))
    assert made.returncode == 0, made.stderr
    assert "备份完成" in made.stdout and (tmp_path / "b.zip").exists()
    into_folder = run_cli("create", "--to", f"{tmp_path}/")
    assert into_folder.returncode == 0 and len(list(tmp_path.glob("绿矿核查备份-*.zip"))) == 1
    default = run_cli("create")
    assert default.returncode == 0 and len(list((data_dir / "backups").glob("绿矿核查备份-*.zip"))) == 1

    checked = run_cli("check", str(tmp_path / "b.zip"))
    assert checked.returncode == 0 and "备份完好" in checked.stdout
    head = backup.read_manifest(tmp_path / "b.zip")["audit_head"]
    assert f"审计日志链头：第 {head['seq']} 条 {head['hash'][:16]}…" in checked.stdout
    bad = rewrite(tmp_path / "b.zip", tmp_path / "bad.zip", drop=(config.DB_FILENAME,))
    refused = run_cli("check", str(bad))
    assert refused.returncode == 1 and "缺少文件：greenmine.db" in refused.stdout

    database = dbmod.connect(db_file(data_dir))
    registry.upsert_mines(database, demo.generate(3, seed=99), System("测试"), "备份之后新增")
    database.close()
    cancelled = run_cli("restore", str(tmp_path / "b.zip"), stdin="no\n")
    assert cancelled.returncode == 1 and "已取消" in cancelled.stdout and "输入 yes 继续" in cancelled.stdout
    assert count(db_file(data_dir), "SELECT COUNT(*) FROM mines") == 63
    assert run_cli("restore", str(bad), "--yes").returncode == 1
    restored = run_cli("restore", str(tmp_path / "b.zip"), stdin="yes\n")
    assert restored.returncode == 0, restored.stderr
    assert "恢复完成" in restored.stdout and "恢复前" in restored.stdout
    after = table_digests(db_file(data_dir))
    assert after.pop("audit_log")[0] > tables.pop("audit_log")[0]  # the backup and the restore are logged
    assert after == tables


def test_the_command_line_verify_reports_damage(data_dir: Path) -> None:
    sha256, ext, _ = evidence_rows(data_dir)[0]
    original(data_dir, sha256, ext).unlink()
    verified = run_cli("verify")
    assert verified.returncode == 1 and "影像原件缺失" in verified.stdout
    made = run_cli("create")
    assert made.returncode == 1 and "备份已写入，但发现以下问题" in made.stdout


def test_the_command_line_without_data() -> None:
    assert run_cli("create").returncode == 1
    assert run_cli("verify").returncode == 1
    assert run_cli("check", "missing.zip").returncode == 1
    assert run_cli().returncode == 2  # no command: usage


# ── crash safety ──────────────────────────────────────────────────────────────────────────────────

IMPORT_MINES = r"""
import sys
from core import db as dbmod, demo, registry
from core.access import System
path, stop_at = sys.argv[1], sys.argv[2]
database = dbmod.connect(path)
database.execute("PRAGMA cache_size = -256")  # small cache: pages spill into the WAL before the commit
rows = demo.generate(4000, seed=7)

def progress(share):
    print(f"{share:.3f}", flush=True)
    if stop_at != "never" and stop_at != "committed" and share >= float(stop_at):
        print("inside", flush=True)
        sys.stdin.read()  # wait here, in the middle of the transaction, until killed

registry.upsert_mines(database, rows, System("崩溃测试"), "崩溃测试", progress)
print("committed", flush=True)
sys.stdin.read()
"""
NEW_MINES = 4000


@pytest.mark.parametrize("stop_at, kill_after, outcome", [
    ("0", "inside", "before"),            # first rows written
    ("0.5", "inside", "before"),          # half the rows, pages already in the WAL
    ("0.875", "inside", "before"),        # nearly all
    ("committed", "committed", "after"),  # just after the commit
    ("never", "0.250", "either"),         # killed while it runs freely, wherever it is by then
    ("never", "0.750", "either"),
])
def test_a_writer_killed_mid_transaction_leaves_nothing_half_written(data_dir: Path, stop_at: str, kill_after: str,
                                                                     outcome: str) -> None:
    path = db_file(data_dir)
    before = count(path, "SELECT COUNT(*) FROM mines")
    assert not Path(f"{path}-wal").exists()  # every change so far is in the database file

    child = start_child(IMPORT_MINES, str(path), stop_at)
    try:
        read_until(child, kill_after)
        if kill_after == "inside" and stop_at != "0":
            assert Path(f"{path}-wal").stat().st_size > 0  # uncommitted pages are on disk at the kill
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    finally:
        stop(child)

    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    mines = connection.execute("SELECT COUNT(*) FROM mines").fetchone()[0]
    history = connection.execute("SELECT COUNT(*) FROM mine_history WHERE actor = '崩溃测试'").fetchone()[0]
    connection.close()
    expected = {"before": {before}, "after": {before + NEW_MINES}, "either": {before, before + NEW_MINES}}[outcome]
    assert mines in expected
    assert history == mines - before

    # The app carries on: the database opens, migrates, takes writes, and checks clean.
    database = dbmod.connect(path)
    registry.upsert_mines(database, demo.generate(2, seed=123), System("测试"), "崩溃之后")
    database.close()
    assert count(path, "SELECT COUNT(*) FROM mines") == mines + 2
    assert backup.check_data(path, data_dir).ok
