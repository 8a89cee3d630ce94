"""core.db: connections, migrations, transactions; core.config: the data directory; core.settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core import config, settings
from core import db as dbmod
from core.access import System


def _tables(database) -> set[str]:
    return {r[0] for r in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_connect_memory_applies_every_migration_and_records_it(db):
    rows = db.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [v for v, _, _ in dbmod.MIGRATIONS]
    assert all(name and applied_at for _, name, applied_at in rows)
    assert dbmod.schema_version(db) == dbmod.MIGRATIONS[-1][0]
    assert {"mines", "mine_history", "imports", "settings", "schema_migrations"} <= _tables(db)


def test_migrating_again_applies_nothing(db):
    before = db.execute("SELECT * FROM schema_migrations").fetchall()
    assert dbmod.migrate(db) == []
    assert dbmod.migrate(db) == []
    assert db.execute("SELECT * FROM schema_migrations").fetchall() == before


def test_reopening_a_file_database_applies_nothing_and_keeps_data(tmp_path: Path):
    path = tmp_path / "register.db"
    first = dbmod.connect(path)
    first.execute("INSERT INTO settings (key, value) VALUES ('k', '\"v\"')")
    first.conn.commit()
    first.close()

    second = dbmod.connect(path, migrate_schema=False)
    assert dbmod.migrate(second) == []
    assert second.execute("SELECT value FROM settings WHERE key = 'k'").fetchone()[0] == '"v"'
    second.close()


def test_unmigrated_database_gets_every_version(tmp_path: Path):
    database = dbmod.connect(tmp_path / "fresh.db", migrate_schema=False)
    assert "mines" not in _tables(database)
    assert dbmod.migrate(database) == [v for v, _, _ in dbmod.MIGRATIONS]
    assert "mines" in _tables(database)
    database.close()


def test_file_database_uses_wal_and_foreign_keys(tmp_path: Path):
    database = dbmod.connect(tmp_path / "wal.db")
    assert database.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        with dbmod.transaction(database):
            database.execute(
                "INSERT INTO mine_history (mine_id, at, actor, action) VALUES (999, 'x', 'y', 'z')"
            )
    database.close()


def test_connect_without_path_uses_the_data_dir_from_the_environment(tmp_path: Path, monkeypatch):
    target = tmp_path / "elsewhere"
    monkeypatch.setenv(config.ENV_DATA_DIR, str(target))
    assert config.data_dir() == target
    assert target.is_dir()
    assert config.db_path() == target / config.DB_FILENAME
    assert config.ENV_DATA_DIR in config.data_dir_source()
    database = dbmod.connect()
    database.close()
    assert (target / config.DB_FILENAME).exists()


def test_tests_never_use_the_project_var_directory():
    assert config.data_dir() != config.PROJECT_ROOT / "var"


def _settings_rows(database) -> list[tuple]:
    return database.execute("SELECT key, value FROM settings ORDER BY key").fetchall()


def test_transaction_commits_on_success(db):
    with dbmod.transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        db.execute("INSERT INTO settings (key, value) VALUES ('b', '2')")
    assert not db.conn.in_transaction
    assert _settings_rows(db) == [("a", "1"), ("b", "2")]


def test_transaction_rolls_back_everything_on_exception(db):
    db.execute("INSERT INTO settings (key, value) VALUES ('kept', '0')")
    with pytest.raises(RuntimeError, match="boom"):
        with dbmod.transaction(db):
            db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
            db.execute("UPDATE settings SET value = '9' WHERE key = 'kept'")
            db["settings"].insert({"key": "c", "value": "3"})
            raise RuntimeError("boom")
    assert not db.conn.in_transaction
    assert _settings_rows(db) == [("kept", "0")]


def test_transaction_rolls_back_on_sql_error(db):
    with pytest.raises(sqlite3.IntegrityError):
        with dbmod.transaction(db):
            db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
            db.execute("INSERT INTO settings (key, value) VALUES ('a', '2')")  # duplicate key
    assert _settings_rows(db) == []


def test_nested_transaction_is_a_savepoint(db):
    with dbmod.transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES ('outer', '1')")
        with pytest.raises(ValueError):
            with dbmod.transaction(db):
                db.execute("INSERT INTO settings (key, value) VALUES ('inner', '2')")
                raise ValueError("inner fails")
        # Only the inner block was undone; the outer one is still open.
        assert db.conn.in_transaction
        with dbmod.transaction(db):
            db.execute("INSERT INTO settings (key, value) VALUES ('inner2', '3')")
    assert _settings_rows(db) == [("inner2", "3"), ("outer", "1")]


def test_failure_after_a_nested_block_rolls_back_the_nested_writes_too(db):
    with pytest.raises(RuntimeError):
        with dbmod.transaction(db):
            with dbmod.transaction(db):
                db.execute("INSERT INTO settings (key, value) VALUES ('inner', '1')")
            raise RuntimeError("outer fails after the savepoint was released")
    assert _settings_rows(db) == []


def test_transaction_rollback_is_visible_to_another_connection(tmp_path: Path):
    path = tmp_path / "two.db"
    writer = dbmod.connect(path)
    reader = dbmod.connect(path)
    with pytest.raises(RuntimeError):
        with dbmod.transaction(writer):
            writer.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
            raise RuntimeError
    with dbmod.transaction(writer):
        writer.execute("INSERT INTO settings (key, value) VALUES ('y', '2')")
    assert _settings_rows(reader) == [("y", "2")]
    writer.close()
    reader.close()


def test_settings_default_province_is_hubei(db):
    assert settings.get(db, "province_code") == "420000"
    assert settings.province(db).name == "湖北省"


def test_settings_put_get_and_set_province(db):
    settings.put(db, "sample_ratio", 0.2, System("测试"))
    settings.put(db, "sample_ratio", 0.25, System("测试"))
    assert settings.get(db, "sample_ratio") == 0.25
    assert settings.get(db, "missing") is None
    assert settings.set_province(db, "430000", System("测试")).name == "湖南省"
    assert settings.province(db).code == "430000"
    with pytest.raises(ValueError, match="未知的省级行政区划代码"):
        settings.set_province(db, "420100", System("测试"))  # a prefecture, not a province
    assert settings.province(db).code == "430000"
