"""What the benchmarks share: a throwaway data directory, and the app under AppTest logged in."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from streamlit.testing.v1 import AppTest

from core import access, accounts, config
from core import db as dbmod
from core.access import System
from ui import auth

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@contextmanager
def data_dir() -> Iterator[tuple[Path, Database]]:
    """A temporary data directory made the app's (``GREENMINE_DATA_DIR``), and its database, migrated."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[config.ENV_DATA_DIR] = tmp
        database = dbmod.connect(Path(tmp) / "greenmine.db")
        try:
            yield Path(tmp), database
        finally:
            database.close()


def logged_in_app(username: str = "bench") -> AppTest:
    """AppTest of app.py after its first run, as a 组织者 account created for the benchmark."""
    database = dbmod.connect(config.db_path())
    try:
        user = accounts.get(database, accounts.create_user(database, username, "基准测试", access.ORGANIZER, "lvkuang-2023",
                                                           System("bench"), must_change=False))
        at = AppTest.from_file(APP, default_timeout=120)
        at.session_state[auth.LOGIN] = auth.session_for(database, user)
    finally:
        database.close()
    return at.run()
