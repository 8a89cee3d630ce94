"""The SQLite database: connections, transactions and schema migrations.

Every write in the app goes through :func:`transaction`, so a failure part-way leaves nothing
half-written. Migrations are numbered, recorded in ``schema_migrations`` and applied in order at
start-up; applying them again does nothing.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from sqlite_utils import Database

from core import config


def connect(path: str | Path | None = None, *, migrate_schema: bool = True) -> Database:
    """Open the app database (``":memory:"`` for tests), in WAL mode, migrated to the latest schema."""
    target = str(path if path is not None else config.db_path())
    conn = sqlite3.connect(target, timeout=15, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 15000")
    if target != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    db = Database(conn)
    if migrate_schema:
        migrate(db)
    return db


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """All-or-nothing block of writes. Nested blocks become savepoints of the outer one.

    The outer block takes the write lock at once (``BEGIN IMMEDIATE``) so that a read-then-write
    never fails half-way because another writer came in between.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def now() -> str:
    """Timestamp stored in the database: local time, to the second, ISO format."""
    return datetime.now().isoformat(timespec="seconds")


# --- migrations -------------------------------------------------------------------------------

def _v1_register(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE mines (
            id INTEGER PRIMARY KEY,
            licence_no TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            level TEXT NOT NULL,
            listing_year INTEGER,
            listing_batch TEXT NOT NULL DEFAULT '',
            province TEXT NOT NULL DEFAULT '',
            province_code TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            city_code TEXT NOT NULL DEFAULT '',
            county TEXT NOT NULL DEFAULT '',
            county_code TEXT NOT NULL DEFAULT '',
            mineral TEXT NOT NULL DEFAULT '',
            method TEXT NOT NULL DEFAULT '',
            scale_value REAL,
            scale_unit TEXT NOT NULL DEFAULT '',
            scale_class TEXT NOT NULL DEFAULT '',
            standard TEXT NOT NULL DEFAULT '',
            lon REAL,
            lat REAL,
            status TEXT NOT NULL DEFAULT '在册',
            removed_date TEXT NOT NULL DEFAULT '',
            removed_reason TEXT NOT NULL DEFAULT '',
            flag_problem INTEGER NOT NULL DEFAULT 0,
            problem_desc TEXT NOT NULL DEFAULT '',
            problem_source TEXT NOT NULL DEFAULT '',
            flag_rectify INTEGER NOT NULL DEFAULT 0,
            rectify_demand TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    for column in ("level", "city_code", "mineral", "method", "status"):
        db.execute(f"CREATE INDEX idx_mines_{column} ON mines({column})")
    db.execute(
        """
        CREATE TABLE mine_history (
            id INTEGER PRIMARY KEY,
            mine_id INTEGER NOT NULL REFERENCES mines(id),
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            field TEXT NOT NULL DEFAULT '',
            old_value TEXT NOT NULL DEFAULT '',
            new_value TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX idx_mine_history_mine ON mine_history(mine_id)")
    db.execute(
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            filename TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            rows INTEGER NOT NULL,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "register of green mines, history, imports, settings", _v1_register),
]


def migrate(db: Database) -> list[int]:
    """Apply the migrations not yet recorded; return the versions applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied_now = []
    for version, name, apply in MIGRATIONS:
        with transaction(db):
            done = db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", [version]).fetchone()
            if done:
                continue
            apply(db)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, now()],
            )
            applied_now.append(version)
    return applied_now


def schema_version(db: Database) -> int:
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0
