"""The SQLite database: connections, transactions and schema migrations.

Every write in the app goes through :func:`transaction`, so a failure part-way leaves nothing
half-written. Migrations are numbered, recorded in ``schema_migrations`` and applied in order at
start-up; applying them again does nothing.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
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


# The moment :func:`stamped_at` sets, for this thread only (each Streamlit session runs in its own).
_STAMPED_AT: ContextVar[datetime | None] = ContextVar("stamped_at", default=None)


def now() -> str:
    """Timestamp stored in the database: local time, to the second, ISO format."""
    return (_STAMPED_AT.get() or datetime.now()).isoformat(timespec="seconds")


@contextmanager
def stamped_at(moment: datetime) -> Iterator[None]:
    """Writes inside the block are stamped with ``moment`` instead of the clock: only for the demo, which
    writes a past campaign in the order its steps happened (draw, inspections, signatures on their days)."""
    token = _STAMPED_AT.set(moment)
    try:
        yield
    finally:
        _STAMPED_AT.reset(token)


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


def _v2_campaigns(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL,
            title TEXT NOT NULL,
            deadline TEXT NOT NULL,
            rules TEXT NOT NULL,
            ministry_direct TEXT NOT NULL DEFAULT '[]',
            current_draw_id INTEGER,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE draws (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            seq INTEGER NOT NULL,
            status TEXT NOT NULL,
            rules TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            snapshot_sha256 TEXT NOT NULL,
            nonce TEXT NOT NULL,
            commitment TEXT NOT NULL,
            frozen_at TEXT NOT NULL,
            frozen_by TEXT NOT NULL,
            redraw_reason TEXT NOT NULL DEFAULT '',
            witness_input TEXT NOT NULL DEFAULT '',
            seed TEXT NOT NULL DEFAULT '',
            record TEXT NOT NULL DEFAULT '',
            confirmed_at TEXT NOT NULL DEFAULT '',
            confirmed_by TEXT NOT NULL DEFAULT '',
            UNIQUE (campaign_id, seq)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE campaign_mines (
            draw_id INTEGER NOT NULL REFERENCES draws(id),
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            mine_id INTEGER NOT NULL REFERENCES mines(id),
            licence_no TEXT NOT NULL,
            level TEXT NOT NULL,
            category TEXT NOT NULL,
            reason TEXT NOT NULL,
            ticket TEXT NOT NULL,
            PRIMARY KEY (draw_id, licence_no)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE campaign_history (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )
        """
    )
    for statement in FINAL_TRIGGERS.values():
        db.execute(statement)


# A confirmed draw is final: the database itself refuses to change or delete it or its mines.
FINAL_TRIGGERS = {
    "draws_final_update": "CREATE TRIGGER draws_final_update BEFORE UPDATE ON draws WHEN OLD.status = '已确认' "
                          "BEGIN SELECT RAISE(ABORT, '已确认的抽取结果不能修改'); END",
    "draws_final_delete": "CREATE TRIGGER draws_final_delete BEFORE DELETE ON draws WHEN OLD.status = '已确认' "
                          "BEGIN SELECT RAISE(ABORT, '已确认的抽取结果不能删除'); END",
    "campaign_mines_final_update": "CREATE TRIGGER campaign_mines_final_update BEFORE UPDATE ON campaign_mines "
                                   "BEGIN SELECT RAISE(ABORT, '已确认的抽取结果不能修改'); END",
    "campaign_mines_final_delete": "CREATE TRIGGER campaign_mines_final_delete BEFORE DELETE ON campaign_mines "
                                   "BEGIN SELECT RAISE(ABORT, '已确认的抽取结果不能删除'); END",
}
# Every table of data, children first (what a reset to demo data empties).
DATA_TABLES = ("campaign_exemptions", "followup_files", "followup_steps", "rectification_items", "removals", "rectifications", "campaign_reports",
               "evidence", "record_signatures", "record_versions", "records", "team_mines", "team_members", "team_draws",
               "inspectors", "campaign_mines", "campaign_history", "draws", "campaigns", "mine_history", "imports", "mines")


def erase_all_data(db: Database) -> None:
    """Empty every data table, confirmed draws included: only for "reset to demo data", which asks first.

    The guards that make confirmed draws final are lifted and put back inside the same transaction.
    """
    with transaction(db):
        for name in FINAL_TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in DATA_TABLES:
            db.execute(f"DELETE FROM {table}")
        for statement in FINAL_TRIGGERS.values():
            db.execute(statement)


def _v3_inspectors_and_teams(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE inspectors (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            unit TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            rank TEXT NOT NULL DEFAULT '无',
            specialty TEXT NOT NULL DEFAULT '',
            prefecture TEXT NOT NULL DEFAULT '',
            prefecture_code TEXT NOT NULL DEFAULT '',
            conflicts TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (name, unit)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE team_draws (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            draw_id INTEGER NOT NULL REFERENCES draws(id),
            record TEXT NOT NULL,
            drawn_at TEXT NOT NULL,
            drawn_by TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE team_members (
            team_draw_id INTEGER NOT NULL REFERENCES team_draws(id),
            team_no INTEGER NOT NULL,
            inspector_id INTEGER NOT NULL REFERENCES inspectors(id),
            role TEXT NOT NULL,
            PRIMARY KEY (team_draw_id, inspector_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE team_mines (
            team_draw_id INTEGER NOT NULL REFERENCES team_draws(id),
            team_no INTEGER NOT NULL,
            licence_no TEXT NOT NULL,
            PRIMARY KEY (team_draw_id, licence_no)
        )
        """
    )


def _v4_mine_tags(db: Database) -> None:
    # Priority categories a province adds beyond the notice's three (e.g. 生态保护红线周边), as tags.
    db.execute("ALTER TABLE mines ADD COLUMN tags TEXT NOT NULL DEFAULT ''")


def _v5_inspection_records(db: Database) -> None:
    # One record (附件1) per mine and campaign. ``content`` holds the form's fields as JSON so that a
    # draft can be saved field by field; ``version`` detects two people saving the same record.
    db.execute(
        """
        CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            mine_id INTEGER NOT NULL REFERENCES mines(id),
            licence_no TEXT NOT NULL,
            status TEXT NOT NULL,
            content TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            submitted_at TEXT NOT NULL DEFAULT '',
            submitted_by TEXT NOT NULL DEFAULT '',
            UNIQUE (campaign_id, mine_id)
        )
        """
    )
    # The submitted record and every amendment after it, each with its full content and what changed.
    db.execute(
        """
        CREATE TABLE record_versions (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            version INTEGER NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            changes TEXT NOT NULL DEFAULT '{}',
            content TEXT NOT NULL,
            content_hash TEXT NOT NULL
        )
        """
    )
    # A member's confirmation covers the content as it was (its hash): a later change voids it.
    db.execute(
        """
        CREATE TABLE record_signatures (
            record_id INTEGER NOT NULL REFERENCES records(id),
            inspector_id INTEGER NOT NULL REFERENCES inspectors(id),
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            PRIMARY KEY (record_id, inspector_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            sha256 TEXT NOT NULL,
            kind TEXT NOT NULL,
            ext TEXT NOT NULL,
            mime TEXT NOT NULL,
            size INTEGER NOT NULL,
            filename TEXT NOT NULL,
            area TEXT NOT NULL,
            caption TEXT NOT NULL DEFAULT '',
            uploaded_by TEXT NOT NULL,
            uploaded_at TEXT NOT NULL,
            taken_at TEXT NOT NULL DEFAULT '',
            lat REAL,
            lon REAL,
            device TEXT NOT NULL DEFAULT '',
            width INTEGER,
            height INTEGER,
            phash TEXT NOT NULL DEFAULT '',
            distance_km REAL,
            UNIQUE (record_id, sha256)
        )
        """
    )
    db.execute("CREATE INDEX idx_evidence_record ON evidence(record_id)")
    db.execute("CREATE INDEX idx_records_campaign ON records(campaign_id, status)")


def _v6_campaign_reports(db: Database) -> None:
    # The provincial report's text (附件2), as the coordinator edited it, kept with the campaign.
    db.execute(
        """
        CREATE TABLE campaign_reports (
            campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id),
            sections TEXT NOT NULL,
            version INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )
        """
    )


def _v7_audit_log(db: Database) -> None:
    # The audit trail (core.audit): append-only, hash-chained. Not a data table: a reset keeps it.
    db.execute(
        """
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_audit_at ON audit_log(at)")
    db.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END")
    db.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END")


def _v8_accounts(db: Database) -> None:
    # Local accounts (core.accounts). Not a data table: a reset to demo data keeps them; an inspector
    # account loses its link (not the account) when the inspector register is emptied.
    db.execute(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            inspector_id INTEGER REFERENCES inspectors(id) ON DELETE SET NULL,
            sso_subject TEXT UNIQUE,
            password_hash TEXT NOT NULL,
            must_change INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT NOT NULL DEFAULT '',
            last_login_at TEXT NOT NULL DEFAULT '',
            password_changed_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        )
        """
    )
    # A login lasts across page reloads: the browser keeps a random token (a cookie), the server its
    # SHA-256 and when it was last used, so an idle or ended session cannot come back.
    db.execute(
        """
        CREATE TABLE user_sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            ended_at TEXT NOT NULL DEFAULT ''
        )
        """
    )


def _v9_follow_up(db: Database) -> None:
    # Rectification cases and their items, the steps taken (materials received, re-checks) and their files,
    # and removal cases (core.followup).
    db.execute(
        """
        CREATE TABLE rectifications (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL UNIQUE REFERENCES records(id),
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            mine_id INTEGER NOT NULL REFERENCES mines(id),
            licence_no TEXT NOT NULL,
            measures TEXT NOT NULL,
            deadline TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE rectification_items (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES rectifications(id),
            seq INTEGER NOT NULL,
            area TEXT NOT NULL,
            problem TEXT NOT NULL,
            measure TEXT NOT NULL,
            done_at TEXT NOT NULL DEFAULT '',
            done_by TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            UNIQUE (case_id, seq)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE followup_steps (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES rectifications(id),
            kind TEXT NOT NULL,
            on_date TEXT NOT NULL,
            people TEXT NOT NULL,
            text TEXT NOT NULL,
            result TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE followup_files (
            id INTEGER PRIMARY KEY,
            step_id INTEGER NOT NULL REFERENCES followup_steps(id),
            sha256 TEXT NOT NULL,
            kind TEXT NOT NULL,
            ext TEXT NOT NULL,
            mime TEXT NOT NULL,
            size INTEGER NOT NULL,
            filename TEXT NOT NULL,
            caption TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            lat REAL,
            lon REAL,
            uploaded_at TEXT NOT NULL,
            uploaded_by TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE removals (
            id INTEGER PRIMARY KEY,
            mine_id INTEGER NOT NULL REFERENCES mines(id),
            licence_no TEXT NOT NULL,
            level TEXT NOT NULL,
            source TEXT NOT NULL,
            record_id INTEGER REFERENCES records(id),
            case_id INTEGER REFERENCES rectifications(id),
            reason TEXT NOT NULL,
            status TEXT NOT NULL,
            proposed_at TEXT NOT NULL,
            proposed_by TEXT NOT NULL,
            reported_on TEXT NOT NULL DEFAULT '',
            decided_on TEXT NOT NULL DEFAULT '',
            document_no TEXT NOT NULL DEFAULT '',
            decision TEXT NOT NULL DEFAULT '',
            closed_at TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE UNIQUE INDEX idx_one_open_removal ON removals(mine_id) WHERE closed_at = ''")
    db.execute("CREATE INDEX idx_rectifications_mine ON rectifications(mine_id)")
    # The record page reads a record's versions and its rectification's steps on every rerun.
    db.execute("CREATE INDEX IF NOT EXISTS idx_record_versions_record ON record_versions(record_id)")
    db.execute("CREATE INDEX idx_followup_steps_case ON followup_steps(case_id)")


def _v10_honest_submissions(db: Database) -> None:
    # The documents a campaign rests on (title and 文号 of each), cited exactly by its report and records.
    db.execute("ALTER TABLE campaigns ADD COLUMN basis TEXT NOT NULL DEFAULT '[]'")
    # The key areas a record must have photos of before it can be submitted (核查影像, notice 三).
    db.execute("ALTER TABLE campaigns ADD COLUMN photo_areas TEXT NOT NULL "
               "DEFAULT '[\"矿容矿貌\",\"开采区\",\"生态修复区\"]'")
    # The person type of an inspector (管理人员、业务支撑人员、专家), for the report's teams.
    db.execute("ALTER TABLE inspectors ADD COLUMN kind TEXT NOT NULL DEFAULT ''")
    # A confirmation given on another member's behalf (代签) says so, with the reason and who gave it.
    db.execute("ALTER TABLE record_signatures ADD COLUMN proxy_by TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE record_signatures ADD COLUMN proxy_reason TEXT NOT NULL DEFAULT ''")
    # A drawn mine that could not be inspected (停产、已关闭 …): the reason the coordinator recorded.
    db.execute(
        """
        CREATE TABLE campaign_exemptions (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            mine_id INTEGER NOT NULL REFERENCES mines(id),
            licence_no TEXT NOT NULL,
            reason TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            PRIMARY KEY (campaign_id, mine_id)
        )
        """
    )


def _v11_login_throttle(db: Database) -> None:
    # Failed logins are counted per account name (as typed) and client address, not per account: an
    # outsider who keeps failing waits, the account's owner at their own desk does not (core.accounts).
    db.execute(
        """
        CREATE TABLE login_throttle (
            username TEXT NOT NULL COLLATE NOCASE,
            client TEXT NOT NULL,
            failures INTEGER NOT NULL,
            last_failed_at TEXT NOT NULL,
            locked_until TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (username, client)
        )
        """
    )
    db.execute("ALTER TABLE users DROP COLUMN failed_logins")
    db.execute("ALTER TABLE users DROP COLUMN locked_until")


MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "register of green mines, history, imports, settings", _v1_register),
    (2, "campaigns, draws, drawn mines, campaign history", _v2_campaigns),
    (3, "inspector register, team draws, team members and mines", _v3_inspectors_and_teams),
    (4, "province-defined priority categories of mines (tags)", _v4_mine_tags),
    (5, "inspection records, their versions, signatures and evidence", _v5_inspection_records),
    (6, "the provincial report's text per campaign", _v6_campaign_reports),
    (7, "the audit trail, append-only and hash-chained", _v7_audit_log),
    (8, "local accounts with their role and inspector link, and their sessions", _v8_accounts),
    (9, "follow-up: rectification cases, re-checks and removal cases", _v9_follow_up),
    (10, "basis documents, required photos, inspector types, proxy confirmations, exemptions", _v10_honest_submissions),
    (11, "failed logins counted per account name and client address", _v11_login_throttle),
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
