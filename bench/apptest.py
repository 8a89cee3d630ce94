"""The app under AppTest for the benchmarks, logged in as an organizer of the database in use."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import access, accounts, config
from core import db as dbmod
from ui import auth

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def logged_in_app(username: str = "bench") -> AppTest:
    """AppTest of app.py after its first run, as a 组织者 account created for the benchmark."""
    database = dbmod.connect(config.db_path())
    try:
        user = accounts.get(database, accounts.create_user(database, username, "基准测试", access.ORGANIZER, "lvkuang-2023",
                                                           "bench", must_change=False))
        at = AppTest.from_file(APP, default_timeout=120)
        at.session_state[auth.LOGIN] = auth.session_for(database, user)
    finally:
        database.close()
    return at.run()
